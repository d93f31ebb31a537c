"""Stage 3: turn a validated OpenAPI document into the intermediate model.

Each Slack method is a path (`/calls.add`) with one operation. The method's arguments are its query
parameters and the properties of its request body. Their types come from `schemas` (which
resolves `$ref`s, recursive ones too), so templates never look at raw spec data; only the schemas
the selected methods use become models.

Slack's token is the client's credential, sent as `Authorization: Bearer <token>`, never an
argument. It is recognised in every form specs declare it: a security scheme of type `oauth2`,
`openIdConnect` or `http` + `bearer` (any name), an `apiKey` scheme named `token` or
`Authorization`, and the legacy parameter literally named `token` (header, query or form field, as
in Slack's own 2.0 spec). Any other scheme or header parameter cannot be sent by the client: it is
left out with a warning. An operation secured only by HTTP Basic (an OAuth exchange) takes no
Slack token, so there a `token` argument is data: the token it exchanges (`oauth.v2.exchange`).

What the generator cannot express exactly is reported, never dropped in silence: a construct it
approximates (an unsupported schema keyword, a header parameter) is a warning naming the place; one
it cannot build at all (a path parameter, a name collision) is a `SpecError`.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import model as m
from .errors import Problem, SpecError, pointer
from .load import Document
from .naming import identifier, pascal_case, python_name, snake_case
from .paginate import pagination
from .render import BUILTIN_RUNTIME
from .schemas import (
    JSON,
    RESPONSE_ATTRIBUTES,
    RUNTIME_NAMES,
    Types,
    describe,
    only_constraints,
    text_of,
    type_names,
)
from .wire import BASIC_CREDENTIALS, json_argument, post_reason, secret, with_basic_credentials

# Keyword arguments every generated method already has: `self` and the per-call options (and the
# bounds of a paginated method's `.pages()` and `.items()`).
RESERVED_ARGUMENTS = frozenset({"self", "token", "timeout", "max_retries", "deadline", "extra_args", "strict",
                                "rate_limit", "max_pages", "max_items"})
# Names `_client.py` binds at module level that its class bodies use: a family's property of that
# name would hide them (it imports them under private aliases; these are the public names, kept off
# families too, so a reader of the client never meets two meanings).
CLIENT_MODULE_NAMES = frozenset({"annotations", "cached_property"})


def client_attributes(base: Path = BUILTIN_RUNTIME / "_base.py") -> frozenset[str]:
    """Every attribute the runtime gives a client (`client.deadline`, `client.close`, ...), read from
    the source of `_Settings`, `BaseClient` and `AsyncBaseClient`: a family there would be hidden
    (or hide it). Read, not imported: the generator never runs the runtime's code."""
    names: set[str] = set()
    for node in ast.parse(base.read_text(encoding="utf-8")).body:
        if not (isinstance(node, ast.ClassDef) and node.name in ("_Settings", "BaseClient", "AsyncBaseClient")):
            continue
        for statement in node.body:
            if isinstance(statement, ast.Assign | ast.AnnAssign):  # class attributes
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                names.update(target.id for target in targets if isinstance(target, ast.Name))
            if not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            names.add(statement.name)
            if statement.name == "__init__":  # the options: `rate_limits`, `transport`, ...
                names.update(arg.arg for arg in statement.args.args[1:] + statement.args.kwonlyargs)
            for inner in ast.walk(statement):  # what methods set on `self`
                if (isinstance(inner, ast.Attribute) and isinstance(inner.ctx, ast.Store)
                        and isinstance(inner.value, ast.Name) and inner.value.id == "self"):
                    names.add(inner.attr)
    return frozenset(names)


# Attributes of the generated clients a family cannot take.
CLIENT_ATTRIBUTES = client_attributes() | CLIENT_MODULE_NAMES
# Method and child names a resource class cannot take: in its body they would hide the builtins its
# method signatures use (`def int(...)` turns every later `int` annotation into the method).
RESOURCE_ATTRIBUTES = frozenset({"bool", "float", "int", "str"})
BEARER_SCHEMES = frozenset({"oauth2", "openIdConnect"})
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class Selection:
    """Which part of the spec becomes the package."""

    package: str
    families: tuple[str, ...] = ()  # empty: every method in the spec




