"""``perennial policy review``: a change to policies/ in a git work tree, reviewed against a
ref read with ``git show``: the rules in sentences, the evidence, and the wheels that gain
or lose tags."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reference_impl.census.delta import Delta, Tally
from reference_impl.policy import default_policies, default_policy_dir, load_policies
from reference_impl.policy.review import Review, rule_changes
from reference_impl.policy.review_report import review_markdown
from reference_impl.record import replace

from .conftest import FIXTURES, FixtureCensus, copy_wheels, perennial

ALLOW_NCURSESW = (
    'libraries = ["libmvec.so.1"]',
    'libraries = ["libmvec.so.1", "libncursesw.so.5"]',
)
"""An edit of manylinux_2_24.toml: libncursesw.so.5 joins the allowed libraries."""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git work tree on ``main`` whose one commit holds the shipped policies/."""
    top = tmp_path / "repo"
    shutil.copytree(default_policy_dir(), top / "policies")
    git(tmp_path, "init", "-q", "-b", "main", str(top))
    git(top, "config", "user.email", "census@example.org")
    git(top, "config", "user.name", "census")
    git(top, "add", "policies")
    git(top, "commit", "-q", "-m", "policies")
    return top


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def review(repo: Path, *extra: str) -> tuple[int, str, str]:
    ran = perennial("policy", "--policies", str(repo / "policies"), "review", *extra)
    return ran.code, ran.out, ran.err


def fixture_name(folder: str) -> str:
    (wheel,) = (FIXTURES / folder).glob("*.whl")
    return wheel.name


def test_an_unchanged_policy_changes_nothing(repo: Path) -> None:
    code, out, err = review(repo)
    assert (code, err) == (0, "")
    assert out.startswith("## Policy review: the working tree against the merge base with main (")
    assert "The policy data is unchanged." in out
    assert "auditor fixtures:" in out and " 0 of them change" in out


def test_allowing_a_library_names_the_baselines_and_the_wheels_that_gain(repo: Path) -> None:
    edit(repo / "policies" / "baselines" / "manylinux_2_24.toml", *ALLOW_NCURSESW)
    code, out, _ = review(repo, "--base", "HEAD")
    later = [b for b in load_policies(repo / "policies").baselines if b.glibc >= (2, 24)]
    assert code == 0
    assert f"manylinux_2_24 to {later[-1].name} ({len(later)} baselines) change:" in out
    assert "- Allows linking to libncursesw.so.5." in out
    row = next(line for line in out.splitlines() if line.startswith("| `manylinux_2_24_x86_64`"))
    assert row.startswith(f"| `manylinux_2_24_x86_64` to `{later[-1].name}_x86_64` ")
    assert fixture_name("x86_64-ncursesw") in row

    data = json.loads(review(repo, "--base", "HEAD", "--json")[1])
    gained = data["wheels"]["tags_gained"]
    x86 = [b.tag("x86_64") for b in later if "x86_64" in b.architectures]
    assert {tag for tag in gained if tag.endswith("_x86_64")} == set(x86)
    assert fixture_name("x86_64-ncursesw") in gained["manylinux_2_24_x86_64"]["examples"]
    assert data["wheels"]["tags_lost"] == {} and data["wheels"]["claims_lost"] == {}
    assert data["wheels"]["unreadable"] > 0 and data["wheels"]["incomplete"]["wheels"] == 0


def test_the_default_base_is_the_merge_base_with_main(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "proposal")
    edit(repo / "policies" / "baselines" / "manylinux_2_24.toml", *ALLOW_NCURSESW)
    git(repo, "commit", "-q", "-am", "allow libncursesw.so.5")
    assert "Allows linking to libncursesw.so.5." in review(repo)[1]
    assert "The policy data is unchanged." in review(repo, "--base", "HEAD")[1]


