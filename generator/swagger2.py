"""Swagger 2.0 input: validated as 2.0, then read as the OpenAPI 3.0 the rest of the pipeline knows.

`upgrade` runs three steps. First openapi-spec-validator checks the 2.0 document. Then `convert`
rewrites it the way OpenAPI 3.0 says the same thing: `definitions` become `components/schemas`,
`formData` parameters a form request body, a `body` parameter a request body, response `schema`s
response content, `host` + `basePath` the server URL, `securityDefinitions` security schemes.
Last, the converted document is validated as 3.0, which also checks what the 2.0 validator could
not reach. Problems found after conversion are reported at their place in the 2.0 file.

One quirk is accepted: Slack's machine-made 2.0 spec writes JSON Schema draft 4 tuple `items`
(`items: [A, B]`, 28 places) where it means "A or B". Swagger 2.0's own JSON schema allows that
form, openapi-spec-validator does not, so those places are validated as `{}` in the first step and
converted to `items: {anyOf: [A, B]}`, the same reading as Slack's own OpenAPI 3.0 conversion; the
alternatives themselves are validated in the last step. The converted schema is marked with
`x-generator-tuple-items` and the build stage warns wherever a selected method uses one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem, SpecError, pointer
from .load import Document, locate
from .validate import resolve_ref, validate

# Marks a schema whose tuple `items` was converted, so the build stage can say so where it is used.
TUPLE_NOTE = "x-generator-tuple-items"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_VERBS = ("get", "put", "post", "delete", "options", "head", "patch")
_OAUTH_FLOWS = {"implicit": "implicit", "password": "password", "application": "clientCredentials",
                "accessCode": "authorizationCode"}
_COLLECTION_STYLES = {"csv": ("form", False), "multi": ("form", True), "ssv": ("spaceDelimited", False),
                      "pipes": ("pipeDelimited", False)}
# Keywords a 2.0 parameter shares with a schema; they move into the 3.0 parameter's `schema`.
_SCHEMA_KEYS = ("type", "format", "items", "default", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
                "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "enum", "multipleOf")


def is_swagger2(data: dict[str, Any]) -> bool:
    return str(data.get("swagger", "")).startswith("2.")


@dataclass(frozen=True)
class Upgraded(Document):
    """A converted 2.0 document; `origins` maps places in it back to places in the 2.0 file."""

    origins: tuple[tuple[str, str], ...] = ()  # (pointer in the 3.0 data, pointer in the 2.0 file)

    def source(self, problem: Problem) -> Problem:
        """The problem, placed in the 2.0 file instead of the converted data."""
        best = max((pair for pair in self.origins if _under(problem.pointer, pair[0])),
                   key=lambda pair: len(pair[0]), default=None)
        where = problem.pointer if best is None else best[1] + problem.pointer[len(best[0]):]
        # 2.0 has no anyOf: every `items/anyOf/N` here was the tuple `items/N` of the 2.0 file
        return Problem(problem.message, problem.file, re.sub(r"/items/anyOf/(\d+)", r"/items/\1", where))


def upgrade(document: Document) -> Upgraded:
    """Validate a Swagger 2.0 document, convert it to OpenAPI 3.0 and validate the result."""
    tuples = list(tuple_items(document.data))
    validate(Document(_emptied(document.data, tuples), document.text, document.name, document.path))
    converted = convert(document)
    try:
        validate(converted)
    except SpecError as exc:
        raise SpecError([_located(document, converted.source(problem)) for problem in exc.problems]) from None
    return converted


def _located(document: Document, problem: Problem) -> Problem:
    """The problem with the line and column of its place in the 2.0 file (YAML only)."""
    parts = tuple(part.replace("~1", "/").replace("~0", "~") for part in problem.pointer.split("/")[1:])
    line, column = locate(document, tuple(int(p) if p.isdigit() else p for p in parts))
    return Problem(problem.message, problem.file, problem.pointer, line, column)


def tuple_items(data: Any, where: str = "") -> Iterator[str]:
    """Pointers of every `items` that is a list, outside of examples."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("example", "examples", "x-examples") or (isinstance(key, str) and key.startswith("x-")):
                continue
            here = f"{where}{pointer(key)}"
            if key == "items" and isinstance(value, list):
                yield here
            yield from tuple_items(value, here)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from tuple_items(value, f"{where}/{index}")


def _emptied(data: Any, pointers: list[str]) -> Any:
    """A copy of `data` with an empty schema at each pointer; only the nodes above them are copied."""
    if not pointers:
        return data
    heads: dict[str, list[str]] = {}
    for where in pointers:
        head, _, rest = where[1:].partition("/")
        heads.setdefault(head, []).append("/" + rest if rest else "")
    copy: Any = dict(data) if isinstance(data, dict) else list(data)
    for head, rests in heads.items():
        key: Any = int(head) if isinstance(copy, list) else head.replace("~1", "/").replace("~0", "~")
        copy[key] = {} if "" in rests else _emptied(copy[key], rests)
    return copy


