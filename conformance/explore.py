"""Differential exploration: generated tags, systems and overrides through the reference and
the peers, reporting disagreements that no divergence pattern explains.

Hypothesis generates a system (libc, raw glibc string with vendor suffixes, machine, the
crafted interpreter of that machine), a ``_manylinux`` behaviour from the profiles and a tag
(perennial with any numbers, legacy aliases, upper case, zero padding, linux tags, unknown
architectures). Where a peer's answer differs from the reference's, the peer's divergence
file is asked whether a ``[[patterns]]`` entry explains it.

In-process peers answer one generated input at a time: hypothesis searches, shrinks the first
unexplained disagreement and reports it, one per peer and operation. Black-box installers (pip,
uv) start a process per question, so they are asked in batches: hypothesis draws systems, each
with an override and many tags, and each system costs one installer run for all its tags.
Every answer is compared with the reference's; of the unexplained disagreements the simplest
found is reported (shrinking would cost an installer run per step).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import seed as seeded
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from conformance.adapters import IN_PROCESS, create
from conformance.adapters.base import Adapter, Outcome, Request
from conformance.divergences import Pattern, load_divergences
from conformance.systems import FIXTURES_DIR, Override, SystemProfile, load_overrides

UNKNOWN_MACHINES = ("legv8le", "mips64")
"""Machines no manylinux tag names, explored beside the policy data's architectures."""
SUFFIXES = ("", "-centos", ".9000", "-2014.11", " extra")
OPERATIONS = ("installer.compatible", "tag.parse", "index.check")
PEERS = ("packaging", "pep600-sample", "distlib", "dep-logic", "nab", "pip", "uv")
"""What ``explore`` compares with the reference unless told otherwise."""
TAGS_PER_SYSTEM = 25
"""Tags a black-box installer is asked about in one run, for one generated system."""


@dataclass(frozen=True)
class Disagreement:
    """A shrunk input on which a peer and the reference answer differently, unexplained."""

    peer: str
    operation: str
    request: Request
    reference: Any
    peer_answer: Any

    def __str__(self) -> str:
        facts: dict[str, Any] = dict(self.request.input)
        if self.request.system is not None:
            system = self.request.system
            facts["system"] = f"{system.confstr or system.libc} on {system.machine}"
        if not self.request.override.absent:
            facts["override"] = self.request.override.name
        return (
            f"{self.peer} {self.operation} {facts}: reference says {self.reference}, "
            f"{self.peer} says {self.peer_answer}"
        )


# The architectures and legacy names come from the policy data: they shape the generated
# inputs only, never the answer expected for them.


@cache
def _pointer_bits() -> Mapping[str, int]:
    """Every architecture of the policy data, with its pointer size."""
    from reference_impl.policy import default_policies

    return {name: arch.bits for name, arch in default_policies().architectures.items()}


@cache
def _legacy_names() -> tuple[str, ...]:
    """``manylinux1``, ``manylinux2010``, ... as the policy data lists them."""
    from reference_impl.policy import default_policies

    aliases = default_policies().legacy_aliases.values()
    return tuple(dict.fromkeys(alias.name for alias in aliases))


def _machines() -> tuple[str, ...]:
    return (*_pointer_bits(), *UNKNOWN_MACHINES)


def _interpreter(machine: str) -> str | None:
    name = f"{machine}-interpreter"
    return name if (FIXTURES_DIR / "elf" / name).exists() else None


@st.composite
def systems(draw: st.DrawFn) -> SystemProfile:
    machine = draw(st.sampled_from(_machines()))
    libc = draw(st.sampled_from(("glibc", "glibc", "glibc", "musl", "none")))
    major = draw(st.integers(1, 3))
    minor = draw(st.integers(0, 50))
    suffix = draw(st.sampled_from(SUFFIXES))
    bits = _pointer_bits().get(machine, 64)
    confstr = f"glibc {major}.{minor}{suffix}" if libc == "glibc" else None
    return SystemProfile(
        name="explored",
        description="generated",
        libc=libc,
        machine=machine,
        bits=bits,
        confstr=confstr,
        musl="1.2" if libc == "musl" else None,
        interpreter=_interpreter(machine),
    )


