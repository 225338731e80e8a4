"""A file without a PT_GNU_STACK header gets its architecture's default stack
(``default_stack`` in policies/architectures.toml): refused where that is executable, a
warning elsewhere; the real big-endian ppc64 objects of Debian's gcc have no such header."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reference_impl.audit import audit_wheel
from reference_impl.audit_checks import ERROR, WARNING
from reference_impl.errors import PolicyError
from reference_impl.policy import default_policy_dir, load_policies

ROOT = Path(__file__).parents[2]
WHEELS = ROOT / "conformance" / "fixtures" / "wheels"


def _stack_findings(fixture: str) -> list[tuple[str, str]]:
    wheel = next((WHEELS / fixture).glob("*.whl"))
    audit = audit_wheel(wheel)
    return [(f.severity, f.message) for f in audit.findings if f.clause == "audit.executable-stack"]


def test_the_real_ppc64_toolchain_library_only_warns() -> None:
    # conformance/toolchain/built/ppc64/libtls-4k.so: `readelf -lW` lists no GNU_STACK.
    ((severity, message),) = _stack_findings("toolchain-ppc64-tls")
    assert severity == WARNING
    assert message == (
        "no PT_GNU_STACK header: the default stack on ppc64 is not executable, so glibc loads it"
    )


@pytest.mark.parametrize("arch", ["x86_64", "i686", "armv7l", "s390x"])
def test_a_library_without_the_header_is_refused_where_the_default_is_executable(
    arch: str,
) -> None:
    fixture = "stack-absent" if arch == "x86_64" else f"stack-absent-{arch}"
    ((severity, message),) = _stack_findings(fixture)
    assert severity == ERROR
    assert message.startswith(f"no PT_GNU_STACK header: the default stack on {arch} is executable")


def test_a_default_stack_must_be_one_of_two_words(tmp_path: Path) -> None:
    copy = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), copy)
    path = copy / "architectures.toml"
    path.write_text(
        path.read_text().replace('default_stack = "executable"', 'default_stack = "rwx"', 1)
    )
    with pytest.raises(
        PolicyError, match="default_stack: expected 'executable' or 'not-executable'"
    ):
        load_policies(copy)


def test_without_the_fact_a_missing_header_only_warns(tmp_path: Path) -> None:
    # Policy data older than `default_stack` (a git ref `policy review` reads) still loads.
    copy = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), copy)
    path = copy / "architectures.toml"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(x for x in lines if not x.startswith("default_stack")))
    wheel = next((WHEELS / "stack-absent").glob("*.whl"))
    audit = audit_wheel(wheel, policies=load_policies(copy))
    assert audit.passed
    assert [f.severity for f in audit.findings if f.clause == "audit.executable-stack"] == [WARNING]