def build(document: Document, selection: Selection, warnings: list[Problem] | None = None) -> m.Api:
    """Build the model of the client for `selection`; raises `SpecError` on what it cannot express.

    Problems the generator works around are appended to `warnings`, each naming its place."""
    data = document.data
    if "swagger" in data:
        raise SpecError(Problem("Swagger 2.0 must be converted first (generator.swagger2.upgrade)", document.name,
                                "/swagger"))
    types = Types(document)
    credentials = _credentials(types)
    methods: list[m.Method] = []
    matched: set[str] = set()
    selected: list[tuple[str, str, dict[str, Any]]] = []
    for path, path_item in data.get("paths", {}).items():
        slack_name = path.strip("/")
        wanted = {f for f in selection.families if slack_name.startswith(f + ".")}
        if selection.families and not wanted:
            continue
        matched |= wanted
        selected.append((path, slack_name, path_item))
    _check_python_paths(types, [(slack_name, path) for path, slack_name, _ in selected])
    for path, slack_name, path_item in selected:
        for verb in ("get", "post", "put", "patch", "delete", "head", "options", "trace"):
            if verb in path_item:
                methods.append(_method(types, credentials, slack_name, verb, path_item, pointer("paths", path)))
    missing = [f for f in selection.families if f not in matched]
    if missing or not methods:
        available = sorted({path.strip("/").split(".")[0] for path in data.get("paths", {})})
        raise types.error(f"no methods named {' or '.join(f + '.*' for f in missing) or 'family.method'}; "
                          f"the families in this spec are: {', '.join(available) or 'none'}", "/paths")
    families = _families(types, methods)
    info = data.get("info", {})
    servers = data.get("servers") or [{"url": "https://slack.com/api"}]
    if warnings is not None:
        warnings += sorted(types.warnings.values(), key=lambda problem: (problem.pointer, problem.message))
    return m.Api(
        title=str(info.get("title", "")),
        description=text_of(info.get("description")),
        version=str(info.get("version", "")),
        package=selection.package,
        spec_name=document.name,
        base_url=str(servers[0].get("url", "")).rstrip("/") + "/",
        families=families,
        models=tuple(sorted((_mark_response(mod, types.responses, document.name) for mod in types.models.values()),
                            key=lambda mod: mod.name)),
        enums=tuple(sorted(types.enums.values(), key=lambda e: e.name)),
        common_errors=_errors(info.get("x-slack-common-errors")),
        aliases=tuple(sorted(types.aliases.values(), key=lambda alias: alias.name)),
    )


