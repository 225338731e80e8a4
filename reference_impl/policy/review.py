"""``perennial policy review``: what a change to policies/ does, for a pull request.

Three parts, each computed, none written by hand: the rules in sentences (the baselines
compared as ``policy diff`` compares them, and the other policy files), the evidence check
(``policy verify --evidence``, before and after), and the verdict delta: real wheels judged
under both policy sets from their facts (:mod:`reference_impl.census.delta`), over a census or,
without one, over the conformance suite's auditor fixtures.

The old side is read from git (``git show REF:policies/...``), never checked out: the
working tree stays as the reviewer left it.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reference_impl.audit_facts import WheelFacts
from reference_impl.census.delta import Delta, Named, verdict_delta
from reference_impl.census.work import policy_digest
from reference_impl.errors import ExitCode, PerennialError, PolicyError
from reference_impl.policy.diff import describe, diff_baselines
from reference_impl.policy.load import load_policies
from reference_impl.policy.model import Baseline, PolicySet
from reference_impl.policy.verify import Mismatch, load_observations, verify
from reference_impl.record import fields

FIXTURES = Path(__file__).resolve().parents[2] / "conformance" / "fixtures" / "wheels"
"""The conformance suite's crafted wheels, beside this package (read as files, not imported)."""


class ReviewError(PerennialError):
    """The review cannot start: no git work tree, or a ref git does not know."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Side:
    """One side of the review: what it is called and its policy data."""

    name: str
    policies: PolicySet


@dataclass(frozen=True)
class EvidenceCheck:
    """``policy verify`` on both sides with the same observations."""

    folder: str
    observations: int
    mismatches: tuple[Mismatch, ...]
    """The new side's: allowed versions a covered, observed distribution lacks."""
    introduced: tuple[Mismatch, ...]
    """Those the old side did not have."""


@dataclass(frozen=True)
class Review:
    """Everything ``policy review`` reports."""

    base: str
    head: str
    rules: tuple[str, ...]
    evidence: EvidenceCheck | None
    wheels_from: str
    """What the verdict delta was computed over."""
    unreadable: int
    """Wheels of that source that hold no facts (census error rows, refused fixtures)."""
    untouched: int
    """Wheels that name nothing the change touches (:mod:`reference_impl.census.scope`):
    their verdicts stand without judging them again."""
    delta: Delta


@dataclass(frozen=True)
class GitTree:
    """The git work tree holding a policy directory."""

    top: Path
    policies: str
    """The policy directory relative to ``top``, as git names it."""

    @classmethod
    def of(cls, policy_dir: Path) -> GitTree:
        top = Path(_git(policy_dir, "rev-parse", "--show-toplevel").decode().strip())
        try:
            relative = policy_dir.resolve().relative_to(top.resolve())
        except ValueError:
            raise ReviewError(str(policy_dir), f"not inside the git work tree {top}") from None
        return cls(top, relative.as_posix())

    def default_evidence(self) -> Path | None:
        """The project's observations beside the checkout (``../shared/evidence``), if any."""
        folder = self.top.parent / "shared" / "evidence"
        return folder if (folder / "distros").is_dir() else None

    def default_base(self) -> tuple[str, str]:
        """(what to call it, the ref): the merge base of HEAD with ``main`` when there is a
        ``main``, else HEAD."""
        try:
            _git(self.top, "rev-parse", "--verify", "--quiet", "main^{commit}")
        except ReviewError:
            return "HEAD", "HEAD"
        merge_base = _git(self.top, "merge-base", "HEAD", "main").decode().strip()
        return "the merge base with main", merge_base

    def commit(self, ref: str) -> str:
        """The commit ``ref`` names."""
        if ref.startswith("-"):
            raise ReviewError(ref, "not a git ref")
        return (
            _git(self.top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
        )

    def policies_at(self, commit: str, into: Path) -> PolicySet:
        """The policy data of ``commit``, its files read from git into ``into``."""
        listing = _git(self.top, "ls-tree", "-r", "-z", commit, "--", self.policies)
        blobs = {}  # name -> object, for each file (an entry is "MODE TYPE OBJECT\tNAME")
        for entry in listing.decode().split("\0"):
            if entry:
                described, name = entry.split("\t", 1)
                _, kind, obj = described.split()
                if kind == "blob":
                    blobs[name] = obj
        if not blobs:
            raise ReviewError(f"{commit[:12]}:{self.policies}", "no policy files at this commit")
        contents = _blobs(self.top, list(blobs.values()))
        for name, content in zip(blobs, contents, strict=True):
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        try:
            return load_policies(into / self.policies)
        except PolicyError as error:
            where = f"{commit[:12]}:"  # the loader names files relative to their folder
            source = error.source.replace(f"{into}/", where, 1)
            raise PolicyError(
                source if where in source else where + source, error.problem
            ) from None


def _blobs(where: Path, objects: list[str]) -> list[bytes]:
    """The contents of these git blobs, read by one ``git cat-file`` (a ``git show`` per file
    took a fifth of a review's fixed cost)."""
    out = _git(where, "cat-file", "--batch", stdin="".join(f"{o}\n" for o in objects).encode())
    contents, at = [], 0
    for obj in objects:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        if len(header) != 3 or header[1] != b"blob" or not header[2].isdigit():
            raise ReviewError("git cat-file", f"no blob {obj}")
        size = int(header[2])
        contents.append(out[end + 1 : end + 1 + size])
        at = end + 1 + size + 1
    return contents


def _git(where: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(where), *args], input=stdin, capture_output=True, check=False
        )
    except OSError as error:
        raise ReviewError("git", f"cannot be run ({error.strerror or error})") from None
    if done.returncode != 0:
        problem = done.stderr.decode(errors="replace").strip().splitlines()
        raise ReviewError(f"git {args[0]}", problem[-1] if problem else "failed")
    return done.stdout


