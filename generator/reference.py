"""Slack's method reference (one JSON file per method) -> one OpenAPI 3.1 document.

`python -m generator reference DIR --out spec/slack_web.yaml`. The reference is the twin of
docs.slack.dev's method pages; this module keeps what a client needs and states it the way the
rest of the generator reads specs:
- each method is a path `/<name>` with its HTTP verb: GET arguments in the query, POST arguments
  as a form body (and a JSON body where `json_input_supported`);
- the `token` argument is the bearer scheme, never a parameter; methods without one take
  `security: []`, and the OAuth token exchanges the HTTP basic scheme (RFC 6749 2.3.1), where a
  `token` argument is the token exchanged (`oauth.v2.exchange`), a secret form field;
- arguments keep their types; timestamps are strings; arguments that carry JSON (objects, arrays of
  objects, text the reference documents as JSON, such as `blocks` and `view`, and text of the same
  name in another method of that family, such as `chat.stopStream`'s `blocks`) are typed as their
  structure or a pre-encoded string, and sent as JSON (`encoding: contentType`); a boolean, number
  or enum is never JSON, whatever its description says;
- the shared extensions: `x-slack-rate-limit-tier` (1-4 or `special`, with `x-slack-rate-limit-note`),
  `x-slack-rate-limit` (a special rule stated as a rate, `{limit: 1, per: 1, key: channel}`: at most
  `limit` calls in any `per` seconds, for each value of the argument `key` apart; from the note's text or
  `SPECIAL_RULES`), `x-slack-idempotent`, `x-slack-paginate`, `x-slack-errors`; `output` is the typed success response, with the documented examples.
Object names (`{"schema": "user"}`) resolve through `slack_objects`. The result is a function of
the folder alone (sorted files, no dates), so converting again gives the same bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem, SpecError
from .slack_objects import HAND_TYPED, LEGACY_OBJECTS, STRING_NAMES, SUPPORT, Legacy, component_name

DOCS = "https://docs.slack.dev/reference/methods/"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# The OAuth methods that exchange a code or token for another, authenticated by the app's own
# client_id and client_secret (HTTP basic), not by a Slack token.
TOKEN_EXCHANGES = frozenset({"oauth.access", "oauth.v2.access", "oauth.v2.exchange", "oauth.v2.user.access",
                             "openid.connect.token"})
# The rule for `x-slack-idempotent`: a method only reads when the last part of its name starts
# with one of these verbs and none of its scopes writes (`files.getUploadURLExternal` needs
# `files:write`: it reserves an upload, so it is not resent). Not "export": Slack's exports send
# something (`admin.users.unsupportedVersions.export` has Slackbot DM a file), so a resend after a
# timeout would send it twice; the overlay marks `apps.manifest.export`, which only reads.
READ_VERBS = ("list", "info", "get", "history", "replies", "members", "lookup", "search", "test", "validate",
              "counts", "show", "status")
# Descriptions that say an argument's value is JSON ("A JSON-based array", "a JSON-encoded string");
# case matters: "Use `json` for a complete export" names a value of a plain `format` argument.
JSON_WORDS = re.compile(r"\bJSON\b")
COMMON_ERRORS = "x-slack-common-errors"
# Special rules the reference leaves as `t5` but Slack's rate-limit guide states as a rate
# (https://docs.slack.dev/apis/web-api/rate-limits): the note and `x-slack-rate-limit`. The other
# `t5` methods have no documented rate, so only Slack's 429s hold them.
SPECIAL_RULES: dict[str, tuple[str, dict[str, Any]]] = {
    "chat.postMessage": ("1 message per second per channel (short bursts allowed), within a workspace-wide limit.",
                         {"limit": 1, "per": 1, "key": "channel"}),
}
# A special rule the reference states as text that opens with a rate: "1200 requests per minute with a burst
# allowance of 2000." keeps 1200 a minute (the burst is Slack's slack, not a budget to plan on).
STATED_RATE = re.compile(r"(?P<limit>[1-9][0-9]*) (?:requests|calls) per (?P<unit>second|minute|hour)\b")
PER_UNIT = {"second": 1, "minute": 60, "hour": 3600}
# Words of the reference's schema language; a mapping with none of them is a slip (see `_value_schema`).
KEYWORDS = frozenset({"type", "properties", "items", "anyOf", "oneOf", "allOf", "schema", "enum", "desc", "title",
                      "subtype", "example", "default", "required", "additionalProperties", "minItems", "maxItems",
                      "disableShapeUnification"})


@dataclass
class Conversion:
    """The state of one conversion: components built so far and what had to be approximated."""

    legacy: Legacy | None
    schemas: dict[str, Any] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    # (family, argument) -> the JSON shape, for the arguments a family documents as JSON somewhere
    # (`chat.postMessage`'s `blocks`): the same name in another method of it carries the same JSON
    # even where its own description does not say so (`chat.stopStream`'s "A list of blocks").
    json_arguments: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def warn(self, message: str, file: str, where: str = "") -> None:
        self.warnings.append(Problem(message, file, where))

    def object_ref(self, name: str, file: str, where: str) -> dict[str, Any]:
        """The schema for a reference object name, building its component the first time."""
        if name in STRING_NAMES or name.endswith("_id"):
            return {"type": "string"}
        component = component_name(name)
        if component in SUPPORT:
            self.schemas.setdefault(component, SUPPORT[component])
        elif name in HAND_TYPED:
            self.schemas.setdefault(component, HAND_TYPED[name])
        elif name in LEGACY_OBJECTS and self.legacy is not None:
            component = self.legacy.component(LEGACY_OBJECTS[name])
        else:
            if component not in self.schemas:
                self.schemas[component] = {"type": "object", "description": f"Slack's `{name}` object (untyped)."}
                self.warn(f"object type {name!r} has no definition; typed as an open object", file, where)
            return {"$ref": f"#/components/schemas/{component}"}
        return {"$ref": f"#/components/schemas/{component}"}

    def finish(self) -> dict[str, Any]:
        """Every component, the legacy ones and those they refer to included, in name order."""
        schemas = dict(self.schemas)
        if self.legacy is not None:
            schemas.update(self.legacy.components)
        while True:  # supporting schemas, and those they refer to in turn
            text = json.dumps(schemas)
            missing = {name: schema for name, schema in SUPPORT.items()
                       if name not in schemas and f'"#/components/schemas/{name}"' in text}
            if not missing:
                break
            schemas.update(missing)
        return dict(sorted(schemas.items()))


def convert(folder: Path, legacy_spec: Path | None = None, command: str = "") -> tuple[str, list[Problem]]:
    """The OpenAPI 3.1 YAML text for the reference in `folder`, and the warnings met on the way."""
    import yaml

    _Dumper = _dumper()
    files = _method_files(folder)
    legacy = None
    if legacy_spec is not None:
        legacy = Legacy(_read_json(legacy_spec).get("definitions", {}))
    state = Conversion(legacy)
    methods = [(name, path.name, _read_json(path)) for name, path in files]
    state.json_arguments = _documented_json(methods)
    paths: dict[str, Any] = {}
    for name, file, data in methods:
        paths[f"/{name}"] = {_verb(data, file): _operation(state, name, data, file)}
    families = sorted({name.split(".")[0] for name, _ in files})
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Slack Web API",
            "version": "1.0.0",
            "summary": "Every Slack Web API method, from Slack's current method reference.",
            "description": "Converted from Slack's method reference (docs.slack.dev) by `python -m generator "
                           "reference`; corrections live in an OpenAPI Overlay beside this file.",
            COMMON_ERRORS: COMMON,
        },
        "servers": [{"url": "https://slack.com/api"}],
        "security": [{"slackAuth": []}],
        "tags": [{"name": family} for family in families],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "slackAuth": {"type": "http", "scheme": "bearer",
                              "description": "A Slack bot (`xoxb-`) or user (`xoxp-`) token; each method names "
                                             "the scopes it needs."},
                "slackClient": {"type": "http", "scheme": "basic",
                                "description": "The app's client_id and client_secret (RFC 6749 2.3.1)."},
            },
            "schemas": {"ErrorResponse": ERROR_RESPONSE, "ResponseMetadata": RESPONSE_METADATA, **state.finish()},
        },
    }
    header = f"# Generated by `{command or 'python -m generator reference'}` from Slack's method reference " \
             f"({len(files)} methods, {len(families)} families). Do not edit by hand: correct it with an overlay.\n"
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120,
                     default_flow_style=False)
    return header + body, state.warnings


def _dumper() -> type:
    import yaml

    class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        """Every schema written out where it is used: no `&id001` anchors for a reader to chase."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

    return Dumper


