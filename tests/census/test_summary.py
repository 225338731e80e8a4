"""The census summary counts wheels, not claims or files: a wheel claiming a tag under two
names counts once, a blocker in many files of one wheel counts once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reference_impl.census.summary import summarize, summary_json, summary_text


def row(
    name: str, claims: list[tuple[str, str | None, bool | None]], **extra: Any
) -> dict[str, Any]:
    return {
        "filename": name,
        "verdict": extra.pop("verdict", "pass"),
        "claims": [
            {"tag": tag, "source": "filename", "manylinux_tag": resolved, "earned": earned}
            for tag, resolved, earned in claims
        ],
        "blockers": extra.pop("blockers", []),
        "error": extra.pop("error", None),
        "exit_code": extra.pop("exit_code", None),
    }


def blocker(subject: str, file: str) -> dict[str, str]:
    return {
        "tag": "manylinux2014_x86_64",
        "clause": "audit.symbol-versions",
        "subject": subject,
        "file": file,
    }


ROWS = [
    row(
        "a.whl",
        [
            ("manylinux2014_x86_64", "manylinux_2_17_x86_64", True),
            ("manylinux_2_17_x86_64", "manylinux_2_17_x86_64", True),
        ],
    ),
    row(
        "b.whl",
        [("manylinux2014_x86_64", "manylinux_2_17_x86_64", False)],
        verdict="fail",
        blockers=[blocker("GLIBC_2.25", "b/one.so"), blocker("GLIBC_2.25", "b/two.so")],
    ),
    row(
        "c.whl",
        [("manylinux_2_5_x86_64", "manylinux_2_5_x86_64", True), ("linux_x86_64", None, None)],
    ),
    row("d.whl", [("musllinux_1_2_x86_64", None, None)], verdict="not-judged"),
    row("e\x1b[2J.whl", [], verdict="error", error="e.whl: not a zip", exit_code=3),
]


def test_each_wheel_counts_once_per_tag_and_per_blocker() -> None:
    data = summary_json(summarize(ROWS), "c.parquet")
    assert data["wheels"] == 5
    assert data["verdicts"] == {"error": 1, "fail": 1, "not-judged": 1, "pass": 2}
    assert data["claims"] == [
        {"tag": "manylinux_2_5_x86_64", "wheels": 1, "earned": 1, "not_earned": 0},
        {"tag": "manylinux_2_17_x86_64", "wheels": 2, "earned": 1, "not_earned": 1},
    ]
    assert data["blockers"] == [
        {
            "clause": "audit.symbol-versions",
            "kind": "symbol version",
            "subject": "GLIBC_2.25",
            "wheels": 1,
            "example": "b.whl",
        }
    ]
    assert data["errors"] == [{"exit_code": 3, "wheels": 1, "example": "e.whl: not a zip"}]


def test_the_text_escapes_what_came_from_wheels() -> None:
    hostile = [row("x\n.whl", [], verdict="fail", blockers=[blocker("GLIBC_\x1b[31m", "x.so")])]
    lines = summary_text(summarize(hostile), "c.parquet")
    assert all("\x1b" not in line and "\n" not in line for line in lines)
    assert any("GLIBC_\\x1b[31m" in line and "x\\n.whl" in line for line in lines)


def test_a_wheel_row_keeps_each_claims_blockers_once_per_subject_and_at_most_a_bound(
    tmp_path: Path,
) -> None:
    """A claim's blockers are every problem of every file: the row keeps one per clause and
    subject (the summary counts wheels per subject) and at most ``BLOCKERS_KEPT``, so a wheel
    of many files cannot make a row too large for its census to be read."""
    from conformance.craft import ElfSpec, Member, WheelSpec, build_elf, build_wheel
    from reference_impl.audit import audit_wheel
    from reference_impl.census.found import Found
    from reference_impl.census.rows import BLOCKERS_KEPT, audit_rows

    def rows(name: str, libraries: list[str]) -> dict[str, Any]:
        members = tuple(
            Member(f"{name}/m{i}.so", build_elf(ElfSpec(arch="x86_64", needed=(library,))))
            for i, library in enumerate(libraries)
        )
        spec = WheelSpec(name, "1.0", "cp312-cp312-manylinux_2_17_x86_64", members)
        path = tmp_path / spec.wheel_filename()
        path.write_bytes(build_wheel(spec))
        audit = audit_wheel(path)
        return audit_rows(Found(str(path), 0, 0), audit, "code").wheel

    same = rows("same", ["libnowhere.so.1"] * 40)
    claims = len(same["claims"])  # the tag of the filename and the WHEEL file's
    assert claims == 2
    assert [(b["clause"], b["subject"], b["file"]) for b in same["blockers"]] == claims * [
        ("audit.external-libraries", "libnowhere.so.1", "same/m0.so")
    ]
    many = rows("many", [f"libnowhere{i}.so.1" for i in range(BLOCKERS_KEPT + 20)])
    subjects = [b["subject"] for b in many["blockers"]]
    assert len(subjects) == claims * BLOCKERS_KEPT
    assert len(set(subjects[:BLOCKERS_KEPT])) == BLOCKERS_KEPT