def python_path(segments: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Where a Slack name lives on the client: `chat.postMessage` -> ("chat", "post_message")."""
    return tuple(identifier(snake_case(s), CLIENT_ATTRIBUTES if index == 0 else RESOURCE_ATTRIBUTES)
                 for index, s in enumerate(segments))


def _check_python_paths(types: Types, names: list[tuple[str, str]]) -> None:
    """Two Slack names (or name prefixes) must not land on one client attribute."""
    owners: dict[tuple[str, ...], str] = {}
    for slack_name, path in names:
        segments = slack_name.split(".")
        for depth in range(1, len(segments) + 1):
            prefix = ".".join(segments[:depth]) + ("" if depth == len(segments) else ".*")
            attribute = python_path(segments[:depth])
            owner = owners.setdefault(attribute, prefix)
            if owner != prefix:
                raise types.error(f"{owner!r} and {prefix!r} would both be client.{'.'.join(attribute)}",
                                  pointer("paths", path))


@dataclass(frozen=True)
class _Credentials:
    """Where the spec says the token goes; every one of them becomes the client's Bearer header."""

    parameters: frozenset[tuple[str, str]]  # (name, location) of the apiKey schemes
    unsupported: dict[str, str]  # scheme name -> why the client cannot send it
    basic: frozenset[str] = frozenset()  # names of the HTTP Basic schemes (OAuth client credentials)
    exchange: bool = False  # for an OAuth exchange: no argument is the client's token

    def uses_basic(self, security: Any) -> bool:
        return any(name in self.basic for requirement in security or [] for name in requirement or {})

    def for_method(self, security: Any) -> _Credentials:
        """These credentials as one method sees them: an OAuth exchange takes no token, so its `token`
        argument (the token it exchanges) is an argument like any other."""
        return replace(self, exchange=True) if self.uses_basic(security) else self

    def is_token(self, name: str, location: str) -> bool:
        return not self.exchange and (name == "token" or (name, location) in self.parameters)

    def check(self, types: Types, security: Any) -> None:
        """Warn about each scheme a selected method asks for that the client cannot honour."""
        for requirement in security or []:
            for name in requirement or {}:
                if name in self.unsupported:
                    types.warn(f"security scheme {name!r} ({self.unsupported[name]}) is not supported; the client "
                               "sends its token as `Authorization: Bearer`", pointer("components", "securitySchemes",
                                                                                      name))


def _credentials(types: Types) -> _Credentials:
    """Read the security schemes: which ones the client's Bearer token stands for."""
    schemes = types.data.get("components", {}).get("securitySchemes", {})
    parameters: set[tuple[str, str]] = set()
    unsupported: dict[str, str] = {}
    basic: set[str] = set()
    for name, raw in schemes.items():
        scheme, _ = types.resolve(raw)
        kind = scheme.get("type")
        if kind in BEARER_SCHEMES or (kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer"):
            continue
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            basic.add(name)
            continue
        if kind == "apiKey":
            key = (str(scheme.get("name")), str(scheme.get("in")))
            parameters.add(key)
            if key[0] != "token" and key != ("Authorization", "header"):
                unsupported[name] = f"apiKey in {key[1]} {key[0]!r}"
        else:
            unsupported[name] = f"{kind} {scheme.get('scheme', '')}".strip()
    return _Credentials(frozenset(parameters), unsupported, frozenset(basic))


def _method(types: Types, credentials: _Credentials, slack_name: str, verb: str, path_item: dict[str, Any],
            path_where: str) -> m.Method:
    where = f"{path_where}/{verb}"
    if verb not in ("get", "post"):
        raise types.error(f"HTTP method {verb.upper()} is not used by the Slack Web API", where)
    operation = path_item[verb]
    security = operation.get("security", types.data.get("security", []))
    credentials.check(types, security)
    credentials = credentials.for_method(security)
    segments = slack_name.split(".")
    if not all(segments) or any(char in slack_name for char in "/{}"):
        raise types.error(f"path {'/' + slack_name!r} is not a Slack method name such as /chat.postMessage",
                          path_where)
    context = pascal_case(slack_name.replace(".", "_"))
    parameters: list[m.Parameter] = []
    query_places: list[tuple[str, str]] = []  # (wire name, place) of each query argument
    for parameter, parameter_where in _declared_parameters(types, path_item, operation, path_where, where):
        name, location = str(parameter.get("name")), str(parameter.get("in"))
        if credentials.is_token(name, location):
            continue  # the credential: sent as Authorization by the client, never an argument
        if location in ("header", "cookie"):
            types.warn(f"{location} parameter {name!r} is not supported; the method is generated without it",
                       parameter_where)
            continue
        if location != "query":
            raise types.error(f"parameters in {location!r} are not supported (Slack methods take query and body "
                              "arguments)", parameter_where)
        param_content: dict[str, Any] = parameter.get("content") or {}  # `content: {media type: {schema}}`
        param_media: dict[str, Any] = next(iter(param_content.values()), {})
        schema = parameter.get("schema") or param_media.get("schema", {})
        param_type, _ = types.type_of(schema, context + pascal_case(name), f"{parameter_where}/schema")
        if isinstance(param_type, m.ListOf) and (parameter.get("explode") or parameter.get("style", "form") != "form"):
            types.warn("list arguments are sent comma-separated, as Slack expects, whatever `style` and `explode` "
                       "say", parameter_where)
        resolved, _ = types.resolve(schema)
        query_places.append((name, parameter_where))
        description = text_of(parameter.get("description"))
        declared_json = any(str(kind).startswith(JSON) for kind in param_content)
        parameters.append(m.Parameter(
            name="", wire_name=name, location="query", type=param_type,
            required=bool(parameter.get("required")), description=description,
            json_encoded=json_argument(param_type, declared_json, description),
            default=repr(resolved["default"]) if "default" in resolved else None,
            example_value=_example(resolved), secret=secret(name, resolved)))
    body_encoding, content_types = "none", ()
    if "requestBody" in operation:
        body, _ = types.resolve(operation["requestBody"])
        content = body.get("content", {})
        content_types = tuple(content)
        chosen = _body_type(types, content)
        if chosen is None:
            raise types.error(f"request body types {', '.join(content)} are not supported (use {FORM}, {JSON} or "
                              f"{MULTIPART})", f"{where}/requestBody/content")
        body_encoding = {FORM: "form", JSON: "json", MULTIPART: "multipart"}[chosen]
        media = content[chosen]
        parameters += _body_parameters(types, credentials, media, context,
                                       f"{where}/requestBody/content/{pointer(chosen)[1:]}", body_encoding != "json",
                                       multipart=body_encoding == "multipart")
        for wire, parameter_where in query_places:
            types.warn(f"query parameter {wire!r} of a method with a request body is sent in the body, "
                       "with the others (Slack reads arguments from either)", parameter_where)
    basic_auth = credentials.uses_basic(security) or (
        slack_name.startswith("oauth.") and {p.wire_name for p in parameters} >= set(BASIC_CREDENTIALS))
    if basic_auth:
        parameters = with_basic_credentials(parameters)
    http_method = "GET" if verb == "get" else "POST"
    why_post = post_reason(parameters, basic_auth) if http_method == "GET" else ""
    if why_post:  # Slack accepts POST for every method; JSON and secrets stay out of the URL
        http_method, body_encoding = "POST", "form"
        parameters = [replace(p, location="body") for p in parameters]
    idempotent = operation.get("x-slack-idempotent", False)
    if not isinstance(idempotent, bool):
        raise types.error(f"x-slack-idempotent must be true or false, not {idempotent!r}", f"{where}/x-slack-idempotent")
    parameters = _python_names(types, parameters, where)
    parameters.sort(key=lambda p: not p.required)
    response = _response_model(types, operation, context, where)
    return m.Method(
        slack_name=slack_name,
        name=python_path(segments)[-1],
        http_method=http_method,  # type: ignore[arg-type]
        path=slack_name,
        summary=text_of(operation.get("summary") or _first_sentence(operation.get("description"))),
        description=text_of(operation.get("description")),
        parameters=tuple(parameters),
        body_encoding=body_encoding,  # type: ignore[arg-type]
        content_types=content_types,
        response=response,
        scopes=_scopes(security),
        errors=_errors(operation.get("x-slack-errors")) or _documented_errors(types, operation),
        docs_url=str(operation.get("externalDocs", {}).get("url", "")),
        deprecated=bool(operation.get("deprecated")),
        token_required=_token_required(types, operation),
        idempotent=idempotent,
        basic_auth=basic_auth,
        post_reason=why_post,
        pagination=pagination(types, operation, parameters, response, where),
        rate_limit_tier=_rate_limit_tier(types, operation, where),
        rate_limit_note=_rate_limit_note(types, operation, where),
        rate_limit=_rate_limit(types, operation, parameters, where),
    )


def _token_required(types: Types, operation: dict[str, Any]) -> bool:
    """False when the spec says the method takes no token: `security: []` (or an empty
    requirement, making auth optional), or only HTTP basic schemes, as OAuth token exchanges
    declare their client_id and client_secret."""
    security = operation.get("security", types.data.get("security"))
    if not isinstance(security, list):
        return True  # nothing declared: Slack methods take a token
    if not security or any(not requirement for requirement in security):
        return False
    schemes = types.data.get("components", {}).get("securitySchemes", {})
    names = {name for requirement in security if isinstance(requirement, dict) for name in requirement}
    basic = set()
    for name in names:
        scheme, _ = types.resolve(schemes.get(name, {}))
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            basic.add(name)
    return not names or basic != names


def _body_type(types: Types, content: dict[str, Any]) -> str | None:
    """The request body type to send: multipart when it carries files (or is all there is), else a
    form, else JSON."""
    if MULTIPART in content:
        schema, _ = types.resolve(content[MULTIPART].get("schema", {}))
        if any(_is_binary(types.resolve(prop)[0]) for prop in schema.get("properties", {}).values()) or not (
                FORM in content or JSON in content):
            return MULTIPART
    return FORM if FORM in content else JSON if JSON in content else None


def _is_binary(schema: dict[str, Any]) -> bool:
    """A file: `format: binary` (3.0; 2.0's `type: file` is converted to it) or 3.1's
    `contentMediaType` without an encoding."""
    if type_names(schema) != ["string"]:
        return False
    return schema.get("format") == "binary" or ("contentMediaType" in schema and "contentEncoding" not in schema)


def _declared_parameters(types: Types, path_item: dict[str, Any], operation: dict[str, Any], path_where: str,
                         where: str) -> list[tuple[dict[str, Any], str]]:
    """The operation's parameters and those of its path it does not redefine, with their places."""
    own = [(types.resolve(raw)[0], f"{where}/parameters/{index}")
           for index, raw in enumerate(operation.get("parameters", []))]
    redefined = {(parameter.get("name"), parameter.get("in")) for parameter, _ in own}
    shared = [(types.resolve(raw)[0], f"{path_where}/parameters/{index}")
              for index, raw in enumerate(path_item.get("parameters", []))]
    return [pair for pair in shared if (pair[0].get("name"), pair[0].get("in")) not in redefined] + own


def _body_parameters(types: Types, credentials: _Credentials, media: dict[str, Any], context: str, where: str,
                     form: bool, multipart: bool = False) -> list[m.Parameter]:
    schema, _ = types.resolve(media.get("schema", {}))
    if "allOf" in schema:
        schema = types.merge_all_of(schema, where)
    kinds = type_names(schema)
    if kinds and kinds != ["object"]:
        raise types.error(f"a request body of type {' or '.join(kinds)} cannot be keyword arguments; Slack methods "
                          "take an object of named arguments", f"{where}/schema")
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives and not only_constraints(alternatives):
        types.warn("`oneOf`/`anyOf` in a request body: the arguments are the properties listed on the body schema "
                   "itself", f"{where}/schema")
    required = set(schema.get("required", []))
    types.unknown_required({**schema, "required": [n for n in schema.get("required", [])
                                                   if not credentials.is_token(n, "body")]}, f"{where}/schema")
    encodings = media.get("encoding", {})
    parameters = []
    for wire_name, prop in schema.get("properties", {}).items():
        if credentials.is_token(wire_name, "body"):
            continue  # Slack's legacy form field: the credential, sent as Authorization instead
        resolved, _ = types.resolve(prop)
        param_type: m.Type
        if multipart and _is_binary(resolved):
            param_type = m.Binary()
        else:
            param_type, _ = types.type_of(prop, context + pascal_case(wire_name),
                                          f"{where}/schema/properties/{pointer(wire_name)[1:]}")
        declared_json = str(encodings.get(wire_name, {}).get("contentType", "")).startswith(JSON)
        description = describe(prop, resolved)
        parameters.append(m.Parameter(
            name="", wire_name=wire_name, location="body", type=param_type, required=wire_name in required,
            description=description,
            json_encoded=form and json_argument(param_type, declared_json, description),
            default=repr(resolved["default"]) if "default" in resolved else None,
            example_value=_example(resolved), secret=secret(wire_name, resolved)))
    return parameters


def _python_names(types: Types, parameters: list[m.Parameter], where: str) -> list[m.Parameter]:
    """Keyword argument names: the wire name when it is a usable identifier, else made into one."""
    named: dict[str, m.Parameter] = {}
    for parameter in parameters:
        name = python_name(parameter.wire_name, RESERVED_ARGUMENTS)
        if name in named:
            raise types.error(f"arguments {named[name].wire_name!r} and {parameter.wire_name!r} would both be the "
                              f"Python argument {name!r}", where)
        named[name] = m.Parameter(**{**parameter.__dict__, "name": name})
    return list(named.values())


def _response_model(types: Types, operation: dict[str, Any], context: str, where: str) -> str:
    responses = operation.get("responses", {})
    status = "200" if "200" in responses else "2XX"
    if status not in responses and any(str(code).startswith("2") for code in responses):
        types.warn("Slack answers with HTTP 200; the method returns the bare `ok` envelope (the full JSON is in "
                   f"`.raw`), not the schema of {', '.join(str(c) for c in responses if str(c).startswith('2'))}",
                   f"{where}/responses")
    response, _ = types.resolve(responses.get(status, {}))
    schema = response.get("content", {}).get(JSON, {}).get("schema")
    where = f"{where}/responses/{status}" + ("/content/application~1json/schema" if schema is not None else "")
    if schema is None:
        schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    resolved, _ = types.resolve(schema)
    alternatives = resolved.get("oneOf") or resolved.get("anyOf")
    if alternatives:  # success and error envelopes side by side: the client raises on the error one
        successes = [option for option in alternatives if not _is_error_envelope(types.resolve(option)[0])]
        if len(successes) == 1:
            schema = successes[0]
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    types.response_sources.add(ref[1:] if isinstance(ref, str) else where)
    response_type, _ = types.type_of(schema, f"{context}Response", where)
    if not isinstance(response_type, m.ModelRef):
        types.warn(f"the success response is typed {response_type.annotation}, not an object with properties; the "
                   "method returns the bare `ok` envelope, with the full JSON in `.raw`", where)
        response_type, _ = types.type_of(
            {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]},
            f"{context}Response", where)
    assert isinstance(response_type, m.ModelRef)
    types.responses.add(response_type.name)
    return response_type.name


def _families(types: Types, methods: list[m.Method]) -> tuple[m.Family, ...]:
    tree: dict[str, Any] = {}
    for method in methods:
        node = tree
        for segment in method.slack_name.split(".")[:-1]:
            node = node.setdefault(segment, {})
        node.setdefault("", []).append(method)
    if "" in tree:
        raise types.error(f"method {tree[''][0].slack_name!r} has no family (expected family.method)",
                          pointer("paths", "/" + tree[""][0].slack_name))
    families: dict[str, m.Family] = {}
    classes = set(RUNTIME_NAMES)  # `_client.py` imports every family's two classes beside these
    for segment in sorted(k for k in tree if k):
        resource = _resource(types, (segment,), tree[segment])
        models = _used_names(resource, types)
        resource = _step_aside(resource, set(models))  # a class `Chat` beside a model `Chat` it imports
        class_name = resource.class_name
        while class_name in classes or f"Async{class_name}" in classes:  # families `foo` and `async_foo`
            class_name += "Methods"
        classes |= {class_name, f"Async{class_name}"}
        resource = replace(resource, class_name=class_name)
        family = m.Family(resource.path[0], segment, resource, models)
        if family.name in families:
            raise types.error(f"families {families[family.name].slack_name!r} and {segment!r} would both be "
                              f"client.{family.name}", "/paths")
        _check_module_names(types, family)
        taken = {method.name for method in resource.methods} | {child.attribute for child in resource.children}
        if family.upload and "upload_files" in taken:
            raise types.error(f"client.{family.name}.upload_files is both the upload helper and a method or group "
                              "of the spec", pointer("paths", f"/{segment}.uploadFiles"))
        families[family.name] = family
    return tuple(families.values())


def _step_aside(resource: m.Resource, taken: set[str]) -> m.Resource:
    """The resource tree with `Methods` appended to class names (or their `Async` twins) in `taken`."""
    children = tuple(_step_aside(child, taken) for child in resource.children)
    name = resource.class_name
    while name in taken or f"Async{name}" in taken:
        name += "Methods"
    return replace(resource, class_name=name, children=children)


def _resource(types: Types, slack_path: tuple[str, ...], node: dict[str, Any]) -> m.Resource:
    path = python_path(slack_path)
    children = tuple(_resource(types, (*slack_path, k), node[k]) for k in sorted(k for k in node if k))
    methods = tuple(sorted((replace(method, resource_path=path) for method in node.get("", [])),
                           key=lambda method: method.name))
    taken: dict[str, str] = {}
    for child in children:
        child_name = ".".join((*slack_path, child.path[-1])) + ".*"
        if child.attribute in taken:
            raise types.error(f"{taken[child.attribute]!r} and {child_name!r} would both be "
                              f"client.{'.'.join(child.path)}", "/paths")
        taken[child.attribute] = child_name
    for method in methods:
        if method.name in taken:
            raise types.error(f"{method.slack_name!r} and {taken[method.name]!r} would both be "
                              f"client.{'.'.join(path)}.{method.name}", pointer("paths", "/" + method.slack_name))
        taken[method.name] = method.slack_name
    return m.Resource(path, _resource_class_name(path), methods, children)


def _resource_class_name(path: tuple[str, ...]) -> str:
    """`CallsParticipants`; `Methods` appended where it or its `Async` twin would hide a runtime or
    typing name the modules import (a family `client`, `resource`, `any` or `sequence`)."""
    name = "".join(pascal_case(p) for p in path)
    return f"{name}Methods" if name in RUNTIME_NAMES or f"Async{name}" in RUNTIME_NAMES else name


def _check_module_names(types: Types, family: m.Family) -> None:
    """Every name a family module defines or imports must be distinct, or one would hide another."""
    owners: dict[str, str] = {name: f"model {name}" for name in family.models}
    for resource in family.resource.walk():
        for class_name in (resource.class_name, f"Async{resource.class_name}"):  # blocking and async
            what = f"the class for {'.'.join(resource.path)}"
            if class_name in owners:
                raise types.error(f"{what} and {owners[class_name]} would both be named "
                                  f"{class_name!r} in resources/{family.name}.py", "/paths")
            owners[class_name] = what
    for method in family.methods:
        if method.pagination is not None:  # a paginated method is an instance of its own class
            for class_name in (method.call_class, f"Async{method.call_class}"):
                if class_name in owners:
                    raise types.error(f"the class for {method.slack_name!r} and {owners[class_name]} would both be "
                                      f"named {class_name!r} in resources/{family.name}.py",
                                      pointer("paths", "/" + method.slack_name))
                owners[class_name] = repr(method.slack_name)
        if method.constant in owners:
            raise types.error(f"{method.slack_name!r} and {owners[method.constant]} would both be named "
                              f"{method.constant} in resources/{family.name}.py",
                              pointer("paths", "/" + method.slack_name))
        owners[method.constant] = repr(method.slack_name)


def _used_names(resource: m.Resource, types: Types) -> tuple[str, ...]:
    """Model and enum names a family's methods mention, for its module's imports."""
    names: set[str] = set()

    def visit(t: m.Type) -> None:
        if isinstance(t, (m.ModelRef, m.EnumRef, m.AliasRef)):
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
            if method.pagination is not None and method.pagination.item is not None:
                visit(method.pagination.item)
            for parameter in method.parameters:
                visit(parameter.type)
    return tuple(sorted(names, key=m.import_order))


def _mark_response(model: m.Model, responses: set[str], file: str) -> m.Model:
    if model.name not in responses:
        return model
    clash = [f.name for f in model.fields if f.name in RESPONSE_ATTRIBUTES]
    if clash:
        raise SpecError(Problem(f"field {clash[0]!r} of {model.name} clashes with the response attribute of that "
                                "name; the schema is used both nested and as a response", file, model.source))
    return m.Model(model.name, model.description, model.fields, model.source, True, model.constraints,
                   model.alternatives)


def _is_error_envelope(schema: dict[str, Any]) -> bool:
    ok = schema.get("properties", {}).get("ok", {})
    return ok.get("const") is False or ok.get("enum") == [False]




def _scopes(security: Any) -> tuple[str, ...]:
    scopes: list[str] = []
    for requirement in security or []:
        for names in (requirement or {}).values():
            scopes += [str(name) for name in names or []]
    return tuple(dict.fromkeys(scopes))


def _documented_errors(types: Types, operation: dict[str, Any]) -> tuple[m.ErrorCode, ...]:
    """Error codes listed as the `error` enum of the operation's error responses (Slack's 2.0 style)."""
    codes: list[str] = []
    for status, raw in operation.get("responses", {}).items():
        if str(status).startswith("2"):
            continue
        response, _ = types.resolve(raw)
        for media in response.get("content", {}).values():
            schema, _ = types.resolve(media.get("schema", {}))
            error, _ = types.resolve(schema.get("properties", {}).get("error", {}))
            codes += [str(code) for code in error.get("enum", []) if isinstance(code, str)]
    return tuple(m.ErrorCode(code, "") for code in sorted(set(codes)))


def _rate_limit_tier(types: Types, operation: dict[str, Any], where: str) -> m.RateLimitTier | None:
    """Slack's rate-limit tier of a method: 1 to 4, `special` (a rule of its own), or None (unknown)."""
    tier = operation.get("x-slack-rate-limit-tier")
    if tier is None:
        return None
    if tier == "special":
        return "special"
    if type(tier) is int and 1 <= tier <= 4:
        return tier  # type: ignore[return-value]
    raise types.error(f"x-slack-rate-limit-tier must be 1, 2, 3, 4 or 'special', not {tier!r}",
                      f"{where}/x-slack-rate-limit-tier")


def _rate_limit_note(types: Types, operation: dict[str, Any], where: str) -> str:
    note = operation.get("x-slack-rate-limit-note", "")
    if not isinstance(note, str):
        raise types.error("x-slack-rate-limit-note must be text", f"{where}/x-slack-rate-limit-note")
    return text_of(note)


def _rate_limit(types: Types, operation: dict[str, Any], parameters: list[m.Parameter],
                where: str) -> m.RateRule | None:
    """A special rule stated as a rate: `{limit: 1, per: 1, key: channel}` (per in seconds; key, optional,
    names the argument whose each value has its own window)."""
    rule = operation.get("x-slack-rate-limit")
    if rule is None:
        return None
    at = f"{where}/x-slack-rate-limit"
    if not isinstance(rule, dict):
        raise types.error(f"x-slack-rate-limit must be a mapping with limit, per and an optional key, "
                          f"not {type(rule).__name__}", at)
    unknown = sorted(str(name) for name in rule if name not in ("limit", "per", "key"))
    if unknown:
        raise types.error(f"x-slack-rate-limit takes limit, per and key, not {', '.join(unknown)}", at)
    limit, per, key = rule.get("limit"), rule.get("per"), rule.get("key")
    if type(limit) is not int or limit < 1:
        raise types.error(f"x-slack-rate-limit limit must be a whole number >= 1, not {limit!r}", f"{at}/limit")
    if isinstance(per, bool) or not isinstance(per, (int, float)) or not 0 < per < math.inf:
        raise types.error(f"x-slack-rate-limit per must be a positive, finite number of seconds, not {per!r}",
                          f"{at}/per")
    if key is not None:
        names = {p.wire_name for p in parameters}
        if not isinstance(key, str) or key not in names:
            raise types.error(f"x-slack-rate-limit key must name one of the method's arguments, not {key!r}",
                              f"{at}/key")
    return m.RateRule(limit, float(per), key)


def _errors(errors: Any) -> tuple[m.ErrorCode, ...]:
    if not isinstance(errors, dict):
        return ()
    return tuple(m.ErrorCode(str(code), text_of(text)) for code, text in sorted(errors.items()))


def _example(schema: Any) -> str | None:
    """The schema's example as a Python literal, when it is a plain scalar."""
    value = schema.get("example") if isinstance(schema, dict) else None
    if isinstance(value, str):
        return m.python_string(value)
    if isinstance(value, (bool, int)) or isinstance(value, float) and math.isfinite(value):
        return repr(value)  # not inf or nan: no Python literal spells them
    return None


def _first_sentence(value: Any) -> str:
    text = text_of(value)
    return text.split(". ", 1)[0].split("\n", 1)[0]


