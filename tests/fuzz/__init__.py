"""The fuzz campaign: ``perennial`` on mutated ELF files, wheels, policy files and tag strings.

``python -m tests.fuzz`` (``make fuzz``) runs it; ``test_slice.py`` runs a fixed-seed slice
with the tests. Seeds are the committed fixtures (``conformance/fixtures``), the real
toolchain binaries (``conformance/toolchain``) and, in the full campaign, the compiled
extension modules of the development environment. Each case is a pure function of the
campaign seed, its family and its index, so any run can be replayed (``--replay``).

Every case runs ``perennial`` in a forked child under limits (``runner.py``) and is
classified (``verdict.py``): a clean error, a verdict, an internal error or traceback, a run
over the time or memory limit, or a messy answer (several error lines, an unescaped
character from input, an error that names no input).
"""
