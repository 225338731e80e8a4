"""Properties that hold for every tag, system and override; each test's name states one."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.display import quoted
from reference_impl.errors import TagError
from reference_impl.index import IndexPolicy, check_platform_tag
from reference_impl.installer import check, platform_tags
from reference_impl.override import Override
from reference_impl.policy import GlibcVersion, default_policies
from reference_impl.system import TargetSystem
from reference_impl.tags import (
    PlatformTag,
    format_platform_tag,
    linux_tag,
    manylinux_tag,
    parse_platform_tag,
)

POLICIES = default_policies()
ARCHES = [*sorted(POLICIES.architectures), "legv8le", "armv8l"]
ALIASES = [parse_platform_tag(text) for text in POLICIES.legacy_aliases]

arch_names = st.sampled_from(ARCHES)
small_versions = st.builds(
    GlibcVersion, st.integers(min_value=0, max_value=4), st.integers(min_value=0, max_value=60)
)
tag_versions = st.builds(
    GlibcVersion,
    st.integers(min_value=0, max_value=65535),
    st.integers(min_value=0, max_value=65535),
)
free_arches = st.from_regex(r"[a-z0-9]{1,8}(_[a-z0-9]{1,8}){0,2}", fullmatch=True)
answers = st.sampled_from([True, False, None, "no", "", 0, 1])


def _systems() -> st.SearchStrategy[TargetSystem]:
    return st.builds(
        lambda version, arch: TargetSystem.for_glibc(str(version), arch),
        st.builds(
            GlibcVersion,
            st.integers(min_value=1, max_value=4),
            st.integers(min_value=0, max_value=60),
        ),
        arch_names,
    )


def _universe(arch: str) -> list[PlatformTag]:
    """Every manylinux tag of ``arch`` with a small version, its aliases and its linux tag."""
    tags = [
        manylinux_tag(GlibcVersion(major, minor), arch) for major in range(5) for minor in range(61)
    ]
    return [*tags, *(a for a in ALIASES if a.arch == arch), linux_tag(arch)]


@st.composite
def overrides(draw: st.DrawFn) -> Override:
    """A module-like override: a function with a drawn answer per version, or legacy booleans."""
    if draw(st.booleans()):
        table = draw(st.dictionaries(small_versions, answers, max_size=20))
        default = draw(answers)
        return Override(
            SimpleNamespace(
                manylinux_compatible=lambda M, m, a: table.get(GlibcVersion(M, m), default)
            )
        )
    names = sorted({f"{a.name}_compatible" for a in POLICIES.legacy_aliases.values()})
    chosen = draw(st.dictionaries(st.sampled_from(names), answers))
    return Override(SimpleNamespace(**chosen))


@settings(deadline=None)
@given(tag_versions, free_arches)
def test_parse_format_round_trip_for_perennial_tags(version: GlibcVersion, arch: str) -> None:
    tag = manylinux_tag(version, arch)
    assert parse_platform_tag(format_platform_tag(tag)) == tag


@settings(deadline=None)
@given(
    st.text(max_size=40)
    | st.from_regex(r"(?i)(many)?linux[0-9_+\-]{0,12}[a-z0-9_]{0,12}", fullmatch=True)
)
def test_any_text_either_raises_tag_error_or_round_trips(text: str) -> None:
    try:
        tag = parse_platform_tag(text)
    except TagError as error:
        # The error names the text as it was given (escaped once, where it is printed).
        assert str(error).startswith(quoted(text))
        return
    assert parse_platform_tag(format_platform_tag(tag)) == tag


@settings(deadline=None)
@given(
    _systems(),
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=0, max_value=60),
)
def test_compatibility_is_monotone_in_the_system_glibc(
    system: TargetSystem, newer_by: int, major: int, minor: int
) -> None:
    assert system.glibc is not None
    tag = manylinux_tag(GlibcVersion(major, minor), system.arch)
    newer = TargetSystem.for_glibc(
        f"{system.glibc.major}.{system.glibc.minor + newer_by}", system.arch
    )
    if check(tag, system).compatible:
        assert check(tag, newer).compatible


@settings(deadline=None, max_examples=60)
@given(_systems(), st.none() | overrides())
def test_enumeration_is_exactly_the_compatible_tags_in_non_increasing_glibc_order(
    system: TargetSystem, override: Override | None
) -> None:
    listed = platform_tags(system, override=override)
    compatible = {
        t for t in _universe(system.arch) if check(t, system, override=override).compatible
    }
    assert set(listed) == compatible
    assert len(listed) == len(set(listed))
    versions = [t.glibc for t in listed if t.glibc is not None]
    assert all(a >= b for a, b in itertools.pairwise(versions))


@settings(deadline=None)
@given(_systems(), overrides(), small_versions)
def test_an_override_never_makes_an_incompatible_tag_compatible(
    system: TargetSystem, override: Override, version: GlibcVersion
) -> None:
    tag = manylinux_tag(version, system.arch)
    if not check(tag, system).compatible:
        assert not check(tag, system, override=override).compatible


index_policies = st.builds(
    IndexPolicy,
    known_architectures=st.none() | st.frozensets(arch_names),
    allow_unknown_architectures=st.booleans(),
    enforce_floors=st.booleans(),
    max_glibc=st.none() | small_versions,
)


@settings(deadline=None)
@given(st.sampled_from(ALIASES), _systems(), st.none() | overrides(), index_policies)
def test_a_legacy_alias_and_its_twin_always_get_the_same_answer(
    alias: PlatformTag, system: TargetSystem, override: Override | None, policy: IndexPolicy
) -> None:
    assert alias.arch is not None
    system = TargetSystem.for_glibc(system.libc_version or "", alias.arch)
    installer = check(alias, system, override=override).compatible
    assert installer == check(alias.twin, system, override=override).compatible
    index = check_platform_tag(alias.text, policy).accepted
    assert index == check_platform_tag(alias.twin.text, policy).accepted


@settings(deadline=None)
@given(
    st.text(max_size=30)
    | st.from_regex(
        r"(?i)manylinux_[0-9+\-\u0660-\u0669]{0,6}_[0-9+\-]{0,6}_[a-z0-9_]{0,10}", fullmatch=True
    )
)
def test_index_acceptance_never_accepts_what_the_grammar_rejects(text: str) -> None:
    try:
        parse_platform_tag(text)
    except TagError:
        assert not check_platform_tag(text).accepted
