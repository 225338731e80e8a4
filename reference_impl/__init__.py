"""perennial-manylinux reference implementation: manylinux tags, installers, indexes, auditing.

Everything here is driven by the policy data in ``policies/``; no alias, architecture floor,
library list or version is written in code.
"""

__version__ = "0.1.0"