LIBC_FORBIDDEN = '"__issignalingf", "__issignalingl",\n    '
PTHREAD_FORBIDDEN = '"libpthread.so.0" = ['
CHANGES = {
    "a library allowed": [("baselines/manylinux_2_24.toml", *ALLOW_NCURSESW)],
    "a version allowed": [
        (
            "baselines/manylinux_2_41.toml",
            '[add.symbol_versions.x86_64]\nGLIBC = ["2.41"]',
            '[add.symbol_versions.x86_64]\nGLIBC = ["2.41", "2.42"]',
        )
    ],
    "a symbol no longer forbidden": [
        (name, prefix + '"pthread_getattr_default_np", ', prefix)
        for name in ("baselines/manylinux_2_5.toml", "baselines/manylinux_2_24.toml")
        for prefix in (LIBC_FORBIDDEN, PTHREAD_FORBIDDEN)
    ],
    "an ISA level raised": [
        ("baselines/manylinux_2_5.toml", 'x86_64 = "x86-64"', 'x86_64 = "x86-64-v2"')
    ],
    "a floor raised (its architecture's wheels)": [
        ("architectures.toml", 'Intel 64)"\nfloor = "2.5"', 'Intel 64)"\nfloor = "2.12"')
    ],
    "a named version's release moved": [
        ("families.toml", 'ABI_DT_RELR = "2.36"', 'ABI_DT_RELR = "2.35"')
    ],
    "an ELF identity changed (no scope)": [
        (
            "architectures.toml",
            'floor_source = "pep600"\nbits = 64',
            'floor_source = "pep600"\nbits = 32',
        )
    ],
}
"""Kinds of policy change; all but the last only change what baselines allow or what one
architecture's wheels read."""


@pytest.mark.parametrize("change", CHANGES)
def test_a_census_gives_the_delta_of_its_wheels_judging_only_those_touched(
    repo: Path, fixture_census: FixtureCensus, change: str
) -> None:
    """The fixtures are judged in full; the census judges only the wheels that name what
    the change touches. Both must find the same changes."""
    for name, old, new in CHANGES[change]:
        edit(repo / "policies" / name, old, new)
    full = json.loads(review(repo, "--base", "HEAD", "--json")[1])["wheels"]
    code, out, _ = review(repo, "--base", "HEAD", "--census", str(fixture_census.out), "--json")
    scoped = json.loads(out)["wheels"]
    assert code == 0 and scoped.pop("from") == f"the census {fixture_census.out}"
    assert full.pop("untouched") == 0 and full["changed"]["wheels"] > 0
    untouched = scoped.pop("untouched")
    assert (untouched == 0) == change.endswith("(no scope)")
    assert scoped.pop("judged") + untouched == full.pop("judged")
    full.pop("from")
    assert scoped == full


def test_a_change_no_wheel_of_the_census_names_judges_none_of_them(
    repo: Path, fixture_census: FixtureCensus
) -> None:
    edit(
        repo / "policies" / "baselines" / "manylinux_2_24.toml",
        ALLOW_NCURSESW[0],
        'libraries = ["libmvec.so.1", "libnowhere.so.9"]',
    )
    code, out, _ = review(repo, "--base", "HEAD", "--census", str(fixture_census.out), "--json")
    wheels = json.loads(out)["wheels"]
    assert code == 0 and wheels["judged"] == 0 and wheels["changed"]["wheels"] == 0
    assert wheels["untouched"] + wheels["unreadable"] == len(list(FIXTURES.rglob("*.whl")))


def test_a_family_described_anew_judges_no_wheel(repo: Path, fixture_census: FixtureCensus) -> None:
    """A family's description, sources and libraries are not read by the judge: a review of
    an edit to them over a census judges nothing, and its full delta (the fixtures, all
    judged) is empty too."""
    families = repo / "policies" / "families.toml"
    edit(families, '"the GNU C library and its companion libraries"', '"glibc, edited"')
    edit(
        families,
        'prefix = "GCC_"\nlibraries = ["libgcc_s.so.1"]',
        'prefix = "GCC_"\nlibraries = []',
    )
    full = json.loads(review(repo, "--base", "HEAD", "--json")[1])["wheels"]
    assert full["judged"] > 0 and full["changed"]["wheels"] == 0
    code, out, _ = review(repo, "--base", "HEAD", "--census", str(fixture_census.out), "--json")
    wheels = json.loads(out)["wheels"]
    assert code == 0 and wheels["judged"] == 0 and wheels["changed"]["wheels"] == 0
    assert wheels["untouched"] == full["judged"]


