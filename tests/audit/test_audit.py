"""reference_impl.audit on wheels around objects gcc builds here, and on crafted wheels.

Each test names the clause of spec/auditing.md it exercises.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.craft import ElfSpec, Member, Symbol, WheelSpec, build_elf, build_wheel
from reference_impl.audit import ERROR, NOT_JUDGED, NOTE, WARNING, WheelAudit, audit_wheel
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


def libc_user(
    *versions: str,
    soname: str | None = None,
    kind: str = "shared",
    execstack: bool | None = False,
    rpath: str | None = None,
    more_needed: tuple[str, ...] = (),
) -> ElfSpec:
    """An x86_64 ELF file needing these libc.so.6 versions (malloc bound to the last one)."""
    return ElfSpec(
        arch="x86_64",
        kind=kind,
        soname=soname,
        needed=("libc.so.6", *more_needed),
        rpath=rpath,
        version_needs=(("libc.so.6", versions),),
        symbols=(Symbol("malloc", versions[-1], library="libc.so.6"),),
        execstack=execstack,
    )


def wheel_of(
    tmp_path: Path, members: dict[str, ElfSpec], tags: str = "cp312-cp312-manylinux_2_17_x86_64"
) -> Path:
    """A crafted wheel (the project's own ELF writer) holding these ELF files."""
    spec = WheelSpec(
        "demo", "1.0", tags, tuple(Member(p, build_elf(e)) for p, e in members.items())
    )
    path = tmp_path / spec.wheel_filename()
    path.write_bytes(build_wheel(spec))
    return path


# audit.minimal-glibc, audit.glibc-needed, audit.claimed-vs-earned, audit.explain-blockers
def test_getrandom_needs_exactly_glibc_2_25(build: Build, make_wheel: MakeWheel) -> None:
    audit = audit_wheel(make_wheel({"demo/_bar.so": build(GETRANDOM)}))
    assert not audit.passed
    assert str(audit.minimal_glibc) == "2.25"
    assert audit.earliest_tag == "manylinux_2_25_x86_64"
    assert audit.forced_by is not None
    assert audit.forced_by.subject == "GLIBC_2.25" and audit.forced_by.file == "demo/_bar.so"
    assert "getrandom@GLIBC_2.25" in audit.forced_by.message
    assert audit.glibc_needed is not None and audit.glibc_needed.version == "2.25"
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
    assert by_path["demo/_new.so"].needs[0].version == "2.25"
    assert audit.passed


# audit.glibc-needed: as written, not clamped to the floor; reported without any baseline
def test_glibc_needed_is_as_written_and_the_floor_forces_the_tag() -> None:
    audit = audit_wheel(crafted("x86_64-minimal"))
    assert audit.glibc_needed is not None and audit.glibc_needed.version == "2.2.5"
    assert audit.earliest_tag == "manylinux_2_5_x86_64"
    assert audit.forced_by is not None and audit.forced_by.clause == "audit.minimal-glibc"
    s390x = audit_wheel(crafted("s390x-minimal"))
    assert s390x.glibc_needed is not None and s390x.glibc_needed.version == "2.2"
    assert s390x.forced_by is not None and "floor of s390x" in s390x.forced_by.message
    assert "__cxa_finalize" not in s390x.forced_by.message


def test_glibc_needed_is_reported_when_no_baseline_is_met() -> None:
    audit = audit_wheel(crafted("x86_64-ncursesw"))
    assert audit.best_baseline is None and audit.earliest_tag is None
    assert audit.glibc_needed is not None and audit.glibc_needed.version == "2.2.5"
    assert audit.unearnable and audit.unearnable[0].subject == "libncursesw.so.5"


def test_newest_version_of_each_family(build: Build, make_wheel: MakeWheel) -> None:
    source = (
        "#include <cstdlib>\n#include <string>\n"
        'std::string f() { return std::string(40, std::getenv("X")[0]); }\n'
    )
    ext = build(source, cxx=True)
    audit = audit_wheel(make_wheel({"demo/_cxx.so": ext}))
    families = [n.family for n in audit.needs]
    assert families[0] == "GLIBC" and "GLIBCXX" in families
    glibcxx = next(n for n in audit.needs if n.family == "GLIBCXX")
    assert glibcxx.symbol.endswith(f"@GLIBCXX_{glibcxx.version}")


def test_a_patch_release_rounds_up_to_the_next_minor(tmp_path: Path) -> None:
    wheel = wheel_of(tmp_path, {"demo/_x.so": libc_user("GLIBC_2.2.5", "GLIBC_2.3.4")})
    audit = audit_wheel(wheel)
    assert audit.glibc_needed is not None and audit.glibc_needed.version == "2.3.4"
    assert audit.earliest_tag == "manylinux_2_5_x86_64"  # the floor is above 2.4 on x86_64
    aarch64 = audit_wheel(crafted("aarch64-minimal"))
    assert aarch64.forced_by is not None and aarch64.forced_by.subject == "GLIBC_2.17"


def test_another_family_forces_the_earliest_tag() -> None:
    audit = audit_wheel(crafted("ver-gcc-7"))
    assert audit.earliest_tag == "manylinux_2_27_x86_64"
    assert audit.forced_by is not None and audit.forced_by.subject == "GCC_7.0.0"
    assert audit.glibc_needed is not None and audit.glibc_needed.version == "2.2.5"


# audit.external-libraries, audit.needed-resolution
def test_unbundled_library_blocks_every_baseline(build: Build, make_wheel: MakeWheel) -> None:
    foo = build(FOO, "-Wl,-soname,libfoo.so.1")
    ext = build(USES_FOO, link={"libfoo.so.1": foo})
    audit = audit_wheel(make_wheel({"demo/_ext.so": ext}))
    assert all(blockers(audit, v.baseline) == {"audit.external-libraries"} for v in audit.baselines)
    assert audit.earliest_tag is None and audit.best_baseline is None
    assert not audit.passed


def test_a_library_the_loader_cannot_reach_names_the_runpath(tmp_path: Path) -> None:
    lib = libc_user("GLIBC_2.2.5", soname="libhelper.so.1")
    program = libc_user("GLIBC_2.2.5", kind="pie", more_needed=("libhelper.so.1",))
    wheel = wheel_of(tmp_path, {"demo/bin/tool": program, "demo/lib/libhelper.so.1": lib})
    audit = audit_wheel(wheel)
    tool = next(f for f in audit.files if f.path == "demo/bin/tool")
    helper = next(r for r in tool.facts.libraries if r.name == "libhelper.so.1")
    assert helper.bundled_at is None and helper.elsewhere == ("demo/lib/libhelper.so.1",)
    blocker = audit.baselines[0].blockers[0]
    assert "demo/lib/libhelper.so.1" in blocker.message and "$ORIGIN/../lib" in blocker.message


@pytest.mark.parametrize(
    ("flags", "where", "via"),
    [
        (
            ("-Wl,-rpath,$ORIGIN/vendor",),
            "demo/vendor/libfoo-1a2b3c4d.so.1",
            "RUNPATH $ORIGIN/vendor",
        ),
        (
            ("-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/../demo.libs"),
            "demo.libs/libfoo-1a2b3c4d.so.1",
            "RPATH $ORIGIN/../demo.libs",
        ),
        ((), "demo.libs/libfoo-1a2b3c4d.so.1", "demo.libs"),  # the wheel's .libs directory
    ],
)
def test_bundled_library_is_found_inside_the_wheel(
    build: Build, make_wheel: MakeWheel, flags: tuple[str, ...], where: str, via: str
) -> None:
    name = where.rsplit("/", 1)[1]
    foo = build(FOO, f"-Wl,-soname,{name}")
    ext = build(USES_FOO, *flags, link={name: foo})
    audit = audit_wheel(make_wheel({"demo/_ext.so": ext, where: foo}))
    ext_file = next(f for f in audit.files if f.path == "demo/_ext.so")
    found = {r.name: r for r in ext_file.facts.libraries}[name]
    assert (found.bundled_at, found.via) == (where, via)
    assert clauses(audit, ERROR) == set(), audit.findings


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


def test_forbidden_symbol_is_allowed_from_the_release_that_added_it() -> None:
    audit = audit_wheel(crafted("x86_64-forbidden-symbol"))
    assert audit.best_baseline == "manylinux_2_24"
    assert audit.earliest_tag == "manylinux_2_18_x86_64"


def test_forbidden_symbol_alone_decides_on_aarch64() -> None:
    audit = audit_wheel(crafted("aarch64-forbidden-symbol"))
    assert blockers(audit, "manylinux_2_17") == {"audit.forbidden-symbols"}
    assert audit.earliest_tag == "manylinux_2_18_aarch64"
    assert audit.forced_by is not None and audit.forced_by.clause == "audit.forbidden-symbols"
    assert not audit.passed


def test_forbidden_zlib_internals_are_never_lifted() -> None:
    audit = audit_wheel(crafted("x86_64-libz-internal"))
    assert "audit.forbidden-symbols" in blockers(audit, "manylinux_2_17")
    assert audit.earliest_tag is None


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
def test_a_library_asking_for_an_executable_stack_fails(
    build: Build, make_wheel: MakeWheel
) -> None:
    audit = audit_wheel(make_wheel({"demo/_x.so": build(PLAIN, "-Wl,-z,execstack")}))
    assert "audit.executable-stack" in clauses(audit, ERROR)
    assert audit.best_baseline is None and audit.earliest_tag is None
    assert not audit.passed


def test_a_program_asking_for_an_executable_stack_warns(tmp_path: Path) -> None:
    program = libc_user("GLIBC_2.2.5", kind="pie", execstack=True)
    audit = audit_wheel(wheel_of(tmp_path, {"demo/bin/tool": program}))
    assert audit.files[0].facts.interpreter
    assert "audit.executable-stack" in clauses(audit, WARNING)
    assert audit.passed, audit.findings


def test_a_missing_stack_header_takes_the_architectures_default(tmp_path: Path) -> None:
    # x86_64's default stack is executable (policies/architectures.toml): refused like an
    # explicit request; a program without the header only warns.
    library = libc_user("GLIBC_2.2.5", execstack=None)
    audit = audit_wheel(wheel_of(tmp_path, {"demo/_x.so": library}))
    assert "audit.executable-stack" in clauses(audit, ERROR)
    assert not audit.passed and audit.earliest_tag is None
    program = libc_user("GLIBC_2.2.5", kind="pie", execstack=None)
    audit = audit_wheel(wheel_of(tmp_path, {"demo/bin/tool": program}))
    assert "audit.executable-stack" in clauses(audit, WARNING)
    assert audit.passed, audit.findings


# audit.bundled-soname-unique
@pytest.mark.parametrize(
    ("soname", "severity"),
    [
        ("libz.so.1", ERROR),  # a system library's name
        ("libncursesw.so.5", ERROR),  # a library the baselines once allowed
        ("libfoo.so.1", ERROR),  # a published, versioned name without a digest
        ("libfoo.so", WARNING),  # the project's own name, perhaps
        ("libfoo-1a2b3c4d.so.1", None),  # renamed with a digest, as repair tools do
    ],
)
def test_bundled_library_names(tmp_path: Path, soname: str, severity: str | None) -> None:
    lib = libc_user("GLIBC_2.2.5", soname=soname)
    ext = libc_user("GLIBC_2.2.5", more_needed=(soname,), rpath="$ORIGIN")
    audit = audit_wheel(wheel_of(tmp_path, {"demo/_ext.so": ext, f"demo/{soname}": lib}))
    found = {f.severity for f in audit.findings if f.clause == "audit.bundled-soname-unique"}
    assert found == ({severity} if severity else set())
    assert audit.passed == (severity != ERROR)


def test_the_soname_counts_not_the_file_name(tmp_path: Path) -> None:
    lib = libc_user("GLIBC_2.2.5", soname="libz.so.1")  # torchvision.libs/libz.b9a71669.so.1
    ext = libc_user("GLIBC_2.2.5", more_needed=("libz.b9a71669.so.1",), rpath="$ORIGIN")
    audit = audit_wheel(wheel_of(tmp_path, {"demo/_ext.so": ext, "demo/libz.b9a71669.so.1": lib}))
    assert "audit.bundled-soname-unique" in clauses(audit, ERROR)


def test_two_bundled_copies_with_one_soname_fail(build: Build, make_wheel: MakeWheel) -> None:
    dup = build(FOO, "-Wl,-soname,libdup-1a2b3c4d.so.1")
    ext = build(USES_FOO, "-Wl,-rpath,$ORIGIN", link={"libdup-1a2b3c4d.so.1": dup})
    audit = audit_wheel(
        make_wheel(
            {
                "a/_ext.so": ext,
                "a/libdup-1a2b3c4d.so.1": dup,
                "b/_ext.so": ext,
                "b/libdup-1a2b3c4d.so.1": dup,
            }
        )
    )
    messages = [f.message for f in audit.findings if f.clause == "audit.bundled-soname-unique"]
    assert any("shared by bundled libraries" in m for m in messages)
    assert not audit.passed


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
    assert audit.earliest_tag is None and audit.unearnable


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


# audit.no-elf-files, audit.claimed-vs-earned
def test_wheel_without_binaries_earns_a_covered_claim(make_wheel: MakeWheel) -> None:
    audit = audit_wheel(make_wheel({"demo/__init__.py": b""}))
    assert clauses(audit) == {"audit.no-elf-files"}
    assert {f.severity for f in audit.findings} == {NOTE}
    assert audit.passed and audit.earliest_tag is None and not audit.needs


def test_wheel_without_binaries_does_not_earn_an_uncovered_claim(make_wheel: MakeWheel) -> None:
    audit = audit_wheel(make_wheel({"demo/__init__.py": b""}, tags="py3-none-manylinux_2_17_legv8"))
    assert "audit.claimed-vs-earned" in clauses(audit, ERROR)
    assert not audit.passed


# audit.not-judged
@pytest.mark.parametrize("platform", ["musllinux_1_2_x86_64", "linux_x86_64", "any"])
def test_tags_outside_pep600_are_not_judged(
    build: Build, make_wheel: MakeWheel, platform: str
) -> None:
    wheel = make_wheel({"demo/_x.so": build(GETRANDOM)}, tags=f"cp311-cp311-{platform}")
    audit = audit_wheel(wheel)
    assert audit.verdict == NOT_JUDGED and not audit.passed
    assert [c.earned for c in audit.claims] == [None, None]
    note = next(f for f in audit.findings if f.clause == "audit.not-judged")
    assert platform in note.message and "need glibc 2.25" in note.message


# audit.elf-files: names do not matter, content does
def test_elf_files_are_found_by_content(build: Build, make_wheel: MakeWheel) -> None:
    audit = audit_wheel(make_wheel({"demo/data/blob.dat": build(GETRANDOM)}))
    assert [f.path for f in audit.files] == ["demo/data/blob.dat"]


def test_file_object_input(build: Build, make_wheel: MakeWheel) -> None:
    path = make_wheel({"demo/_bar.so": build(GETRANDOM)})
    with path.open("rb") as stream:
        audit = audit_wheel(stream, filename=path.name)
    assert audit.earliest_tag == "manylinux_2_25_x86_64"


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
    assert audit.glibc_needed is not None and audit.glibc_needed.version == "2.18"
    assert audit.passed
