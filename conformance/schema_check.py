"""A small JSON Schema validator for the subset the suite's own schemas use.

The suite publishes its case and protocol formats as JSON Schema (draft 2020-12) so tools in
any language can validate against them; this module checks the keywords those schemas use
(type, enum, const, pattern, properties, required, additionalProperties, items, minItems,
minLength, oneOf, anyOf, $ref to ``#/$defs/...``) without adding a dependency. An unknown
keyword is a bug in our schema, so it raises instead of being ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).parent / "schema"

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list, tuple),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description", "$comment", "examples"}
_KEYWORDS = _ANNOTATIONS | {
    "type", "enum", "const", "pattern", "properties", "required", "additionalProperties",
    "items", "minItems", "minLength", "oneOf", "anyOf", "$ref", "minimum", "propertyNames",
}  # fmt: skip


@cache
def load_schema(name: str) -> Mapping[str, Any]:
    """A schema shipped in ``conformance/schema/`` by file name."""
    data: Mapping[str, Any] = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return data


def errors(instance: Any, schema: Mapping[str, Any]) -> list[str]:
    """Every violation as ``path: problem``; empty when the instance is valid."""
    return errors_of(instance, schema, schema)


def _is_type(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def _check(
    value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], path: str
) -> Iterator[str]:
    unknown = set(schema) - _KEYWORDS
    if unknown:
        raise ValueError(f"schema uses unsupported keywords {sorted(unknown)} at {path}")
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"schema $ref {ref!r} is not local")
        yield from _check(value, root["$defs"][ref.removeprefix("#/$defs/")], root, path)
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, name) for name in names):
            yield f"{path}: expected {' or '.join(names)}, got {type(value).__name__}"
            return
    if "const" in schema and value != schema["const"]:
        yield f"{path}: must be {schema['const']!r}"
    if "enum" in schema and value not in schema["enum"]:
        yield f"{path}: {value!r} is not one of {schema['enum']}"
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            yield f"{path}: {value!r} does not match {schema['pattern']}"
        if len(value) < schema.get("minLength", 0):
            yield f"{path}: shorter than {schema['minLength']}"
    if _is_type(value, "number") and "minimum" in schema and value < schema["minimum"]:
        yield f"{path}: below {schema['minimum']}"
    if isinstance(value, list | tuple):
        if len(value) < schema.get("minItems", 0):
            yield f"{path}: needs at least {schema['minItems']} items"
        if "items" in schema:
            for index, item in enumerate(value):
                yield from _check(item, schema["items"], root, f"{path}[{index}]")
    if isinstance(value, dict):
        yield from _check_object(value, schema, root, path)
    for keyword in ("oneOf", "anyOf"):
        if keyword in schema:
            passing = [not errors_of(value, sub, root) for sub in schema[keyword]]
            if keyword == "oneOf" and sum(passing) != 1:
                yield f"{path}: must match exactly one alternative, matches {sum(passing)}"
            if keyword == "anyOf" and not any(passing):
                yield f"{path}: matches none of the alternatives"


def errors_of(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> list[str]:
    """Violations of a sub-schema that may ``$ref`` into ``root``."""
    return list(_check(value, schema, root, "$"))


def _check_object(
    value: dict[str, Any], schema: Mapping[str, Any], root: Mapping[str, Any], path: str
) -> Iterator[str]:
    for name in schema.get("required", ()):
        if name not in value:
            yield f"{path}: missing required key {name!r}"
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if "propertyNames" in schema:
            yield from _check(key, schema["propertyNames"], root, f"{path} key")
        if key in properties:
            yield from _check(item, properties[key], root, f"{path}.{key}")
        elif extra is False:
            yield f"{path}: unexpected key {key!r}"
        elif isinstance(extra, dict):
            yield from _check(item, extra, root, f"{path}.{key}")