def _method_files(folder: Path) -> list[tuple[str, Path]]:
    if not folder.is_dir():
        raise SpecError(Problem("not a folder of method files", str(folder)))
    files = sorted((path.name[: -len(".json")], path) for path in folder.glob("*.json") if path.name != "methods.json")
    if not files:
        raise SpecError(Problem("no method files (NAME.json) in the folder", str(folder)))
    return files


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(Problem(f"cannot read: {exc.strerror}", str(path))) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise SpecError(Problem(f"invalid JSON: {exc}", str(path), line=line)) from None
    if not isinstance(data, dict):
        raise SpecError(Problem("the file is not a JSON object", str(path)))
    return data


def _verb(data: dict[str, Any], file: str) -> str:
    verb = str(data.get("http_method", "POST")).lower()
    if verb not in ("get", "post"):
        raise SpecError(Problem(f"http_method {verb.upper()} is not used by the Slack Web API", file))
    return verb


def _operation(state: Conversion, name: str, data: dict[str, Any], file: str) -> dict[str, Any]:
    args = data.get("args") or {}
    properties: dict[str, Any] = args.get("properties") or {}
    exchange = name in TOKEN_EXCHANGES  # its `token`, if any, is the token it exchanges: an argument
    credential = "token" if not exchange else None
    required = [arg for arg in args.get("required") or [] if arg != credential and arg in properties]
    scopes = _scopes(data.get("scope"))
    operation: dict[str, Any] = {
        "operationId": name,
        "summary": _first_sentence(data.get("desc", "")),
        "description": str(data.get("desc", "")).strip(),
        "tags": [name.split(".")[0]],
    }
    if exchange:
        operation["security"] = [{"slackClient": []}]
    elif "token" in properties:
        operation["security"] = [{"slackAuth": scopes}]
    else:
        operation["security"] = []
    if data.get("deprecated"):
        operation["deprecated"] = True
    operation["externalDocs"] = {"url": DOCS + name}
    operation.update(_rate_limit(state, data.get("rate_limits"), file, name))
    if _only_reads(name, scopes):
        operation["x-slack-idempotent"] = True
    family = name.split(".")[0]
    arguments = {arg: _argument(state, arg, schema, file, family) for arg, schema in properties.items()
                 if arg != credential}
    if exchange and "token" in arguments:
        arguments["token"][0]["format"] = "password"  # a credential: never in a URL or a log
    output = _output(state, data.get("output") or {}, file)
    paginate = _paginate(arguments, output, data.get("examples") or {})
    if paginate:
        operation["x-slack-paginate"] = paginate
    errors = {str(code): _error_text(info) for code, info in sorted((data.get("errors") or {}).items())}
    if errors:
        operation["x-slack-errors"] = errors
    json_fields = sorted(arg for arg, (_, carries_json) in arguments.items() if carries_json)
    if _verb(data, file) == "get":
        if arguments:
            operation["parameters"] = [
                {"name": arg, "in": "query", "required": arg in required,
                 **({"description": schema.pop("description")} if "description" in schema else {}),
                 "schema": schema}
                for arg, (schema, _) in arguments.items()]
    elif arguments:
        body: dict[str, Any] = {"type": "object"}
        if required:
            body["required"] = required
        body["properties"] = {arg: schema for arg, (schema, _) in arguments.items()}
        form: dict[str, Any] = {"schema": body}
        if json_fields:
            form["encoding"] = {arg: {"contentType": JSON} for arg in json_fields}
        content = {FORM: form}
        if data.get("json_input_supported"):
            content[JSON] = {"schema": body}
        operation["requestBody"] = {"required": bool(required), "content": content}
    success = {"oneOf": [output, {"$ref": "#/components/schemas/ErrorResponse"}]}
    media: dict[str, Any] = {"schema": success}
    examples = _examples(data.get("examples") or {})
    if examples:
        media["examples"] = examples
    operation["responses"] = {"200": {"description": "The method's result (`ok: true`), or the error envelope "
                                                     "(`ok: false`) with one of its error codes.",
                                      "content": {JSON: media}}}
    return operation