@dataclass
class _Converter:
    data: dict[str, Any]
    origins: list[tuple[str, str]] = field(default_factory=list)

    def convert(self) -> dict[str, Any]:
        data = self.data
        result: dict[str, Any] = {"openapi": "3.0.3"}
        for key, value in data.items():
            if key in ("info", "tags", "externalDocs", "security") or key.startswith("x-"):
                result[key] = value
        if data.get("host"):
            schemes = data.get("schemes") or ["https"]
            scheme = "https" if "https" in schemes else schemes[0]
            result["servers"] = [{"url": f"{scheme}://{data['host']}{data.get('basePath', '')}"}]
            self.origins.append(("/servers", "/host"))
        result["paths"] = {path: self.path_item(path, item) for path, item in data.get("paths", {}).items()}
        components: dict[str, Any] = {}
        if data.get("definitions"):
            components["schemas"] = {name: self.schema(schema) for name, schema in data["definitions"].items()}
            self.origins.append(("/components/schemas", "/definitions"))
        if data.get("securityDefinitions"):
            components["securitySchemes"] = {name: _security_scheme(scheme)
                                              for name, scheme in data["securityDefinitions"].items()}
            self.origins.append(("/components/securitySchemes", "/securityDefinitions"))
        if components:
            result["components"] = components
        return result

    def path_item(self, path: str, item: dict[str, Any]) -> dict[str, Any]:
        where = pointer("paths", path)
        shared = [self.resolved(p, f"{where}/parameters/{i}") for i, p in enumerate(item.get("parameters", []))]
        result: dict[str, Any] = {k: v for k, v in item.items() if k.startswith("x-")}
        for verb in _VERBS:
            if verb in item:
                result[verb] = self.operation(item[verb], shared, f"{where}/{verb}")
        return result

    def operation(self, operation: dict[str, Any], shared: list[tuple[dict[str, Any], str]],
                  where: str) -> dict[str, Any]:
        own = [self.resolved(p, f"{where}/parameters/{i}") for i, p in enumerate(operation.get("parameters", []))]
        names = {(p.get("name"), p.get("in")) for p, _ in own}
        parameters = [pair for pair in shared if (pair[0].get("name"), pair[0].get("in")) not in names] + own
        result: dict[str, Any] = {key: value for key, value in operation.items()
                                  if key not in ("parameters", "consumes", "produces", "responses", "schemes")}
        consumes = operation.get("consumes", self.data.get("consumes")) or ["application/json"]
        produces = operation.get("produces", self.data.get("produces")) or ["application/json"]
        plain = [(p, source) for p, source in parameters if p.get("in") not in ("body", "formData")]
        if plain:
            result["parameters"] = []
            for index, (parameter, source) in enumerate(plain):
                result["parameters"].append(self.parameter(parameter))
                self.origins.append((f"{where}/parameters/{index}/schema", source))
                self.origins.append((f"{where}/parameters/{index}", source))
        body = self.request_body(parameters, consumes, where)
        if body is not None:
            result["requestBody"] = body
        result["responses"] = {code: self.response(self.resolved(response, f"{where}/responses/{code}")[0],
                                                   produces, f"{where}/responses/{code}")
                               for code, response in operation.get("responses", {}).items()}
        return result

    def parameter(self, parameter: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {key: parameter[key] for key in ("name", "in", "description", "required",
                                                                  "allowEmptyValue") if key in parameter}
        result.update({key: value for key, value in parameter.items() if key.startswith("x-")})
        result["schema"] = self.schema(_parameter_schema(parameter))
        style = _COLLECTION_STYLES.get(parameter.get("collectionFormat", "csv"))
        if parameter.get("type") == "array" and style is not None:
            result["style"], result["explode"] = style
        return result

    def request_body(self, parameters: list[tuple[dict[str, Any], str]], consumes: list[str],
                     where: str) -> dict[str, Any] | None:
        body = [(p, source) for p, source in parameters if p.get("in") == "body"]
        form = [(p, source) for p, source in parameters if p.get("in") == "formData"]
        if body:
            parameter, source = body[0]
            schema = self.schema(parameter.get("schema", {}))
            types = [t for t in consumes if t not in FORM_TYPES] or ["application/json"]
            for media_type in types:
                self.origins.append((f"{where}/requestBody/content/{pointer(media_type)[1:]}/schema",
                                     f"{source}/schema"))
            result = {"content": {media_type: {"schema": schema} for media_type in types},
                      "required": bool(parameter.get("required"))}
            if parameter.get("description"):
                result["description"] = parameter["description"]
            return result
        if not form:
            return None
        properties: dict[str, Any] = {}
        required: list[str] = []
        for parameter, source in form:
            described = {"description": parameter["description"]} if "description" in parameter else {}
            properties[parameter["name"]] = self.schema({**described, **_parameter_schema(parameter)})
            if parameter.get("required"):
                required.append(parameter["name"])
        is_file = any(p.get("type") == "file" for p, _ in form)
        types = [t for t in consumes if t in FORM_TYPES] or [FORM_TYPES[1] if is_file else FORM_TYPES[0]]
        form_schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            form_schema["required"] = required
        for media_type in types:
            prefix = f"{where}/requestBody/content/{pointer(media_type)[1:]}/schema/properties"
            for parameter, source in form:
                self.origins.append((f"{prefix}{pointer(parameter['name'])}", source))
        return {"content": {media_type: {"schema": form_schema} for media_type in types}, "required": bool(required)}

    def response(self, response: dict[str, Any], produces: list[str], where: str) -> dict[str, Any]:
        result: dict[str, Any] = {"description": response.get("description", "")}
        result.update({key: value for key, value in response.items() if key.startswith("x-")})
        if "schema" in response:
            schema = self.schema(response["schema"])
            examples = response.get("examples", {})
            result["content"] = {}
            for media_type in produces:
                result["content"][media_type] = {"schema": schema}
                if media_type in examples:
                    result["content"][media_type]["example"] = examples[media_type]
                self.origins.append((f"{where}/content/{pointer(media_type)[1:]}/schema", f"{where}/schema"))
        if response.get("headers"):
            result["headers"] = {name: {"description": header.get("description", ""),
                                        "schema": self.schema(_parameter_schema(header))}
                                 for name, header in response["headers"].items()}
        return result

    def resolved(self, node: dict[str, Any], where: str) -> tuple[dict[str, Any], str]:
        """A parameter or response, with a `$ref` to the top-level `parameters`/`responses` followed."""
        ref = node.get("$ref") if isinstance(node, dict) else None
        if isinstance(ref, str):
            return resolve_ref(self.data, ref), ref[1:]
        return node, where

    def schema(self, schema: Any) -> Any:
        """A 2.0 schema as 3.0: references moved, `x-nullable`, `type: file`, tuple `items`."""
        if isinstance(schema, list):
            return [self.schema(item) for item in schema]
        if not isinstance(schema, dict):
            return schema
        if isinstance(schema.get("type"), list):
            schema = _single_type(schema)
        result: dict[str, Any] = {}
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                result[key] = value.replace("#/definitions/", "#/components/schemas/", 1)
            elif key in ("example", "default", "enum") or (key.startswith("x-") and key != "x-nullable"):
                result[key] = value
            elif key == "x-nullable":
                result["nullable"] = bool(value)
            elif key == "type" and value == "null":  # JSON Schema's null type; OpenAPI 3.0 says `nullable`
                result["nullable"] = True
            elif key == "items" and isinstance(value, list):
                result[key] = {"anyOf": self.schema(value)}
                result[TUPLE_NOTE] = True
            elif key == "type" and value == "file":
                result.update(type="string", format="binary")
            elif key == "discriminator" and isinstance(value, str):
                result[key] = {"propertyName": value}
            elif key in ("properties", "definitions") and isinstance(value, dict):
                result[key] = {name: self.schema(item) for name, item in value.items()}
            else:
                result[key] = self.schema(value)
        return result


def convert(document: Document) -> Upgraded:
    """The 2.0 document as OpenAPI 3.0 (it should have been validated as 2.0 first)."""
    converter = _Converter(document.data)
    data = converter.convert()
    return Upgraded(data, document.text, document.name, document.path, tuple(converter.origins))


def _single_type(schema: dict[str, Any]) -> dict[str, Any]:
    """`type: [null, string]` (draft 4) as OpenAPI 3.0 says it: `type: string, nullable: true`; several
    types become `oneOf`, each alternative keeping the keywords that apply to it."""
    kinds = [kind for kind in schema["type"] if kind != "null"]
    result = {key: value for key, value in schema.items() if key != "type"}
    if "null" in schema["type"]:
        result["nullable"] = True
    if len(kinds) == 1:
        result["type"] = kinds[0]
    elif kinds:
        own = {"array": ("items", "minItems", "maxItems", "uniqueItems"),
               "object": ("properties", "additionalProperties", "required", "minProperties", "maxProperties")}
        result = {key: value for key, value in result.items() if not any(key in keys for keys in own.values())}
        result["oneOf"] = [{"type": kind, **{key: schema[key] for key in own.get(kind, ()) if key in schema},
                            **({"items": schema.get("items", {})} if kind == "array" else {})} for kind in kinds]
    return result


def _parameter_schema(parameter: dict[str, Any]) -> dict[str, Any]:
    schema = {key: parameter[key] for key in _SCHEMA_KEYS if key in parameter}
    if isinstance(schema.get("items"), dict):
        schema["items"] = _parameter_schema(schema["items"])
    return schema


def _security_scheme(scheme: dict[str, Any]) -> dict[str, Any]:
    kind = scheme.get("type")
    extra = {key: value for key, value in scheme.items() if key == "description" or key.startswith("x-")}
    if kind == "basic":
        return {"type": "http", "scheme": "basic", **extra}
    if kind == "oauth2":
        flow: dict[str, Any] = {"scopes": scheme.get("scopes", {})}
        for key in ("authorizationUrl", "tokenUrl"):
            if key in scheme:
                flow[key] = scheme[key]
        return {"type": "oauth2", "flows": {_OAUTH_FLOWS.get(scheme.get("flow", ""), "implicit"): flow}, **extra}
    return dict(scheme)


def _under(where: str, prefix: str) -> bool:
    return where == prefix or where.startswith(prefix + "/")
