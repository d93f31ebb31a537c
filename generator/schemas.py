"""Stage 3a: JSON Schema to the model's types, with the models, enums and aliases made on the way.

`Types` resolves `$ref`s (recursive ones too), merges `allOf`, turns `oneOf`/`anyOf` into unions
and object schemas into models named after where they are used; `build` asks it for the type of
each argument and response. Names the generated modules already use are stepped around here, so a
schema can never shadow the runtime, typing or a model's own attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import model as m
from .errors import Problem, SpecError, pointer
from .load import Document
from .naming import constant_case, pascal_case, python_name
from .shapes import shape_problem
from .swagger2 import TUPLE_NOTE
from .validate import resolve_ref

JSON = "application/json"

# Attributes every generated model already has (the runtime's Model), names its annotations use
# (a field of that name would shadow them in the class body), and the attributes of the models
# methods return (the runtime's SlackResponse).
MODEL_ATTRIBUTES = frozenset({"raw", "decode", "to_dict", "_decode_fields", "str", "int", "float", "bool", "list",
                              "dict", "Any", "Mapping", "Sequence", "field", "dataclass", "enum"})
RESPONSE_ATTRIBUTES = MODEL_ATTRIBUTES | {"status_code", "headers", "warnings", "from_response", "mismatches", "get"}
# Names the generated modules import or define besides models: a schema of that name gets "Model"
# appended to its class name.
RUNTIME_NAMES = frozenset({
    "Any", "AsyncBaseClient", "AsyncClient", "AsyncHttpTransport", "AsyncIterator", "AsyncMockTransport",
    "AsyncPages", "AsyncResource", "AsyncTransport", "BaseClient", "Client", "ConnectFailed", "Endpoint",
    "FileInput", "HttpTransport", "Iterator", "Limiter", "LocalLimiter", "Mapping", "Mismatch", "MockTransport",
    "Model", "Pages", "Rate", "RateLimits", "RedisLimiter", "Request", "Resource", "Response", "Sequence",
    "SlackApiError", "SlackAuthError", "SlackConnectionError", "SlackError", "SlackPaginationError",
    "SlackRateLimitedError", "SlackResponse", "SlackResponseError", "SlackTimeoutError", "SlackTransportError",
    "SlackUploadError", "Transport", "TypeAlias", "Upload"
})
# Schema keywords that change which values are valid in ways a Python type cannot say.
UNSUPPORTED_KEYWORDS = ("not", "if", "then", "else", "patternProperties", "prefixItems", "dependentSchemas",
                        "unevaluatedProperties", "unevaluatedItems", "propertyNames", "contains")
JSON_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object"})


@dataclass
class Types:
    """Schema-to-type resolution with the models and enums it creates along the way."""

    document: Document
    warnings: dict[tuple[str, str], Problem] = field(default_factory=dict)  # by (pointer, message)
    models: dict[str, m.Model] = field(default_factory=dict)
    enums: dict[str, m.Enum] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # class name -> schema pointer
    responses: set[str] = field(default_factory=set)  # names of models methods return
    response_sources: set[str] = field(default_factory=set)  # their schemas' pointers
    # recursive types (issue 10)
    aliases: dict[str, m.Alias] = field(default_factory=dict)
    alias_types: dict[str, tuple[m.Type, bool]] = field(default_factory=dict)  # by `$ref`
    in_progress: set[str] = field(default_factory=set)  # `$ref`s whose types are being worked out
    recursive: set[str] = field(default_factory=set)  # those met again meanwhile

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data

    def warn(self, message: str, where: str) -> None:
        """Record something approximated at `where` (once, however often the schema is used)."""
        self.warnings.setdefault((where, message), Problem(message, self.document.name, where))

    def error(self, message: str, where: str) -> SpecError:
        return SpecError(Problem(message, self.document.name, where))

    def resolve(self, schema: Any) -> tuple[dict[str, Any], str | None]:
        """Follow `$ref`s; returns the schema and the component name it came from, if any."""
        name = None
        seen: set[str] = set()
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if ref in seen:
                raise self.error(f"reference {ref!r} refers only to itself", ref[1:])
            seen.add(ref)
            name = ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            schema = resolve_ref(self.data, ref)
        return (schema if isinstance(schema, dict) else {}), name

    def type_of(self, schema: Any, context: str, where: str) -> tuple[m.Type, bool]:
        """The Python type of `schema` and whether it admits null.

        A referenced schema met again while its own type is being worked out contains itself: a
        model handles that by its name; anything else (a union, list or map) becomes a recursive
        type alias."""
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not isinstance(ref, str):
            return self.plain_type_of(schema, context, where)
        if ref in self.alias_types:
            return self.alias_types[ref]
        _, component = self.resolve(schema)
        name = pascal_case(component) if component else context
        name = f"{name}Model" if name in RUNTIME_NAMES else name
        if ref in self.in_progress and self.sources.get(name) != ref[1:]:  # not a model being built
            self.recursive.add(ref)
            return m.AliasRef(name), False
        self.in_progress.add(ref)
        try:
            found = self.plain_type_of(schema, context, where)
        finally:
            self.in_progress.discard(ref)
        if ref in self.recursive:
            self.claim(name, ref[1:])
            self.aliases[name] = m.Alias(name, found[0], ref[1:])
            found = self.alias_types[ref] = (m.AliasRef(name), found[1])
        return found

    def plain_type_of(self, schema: Any, context: str, where: str) -> tuple[m.Type, bool]:
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        schema, component = self.resolve(schema)
        if isinstance(ref, str):
            where = ref[1:]
        self.check_shape(schema, where)
        name = pascal_case(component) if component else context
        if name in RUNTIME_NAMES:
            name += "Model"
        for keyword in UNSUPPORTED_KEYWORDS:
            if keyword in schema:
                self.warn(f"`{keyword}` is not supported; the type is built from the rest of the schema", where)
        nullable = bool(schema.get("nullable")) or admits_null(schema)
        if "allOf" in schema:
            schema = self.merge_all_of(schema, where)
        alternatives = schema.get("oneOf") or schema.get("anyOf")
        if alternatives and not only_constraints(alternatives):
            return self.union(schema, alternatives, name, where, nullable)
        kinds = type_names(schema)
        unknown = [kind for kind in kinds if kind not in JSON_TYPES]
        if unknown:  # 3.1 validators let schemas of requests and responses through unchecked
            raise SpecError(Problem(f"unknown type {unknown[0]!r}; JSON Schema has {', '.join(sorted(JSON_TYPES))}",
                                    self.document.name, f"{where}/type"))
        if len(kinds) > 1:  # `type: [string, integer]`: one of several JSON types
            # `items` belongs to the array alternative only: the others must not be warned about it
            options = [self.type_of({**{k: v for k, v in schema.items() if k != "items" or kind == "array"},
                                     "type": kind}, name, where)[0] for kind in kinds]
            return m.UnionOf(tuple(dict.fromkeys(options))), nullable
        kind = kinds[0] if kinds else None
        if "items" in schema and kind != "array":
            origin = "Swagger 2.0 tuple `items` (read as one of the listed schemas)" if schema.get(TUPLE_NOTE) \
                else "`items`"
            self.warn(f"{origin} without `type: array` constrains only arrays; "
                      f"{'typed as Any' if kind is None else 'ignored'}", where)
        values = schema.get("enum")
        if isinstance(values, list) and kind in ("string", None) and values:
            strings = [v for v in values if v is not None]
            if all(isinstance(v, str) for v in strings) and strings:
                return self.enum({**schema, "enum": strings}, name, where), nullable or None in values
        if kind == "string":
            if schema.get("format") == "binary":
                self.warn("binary content outside a multipart/form-data request body is typed as str", where)
            return m.Primitive("str"), nullable
        if kind == "integer":
            return m.Primitive("int"), nullable
        if kind == "number":
            return m.Primitive("float"), nullable
        if kind == "boolean":
            return m.Primitive("bool"), nullable
        if kind == "array":
            if schema.get(TUPLE_NOTE):
                self.warn("Swagger 2.0 tuple `items` read as a list whose items are each one of the listed schemas",
                          where)
            item, _ = self.type_of(schema.get("items", {}), f"{name}Item", f"{where}/items")
            return m.ListOf(item), nullable
        if kind == "object" or "properties" in schema:
            if schema.get("properties"):
                return m.ModelRef(self.model(schema, name, where)), nullable
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                value, _ = self.type_of(extra, f"{name}Value", f"{where}/additionalProperties")
                return m.MapOf(value), nullable
            return m.MapOf(m.Primitive("Any")), nullable
        if "const" in schema:
            return const_type(schema["const"]), nullable
        return m.Primitive("Any"), nullable

    def check_shape(self, schema: dict[str, Any], where: str) -> None:
        problem = shape_problem(schema)
        if problem:
            raise self.error(problem[1], where + problem[0])

    def union(self, schema: dict[str, Any], alternatives: list[Any], name: str, where: str,
              nullable: bool) -> tuple[m.Type, bool]:
        key = "oneOf" if "oneOf" in schema else "anyOf"
        if "discriminator" in schema:
            self.warn("`discriminator` is not used: decoding tries the alternatives in order and keeps the first "
                      "that fits", where)
        options: list[m.Type] = []
        for index, option in enumerate(alternatives):
            resolved, _ = self.resolve(option)
            if is_null(resolved):
                nullable = True
                continue
            option_type, option_nullable = self.type_of(option, f"{name}{index + 1}", f"{where}/{key}/{index}")
            nullable = nullable or option_nullable
            if option_type not in options:
                options.append(option_type)
        if not options:
            return m.Primitive("Any"), nullable
        if len(options) == 1:
            return options[0], nullable
        return m.UnionOf(tuple(options)), nullable

    def merge_all_of(self, schema: dict[str, Any], where: str) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        properties: dict[str, Any] = {}
        required: list[str] = []
        for index, part in enumerate(schema["allOf"]):
            resolved, _ = self.resolve(part)
            self.check_shape(resolved, f"{where}/allOf/{index}")
            if "allOf" in resolved:
                resolved = self.merge_all_of(resolved, where)
            properties.update(resolved.get("properties", {}))
            required += resolved.get("required", [])
            for key in ("type", "description"):
                merged.setdefault(key, resolved.get(key))
        properties.update(schema.get("properties", {}))
        merged["properties"] = properties
        merged["required"] = list(dict.fromkeys(required + schema.get("required", [])))
        return {k: v for k, v in merged.items() if v is not None}

    def claim(self, name: str, where: str) -> bool:
        """Reserve a class name for the schema at `where`; False when that schema already has it."""
        owner = self.sources.get(name)
        if owner == where:
            return False
        if owner is not None:
            raise SpecError(Problem(
                f"two schemas would both become the Python class {name!r} (the other is {owner})",
                self.document.name, where))
        self.sources[name] = where
        return True

    def model(self, schema: dict[str, Any], name: str, where: str) -> str:
        if not self.claim(name, where):
            return name
        required = set(schema.get("required", []))
        fields: list[m.Field] = []
        used: dict[str, str] = {}
        reserved = RESPONSE_ATTRIBUTES if where in self.response_sources else MODEL_ATTRIBUTES
        for wire_name, prop in schema.get("properties", {}).items():
            py_name = python_name(wire_name, reserved)
            if py_name in used:
                raise SpecError(Problem(
                    f"properties {used[py_name]!r} and {wire_name!r} would both be the Python field {py_name!r}",
                    self.document.name, f"{where}/properties"))
            used[py_name] = wire_name
            prop_where = f"{where}/properties/{pointer(wire_name)[1:]}"
            field_type, nullable = self.type_of(prop, name + pascal_case(wire_name), prop_where)
            resolved, _ = self.resolve(prop)
            fields.append(m.Field(py_name, wire_name, field_type, wire_name in required, nullable,
                                  describe(prop, resolved)))
        fields.sort(key=lambda f: not f.required)  # stable: spec order within each group
        options = [option for option in schema.get("oneOf", []) or schema.get("anyOf", [])
                   if isinstance(option, dict) and option.get("required")]
        constraints = tuple(" + ".join(option["required"]) for option in options)
        unknown = self.unknown_required(schema, where)
        python = {wire: py for py, wire in used.items()}
        # checked when built in code; not when an alternative names no property (it could not be given)
        alternatives = () if unknown else tuple(tuple(python[wire] for wire in option["required"]) for option in options)
        self.models[name] = m.Model(name, text_of(schema.get("description") or schema.get("title")),
                                    tuple(fields), where, False, constraints, alternatives)
        return name

    def unknown_required(self, schema: dict[str, Any], where: str) -> list[str]:
        """Names that `required` (or a `oneOf`/`anyOf` alternative) lists but `properties` lacks: no
        argument or field can carry them, so say so rather than drop them in silence."""
        properties = schema.get("properties", {})
        places = [("", schema.get("required", []))] + [
            (f"/{key}/{index}", option.get("required", []))
            for key in ("oneOf", "anyOf") for index, option in enumerate(schema.get(key, []) or [])
            if isinstance(option, dict)]
        unknown = []
        for place, names in places:
            missing = [n for n in names if isinstance(n, str) and n not in properties] if isinstance(names, list) else []
            if missing:
                listed = ", ".join(repr(n) for n in missing)
                self.warn(f"`required` lists {listed}, which `properties` does not define; it is left out",
                          f"{where}{place}/required")
            unknown += missing
        return unknown

    def enum(self, schema: dict[str, Any], name: str, where: str) -> m.EnumRef:
        if self.claim(name, where):
            values: list[m.EnumValue] = []
            for value in dict.fromkeys(schema["enum"]):
                member = constant_case(value) if value else "EMPTY"
                if any(v.name == member for v in values):
                    raise SpecError(Problem(f"enum values would both be the Python member {member!r}",
                                            self.document.name, f"{where}/enum"))
                values.append(m.EnumValue(member, value))
            self.enums[name] = m.Enum(name, text_of(schema.get("description")), tuple(values), where)
        return m.EnumRef(name)


def only_constraints(alternatives: list[Any]) -> bool:
    """`oneOf: [{required: [a]}, {required: [b, c]}]` constrains an object; it adds no shape."""
    return all(isinstance(option, dict) and set(option) <= {"required", "description", "title"}
               for option in alternatives)


def describe(schema: Any, resolved: dict[str, Any]) -> str:
    """A schema's description: beside its `$ref` (3.1 allows that) or on what it refers to."""
    own = schema.get("description") if isinstance(schema, dict) else None
    return text_of(own or resolved.get("description"))


def type_names(schema: dict[str, Any]) -> list[str]:
    """The JSON types a schema allows besides null; empty when it does not say."""
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    return [k for k in dict.fromkeys(kinds) if k != "null"]


def is_null(schema: dict[str, Any]) -> bool:
    """`type: "null"` (3.1), `type: [null]`, or a bare `nullable: true` (3.0): only null."""
    kind = schema.get("type")
    if kind == "null" or kind == ["null"]:
        return True
    return schema.get("nullable") is True and set(schema) <= {"nullable", "description", "title"}


def admits_null(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return isinstance(kind, list) and "null" in kind


def const_type(value: Any) -> m.Primitive:
    if isinstance(value, bool):
        return m.Primitive("bool")
    if isinstance(value, int):
        return m.Primitive("int")
    if isinstance(value, float):
        return m.Primitive("float")
    if isinstance(value, str):
        return m.Primitive("str")
    return m.Primitive("Any")


def text_of(value: Any) -> str:
    return str(value).strip() if value is not None else ""