def _scopes(scope: Any) -> list[str]:
    """Bot and user scopes together; the reference writes `"none"` for a method that needs none."""
    if not isinstance(scope, dict):
        return []
    return sorted({str(s) for kind in ("bot", "user") for s in scope.get(kind) or [] if isinstance(s, str)})


def _error_text(info: Any) -> str:
    return str(info.get("desc", "") if isinstance(info, dict) else info or "").strip()


def _rate_limit(state: Conversion, value: Any, file: str, name: str = "") -> dict[str, Any]:
    text = str(value or "")
    if re.fullmatch(r"t[1-4]", text):
        return {"x-slack-rate-limit-tier": int(text[1])}
    if name in SPECIAL_RULES:
        note, rule = SPECIAL_RULES[name]
        return {"x-slack-rate-limit-tier": "special", "x-slack-rate-limit-note": note, "x-slack-rate-limit": rule}
    if text == "t5":
        return {"x-slack-rate-limit-tier": "special",
                "x-slack-rate-limit-note": "Special rate limits apply; see the method's documentation."}
    if text:
        stated = STATED_RATE.match(text)
        rate = {"x-slack-rate-limit": {"limit": int(stated["limit"]), "per": PER_UNIT[stated["unit"]]}} \
            if stated else {}
        return {"x-slack-rate-limit-tier": "special", "x-slack-rate-limit-note": text, **rate}
    state.warn("no rate limit tier documented", file, "/rate_limits")
    return {}


