"""How a policy review is shown: Markdown ready for a pull-request comment, and JSON.

Text that came from input (wheel names, policy strings) is escaped with
:func:`reference_impl.display.shown` and kept inside code spans in Markdown, so a name can
neither break the table nor format the comment.
"""

from __future__ import annotations

from typing import Any

from reference_impl.census.delta import Delta, Tally, tag_order
from reference_impl.display import shown
from reference_impl.policy.review import Review


def review_markdown(review: Review) -> str:
    """The review as one Markdown document."""
    title = f"## Policy review: {review.head} against {shown(review.base)}"
    lines = [title, "", "### The rules", ""]
    if review.rules:
        lines.extend(shown(line) for line in review.rules)
    else:
        lines.append("The policy data is unchanged.")
    lines += ["", "### The evidence", ""]
    lines.extend(_evidence(review))
    lines += ["", "### The wheels", ""]
    lines.extend(_wheels(review))
    return "\n".join(lines) + "\n"


def _evidence(review: Review) -> list[str]:
    check = review.evidence
    if check is None:
        return ["Not checked: no evidence folder (give `--evidence DIR`)."]
    head = (
        f"`policy verify` against {check.observations} observed distribution images in "
        f"{_code(check.folder)}: "
    )
    if not check.mismatches:
        return [head + "every allowed symbol version is present on every covered distribution."]
    lines = [
        head + f"{len(check.mismatches)} allowed symbol versions are missing on covered "
        f"distributions, {len(check.introduced)} of them new with this change.",
        "",
    ]
    introduced = set(check.introduced)
    lines.extend(
        f"- {shown(str(m))}{' (new)' if m in introduced else ''}" for m in check.mismatches
    )
    return lines


def _wheels(review: Review) -> list[str]:
    delta = review.delta
    compared = delta.judged + review.untouched
    lines = [
        f"Over {shown(review.wheels_from)}: {compared} wheels compared under both policy sets, "
        f"{delta.changed.count} of them change"
        + (
            f" ({review.untouched} name nothing the change touches and were not judged again)"
            if review.untouched
            else ""
        )
        + (
            f"; {review.unreadable} could not be read and hold no facts"
            if review.unreadable
            else ""
        )
        + "."
    ]
    if delta.incomplete.count:
        lines += [
            "",
            f"Not judged: {delta.incomplete.count} wheels whose facts lack symbols the new "
            f"policies forbid (e.g. {_examples(delta.incomplete)}); census them again with "
            "`--keep-symbol`.",
        ]
    lines += _table(
        "claimed tag",
        "earned now, not before",
        "earned before, not now",
        delta.claims_gained,
        delta.claims_lost,
    )
    lines += _table(
        "baseline tag",
        "satisfied now, not before",
        "satisfied before, not now",
        delta.tags_gained,
        delta.tags_lost,
    )
    for tally, what in ((delta.earlier, "an older"), (delta.later, "a newer")):
        if tally.count:
            lines += [
                "",
                f"{tally.count} wheels' earliest tag moves to {what} glibc, e.g. "
                f"{_examples(tally)}.",
            ]
    return lines


def _table(
    what: str, gained_title: str, lost_title: str, gained: dict[str, Tally], lost: dict[str, Tally]
) -> list[str]:
    """One row per run of tags of one architecture with the same counts and examples (a
    wheel that newly satisfies one baseline usually satisfies every later one too)."""
    rows: list[tuple[list[str], Tally, Tally]] = []
    for tag in sorted(set(gained) | set(lost), key=tag_order):
        up, down = gained.get(tag, Tally()), lost.get(tag, Tally())
        if (
            rows
            and tag_order(rows[-1][0][-1])[0] == tag_order(tag)[0]
            and ((rows[-1][1], rows[-1][2]) == (up, down))
        ):
            rows[-1][0].append(tag)
        else:
            rows.append(([tag], up, down))
    if not rows:
        return []
    lines = ["", f"| {what} | {gained_title} | {lost_title} | examples |", "|---|---:|---:|---|"]
    for tags, up, down in rows:
        named = _code(tags[0])
        if len(tags) > 1:
            named += f" to {_code(tags[-1])} ({len(tags)} tags)"
        examples = _examples(down if down.count else up)
        lines.append(f"| {named} | {up.count} | {down.count} | {examples} |")
    return lines


def _examples(tally: Tally) -> str:
    return ", ".join(_code(name) for name in tally.examples)


def _code(text: str) -> str:
    """``text`` as a Markdown code span that no character of it can end or break."""
    safe = shown(text).replace("|", "\\|")
    return f"`` {safe} ``" if "`" in safe else f"`{safe}`"


def review_json(review: Review) -> dict[str, Any]:
    """The review as JSON-ready data."""
    check = review.evidence
    return {
        "format": "perennial-policy-review",
        "version": 1,
        "base": review.base,
        "head": review.head,
        "rules": list(review.rules),
        "evidence": None
        if check is None
        else {
            "folder": check.folder,
            "observations": check.observations,
            "mismatches": [str(m) for m in check.mismatches],
            "introduced": [str(m) for m in check.introduced],
        },
        "wheels": {
            "from": review.wheels_from,
            "unreadable": review.unreadable,
            "untouched": review.untouched,
        }
        | _delta_json(review.delta),
    }


def _delta_json(delta: Delta) -> dict[str, Any]:
    def tallies(found: dict[str, Tally]) -> dict[str, Any]:
        return {tag: _tally_json(t) for tag, t in sorted(found.items())}

    return {
        "judged": delta.judged,
        "changed": _tally_json(delta.changed),
        "incomplete": _tally_json(delta.incomplete),
        "claims_gained": tallies(delta.claims_gained),
        "claims_lost": tallies(delta.claims_lost),
        "tags_gained": tallies(delta.tags_gained),
        "tags_lost": tallies(delta.tags_lost),
        "earliest_earlier": _tally_json(delta.earlier),
        "earliest_later": _tally_json(delta.later),
    }


def _tally_json(tally: Tally) -> dict[str, Any]:
    return {"wheels": tally.count, "examples": list(tally.examples)}
