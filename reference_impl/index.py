"""What an index accepts on upload (``spec/indexes.md``), with its choices as parameters.

PEP 600 only recommends rules and lets an index add its own; :class:`IndexPolicy` names each
choice and defaults it to the specification's answer. Every rejection says which member and
which rule (clause index.reject.reason).
"""

from __future__ import annotations

from dataclasses import dataclass

from reference_impl.errors import TagError
from reference_impl.installer import floor
from reference_impl.policy import GlibcVersion, PolicySet, default_policies
from reference_impl.tags import PlatformTag, fold_case, parse_platform_tag, parse_wheel_filename


@dataclass(frozen=True)
class IndexPolicy:
    """An index's own rules. Each default is the specification's recommended answer."""

    known_architectures: frozenset[str] | None = None
    """Architectures accepted in perennial tags; None means those of the policy data
    (clause index.accept.arch)."""
    allow_unknown_architectures: bool = False
    """Accept perennial tags of any grammatical architecture (index.accept.arch)."""
    enforce_floors: bool = True
    """Refuse perennial tags below their architecture's floor (index.reject.below-floor)."""
    max_glibc: GlibcVersion | None = None
    """Refuse perennial tags above this glibc; None sets no ceiling (index.max-glibc)."""
    allow_linux: bool = False
    """Accept ``linux_ARCH`` tags (index.linux-tag)."""
    linux_architectures: frozenset[str] | None = None
    """When linux tags are allowed, the architectures allowed; None means all."""
    require_lowercase: bool = True
    """Refuse platform tags not written in lowercase (index.reject.case)."""


@dataclass(frozen=True)
class Rejection:
    """One reason one member was refused, with the clause that refuses it."""

    member: str
    clause: str
    reason: str

    def __str__(self) -> str:
        return f"{self.member}: {self.reason} ({self.clause})"


@dataclass(frozen=True)
class IndexVerdict:
    """The answer for one upload: accepted, or every reason it is not; notes are remarks
    that do not refuse (a tag this specification does not judge)."""

    subject: str
    rejections: tuple[Rejection, ...]
    notes: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        """True when nothing refused it."""
        return not self.rejections


def check_upload(
    subject: str, policy: IndexPolicy | None = None, policies: PolicySet | None = None
) -> IndexVerdict:
    """Check a wheel filename (ends in ``.whl``) or a single platform tag."""
    if subject.endswith(".whl"):
        return check_wheel_filename(subject, policy, policies)
    return check_platform_tag(subject, policy, policies)


def check_wheel_filename(
    filename: str, policy: IndexPolicy | None = None, policies: PolicySet | None = None
) -> IndexVerdict:
    """Every member of the filename's platform set must be accepted (index.compressed-set)."""
    data = policies or default_policies()
    try:
        wheel = parse_wheel_filename(filename, data)
    except TagError as error:
        return IndexVerdict(filename, (Rejection(filename, "index.reject.grammar", error.problem),))
    rejections: list[Rejection] = []
    notes: list[str] = []
    for written in wheel.written_platforms:
        verdict = check_platform_tag(written, policy, data)
        rejections.extend(verdict.rejections)
        notes.extend(verdict.notes)
    return IndexVerdict(filename, tuple(rejections), tuple(notes))


def check_platform_tag(
    text: str, policy: IndexPolicy | None = None, policies: PolicySet | None = None
) -> IndexVerdict:
    """Check one platform tag as written (clause index.accept.recommended)."""
    rules = policy or IndexPolicy()
    data = policies or default_policies()
    try:
        tag = parse_platform_tag(text, data)
    except TagError as error:
        return IndexVerdict(text, (Rejection(error.source, "index.reject.grammar", error.problem),))
    rejections: list[Rejection] = []
    if rules.require_lowercase and fold_case(text) != text:
        rejections.append(Rejection(tag.text, "index.reject.case", "not written in lowercase"))
    if tag.kind == "other":
        note = f"{tag}: another platform's tag, not judged here (index.other-platforms)"
        return IndexVerdict(text, tuple(rejections), (note,))
    if tag.kind == "linux":
        rejections.extend(_linux_rejections(tag, rules))
    else:
        rejections.extend(_perennial_rejections(tag, rules, data))
    return IndexVerdict(text, tuple(rejections))


def _linux_rejections(tag: PlatformTag, rules: IndexPolicy) -> list[Rejection]:
    if not rules.allow_linux:
        return [Rejection(tag.text, "index.linux-tag", "linux_* tags make no portability promise")]
    allowed = rules.linux_architectures
    if allowed is not None and tag.arch not in allowed:
        return [
            Rejection(
                tag.text, "index.linux-tag", f"linux tags are allowed only for {_names(allowed)}"
            )
        ]
    return []


def _perennial_rejections(tag: PlatformTag, rules: IndexPolicy, data: PolicySet) -> list[Rejection]:
    """Check a manylinux tag by architecture and version; an alias is judged as its twin."""
    assert tag.arch is not None and tag.glibc is not None
    found: list[Rejection] = []
    known = rules.known_architectures
    if known is None:
        known = frozenset(data.architectures)
    if tag.arch not in known and not rules.allow_unknown_architectures:
        found.append(
            Rejection(
                tag.text,
                "index.accept.arch",
                f"architecture {tag.arch!r} is not one this index accepts ({_names(known)})",
            )
        )
    lowest = floor(tag.arch, data)
    if rules.enforce_floors and tag.glibc < lowest:
        found.append(
            Rejection(
                tag.text,
                "index.reject.below-floor",
                f"glibc {tag.glibc} is below the {tag.arch} floor {lowest}",
            )
        )
    if rules.max_glibc is not None and tag.glibc > rules.max_glibc:
        found.append(
            Rejection(
                tag.text,
                "index.max-glibc",
                f"glibc {tag.glibc} is above this index's ceiling {rules.max_glibc}",
            )
        )
    return found


def _names(names: frozenset[str]) -> str:
    return ", ".join(sorted(names))