def _only_reads(name: str, scopes: list[str]) -> bool:
    verb = re.split(r"(?=[A-Z])", name.rsplit(".", 1)[-1])[0]
    return verb in READ_VERBS and not any("write" in scope for scope in scopes)


def _argument(state: Conversion, name: str, raw: dict[str, Any], file: str,
              family: str = "") -> tuple[dict[str, Any], bool]:
    """The argument's schema and whether it is sent as JSON in a form body."""
    where = f"/args/properties/{name}"
    schema = _value_schema(state, raw, file, where)
    if raw.get("subtype") == "timestamp" or name in ("ts", "thread_ts", "latest", "oldest") and \
            schema.get("type") in ("number", "integer"):
        schema = {"type": "string"}  # a message id, not a number: str(float(ts)) names another message
    description = str(raw.get("desc", "")).strip()
    shape = _json_shape(raw, schema) or (state.json_arguments.get((family, name)) if _may_hold_json(raw, schema)
                                         else None)
    carries_json = shape is not None or _is_structured(schema)
    if shape is not None:  # the structure, or the JSON text as Slack's docs show it
        schema = {"anyOf": [shape, {"type": "string"}]}
    result: dict[str, Any] = {}
    if description:
        result["description"] = description
    result.update(schema)
    for key in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
        if isinstance(raw.get(key), int | float) and not isinstance(raw.get(key), bool) and "type" in result:
            result[key] = raw[key]
    for key in ("default", "example"):
        value = _typed_value(raw.get(key), result.get("type"))
        if value is not None:
            result[key] = value
    return result, carries_json


def _json_shape(raw: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any] | None:
    """The structure of an argument the reference documents as JSON text, or None."""
    description = str(raw.get("desc", "")).strip()
    if not JSON_WORDS.search(description) or not _may_hold_json(raw, schema):
        return None
    return {"type": "array", "items": {"type": "object"}} if re.search(r"\barray\b", description, re.IGNORECASE) \
        else {"type": "object"}


