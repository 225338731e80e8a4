"""The census summary counts wheels, not claims or files: a wheel claiming a tag under two
names counts once, a blocker in many files of one wheel counts once."""

from __future__ import annotations

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
