"""A case's input, its expected result and each answer, shown as named fields, not JSON.

Every field is labelled with its meaning from the suite's operation table
(:data:`conformance.operations.OPERATIONS`), a list is a list of code values, and an
expected *matcher* (``include``, ``exclude``, ``prefix``, ``order``, ``equals``, ``null``) is
said in words; what the matcher means is the suite's own ``mismatches``, which the case page
quotes for an answer that misses. Nothing here judges an answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from docutils import nodes

from conformance.operations import OPERATIONS
from perennial_site import build

MATCHER_WORDS = {
    "equals": "is exactly",
    "include": "includes",
    "exclude": "does not include",
    "prefix": "starts with",
    "order": "has, in this order,",
}
"""How each matcher of an expected list reads (conformance/operations.py defines them)."""


def shown(value: Any) -> nodes.Node:
    """One value: a code literal, a list of them, ``null``, or nested fields."""
    if value is None:
        return nodes.emphasis("", "null")
    if isinstance(value, bool):
        return build.literal("true" if value else "false")
    if isinstance(value, str | int | float):
        return build.literal(str(value))
    if isinstance(value, list | tuple):
        if not value:
            return nodes.emphasis("", "empty list")
        if all(isinstance(v, str | int | float | bool) or v is None for v in value):
            return nodes.inline("", "", *build.joined(shown(v) for v in value), classes=["values"])
        return build.literal(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))
    if isinstance(value, Mapping):
        return nodes.inline(
            "",
            "",
            *build.joined(
                (nodes.inline("", "", build.text(f"{key} "), shown(v)) for key, v in value.items()),
                "; ",
            ),
        )
    return build.literal(str(value))


def expected_value(value: Any) -> nodes.Node:
    """An expected value; a matcher table reads as words (``includes a, b; starts with c``)."""
    if isinstance(value, Mapping) and value and set(value) <= {"null", *MATCHER_WORDS}:
        if value.get("null") is True:
            return nodes.emphasis("", "null")
        parts = [
            nodes.inline("", "", build.text(MATCHER_WORDS[key] + " "), shown(value[key]))
            for key in MATCHER_WORDS
            if key in value
        ]
        return nodes.inline("", "", *build.joined(parts, "; "))
    return shown(value)


def fields(
    values: Mapping[str, Any],
    meanings: Mapping[str, str],
    *,
    render: Any = shown,
    classes: tuple[str, ...] = (),
) -> nodes.definition_list:
    """``values`` as a definition list: the field's name (its meaning on hover), its value."""
    out = nodes.definition_list(classes=["case-fields", *classes])
    for key, value in values.items():
        term = nodes.term("", "", build.literal(key))
        if key in meanings:
            term["classes"].append("has-meaning")
            term += nodes.inline("", " " + meanings[key], classes=["field-meaning"])
        item = nodes.definition_list_item("", term, nodes.definition("", build.para(render(value))))
        out += item
    return out


def case_input(case: Any) -> nodes.definition_list:
    operation = OPERATIONS.get(case.operation)
    return fields(dict(case.input), operation.inputs if operation else {})


def case_expected(case: Any) -> nodes.definition_list:
    operation = OPERATIONS.get(case.operation)
    return fields(
        dict(case.expected), operation.outputs if operation else {}, render=expected_value
    )


def answer(case: Any, actual: Any) -> nodes.Node:
    """An implementation's answer: the fields the case expects first, then the others."""
    if not isinstance(actual, Mapping):
        return build.para(shown(actual))
    expected_first = {k: actual[k] for k in case.expected if k in actual}
    rest = {k: v for k, v in actual.items() if k not in case.expected}
    return fields({**expected_first, **rest}, {}, classes=("answer-fields",))