def review(
    policy_dir: Path,
    base_ref: str | None,
    census: Path | None,
    evidence: Path | None,
) -> Review:
    """Review the policy data in ``policy_dir`` (a git work tree) against ``base_ref`` (default
    :meth:`GitTree.default_base`), with the observations in ``evidence`` (default
    :meth:`GitTree.default_evidence`)."""
    tree = GitTree.of(policy_dir)
    evidence = evidence or tree.default_evidence()
    label, ref = (base_ref, base_ref) if base_ref else tree.default_base()
    commit = tree.commit(ref)
    head = Side("the working tree", load_policies(policy_dir))
    with tempfile.TemporaryDirectory(prefix="perennial-review-") as scratch:
        base = Side(f"{label} ({commit[:12]})", tree.policies_at(commit, Path(scratch)))
        rules = rule_changes(base.policies, head.policies)
        checked = evidence_check(evidence, base.policies, head.policies) if evidence else None
        wheels: _Wheels = (
            _CensusFacts(
                census,
                base.policies,
                head.policies,
                (policy_digest(Path(scratch) / tree.policies), policy_digest(policy_dir)),
            )
            if census
            else _FixtureFacts(base.policies, head.policies)
        )
        delta = verdict_delta(wheels, base.policies, head.policies)
    return Review(
        base.name,
        head.name,
        tuple(rules),
        checked,
        wheels.described,
        wheels.unreadable,
        wheels.untouched,
        delta,
    )


def rule_changes(base: PolicySet, head: PolicySet) -> list[str]:
    """What the change does to the rules, in sentences: the baselines as ``policy diff``
    compares them (a run of baselines changed alike said once), their new amendments, then
    the other policy files."""
    lines: list[str] = []
    old = {b.name: b for b in base.baselines}
    runs: list[tuple[list[str], list[str]]] = []
    """(baseline names, the sentences of their change) for consecutive baselines alike."""
    amendments: list[str] = []
    previous: Baseline | None = None
    for baseline in head.baselines:
        if baseline.name not in old:
            runs.append(([], []))  # a new baseline ends a run
            lines.append(f"New baseline {baseline.name} (glibc {baseline.glibc}).")
            if previous is not None:
                lines.extend(describe(diff_baselines(previous, baseline)))
        else:
            diff = diff_baselines(old[baseline.name], baseline)
            sentences = [] if diff.is_empty else describe(diff)[1:]
            if runs and runs[-1][1] == sentences and sentences:
                runs[-1][0].append(baseline.name)
            else:
                runs.append(([baseline.name], sentences))
        recorded = old[baseline.name].amendments if baseline.name in old else ()
        amendments.extend(
            f"- {baseline.name}, dated {a.date}: {a.change} Reason: {a.reason} ({a.link})"
            for a in baseline.amendments
            if a not in recorded
        )
        previous = baseline
    for names, sentences in runs:
        if sentences:
            many = f" to {names[-1]} ({len(names)} baselines)" if len(names) > 1 else ""
            lines += [f"{names[0]}{many} change{'' if many else 's'}:", *sentences]
    if amendments:
        lines += ["New amendments:", *amendments]
    kept = {b.name for b in head.baselines}
    lines.extend(f"Baseline {name} is removed." for name in old if name not in kept)
    lines.extend(_data_changes(base, head))
    return lines


def _data_changes(base: PolicySet, head: PolicySet) -> Iterator[str]:
    """Architectures, families and distributions added, removed or changed."""
    old_rows = {d.id: d for d in base.distributions}
    new_rows = {d.id: d for d in head.distributions}
    for what, old, new in (
        ("architecture", base.architectures, head.architectures),
        ("symbol-version family", base.families, head.families),
        ("distribution", old_rows, new_rows),
    ):
        for name in new:
            if name not in old:
                yield f"New {what} {name}."
            elif new[name] != old[name]:
                yield f"The {what} {name} changes: {_changed_fields(old[name], new[name])}."
        yield from (f"The {what} {name} is removed." for name in old if name not in new)
    for name, arch in head.architectures.items():
        before = base.architectures.get(name)
        if before is not None and before.floor != arch.floor:
            yield f"- The glibc floor of {name} moves from {before.floor} to {arch.floor}."


