"""``python -m reference_impl`` is the ``perennial`` command."""

from reference_impl.cli import run

run()