def _may_hold_json(raw: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether an argument is text that could be JSON: not already a structure, and no number,
    boolean or enum (`include_threads` "only applies when `format` is `json`")."""
    return not _is_structured(schema) and "enum" not in schema and schema.get("type") in (None, "string") \
        and not isinstance(raw.get("enum"), list)


def _documented_json(methods: list[tuple[str, str, dict[str, Any]]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(family, argument) -> JSON shape, for each argument some method of a family documents as JSON."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for name, file, data in methods:
        for arg, raw in ((data.get("args") or {}).get("properties") or {}).items():
            if isinstance(raw, dict):
                shape = _json_shape(raw, _value_schema(Conversion(None), raw, file, ""))
                if shape is not None:
                    found.setdefault((name.split(".")[0], arg), shape)
    return found


def _is_structured(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    items: dict[str, Any] = schema["items"] if isinstance(schema.get("items"), dict) else {}
    return kind == "object" or (kind == "array" and (items.get("type") == "object" or "$ref" in items))


def _value_schema(state: Conversion, raw: Any, file: str, where: str, response: bool = False) -> dict[str, Any]:
    """A reference schema (argument or output) as OpenAPI 3.1.

    A response schema is loosened where the reference over-fits the one example it was drawn
    from: no field but `ok` is required, alternatives are `anyOf` (shapes may overlap), and a
    one-value `enum` is no enum."""
    if not isinstance(raw, dict):
        return {}
    if isinstance(raw.get("schema"), str):
        return state.object_ref(raw["schema"], file, where)
    if raw.get("subtype") == "timestamp":
        return {"type": "string"}
    result: dict[str, Any] = {}
    for key in ("anyOf", "oneOf"):
        if isinstance(raw.get(key), list):
            options = [_value_schema(state, option, file, f"{where}/{key}/{index}", response)
                       for index, option in enumerate(raw[key])]
            unique = [o for i, o in enumerate(options) if o not in options[:i]]
            return unique[0] if len(unique) == 1 else {"anyOf" if response else key: unique}
    if raw and not KEYWORDS & set(raw) and all(isinstance(value, dict) for value in raw.values()):
        state.warn("an object written without `properties` (its fields directly inside); read as its properties",
                   file, where)
        raw = {"type": "object", "properties": raw}
    kind = raw.get("type")
    if isinstance(kind, str | list):
        result["type"] = kind
    if isinstance(raw.get("enum"), list) and len(raw["enum"]) > (1 if response else 0):
        result["enum"] = raw["enum"]
    if kind == "array" or "items" in raw:
        result["type"] = "array"
        result["items"] = _value_schema(state, raw.get("items"), file, f"{where}/items", response)
    if isinstance(raw.get("properties"), dict):
        result.setdefault("type", "object")
        if raw.get("required") and isinstance(raw["required"], list) and not response:
            result["required"] = [p for p in raw["required"] if p in raw["properties"]]
        result["properties"] = {prop: _described(state, value, file, f"{where}/properties/{prop}", response)
                                for prop, value in raw["properties"].items()}
    if isinstance(raw.get("additionalProperties"), dict):
        result["additionalProperties"] = _value_schema(state, raw["additionalProperties"], file,
                                                       f"{where}/additionalProperties", response)
    return result


def _described(state: Conversion, raw: Any, file: str, where: str, response: bool) -> dict[str, Any]:
    schema = _value_schema(state, raw, file, where, response)
    text = (raw.get("desc") or raw.get("title")) if isinstance(raw, dict) else None
    if text and "$ref" not in schema:
        return {"description": str(text).strip(), **schema}
    return schema


def _output(state: Conversion, raw: dict[str, Any], file: str) -> dict[str, Any]:
    """The success envelope: the reference's output, always with `ok` and the common fields."""
    schema = _value_schema(state, raw, file, "/output", response=True)
    if "$ref" in schema:  # the response is the named object itself, envelope and all
        schema = state.schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if schema.get("type") not in (None, "object"):
        state.warn("the output is not an object with properties; only the envelope is typed", file, "/output")
        schema = {}
    properties = {"ok": {"type": "boolean", "const": True, "description": "Always `true` on success."},
                  **{name: value for name, value in (schema.get("properties") or {}).items() if name != "ok"}}
    properties.setdefault("warning", {"type": "string", "description": "Comma-separated warning codes."})
    properties.setdefault("response_metadata", {"$ref": "#/components/schemas/ResponseMetadata"})
    return {"type": "object", "required": ["ok"], "properties": properties}


def _paginate(arguments: dict[str, tuple[dict[str, Any], bool]], output: dict[str, Any],
              examples: dict[str, Any]) -> dict[str, str] | None:
    """`x-slack-paginate` for the method, or None. `search.*` keep `paging` beside their list
    (`messages: {matches: [...], paging: {...}}`): a page walk over that list, or over pages only
    when the answer holds several (`search.all`: messages and files)."""
    nested = _nested_paging(output)
    if "page" in arguments and nested and "paging" not in output["properties"]:
        return {"style": "page", "items": nested[0]} if len(nested) == 1 else {"style": "page"}
    arrays = {name: schema for name, schema in output["properties"].items() if schema.get("type") == "array"}
    lists = sorted(arrays, key=lambda name: not _is_structured(arrays[name]))  # lists of objects first
    if not lists:
        return None
    if "cursor" in arguments:
        documented = any(isinstance(e, dict) and isinstance(e.get("example"), dict)
                         and "next_cursor" in (e["example"].get("response_metadata") or {})
                         for e in examples.values())
        metadata = output["properties"].get("response_metadata", {})
        if documented or "next_cursor" in json.dumps(metadata) or metadata.get("$ref"):
            return {"style": "cursor", "items": lists[0]}
    if "page" in arguments and "count" in arguments and "paging" in output["properties"]:
        return {"style": "page", "items": lists[0]}
    return None


def _nested_paging(output: dict[str, Any]) -> list[str]:
    """The dotted paths of the lists that sit beside a `paging` object (`messages.matches`)."""
    paths = []
    for name, schema in output["properties"].items():
        inner = schema.get("properties") or {}
        lists = [field for field, value in inner.items() if value.get("type") == "array"]
        if "paging" in inner and len(lists) == 1:
            paths.append(f"{name}.{lists[0]}")
    return paths


def _examples(raw: dict[str, Any]) -> dict[str, Any]:
    """Documented responses as OpenAPI examples, success and error, in the reference's order."""
    examples: dict[str, Any] = {}
    for key, entry in raw.items():
        value = entry.get("example") if isinstance(entry, dict) else None
        if isinstance(value, dict) and "ok" in value:
            example: dict[str, Any] = {"value": value}
            if isinstance(entry.get("description"), str) and entry["description"].strip():
                example["summary"] = _first_sentence(entry["description"])
            examples[re.sub(r"[^A-Za-z0-9_.-]", "_", key)] = example
    return examples


def _typed_value(value: Any, kind: Any) -> Any:
    """A documented default or example as a value of the argument's type, or None."""
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip().strip('"') if isinstance(value, str) else value
    try:
        if kind == "boolean":
            return text if isinstance(text, bool) else {"true": True, "false": False}.get(str(text).lower())
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except (TypeError, ValueError):
        return None
    return str(text) if kind == "string" else None


def _first_sentence(text: Any) -> str:
    return str(text or "").strip().split(". ", 1)[0].split("\n", 1)[0].rstrip(".") + "."


ERROR_RESPONSE = {
    "type": "object", "description": "A failed call: `ok: false` and an error code.", "required": ["ok", "error"],
    "properties": {"ok": {"type": "boolean", "const": False}, "error": {"type": "string"},
                   "needed": {"type": "string"}, "provided": {"type": "string"},
                   "response_metadata": {"$ref": "#/components/schemas/ResponseMetadata"}},
}
RESPONSE_METADATA = {
    "type": "object", "description": "Extra information about a response.",
    "properties": {"next_cursor": {"type": "string", "description": "The cursor for the next page; empty at the end."},
                   "warnings": {"type": "array", "items": {"type": "string"}},
                   "messages": {"type": "array", "items": {"type": "string"}}},
}
COMMON = {
    "access_denied": "Access to a resource specified in the request is denied.",
    "account_inactive": "Authentication token is for a deleted user or workspace.",
    "deprecated_endpoint": "The endpoint has been deprecated.",
    "ekm_access_denied": "Administrators have suspended the ability to post a message.",
    "fatal_error": "The server could not complete the operation, likely due to a transient issue.",
    "internal_error": "The server could not complete the operation, likely due to a transient issue.",
    "invalid_arguments": "The method was called with invalid arguments.",
    "invalid_auth": "Some aspect of authentication cannot be validated.",
    "method_deprecated": "The method has been deprecated.",
    "missing_scope": "The token used is not granted the specific scope permissions required.",
    "not_allowed_token_type": "The token type used in this request is not allowed.",
    "not_authed": "No authentication token provided.",
    "ratelimited": "The request has been ratelimited; retry after the number of seconds in `Retry-After`.",
    "request_timeout": "The method was called via a POST request, but the POST data was missing or truncated.",
    "service_unavailable": "The service is temporarily unavailable.",
    "token_expired": "Authentication token has expired.",
    "token_revoked": "Authentication token is for a deleted user or workspace or the app has been removed.",
}