def test_evidence_lacking_a_newly_allowed_version_is_a_new_mismatch(
    repo: Path, tmp_path: Path
) -> None:
    newest = load_policies(repo / "policies").newest
    defined = newest.symbol_versions["x86_64"]
    observation = {
        "glibc_version": str(newest.glibc),
        "symbols": {f: sorted(v) for f, v in defined.items()},
    }
    (tmp_path / "evidence" / "distros" / "x86_64").mkdir(parents=True)
    (tmp_path / "evidence" / "distros" / "x86_64" / "example-1.json").write_text(
        json.dumps(observation)
    )
    clean = review(repo, "--evidence", str(tmp_path / "evidence"))
    assert clean[0] == 0 and "every allowed symbol version is present" in clean[1]

    table = "[add.symbol_versions.x86_64]\n"
    edit(
        repo / "policies" / "baselines" / f"{newest.name}.toml",
        table,
        table + 'GLIBCXX = ["3.4.99"]\n',
    )
    code, out, _ = review(repo, "--evidence", str(tmp_path / "evidence"))
    assert code == 1
    assert "1 allowed symbol versions are missing on covered distributions, 1 of them new" in out
    assert (
        f"- {newest.name} allows GLIBCXX_3.4.99 on x86_64, but example-1 does not define it (new)"
        in out
    )


def test_a_ref_git_does_not_know_is_a_usage_error(repo: Path) -> None:
    code, out, err = review(repo, "--base", "no-such-branch")
    assert (code, out) == (2, "") and err.count("\n") == 1 and err.startswith("perennial: git ")


def test_policies_outside_a_git_work_tree_are_a_usage_error(tmp_path: Path) -> None:
    shutil.copytree(default_policy_dir(), tmp_path / "policies")
    ran = perennial("policy", "--policies", str(tmp_path / "policies"), "review")
    assert ran.code == 2 and ran.err.count("\n") == 1 and "git" in ran.err


def test_a_malformed_base_names_the_commit_and_file(repo: Path) -> None:
    baseline = repo / "policies" / "baselines" / "manylinux_2_28.toml"
    good = baseline.read_text()
    baseline.write_text(good.replace('glibc = "2.28"', 'glibc = "two"'))
    git(repo, "commit", "-q", "-am", "break it")
    baseline.write_text(good)
    commit = git(repo, "rev-parse", "HEAD")[:12]
    code, out, err = review(repo, "--base", "HEAD")
    assert (code, out) == (4, "") and err.count("\n") == 1
    assert f"{commit}:policies/baselines/manylinux_2_28.toml" in err


def test_names_from_wheels_cannot_break_the_markdown() -> None:
    hostile = "evil|name`\n| injected | row |.whl"
    delta = Delta(judged=1, changed=Tally(1, [hostile]))
    delta.tags_lost["manylinux_2_17_x86_64"] = Tally(1, [hostile])
    text = review_markdown(Review("base", "head", (), None, "a census", 0, 0, delta))
    (row,) = [line for line in text.splitlines() if line.startswith("| `manylinux_2_17")]
    assert "\\n" in row and "\n| injected" not in text
    assert len(re.findall(r"(?<!\\)\|", row)) == 5, "only the four columns' own bars"


def test_a_changed_architecture_is_said_field_by_field() -> None:
    """A reviewer reads what moved in an architecture's record, not only that it changed."""
    base = default_policies()
    x86 = base.architectures["x86_64"]
    changed = replace(x86, executable_stack_default=not x86.executable_stack_default)
    head = replace(base, architectures={**base.architectures, "x86_64": changed})
    expected = (
        "The architecture x86_64 changes: executable_stack_default "
        f"{x86.executable_stack_default} -> {changed.executable_stack_default}."
    )
    assert expected in rule_changes(base, head)


def small_census(folder: Path, judged_by: str | None) -> Path:
    """A census (in ``folder``) of two crafted x86_64 wheels, made under the shipped data by
    this code; given ``judged_by``, each row's satisfied tags emptied and its ``judged_by``
    set to it, so a review that believes the row says so."""
    from reference_impl.census.found import find_wheels
    from reference_impl.census.judge_code import judge_digest
    from reference_impl.census.store import PartWriter, Paths
    from reference_impl.census.work import census_wheel, policy_digest

    copy_wheels(["x86_64-minimal", "x86_64-getrandom"], folder / "mirror")
    out = folder / "c.parquet"
    writer = PartWriter(Paths.of(out), policy_digest(default_policy_dir()), every=2)
    for found in find_wheels([folder / "mirror"], []):
        rows = census_wheel(found, None, ())
        assert rows.wheel["satisfied"] and rows.wheel["judged_by"] == judge_digest()
        if judged_by is not None:
            rows.wheel.update(satisfied=[], judged_by=judged_by)
        writer.add(rows)
    return out


