"""The policy data of every manylinux baseline, loaded from ``policies/`` and validated.

Import from here: ``default_policies()`` for the shipped data, ``load_policies(path)`` for
another directory (a proposed change, a test's broken copy).
"""

from reference_impl.policy.load import (
    POLICY_DIR_ENV,
    default_policies,
    default_policy_dir,
    load_policies,
)
from reference_impl.policy.model import (
    Amendment,
    Architecture,
    Baseline,
    Distribution,
    Family,
    GlibcVersion,
    LegacyAlias,
    PolicySet,
    Source,
)

__all__ = [
    "POLICY_DIR_ENV",
    "Amendment",
    "Architecture",
    "Baseline",
    "Distribution",
    "Family",
    "GlibcVersion",
    "LegacyAlias",
    "PolicySet",
    "Source",
    "default_policies",
    "default_policy_dir",
    "load_policies",
]
