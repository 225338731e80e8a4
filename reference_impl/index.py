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
from reference_impl.tags import (
    MAX_LENGTH,
    PlatformTag,
    fold_case,
    parse_platform_tag,
    parse_wheel_filename,
)


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


GRAMMAR = "index.reject.grammar"
"""The clause of a rejection that says the subject is not a tag or filename at all."""


@dataclass(frozen=True)
class Rejection:
    """One reason one member was refused, with the clause (or, under the PyPI profile, the
    description of PyPI's check) that refuses it.

    ``member`` is spelled exactly as the input wrote it (case, digits, any odd character):
    escape it with :func:`reference_impl.display.shown` before printing it as text.
    """

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
    """Every member of the filename's platform set must be accepted (index.compressed-set);
    every refused member and every malformed part is reported under its own name, as
    written, with every rule that refuses it (index.reject.reason)."""
    data = policies or default_policies()
    rejections: list[Rejection] = []
    malformed: TagError | None = None
    try:
        members = parse_wheel_filename(filename, data).written_platforms
    except TagError as error:
        malformed = error
        members = tuple(member for member in _platform_members(filename) if member)
        rejections.extend(_malformed_parts(filename, data))
    notes: list[str] = []
    for member in members:
        verdict = check_platform_tag(member, policy, data)
        rejections.extend(verdict.rejections)
        notes.extend(verdict.notes)
    if malformed is not None and not any(r.clause == GRAMMAR for r in rejections):
        # the grammar refuses the whole though no part alone shows why
        rejections.insert(0, Rejection(filename, GRAMMAR, malformed.problem))
    return IndexVerdict(filename, tuple(rejections), tuple(notes))


_PART_PROBES = {
    "name": ("{}-0-py3-none-any.whl", "not a project name as a wheel filename writes it"),
    "version": ("x-{}-py3-none-any.whl", "not a PEP 440 version"),
    "build": ("x-0-{}-py3-none-any.whl", "a build tag starts with a digit"),
    "python": ("x-0-{}-none-any.whl", "not an interpreter tag"),
    "abi": ("x-0-py3-{}-any.whl", "not an ABI tag"),
}
"""Each part of a wheel filename set in an otherwise valid filename, so that the grammar's
own parser (:func:`reference_impl.tags.parse_wheel_filename`) judges one part at a time."""


def _malformed_parts(filename: str, data: PolicySet) -> list[Rejection]:
    """Each malformed part of a filename other than its platform members, under its own
    spelling: the length, the shape, the name, version and build, each interpreter and ABI
    member, and a tag set with an empty member."""
    found: list[Rejection] = []
    if len(filename) > MAX_LENGTH:
        too_long = f"longer than {MAX_LENGTH} characters (tag.length)"
        found.append(Rejection(filename, GRAMMAR, too_long))
    parts = filename[: -len(".whl")].split("-")
    if len(parts) not in (5, 6):
        shape = "a wheel filename is NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl (tag.grammar)"
        return [*found, Rejection(filename, GRAMMAR, shape)]
    name, version, *build, pythons, abis, platforms = parts
    pieces = [
        ("name", name),
        ("version", version),
        *(("build", text) for text in build),
        *(("python", member) for member in dict.fromkeys(pythons.split(".")) if member),
        *(("abi", member) for member in dict.fromkeys(abis.split(".")) if member),
    ]
    for kind, text in pieces:
        template, problem = _PART_PROBES[kind]
        if not _parses(template.format(text), data):
            found.append(Rejection(text, GRAMMAR, f"{problem} (tag.grammar)"))
    for text in (pythons, abis, platforms):
        if "" in text.split("."):
            empty = "a tag set has an empty member (tag.compressed-set)"
            found.append(Rejection(text, GRAMMAR, empty))
    return found


def _platform_members(filename: str) -> tuple[str, ...]:
    """The platform set's members as written, once each; none if the filename has no
    platform part."""
    parts = filename[: -len(".whl")].split("-")
    return tuple(dict.fromkeys(parts[-1].split("."))) if len(parts) in (5, 6) else ()


def _parses(filename: str, data: PolicySet) -> bool:
    try:
        parse_wheel_filename(filename, data)
    except TagError:
        return False
    return True


def check_platform_tag(
    text: str, policy: IndexPolicy | None = None, policies: PolicySet | None = None
) -> IndexVerdict:
    """Check one platform tag as written (clause index.accept.recommended)."""
    rules = policy or IndexPolicy()
    data = policies or default_policies()
    try:
        tag = parse_platform_tag(text, data)
    except TagError as error:
        return IndexVerdict(text, (Rejection(text, GRAMMAR, error.problem),))
    rejections: list[Rejection] = []
    if rules.require_lowercase and fold_case(text) != text:
        rejections.append(Rejection(text, "index.reject.case", "not written in lowercase"))
    if tag.kind == "other":
        note = f"{text}: another platform's tag, not judged here (index.other-platforms)"
        return IndexVerdict(text, tuple(rejections), (note,))
    if tag.kind == "linux":
        return IndexVerdict(text, tuple(rejections + _linux_rejections(text, tag, rules)))
    rejections.extend(_perennial_rejections(text, tag, rules, data))
    return IndexVerdict(text, tuple(rejections), _proposed_note(text, tag, data))


def _proposed_note(text: str, tag: PlatformTag, data: PolicySet) -> tuple[str, ...]:
    """A remark when the baseline that judges the tag's glibc on its architecture (the newest
    at or below it) is only proposed: the index accepts the tag all the same, since PEP 600
    makes every glibc a valid tag, but a reader should know the baseline may still change."""
    assert tag.arch is not None and tag.glibc is not None
    below = [b for b in data.for_arch(tag.arch) if b.glibc <= tag.glibc]
    if not below or not below[-1].proposed:
        return ()
    return (f"{text}: judged by {below[-1].name}, a proposed baseline not adopted yet",)


def _linux_rejections(text: str, tag: PlatformTag, rules: IndexPolicy) -> list[Rejection]:
    if not rules.allow_linux:
        return [Rejection(text, "index.linux-tag", "linux_* tags make no portability promise")]
    allowed = rules.linux_architectures
    if allowed is not None and tag.arch not in allowed:
        only = f"linux tags are allowed only for {_names(allowed)}"
        return [Rejection(text, "index.linux-tag", only)]
    return []


def _perennial_rejections(
    text: str, tag: PlatformTag, rules: IndexPolicy, data: PolicySet
) -> list[Rejection]:
    """Check a manylinux tag by architecture and version; an alias is judged as its twin."""
    assert tag.arch is not None and tag.glibc is not None
    found: list[Rejection] = []
    known = rules.known_architectures
    if known is None:
        known = frozenset(data.architectures)
    if tag.arch not in known and not rules.allow_unknown_architectures:
        found.append(
            Rejection(
                text,
                "index.accept.arch",
                f"architecture '{tag.arch}' is not one this index accepts ({_names(known)})",
            )
        )
    lowest = floor(tag.arch, data)
    if rules.enforce_floors and tag.glibc < lowest:
        found.append(
            Rejection(
                text,
                "index.reject.below-floor",
                f"glibc {tag.glibc} is below the {tag.arch} floor {lowest}",
            )
        )
    if rules.max_glibc is not None and tag.glibc > rules.max_glibc:
        found.append(
            Rejection(
                text,
                "index.max-glibc",
                f"glibc {tag.glibc} is above this index's ceiling {rules.max_glibc}",
            )
        )
    return found


def _names(names: frozenset[str]) -> str:
    return ", ".join(sorted(names))