def _number(draw: st.DrawFn, value: int) -> str:
    text = str(value)
    return draw(st.sampled_from((text, text, text, text, "0" + text, "+" + text)))


@st.composite
def tags(draw: st.DrawFn, system: SystemProfile | None = None) -> str:
    """A tag, usually for the system's own architecture and near its glibc when one is given."""
    kind = draw(st.sampled_from(("perennial", "perennial", "perennial", "legacy", "linux")))
    own = system.machine if system is not None else "x86_64"
    arch = draw(st.sampled_from((own, own, own, *_machines(), "armv8l", "x86_64_v3", "")))
    major, minor = 2, 17
    if system is not None and system.glibc_text:
        found = re.match(r"([0-9]+)\.([0-9]+)", system.glibc_text)
        if found:
            major, minor = int(found[1]), int(found[2])
    if kind == "legacy":
        name = draw(st.sampled_from(_legacy_names()))
        tag = f"{name}_{arch}"
    elif kind == "linux":
        tag = f"linux_{arch}"
    else:
        tag_major = draw(st.sampled_from((major, major, major, major - 1, major + 1, 0, 1)))
        tag_minor = draw(st.integers(0, max(minor + 3, 60)))
        tag = f"manylinux_{_number(draw, tag_major)}_{_number(draw, tag_minor)}_{arch}"
    return tag.upper() if draw(st.integers(0, 9)) == 0 else tag


def _usable_overrides() -> list[str]:
    """Overrides a generated system may carry (those in site-packages, found by any tool)."""
    return sorted(n for n, o in load_overrides().items() if o.location == "site-packages")


def requests(operation: str) -> st.SearchStrategy[Request]:
    overrides = load_overrides()
    usable = _usable_overrides()

    @st.composite
    def build(draw: st.DrawFn) -> Request:
        if operation != "installer.compatible":
            tag = draw(tags())
            return Request("explore", operation, {"tag": tag}, None, overrides["absent"], None)
        system = draw(systems())
        tag = draw(tags(system))
        override = overrides[draw(st.sampled_from(usable))]
        data = {"profile": "explored", "override": override.name, "tag": tag}
        return Request("explore", operation, data, system, override, None)

    return build()


@st.composite
def system_questions(draw: st.DrawFn) -> tuple[SystemProfile, Override, list[str]]:
    """One system, its override and the tags to ask about it in one installer run."""
    system = draw(systems())
    override = load_overrides()[draw(st.sampled_from(_usable_overrides()))]
    asked = draw(
        st.lists(tags(system), min_size=TAGS_PER_SYSTEM, max_size=TAGS_PER_SYSTEM, unique=True)
    )
    return system, override, asked


