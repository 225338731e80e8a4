"""The perennial-manylinux conformance suite: cases, fixtures, harness, adapters, results.

Only adapters import the tool they wrap; the fixture crafter (``conformance.craft``) imports
nothing from ``reference_impl`` so the fixtures are not made by the code they test.
"""

SUITE_VERSION = "0.1.0"
