"""The shape of the schema keywords the builder reads, checked before it reads them.

OpenAPI 3.1 validators check the schemas of requests and responses only loosely, so a spec that
`validate` accepts can still hold `properties: [a]` or `required: 5`. Rather than crash on such a
schema (or quietly drop the keyword), the builder reports the first wrong shape with its place.
"""

from __future__ import annotations

from typing import Any

# keyword -> (what it must be, test)
_SCHEMA = (dict, bool)
_SHAPES: dict[str, tuple[str, Any]] = {
    "type": ("a type name or a list of them",
             lambda v: isinstance(v, str) or isinstance(v, list) and all(isinstance(k, str) for k in v)),
    "properties": ("a mapping of names to schemas", lambda v: isinstance(v, dict)),
    "required": ("a list of property names", lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v)),
    "allOf": ("a list of schemas", lambda v: isinstance(v, list) and all(isinstance(s, _SCHEMA) for s in v)),
    "oneOf": ("a list of schemas", lambda v: isinstance(v, list) and all(isinstance(s, _SCHEMA) for s in v)),
    "anyOf": ("a list of schemas", lambda v: isinstance(v, list) and all(isinstance(s, _SCHEMA) for s in v)),
    "items": ("a schema (a list of schemas is `prefixItems` in OpenAPI 3.1)", lambda v: isinstance(v, _SCHEMA)),
    "additionalProperties": ("a schema or a boolean", lambda v: isinstance(v, _SCHEMA)),
    "enum": ("a list of values", lambda v: isinstance(v, list)),
}


def shape_problem(schema: dict[str, Any]) -> tuple[str, str] | None:
    """(relative JSON pointer, message) of the first keyword of `schema` with the wrong shape, also
    looking at the `required` lists of its `oneOf`/`anyOf` alternatives; None when all are right."""
    for keyword, (expected, fits) in _SHAPES.items():
        if keyword in schema and not fits(schema[keyword]):
            return f"/{keyword}", f"`{keyword}` must be {expected}, not {kind_of(schema[keyword])}"
    for keyword in ("oneOf", "anyOf"):
        for index, option in enumerate(schema.get(keyword) or []):
            required = option.get("required") if isinstance(option, dict) else None
            if required is not None and not _SHAPES["required"][1](required):
                return f"/{keyword}/{index}/required", f"`required` must be a list of names, not {kind_of(required)}"
    for name, value in (schema.get("properties") or {}).items():
        if not isinstance(value, _SCHEMA):
            return f"/properties/{_escaped(name)}", f"a property must be a schema, not {kind_of(value)}"
    return None


def _escaped(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def kind_of(value: Any) -> str:
    """How a message names what a keyword holds: `a number`, `a list of int, str`."""
    if isinstance(value, list):
        inner = {type(item).__name__ for item in value}
        return f"a list of {', '.join(sorted(inner))}" if inner else "an empty list"
    return {dict: "a mapping", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)