def test_a_census_keeps_each_wheels_outcome_as_judging_its_facts_gives_it(
    fixture_census: FixtureCensus,
) -> None:
    """What a review takes from a census made under its base instead of judging again."""
    from reference_impl.audit import judge_outcome
    from reference_impl.census.judge_code import judge_digest
    from reference_impl.census.rows import OUTCOME_KEYS, facts_of, stored_outcome
    from reference_impl.census.store import Paths, read_census

    compared = 0
    for wheel, files in read_census(Paths.of(fixture_census.out)):
        if wheel["verdict"] == "error":
            continue
        assert set(OUTCOME_KEYS) <= set(wheel)
        facts = facts_of(wheel, files, "census")
        assert stored_outcome(wheel, judge_digest()) == judge_outcome(facts, default_policies())
        assert stored_outcome(wheel, "other code") is None
        compared += 1
    assert compared > 100


def test_a_census_made_under_the_base_is_judged_again_only_when_other_code_judged_it(
    repo: Path, tmp_path: Path
) -> None:
    """Each row's base outcome is taken as stored when this very code judged it (a row whose
    satisfied tags were emptied is believed, so the review reads it), and judged again from
    its facts when other code did (the emptied tags are then not believed)."""
    from reference_impl.census.judge_code import judge_digest

    (repo / "policies" / "baselines" / "manylinux_2_43.toml").unlink()  # no scope: all judged
    gained = {}
    for judge in (judge_digest(), "0" * 64):
        out = small_census(tmp_path / judge[:6], judge)
        code, out_text, err = review(repo, "--base", "HEAD", "--census", str(out), "--json")
        assert (code, err) == (0, "")
        wheels = json.loads(out_text)["wheels"]
        assert wheels["judged"] == 2 and wheels["changed"]["wheels"] == 2
        gained[judge] = wheels["tags_gained"]
    assert "manylinux_2_17_x86_64" in gained[judge_digest()]  # the emptied row, believed
    assert gained["0" * 64] == {}  # judged again: only manylinux_2_43 is lost


def test_a_census_made_under_the_head_gives_the_heads_outcomes(repo: Path, tmp_path: Path) -> None:
    """A census made under the change's head (the shipped data here; the base lacks
    manylinux_2_43) holds the head's outcomes: a row this code judged is believed (its
    emptied satisfied tags make every tag of the base lost), one other code judged is judged
    again (then only manylinux_2_43 is gained)."""
    from reference_impl.census.judge_code import judge_digest

    added = repo / "policies" / "baselines" / "manylinux_2_43.toml"
    text = added.read_text()
    git(repo, "rm", "-q", str(added))
    git(repo, "commit", "-q", "-m", "no manylinux_2_43")
    added.write_text(text)  # the working tree is the shipped data again
    wheels = {}
    for judge in (judge_digest(), "0" * 64):
        out = small_census(tmp_path / judge[:6], judge)
        code, out_text, err = review(repo, "--base", "HEAD", "--census", str(out), "--json")
        assert (code, err) == (0, "")
        wheels[judge] = json.loads(out_text)["wheels"]
        assert wheels[judge]["judged"] == 2 and wheels[judge]["changed"]["wheels"] == 2
    believed, judged = wheels[judge_digest()], wheels["0" * 64]
    assert "manylinux_2_17_x86_64" in believed["tags_lost"] and believed["tags_gained"] == {}
    assert judged["tags_lost"] == {} and set(judged["tags_gained"]) == {"manylinux_2_43_x86_64"}


def test_a_census_none_of_whose_wheels_the_change_names_is_counted_untouched(
    repo: Path, tmp_path: Path
) -> None:
    """Every row of the census is of a wheel the change cannot touch (a library no wheel
    names is allowed): none is decoded or judged, each is counted."""
    edit(
        repo / "policies" / "baselines" / "manylinux_2_24.toml",
        ALLOW_NCURSESW[0],
        'libraries = ["libmvec.so.1", "libnowhere.so.9"]',
    )
    out = small_census(tmp_path, None)
    code, out_text, err = review(repo, "--base", "HEAD", "--census", str(out), "--json")
    assert (code, err) == (0, "")
    wheels = json.loads(out_text)["wheels"]
    assert (wheels["untouched"], wheels["judged"], wheels["unreadable"]) == (2, 0, 0)