_SHORT = 40
"""A field's values are quoted in a change's sentence only when both are this short."""


def _changed_fields(old: object, new: object) -> str:
    """Which fields of a policy record differ, with both values where they are short (a
    reviewer reads ``executable_stack_default None -> True``, not only that something moved)."""
    if not (fields(old) and fields(new)):
        return "its value"
    said = []
    for name in fields(old):
        before, after = getattr(old, name), getattr(new, name, None)
        if before == after:
            continue
        label = "sources" if name == "provenance" else name
        if len(str(before)) <= _SHORT and len(str(after)) <= _SHORT:
            said.append(f"{label} {before} -> {after}")
        else:
            said.append(label)
    return ", ".join(said) or "its value"


def evidence_check(folder: Path, base: PolicySet, head: PolicySet) -> EvidenceCheck:
    """``policy verify`` of both sides against the observations in ``folder``."""
    observations = load_observations(folder, head)
    after, _ = verify(head, observations)
    before, _ = verify(base, load_observations(folder, base))
    known = set(before)
    return EvidenceCheck(
        str(folder), len(observations), tuple(after), tuple(m for m in after if m not in known)
    )


class _Wheels(Protocol):
    """Where the wheels of a delta come from: their facts, one by one (with each file's
    content name where the source knows it)."""

    unreadable: int
    """Wheels that hold no facts, counted while iterating."""
    untouched: int
    """Wheels left unjudged because they name nothing the change touches."""
    described: str

    def __iter__(self) -> Iterator[WheelFacts | Named]: ...


class _CensusFacts:
    """The facts of the census's wheels that the change may touch; error rows and the
    wheels it cannot touch are counted, not judged."""

    def __init__(
        self, census: Path, base: PolicySet, head: PolicySet, digests: tuple[str, str]
    ) -> None:
        self.census = census
        self.base, self.head = base, head
        self.digests = digests
        """The digests of the base's and the head's policy data: a census made under either
        holds that side's outcomes already, for the wheels this very code judged."""
        self.described = f"the census {census}"
        self.unreadable = 0
        self.untouched = 0

    def __iter__(self) -> Iterator[Named]:
        from reference_impl.audit_read import symbol_vocabulary
        from reference_impl.census.judge_code import judge_digest
        from reference_impl.census.rows import ERROR, OUTCOME_KEYS, FactsReader, stored_outcome
        from reference_impl.census.scope import scope_of
        from reference_impl.census.store import (
            FACTS_COLUMNS,
            Paths,
            check_census,
            read_census,
            touched_wheels,
        )

        paths = Paths.of(self.census)
        if not paths.tables():
            raise PerennialError(str(self.census), "no such census")
        made_under = check_census(paths, None)
        stored = tuple(made_under == digest for digest in self.digests)
        scope = scope_of(self.base, self.head)
        vocabulary = symbol_vocabulary(self.base) | symbol_vocabulary(self.head)
        only = touched_wheels(paths, scope, vocabulary) if scope else None
        reader = FactsReader(str(self.census))
        wheel_columns: tuple[str, ...] = FACTS_COLUMNS[0]
        if any(stored):
            wheel_columns += OUTCOME_KEYS
        judge = judge_digest() if any(stored) else ""
        for wheel, files in read_census(paths, only, (wheel_columns, FACTS_COLUMNS[1])):
            if wheel["verdict"] == ERROR:
                self.unreadable += 1
            elif only is not None and wheel["wheel"] not in only:
                self.untouched += 1
            else:
                facts, names = reader.read(wheel, files)
                known = stored_outcome(wheel, judge) if any(stored) else None
                yield facts, names, known if stored[0] else None, known if stored[1] else None


class _FixtureFacts:
    """The facts of the suite's auditor fixtures, read keeping every symbol either side
    forbids; fixtures the auditor refuses are counted, not judged."""

    def __init__(self, base: PolicySet, head: PolicySet) -> None:
        self.base, self.head = base, head
        self.described = "the conformance suite's auditor fixtures"
        self.unreadable = 0
        self.untouched = 0

    def __iter__(self) -> Iterator[WheelFacts]:
        from reference_impl.audit_read import read_facts, symbol_vocabulary

        if not FIXTURES.is_dir():
            raise ReviewError(str(FIXTURES), "no auditor fixtures here: give --census")
        keep = symbol_vocabulary(self.base)
        paths = sorted(FIXTURES.rglob("*.whl"))
        self.described = f"the conformance suite's {len(paths)} auditor fixtures"
        for path in paths:
            try:
                yield read_facts(path, None, self.head, keep)
            except (PerennialError, OSError):
                self.unreadable += 1
