"""reference_impl.audit on wheels around objects gcc builds here, and on the crafter's wheels.

Each test names the clause of spec/auditing.md it exercises.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reference_impl.audit import ERROR, NOTE, WARNING, WheelAudit, audit_wheel
from reference_impl.policy import default_policies

from .helpers import GETRANDOM, PLAIN, Build, MakeWheel

ROOT = Path(__file__).resolve().parents[2]
CRAFTED = ROOT / "conformance" / "fixtures" / "wheels"

FOO = "int foo(void) { return 7; }\n"
USES_FOO = "int foo(void);\nint bar(void) { return foo() + 1; }\n"


def clauses(audit: WheelAudit, severity: str | None = None) -> set[str]:
    return {f.clause for f in audit.findings if severity is None or f.severity == severity}


def blockers(audit: WheelAudit, baseline: str) -> set[str]:
    verdict = next(v for v in audit.baselines if v.baseline == baseline)
    return {f.clause for f in verdict.blockers}


def versioned_foo(build: Build, tmp_path: Path, soname: str, version: str) -> bytes:
    """``foo`` in a library named ``soname`` that defines it at symbol version ``version``."""
    script = tmp_path / f"{version}.map"
    script.write_text(f"{version} {{ global: foo; local: *; }};\n")
    return build(FOO, f"-Wl,-soname,{soname}", f"-Wl,--version-script={script}")


def crafted(name: str) -> Path:
    found = sorted((CRAFTED / name).glob("*.whl"))
    if not found:
        pytest.skip(f"crafted fixture {name} not generated")
    return found[0]


# audit.minimal-glibc, audit.claimed-vs-earned, audit.best-baseline, audit.explain-blockers
def test_getrandom_needs_exactly_glibc_2_25(build: Build, make_wheel: MakeWheel) -> None:
    audit = audit_wheel(make_wheel({"demo/_bar.so": build(GETRANDOM)}))
    assert not audit.passed
    assert audit.minimal_glibc is not None and str(audit.minimal_glibc) == "2.25"
    assert audit.earned_tag == "manylinux_2_25_x86_64"
    assert (audit.forced_by, audit.forced_in) == ("getrandom@GLIBC_2.25", "demo/_bar.so")
    assert audit.best_baseline == "manylinux_2_26"
    assert blockers(audit, "manylinux_2_17") == {"audit.symbol-versions"}
    blocker = next(v for v in audit.baselines if v.baseline == "manylinux_2_17").blockers[0]
    assert "getrandom@GLIBC_2.25" in blocker.message and blocker.file == "demo/_bar.so"
    assert "audit.claimed-vs-earned" in clauses(audit, ERROR)
    assert {c.earned for c in audit.claims} == {False}


def test_a_2_25_claim_is_earned_without_quantisation(build: Build, make_wheel: MakeWheel) -> None:
    audit = audit_wheel(
        make_wheel({"demo/_bar.so": build(GETRANDOM)}, tags="cp311-cp311-manylinux_2_25_x86_64")
    )
    assert audit.passed, audit.findings
    assert [c.earned for c in audit.claims] == [True, True]


def test_legacy_alias_claims_are_read_as_their_baseline(
    build: Build, make_wheel: MakeWheel
) -> None:
    wheel = make_wheel({"demo/_bar.so": build(GETRANDOM)}, tags="cp311-cp311-manylinux2014_x86_64")
    audit = audit_wheel(wheel)
    assert {c.manylinux_tag for c in audit.claims} == {"manylinux_2_17_x86_64"}
    assert not audit.passed


def test_per_file_minimal_glibc(build: Build, make_wheel: MakeWheel) -> None:
    audit = audit_wheel(
        make_wheel(
            {"demo/_new.so": build(GETRANDOM), "demo/_old.so": build(PLAIN)},
            tags="cp311-cp311-manylinux_2_28_x86_64",
        )
    )
    by_path = {f.path: f for f in audit.files}
    assert str(by_path["demo/_new.so"].minimal_glibc) == "2.25"
    assert str(by_path["demo/_old.so"].minimal_glibc) == "2.5"
    assert audit.passed


# audit.external-libraries, audit.needed-resolution
def test_unbundled_library_blocks_every_baseline(build: Build, make_wheel: MakeWheel) -> None:
    foo = build(FOO, "-Wl,-soname,libfoo.so.1")
    ext = build(USES_FOO, link={"libfoo.so.1": foo})
    audit = audit_wheel(make_wheel({"demo/_ext.so": ext}))
    assert all(blockers(audit, v.baseline) == {"audit.external-libraries"} for v in audit.baselines)
    assert audit.earned_tag is None and audit.best_baseline is None
    assert not audit.passed


@pytest.mark.parametrize(
    ("flags", "where"),
    [
        (("-Wl,-rpath,$ORIGIN/vendor",), "demo/vendor/libfoo.so.1"),  # RUNPATH (new dtags)
        (("-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/../demo.libs"), "demo.libs/libfoo.so.1"),
        ((), "demo.libs/libfoo.so.1"),  # no search path: the wheel's .libs directory
    ],
)
def test_bundled_library_is_found_inside_the_wheel(
    build: Build, make_wheel: MakeWheel, flags: tuple[str, ...], where: str
) -> None:
    foo = build(FOO, "-Wl,-soname,libfoo.so.1")
    ext = build(USES_FOO, *flags, link={"libfoo.so.1": foo})
    audit = audit_wheel(make_wheel({"demo/_ext.so": ext, where: foo}))
    ext_file = next(f for f in audit.files if f.path == "demo/_ext.so")
    assert {r.name: r.bundled_at for r in ext_file.needed}["libfoo.so.1"] == where
    assert audit.passed, audit.findings


def test_versions_from_a_bundled_library_constrain_nothing(
    build: Build, make_wheel: MakeWheel, tmp_path: Path
) -> None:
    foo = versioned_foo(build, tmp_path, "libfoo-1a2b3c4d.so.1", "OPENSSL_3.0")
    ext = build(USES_FOO, "-Wl,-rpath,$ORIGIN", link={"libfoo-1a2b3c4d.so.1": foo})
    audit = audit_wheel(make_wheel({"demo/_ext.so": ext, "demo/libfoo-1a2b3c4d.so.1": foo}))
    assert audit.passed, audit.findings
    assert str(audit.minimal_glibc) == "2.5"


# audit.symbol-versions with a non-GLIBC family
def test_cxx_library_versions_are_judged_per_family(build: Build, make_wheel: MakeWheel) -> None:
    ext = build("#include <string>\nstd::string f() { return std::string(40, 'x'); }\n", cxx=True)
    audit = audit_wheel(make_wheel({"demo/_cxx.so": ext}))
    oldest = audit.baselines[0].blockers
    assert any(b.clause == "audit.symbol-versions" and "GLIBCXX_" in b.message for b in oldest)


# audit.forbidden-symbols
def test_forbidden_symbol_blocks_old_baselines(build: Build, make_wheel: MakeWheel) -> None:
    source = (
        "#define _GNU_SOURCE\n#include <pthread.h>\n"
        "int g(void) { pthread_attr_t a; return pthread_getattr_default_np(&a); }\n"
    )
    audit = audit_wheel(make_wheel({"demo/_f.so": build(source)}))
    assert "audit.forbidden-symbols" in blockers(audit, "manylinux_2_17")


def test_forbidden_symbol_alone_decides_on_aarch64() -> None:
    audit = audit_wheel(crafted("aarch64-forbidden-symbol"))
    assert blockers(audit, "manylinux_2_17") == {"audit.forbidden-symbols"}
    assert not audit.passed


def test_forbidden_zlib_internals() -> None:
    audit = audit_wheel(crafted("x86_64-libz-internal"))
    assert "audit.forbidden-symbols" in blockers(audit, "manylinux_2_17")


def test_ncursesw_is_not_an_allowed_library() -> None:
    audit = audit_wheel(crafted("x86_64-ncursesw"))
    assert "audit.external-libraries" in blockers(audit, "manylinux_2_17")
    assert not audit.passed


# audit.isa-level
def test_isa_level_above_the_baseline_blocks_it() -> None:
    audit = audit_wheel(crafted("x86_64-isa-v3"))
    assert "audit.isa-level" in blockers(audit, "manylinux_2_5")
    assert not audit.passed


# audit.executable-stack
def test_executable_stack_is_a_warning_only(build: Build, make_wheel: MakeWheel) -> None:
    audit = audit_wheel(make_wheel({"demo/_x.so": build(PLAIN, "-Wl,-z,execstack")}))
    assert "audit.executable-stack" in clauses(audit, WARNING)
    assert audit.passed


# audit.bundled-soname-unique
def test_bundled_library_named_like_a_system_one_warns(build: Build, make_wheel: MakeWheel) -> None:
    fake_z = build(FOO, "-Wl,-soname,libz.so.1")
    ext = build(USES_FOO, "-Wl,-rpath,$ORIGIN", link={"libz.so.1": fake_z})
    audit = audit_wheel(make_wheel({"demo/_ext.so": ext, "demo/libz.so.1": fake_z}))
    assert "audit.bundled-soname-unique" in clauses(audit, WARNING)
    assert audit.passed


def test_two_bundled_copies_with_one_soname_warn(build: Build, make_wheel: MakeWheel) -> None:
    dup = build(FOO, "-Wl,-soname,libdup.so.1")
    ext = build(USES_FOO, "-Wl,-rpath,$ORIGIN", link={"libdup.so.1": dup})
    audit = audit_wheel(
        make_wheel({"a/_ext.so": ext, "a/libdup.so.1": dup, "b/_ext.so": ext, "b/libdup.so.1": dup})
    )
    messages = [f.message for f in audit.findings if f.clause == "audit.bundled-soname-unique"]
    assert any("shared by bundled libraries" in m for m in messages)


# audit.arch-consistent, audit.elf.unknown-architecture
def test_tag_naming_another_architecture_fails(build: Build, make_wheel: MakeWheel) -> None:
    audit = audit_wheel(
        make_wheel({"demo/_x.so": build(PLAIN)}, tags="cp311-cp311-manylinux_2_17_aarch64")
    )
    assert "audit.arch-consistent" in clauses(audit, ERROR)
    assert audit.architecture == "x86_64" and not audit.passed


def test_mixed_architectures_fail() -> None:
    audit = audit_wheel(crafted("mixed-arches"))
    assert "audit.arch-consistent" in clauses(audit, ERROR)
    assert audit.earned_tag is None


def test_soft_float_arm_is_an_unknown_architecture() -> None:
    audit = audit_wheel(crafted("armv7l-softfloat-minimal"))
    assert "audit.elf.unknown-architecture" in clauses(audit, ERROR)


@pytest.mark.parametrize("arch", sorted(default_policies().architectures))
def test_every_architecture_earns_its_minimal_wheel(arch: str) -> None:
    audit = audit_wheel(crafted(f"{arch}-minimal"))
    assert audit.architecture == arch
    assert audit.passed, audit.findings


# audit.wheel-tag-matches-filename
def test_wheel_file_disagreeing_with_filename_fails(build: Build, make_wheel: MakeWheel) -> None:
    wheel = make_wheel(
        {"demo/_x.so": build(PLAIN)}, wheel_tags=["cp311-cp311-manylinux_2_28_x86_64"]
    )
    audit = audit_wheel(wheel)
    assert "audit.wheel-tag-matches-filename" in clauses(audit, ERROR)
    assert not audit.passed


# audit.no-elf-files
def test_wheel_without_binaries_claims_nothing_checkable(make_wheel: MakeWheel) -> None:
    audit = audit_wheel(make_wheel({"demo/__init__.py": b""}))
    assert clauses(audit) == {"audit.no-elf-files"}
    assert {f.severity for f in audit.findings} == {NOTE}
    assert audit.passed


# audit.elf-files: names do not matter, content does
def test_elf_files_are_found_by_content(build: Build, make_wheel: MakeWheel) -> None:
    audit = audit_wheel(make_wheel({"demo/data/blob.dat": build(GETRANDOM)}))
    assert [f.path for f in audit.files] == ["demo/data/blob.dat"]


def test_file_object_input(build: Build, make_wheel: MakeWheel) -> None:
    path = make_wheel({"demo/_bar.so": build(GETRANDOM)})
    with path.open("rb") as stream:
        audit = audit_wheel(stream, filename=path.name)
    assert audit.earned_tag == "manylinux_2_25_x86_64"


def test_version_of_no_family_from_a_system_library_blocks_every_baseline(
    build: Build, make_wheel: MakeWheel, tmp_path: Path
) -> None:
    fake_libm = versioned_foo(build, tmp_path, "libm.so.6", "WEIRD_1.0")
    ext = build(USES_FOO, link={"libm.so.6": fake_libm})
    audit = audit_wheel(make_wheel({"demo/_ext.so": ext}))  # libm.so.6 left to the system
    assert all(blockers(audit, v.baseline) == {"audit.symbol-versions"} for v in audit.baselines)
    first = audit.baselines[0].blockers[0]
    assert "WEIRD_1.0" in first.message and "no known family" in first.message


def test_a_baselines_own_glibc_list_wins_over_the_version_number() -> None:
    # glibc 2.17 on aarch64 defines GLIBC_2.18, so manylinux_2_17 allows it there; the
    # symbol in it is referenced weakly, so the forbidden list does not apply either.
    audit = audit_wheel(crafted("aarch64-glibc-2-18-symbol"))
    assert str(audit.minimal_glibc) == "2.17"
    assert audit.passed
