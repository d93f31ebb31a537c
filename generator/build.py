"""Stage 3: turn a validated OpenAPI document into the intermediate model.

Each Slack method is a path (`/calls.add`) with one operation. The method's arguments are its query
parameters and the properties of its request body; Slack's token is never an argument (it is the
client's credential, sent as a Bearer header), whether the spec declares it as a security scheme or
as a legacy parameter named `token`. Types are resolved here, including `$ref`s (recursive ones
too), so templates never look at raw spec data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from . import model as m
from .errors import Problem, SpecError, pointer
from .load import Document
from .naming import constant_case, identifier, pascal_case, snake_case
from .validate import resolve_ref

# Attributes every generated model already has (the runtime's Model), names its annotations use
# (a field of that name would shadow them in the class body), and the attributes of the models
# methods return (the runtime's SlackResponse).
MODEL_ATTRIBUTES = frozenset({"raw", "decode", "to_dict", "_decode_fields", "str", "int", "float", "bool", "list",
                              "dict", "Any", "Mapping", "Sequence", "field", "dataclass", "enum"})
RESPONSE_ATTRIBUTES = MODEL_ATTRIBUTES | {"status_code", "headers", "warnings", "from_response"}
# Keyword arguments every generated method already has, besides `self`.
RESERVED_ARGUMENTS = frozenset({"self"})
# Attributes of the generated client a family cannot take.
CLIENT_ATTRIBUTES = frozenset({"base_url", "close", "request", "timeout"})
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class Selection:
    """Which part of the spec becomes the package."""

    package: str
    families: tuple[str, ...] = ()  # empty: every method in the spec


@dataclass
class _Types:
    """Schema-to-type resolution with the models and enums it creates along the way."""

    document: Document
    problems: list[Problem]
    models: dict[str, m.Model] = field(default_factory=dict)
    enums: dict[str, m.Enum] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # class name -> schema pointer
    responses: set[str] = field(default_factory=set)  # names of models methods return
    response_sources: set[str] = field(default_factory=set)  # their schemas' pointers

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data

    def resolve(self, schema: Any) -> tuple[dict[str, Any], str | None]:
        """Follow `$ref`s; returns the schema and the component name it came from, if any."""
        name = None
        seen: set[str] = set()
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if ref in seen:
                raise SpecError(Problem(f"reference {ref!r} refers only to itself", self.document.name, ref[1:]))
            seen.add(ref)
            name = ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            schema = resolve_ref(self.data, ref)
        return (schema if isinstance(schema, dict) else {}), name

    def type_of(self, schema: Any, context: str, where: str) -> tuple[m.Type, bool]:
        """The Python type of `schema` and whether it admits null."""
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        schema, component = self.resolve(schema)
        if isinstance(ref, str):
            where = ref[1:]
        name = pascal_case(component) if component else context
        nullable = bool(schema.get("nullable")) or _admits_null(schema)
        if "allOf" in schema:
            schema = self.merge_all_of(schema, where)
        alternatives = schema.get("oneOf") or schema.get("anyOf")
        if alternatives and not _only_constraints(alternatives):
            return self.union(schema, alternatives, name, where, nullable)
        kind = _type_name(schema)
        if "enum" in schema and kind in ("string", None) and all(isinstance(v, str) for v in schema["enum"]):
            return self.enum(schema, name, where), nullable
        if kind == "string":
            return m.Primitive("str"), nullable
        if kind == "integer":
            return m.Primitive("int"), nullable
        if kind == "number":
            return m.Primitive("float"), nullable
        if kind == "boolean":
            return m.Primitive("bool"), nullable
        if kind == "array":
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
            return _const_type(schema["const"]), nullable
        return m.Primitive("Any"), nullable

    def union(self, schema: dict[str, Any], alternatives: list[Any], name: str, where: str,
              nullable: bool) -> tuple[m.Type, bool]:
        key = "oneOf" if "oneOf" in schema else "anyOf"
        options: list[m.Type] = []
        for index, option in enumerate(alternatives):
            resolved, _ = self.resolve(option)
            if _type_name(resolved) == "null":
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
        for part in schema["allOf"]:
            resolved, _ = self.resolve(part)
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
            py_name = identifier(snake_case(wire_name) if not wire_name.isidentifier() else wire_name, reserved)
            if py_name in used:
                raise SpecError(Problem(
                    f"properties {used[py_name]!r} and {wire_name!r} would both be the Python field {py_name!r}",
                    self.document.name, f"{where}/properties"))
            used[py_name] = wire_name
            prop_where = f"{where}/properties/{pointer(wire_name)[1:]}"
            field_type, nullable = self.type_of(prop, name + pascal_case(wire_name), prop_where)
            resolved, _ = self.resolve(prop)
            fields.append(m.Field(py_name, wire_name, field_type, wire_name in required, nullable,
                                  _text(resolved.get("description") or (prop or {}).get("description"))))
        fields.sort(key=lambda f: not f.required)  # stable: spec order within each group
        constraints = tuple(
            " + ".join(option.get("required", [])) for option in schema.get("oneOf", []) or schema.get("anyOf", [])
            if isinstance(option, dict) and option.get("required")
        )
        self.models[name] = m.Model(name, _text(schema.get("description") or schema.get("title")),
                                    tuple(fields), where, False, constraints)
        return name

    def enum(self, schema: dict[str, Any], name: str, where: str) -> m.EnumRef:
        if self.claim(name, where):
            values: list[m.EnumValue] = []
            for value in dict.fromkeys(schema["enum"]):
                member = constant_case(value) if value else "EMPTY"
                if any(v.name == member for v in values):
                    raise SpecError(Problem(f"enum values would both be the Python member {member!r}",
                                            self.document.name, f"{where}/enum"))
                values.append(m.EnumValue(member, value))
            self.enums[name] = m.Enum(name, _text(schema.get("description")), tuple(values), where)
        return m.EnumRef(name)


def build(document: Document, selection: Selection) -> m.Api:
    """Build the model of the client for `selection`; raises `SpecError` on what it cannot express."""
    data = document.data
    if "swagger" in data:
        raise SpecError(Problem("Swagger 2.0 input is not supported yet; convert it to OpenAPI 3", document.name,
                                "/swagger"))
    types = _Types(document, [])
    methods: list[m.Method] = []
    for path, path_item in data.get("paths", {}).items():
        slack_name = path.strip("/")
        if selection.families and not any(slack_name.startswith(f + ".") for f in selection.families):
            continue
        for verb in ("get", "post", "put", "patch", "delete"):
            if verb in path_item:
                methods.append(_method(types, slack_name, verb, path_item, pointer("paths", path, verb)))
    if not methods:
        wanted = ", ".join(selection.families) or "any family"
        raise SpecError(Problem(f"no methods found for {wanted}", document.name, "/paths"))
    families = _families(document, methods, types)
    info = data.get("info", {})
    servers = data.get("servers") or [{"url": "https://slack.com/api"}]
    return m.Api(
        title=str(info.get("title", "")),
        description=_text(info.get("description")),
        version=str(info.get("version", "")),
        package=selection.package,
        spec_name=document.name,
        base_url=str(servers[0].get("url", "")).rstrip("/") + "/",
        families=families,
        models=tuple(sorted((_mark_response(mod, types.responses) for mod in types.models.values()),
                            key=lambda mod: mod.name)),
        enums=tuple(sorted(types.enums.values(), key=lambda e: e.name)),
        common_errors=_errors(info.get("x-slack-common-errors")),
    )


def _method(types: _Types, slack_name: str, verb: str, path_item: dict[str, Any], where: str) -> m.Method:
    document = types.document
    if verb not in ("get", "post"):
        raise SpecError(Problem(f"HTTP method {verb.upper()} is not used by the Slack Web API", document.name, where))
    operation = path_item[verb]
    segments = slack_name.split(".")
    if not all(segments):
        raise SpecError(Problem(f"path {slack_name!r} is not a dotted Slack method name", document.name, where))
    context = pascal_case(slack_name.replace(".", "_"))
    parameters: list[m.Parameter] = []
    for index, raw in enumerate([*path_item.get("parameters", []), *operation.get("parameters", [])]):
        parameter, _ = types.resolve(raw)
        location = parameter.get("in")
        if parameter.get("name") == "token" or location == "header":
            continue  # the credential: sent as Authorization by the client, never an argument
        if location != "query":
            raise SpecError(Problem(f"parameters in {location!r} are not supported", document.name,
                                    f"{where}/parameters/{index}"))
        param_type, _ = types.type_of(parameter.get("schema", {}), context + pascal_case(parameter["name"]),
                                      f"{where}/parameters/{index}/schema")
        parameters.append(m.Parameter(
            name="", wire_name=parameter["name"], location="query", type=param_type,
            required=bool(parameter.get("required")), description=_text(parameter.get("description")),
            json_encoded=False, example_value=_example(parameter.get("schema", {}))))
    body_encoding, content_types = "none", ()
    if "requestBody" in operation:
        body, _ = types.resolve(operation["requestBody"])
        content = body.get("content", {})
        content_types = tuple(content)
        chosen = FORM if FORM in content else JSON if JSON in content else None
        if chosen is None:
            raise SpecError(Problem(f"request body types {', '.join(content)} are not supported "
                                    f"(use {FORM} or {JSON})", document.name, f"{where}/requestBody/content"))
        body_encoding = "form" if chosen == FORM else "json"
        media = content[chosen]
        parameters += _body_parameters(types, media, context, f"{where}/requestBody/content/{pointer(chosen)[1:]}",
                                       body_encoding == "form")
    parameters = _python_names(document, parameters, where)
    parameters.sort(key=lambda p: not p.required)
    return m.Method(
        slack_name=slack_name,
        name=identifier(snake_case(segments[-1])),
        http_method="GET" if verb == "get" else "POST",
        path=slack_name,
        summary=_text(operation.get("summary") or _first_sentence(operation.get("description"))),
        description=_text(operation.get("description")),
        parameters=tuple(parameters),
        body_encoding=body_encoding,  # type: ignore[arg-type]
        content_types=content_types,
        response=_response_model(types, operation, context, where),
        scopes=_scopes(operation.get("security", types.data.get("security", []))),
        errors=_errors(operation.get("x-slack-errors")),
        docs_url=str(operation.get("externalDocs", {}).get("url", "")),
        deprecated=bool(operation.get("deprecated")),
    )


def _body_parameters(types: _Types, media: dict[str, Any], context: str, where: str,
                     form: bool) -> list[m.Parameter]:
    schema, _ = types.resolve(media.get("schema", {}))
    if "allOf" in schema:
        schema = types.merge_all_of(schema, where)
    required = set(schema.get("required", []))
    encodings = media.get("encoding", {})
    parameters = []
    for wire_name, prop in schema.get("properties", {}).items():
        if wire_name == "token":
            continue
        param_type, _ = types.type_of(prop, context + pascal_case(wire_name),
                                      f"{where}/schema/properties/{pointer(wire_name)[1:]}")
        resolved, _ = types.resolve(prop)
        declared_json = encodings.get(wire_name, {}).get("contentType", "").startswith(JSON)
        structured = isinstance(param_type, (m.ModelRef, m.MapOf)) or (
            isinstance(param_type, m.ListOf) and not isinstance(param_type.item, (m.Primitive, m.EnumRef)))
        parameters.append(m.Parameter(
            name="", wire_name=wire_name, location="body", type=param_type, required=wire_name in required,
            description=_text(resolved.get("description") or (prop or {}).get("description")),
            json_encoded=form and (declared_json or structured),
            default=repr(resolved["default"]) if "default" in resolved else None,
            example_value=_example(resolved)))
    return parameters


def _python_names(document: Document, parameters: list[m.Parameter], where: str) -> list[m.Parameter]:
    named: dict[str, m.Parameter] = {}
    for parameter in parameters:
        name = identifier(snake_case(parameter.wire_name) if not parameter.wire_name.isidentifier()
                          else parameter.wire_name, RESERVED_ARGUMENTS)
        if name in named:
            raise SpecError(Problem(f"arguments {named[name].wire_name!r} and {parameter.wire_name!r} would both be "
                                    f"the Python argument {name!r}", document.name, where))
        named[name] = m.Parameter(**{**parameter.__dict__, "name": name})
    return list(named.values())


def _response_model(types: _Types, operation: dict[str, Any], context: str, where: str) -> str:
    responses = operation.get("responses", {})
    response, _ = types.resolve(responses.get("200") or responses.get("2XX") or {})
    schema = response.get("content", {}).get(JSON, {}).get("schema")
    if schema is None:
        schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    resolved, _ = types.resolve(schema)
    alternatives = resolved.get("oneOf") or resolved.get("anyOf")
    if alternatives:  # success and error envelopes side by side: the client raises on the error one
        successes = [option for option in alternatives if not _is_error_envelope(types.resolve(option)[0])]
        if len(successes) == 1:
            schema = successes[0]
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    types.response_sources.add(ref[1:] if isinstance(ref, str) else f"{where}/responses/200")
    response_type, _ = types.type_of(schema, f"{context}Response", f"{where}/responses/200")
    if not isinstance(response_type, m.ModelRef):
        response_type, _ = types.type_of(
            {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]},
            f"{context}Response", f"{where}/responses/200")
    assert isinstance(response_type, m.ModelRef)
    types.responses.add(response_type.name)
    return response_type.name


def _families(document: Document, methods: list[m.Method], types: _Types) -> tuple[m.Family, ...]:
    tree: dict[str, Any] = {}
    for method in methods:
        node = tree
        for segment in method.slack_name.split(".")[:-1]:
            node = node.setdefault(segment, {})
        node.setdefault("", []).append(method)
    families = []
    for segment in sorted(k for k in tree if k):
        resource = _resource(document, (segment,), tree[segment])
        families.append(m.Family(resource.path[0], segment, resource, _used_names(resource, types)))
    if "" in tree:
        raise SpecError(Problem(f"method {tree[''][0].slack_name!r} has no family (expected family.method)",
                                document.name, "/paths"))
    return tuple(families)


def _resource(document: Document, slack_path: tuple[str, ...], node: dict[str, Any]) -> m.Resource:
    path = tuple(identifier(snake_case(s), CLIENT_ATTRIBUTES if len(slack_path) == 1 else frozenset())
                 for s in slack_path)
    children = tuple(_resource(document, (*slack_path, k), node[k]) for k in sorted(k for k in node if k))
    methods = tuple(sorted((replace(method, resource_path=path) for method in node.get("", [])),
                           key=lambda method: method.name))
    taken: dict[str, str] = {child.attribute: ".".join((*slack_path, child.attribute)) for child in children}
    for method in methods:
        if method.name in taken:
            raise SpecError(Problem(f"{method.slack_name!r} and {taken[method.name]!r} would both be "
                                    f"client.{'.'.join(path)}.{method.name}", document.name, "/paths"))
        taken[method.name] = method.slack_name
    return m.Resource(path, "".join(pascal_case(p) for p in path), methods, children)


def _used_names(resource: m.Resource, types: _Types) -> tuple[str, ...]:
    """Model and enum names a family's methods mention, for its module's imports."""
    names: set[str] = set()

    def visit(t: m.Type) -> None:
        if isinstance(t, (m.ModelRef, m.EnumRef)):
            names.add(t.name)
        elif isinstance(t, m.ListOf):
            visit(t.item)
        elif isinstance(t, m.MapOf):
            visit(t.value)
        elif isinstance(t, m.UnionOf):
            for option in t.options:
                visit(option)

    for res in resource.walk():
        for method in res.methods:
            names.add(method.response)
            for parameter in method.parameters:
                visit(parameter.type)
    return tuple(sorted(names))


def _mark_response(model: m.Model, responses: set[str]) -> m.Model:
    if model.name not in responses:
        return model
    clash = [f.name for f in model.fields if f.name in RESPONSE_ATTRIBUTES]
    if clash:
        raise SpecError(Problem(f"field {clash[0]!r} of {model.name} clashes with the response attribute of that "
                                "name; the schema is used both nested and as a response", "", model.source))
    return m.Model(model.name, model.description, model.fields, model.source, True, model.constraints)


def _is_error_envelope(schema: dict[str, Any]) -> bool:
    ok = schema.get("properties", {}).get("ok", {})
    return ok.get("const") is False or ok.get("enum") == [False]


def _only_constraints(alternatives: list[Any]) -> bool:
    """`oneOf: [{required: [a]}, {required: [b, c]}]` constrains an object; it adds no shape."""
    return all(isinstance(option, dict) and set(option) <= {"required", "description", "title"}
               for option in alternatives)


def _type_name(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) > 1:
            return None
        return kinds[0] if kinds else "null"
    return kind if isinstance(kind, str) else None


def _admits_null(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return isinstance(kind, list) and "null" in kind


def _const_type(value: Any) -> m.Primitive:
    if isinstance(value, bool):
        return m.Primitive("bool")
    if isinstance(value, int):
        return m.Primitive("int")
    if isinstance(value, float):
        return m.Primitive("float")
    if isinstance(value, str):
        return m.Primitive("str")
    return m.Primitive("Any")


def _scopes(security: Any) -> tuple[str, ...]:
    scopes: list[str] = []
    for requirement in security or []:
        for names in (requirement or {}).values():
            scopes += [str(name) for name in names or []]
    return tuple(dict.fromkeys(scopes))


def _errors(errors: Any) -> tuple[m.ErrorCode, ...]:
    if not isinstance(errors, dict):
        return ()
    return tuple(m.ErrorCode(str(code), _text(text)) for code, text in sorted(errors.items()))


def _example(schema: Any) -> str | None:
    """The schema's example as a Python literal, when it is a plain scalar."""
    value = schema.get("example") if isinstance(schema, dict) else None
    if isinstance(value, str):
        return m.python_string(value)
    if isinstance(value, (bool, int, float)):
        return repr(value)
    return None


def _first_sentence(value: Any) -> str:
    text = _text(value)
    return text.split(". ", 1)[0].split("\n", 1)[0]


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""