def batch(examples: int, seed: int = 0) -> list[Request]:
    """About ``examples`` installer.compatible requests, drawn system by system.

    Each drawn system gets its own name, so a black-box adapter gives it its own emulated
    interpreter; each request its own ID, so it becomes its own project in the batch.
    """
    drawn: list[tuple[SystemProfile, Override, list[str]]] = []

    @settings(
        max_examples=max(1, math.ceil(examples / TAGS_PER_SYSTEM)),
        database=None,
        deadline=None,
        derandomize=seed == 0,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(system_questions())
    def collect(questions: tuple[SystemProfile, Override, list[str]]) -> None:
        drawn.append(questions)

    (collect if seed == 0 else seeded(seed)(collect))()
    questions: list[Request] = []
    for number, (system, override, asked) in enumerate(drawn):
        named = replace(system, name=f"explored-{number}")
        for index, tag in enumerate(asked):
            data = {"profile": named.name, "override": override.name, "tag": tag}
            request = Request(
                f"explore-{number}-{index}", "installer.compatible", data, named, override, None
            )
            questions.append(request)
    return questions


def explains(pattern: Pattern, request: Request) -> bool:
    """Whether a divergence pattern's predicate holds for a request."""
    when: Mapping[str, Any] = pattern.when
    tag = str(request.input.get("tag", ""))
    system = request.system
    checks = {
        "operation": lambda v: request.operation == v,
        "tag_regex": lambda v: re.search(v, tag) is not None,
        "machine_in": lambda v: system is not None and system.machine in v,
        "machine_not_in": lambda v: system is not None and system.machine not in v,
        "system_regex": lambda v: (
            system is not None and re.search(v, system.confstr or "") is not None
        ),
        "libc_in": lambda v: system is not None and system.libc in v,
        "override_in": lambda v: request.override.name in v,
    }
    unknown = set(when) - set(checks)
    if unknown:
        raise ValueError(f"pattern {pattern.name}: unknown predicate keys {sorted(unknown)}")
    return all(checks[key](value) for key, value in when.items())


def _answer(outcome: Outcome) -> Any:
    if outcome.kind != "output":
        return outcome.kind
    value = dict(outcome.value)
    value.pop("reason", None)
    value.pop("message", None)
    value.pop("reasons", None)
    return value


def _unexplained(
    ours: Outcome, theirs: Outcome, request: Request, patterns: Sequence[Pattern]
) -> bool:
    """The peer answered, differently from the reference, and no pattern says why."""
    if theirs.kind == "skip":
        return False
    mine, their = _answer(ours), _answer(theirs)
    if isinstance(mine, dict) and isinstance(their, dict):
        their = {k: v for k, v in their.items() if k in mine}
        mine = {k: v for k, v in mine.items() if k in their}
    if mine == their:
        return False
    return not any(explains(pattern, request) for pattern in patterns)


def explore(peers: Sequence[str] = PEERS, examples: int = 300, seed: int = 0) -> list[Disagreement]:
    """Search each peer and operation for an unexplained disagreement with the reference."""
    reference = create("reference")
    found: list[Disagreement] = []
    try:
        for name in peers:
            peer = create(name)
            patterns = load_divergences(name).patterns
            try:
                if name not in IN_PROCESS:
                    found += _search_batched(reference, peer, patterns, examples, seed)
                    continue
                for operation in OPERATIONS:
                    if operation not in peer.operations:
                        continue
                    disagreement = _search(reference, peer, patterns, operation, examples, seed)
                    if disagreement is not None:
                        found.append(disagreement)
            finally:
                peer.close()
    finally:
        reference.close()
    return found


def _search(
    reference: Adapter,
    peer: Adapter,
    patterns: Sequence[Pattern],
    operation: str,
    examples: int,
    seed: int,
) -> Disagreement | None:
    def differs(request: Request) -> bool:
        theirs = peer.answer_safely(request)
        return _unexplained(reference.answer_safely(request), theirs, request, patterns)

    try:
        request = find(
            requests(operation),
            differs,
            settings=settings(
                max_examples=examples,
                database=None,
                deadline=None,
                derandomize=seed == 0,
                phases=(Phase.generate, Phase.shrink),
                suppress_health_check=list(HealthCheck),
            ),
            random=None if seed == 0 else random.Random(seed),
        )
    except NoSuchExample:
        return None
    ours = _answer(reference.answer_safely(request))
    theirs = _answer(peer.answer_safely(request))
    return Disagreement(peer.name, operation, request, ours, theirs)


def _search_batched(
    reference: Adapter, peer: Adapter, patterns: Sequence[Pattern], examples: int, seed: int
) -> list[Disagreement]:
    """One batch through a black-box peer; the simplest unexplained disagreement, if any."""
    asked = batch(examples, seed)
    answers = peer.answer_all(asked)
    unexplained = []
    for request in asked:
        ours, theirs = reference.answer_safely(request), answers[request.case_id]
        if _unexplained(ours, theirs, request, patterns):
            answered = (_answer(ours), _answer(theirs))
            unexplained.append(Disagreement(peer.name, request.operation, request, *answered))
    return [min(unexplained, key=_simplicity)] if unexplained else []


def _simplicity(found: Disagreement) -> tuple[int, int, str]:
    """Smaller is simpler: no override before an override, then the shorter tag."""
    request = found.request
    tag = str(request.input.get("tag", ""))
    return (0 if request.override.absent else 1, len(tag), tag)
