"""Stage 2: prove the document is a valid OpenAPI description before anything is built from it.

Two passes. The first walks the document itself: every `$ref` must be local (`#/...`) and point at
something, and the data must be a tree; remote and external-file references are refused, so a spec
can never make the generator touch the network or read files beside it. The second runs
openapi-spec-validator and reports every error it finds, each with a JSON pointer (and a line when
the document is YAML).

The second pass is slow on a large spec, so `Validation` runs it in a forked worker while the
client is built, and a verdict of "valid" is cached, keyed by the spec's bytes, the validator's
version and the generator's code: a spec whose bytes changed is always validated again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from .cache import GENERATOR, Cache, digest, folder_digest, versions
from .errors import Problem, SpecError, pointer
from .load import Document, locate_all
from .parallel import Task
from .shapes import kind_of, shape_problem

_TOP_LEVEL = {"openapi", "swagger", "info", "servers", "paths", "components", "security", "tags",
              "externalDocs", "webhooks", "definitions", "parameters", "responses", "securityDefinitions",
              "host", "basePath", "schemes", "consumes", "produces", "jsonSchemaDialect"}
MAX_ERRORS = 50
MAX_EXPANDED_NODES = 5_000_000  # Slack's whole Web API spec has about 60,000
# What the verdict depends on besides the bytes: the parser, the validator and its schemas.
VALIDATOR = ("pyyaml", "openapi-spec-validator", "openapi-schema-validator", "jsonschema",
             "jsonschema-specifications", "jsonschema-path", "referencing")
VALID = b"valid"
# A problem found, or a message and the place it is about, to be given a line and column later.
Found = Problem | tuple[str, tuple[str | int, ...]]


def validate(document: Document, cache: Cache | None = None) -> None:
    """Raise `SpecError` listing every problem found, or return quietly."""
    Validation(document, cache).wait()


class Validation:
    """Validation begun now and concluded by `wait`.

    The reference pass runs at once, so whatever is built meanwhile walks a tree whose every
    `$ref` resolves; the schema pass runs in a worker process (or here, where there is none)."""

    def __init__(self, document: Document, cache: Cache | None = None) -> None:
        self._cache = cache or Cache()
        self._key = verdict_key(document) if self._cache.enabled else ""
        self._task: Task[list[Problem]] | None = None
        if self._key and self._cache.get("verdict", self._key) == VALID:
            return
        problems = _placed(document, _reference_problems(document))
        if problems:
            raise SpecError(problems)
        self._task = Task(_schema_problem_list, document)

    def wait(self) -> None:
        """Raise `SpecError` if the document is invalid."""
        if self._task is None:
            return
        problems, self._task = self._task.result(), None
        if problems:
            raise SpecError(problems)
        if self._key:
            self._cache.put("verdict", self._key, VALID)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None


def verdict_key(document: Document) -> str:
    kind = "json" if document.name.endswith(".json") else "yaml"  # the same bytes parse differently
    return digest("verdict", document.digest, kind, versions(*VALIDATOR), folder_digest(GENERATOR))


def resolve_ref(data: dict[str, Any], ref: str) -> Any:
    """The value a local `$ref` points at; `KeyError` when it points nowhere."""
    node: Any = data
    for raw in ref[2:].split("/") if ref != "#" else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(ref)
    return node


def _reference_problems(document: Document) -> Iterator[Found]:
    """Walk each distinct node once: check `$ref`s and keys, refuse cycles and alias bombs.

    YAML aliases make one node appear in several places. That is fine (the loader shares it), but
    a node that contains itself cannot be validated, and a few aliases nested in each other can
    stand for billions of nodes, which is what the validator would then walk.
    """
    data = document.data
    sizes: dict[int, int] = {}  # expanded node count of each finished node
    open_nodes: set[int] = set()  # nodes whose children are being walked: their ancestors
    stack: list[tuple[Any, tuple[str | int, ...], bool]] = [(data, (), False)]
    while stack:
        node, parts, children_done = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        key = id(node)
        values = list(node.values()) if isinstance(node, dict) else node
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes.get(id(value), 1) for value in values)
            if sizes[key] > MAX_EXPANDED_NODES:
                message = f"YAML aliases expand this to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?)"
                yield (f"{message}; refusing to process it", parts)
                return
            continue
        if key in open_nodes:
            yield ("this node contains itself through a YAML alias; specs must be trees", parts)
            return
        if key in sizes:
            continue  # an alias of a node already checked
        open_nodes.add(key)
        stack.append((node, parts, True))
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                problem = _check_ref(data, ref)
                if problem:
                    yield (problem, (*parts, "$ref"))
            for name, value in node.items():
                if not isinstance(name, str):
                    yield (f"key {name!r} is not a string", parts)
                    continue
                stack.append((value, (*parts, name), False))
        else:
            stack.extend((value, (*parts, index), False) for index, value in enumerate(node))


def _check_ref(data: dict[str, Any], ref: str) -> str | None:
    if ref.startswith(("http://", "https://", "//")):
        return f"remote reference {ref!r} is not followed; inline or copy the definition into this file"
    if not ref.startswith("#"):
        return f"external reference {ref!r} is not followed; only references within this file (#/...) are"
    if ref != "#" and not ref.startswith("#/"):
        return f"reference {ref!r} is not a JSON pointer (#/...)"
    try:
        resolve_ref(data, ref)
    except KeyError:
        return f"reference {ref!r} points at nothing"
    return None


def _schema_problem_list(document: Document) -> list[Problem]:
    return _placed(document, _schema_problems(document))


def _schema_problems(document: Document) -> Iterator[Found]:
    """The validator's errors: structural ones (against the OpenAPI schema) first, and the semantic
    checks only on a structurally valid document, since those assume a sound shape and can crash
    otherwise."""
    from openapi_spec_validator.shortcuts import get_validator_cls  # late: slow to import
    from openapi_spec_validator.validation.exceptions import ValidatorDetectError

    versions = [key for key in ("openapi", "swagger") if key in document.data]
    if versions and not isinstance(document.data[versions[0]], str):
        yield ("the version must be a string, such as '3.1.0' (quote it in YAML)", (versions[0],))
        return
    try:
        validator = get_validator_cls(document.data)(document.data)
    except ValidatorDetectError:
        yield Problem("no supported 'openapi' (3.0, 3.1) or 'swagger' (2.0) version field", document.name)
        return
    try:
        errors = list(islice(validator.schema_validator.iter_errors(validator.schema), MAX_ERRORS + 1))
        if not errors and "openapi" in document.data:
            # OpenAPI 3.1's meta-schema barely checks schemas, and the semantic checks then crash on
            # `allOf: 5`: the builder's own shape checks go first, so each such error has its place
            shapes = list(islice(_shape_problems(document.data), MAX_ERRORS))
            if shapes:
                yield from shapes
                return
        if not errors:
            errors = list(islice(validator.root_validator(validator.schema_path), MAX_ERRORS + 1))
    except RecursionError:
        cycle = _all_of_cycle(document.data)
        if cycle:
            chain = " -> ".join(f"#{pointer(*parts)}" for parts in cycle)
            yield (f"`allOf` includes itself ({chain}); a schema cannot be part of itself", (*cycle[0], "allOf"))
        else:
            yield Problem("schemas nest too deeply to validate", document.name)
        return
    except Exception as exc:  # noqa: BLE001 - the validator tripped over the document: still bad input
        yield Problem(f"openapi-spec-validator could not check this document ({type(exc).__name__}: {exc})",
                      document.name)
        return
    for error in errors[:MAX_ERRORS]:
        specific = _most_specific(error)
        parts = tuple(specific.absolute_path)
        if parts and parts[0] not in _TOP_LEVEL:
            parts = _find_nested(document.data, parts, specific.instance) or parts
        elif not parts:  # a semantic check (a `default` that breaks its schema) names only the schema
            parts = _find_schema(document.data, specific.schema, specific.instance) or parts
        yield (specific.message, parts)
    if len(errors) > MAX_ERRORS:
        yield Problem(f"more than {MAX_ERRORS} errors; stopping here", document.name)


# Keywords whose values are schemas (one, a list, or a mapping of names to them), and keywords whose
# values are data: an example may hold a key named `schema` that is no schema.
_SUBSCHEMA = {"items": "one", "additionalProperties": "one", "not": "one", "allOf": "list", "anyOf": "list",
              "oneOf": "list", "prefixItems": "list", "properties": "mapping"}
_DATA = frozenset({"example", "examples", "default", "enum", "const"})


def _shape_problems(data: dict[str, Any]) -> Iterator[Found]:
    """The builder's shape checks (`shapes.shape_problem`) on every schema of an OpenAPI 3 document:
    those under `components/schemas` and every `schema` of a parameter, a header or a body."""
    stack: list[tuple[Any, tuple[str | int, ...], bool]] = [(data, (), False)]
    seen: set[int] = set()
    while stack:
        node, parts, is_schema = stack.pop()
        if not isinstance(node, (dict, list)) or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list):
            stack.extend((value, (*parts, index), False) for index, value in reversed(list(enumerate(node))))
            continue
        if is_schema:
            problem = shape_problem(node) or _subschema_problem(node)
            if problem:
                relative = tuple(part.replace("~1", "/").replace("~0", "~") for part in problem[0][1:].split("/"))
                yield (problem[1], (*parts, *(int(p) if p.isdigit() else p for p in relative)))
                continue
            stack.extend(reversed(list(_subschemas(node, parts))))
            continue
        for key, value in reversed(list(node.items())):
            if key in _DATA or str(key).startswith("x-"):
                continue
            schema = key == "schema" or parts == ("components", "schemas") or parts == ("definitions",)
            stack.append((value, (*parts, key), schema))


def _subschemas(schema: dict[str, Any], parts: tuple[str | int, ...]) -> Iterator[tuple[Any, tuple[str | int, ...], bool]]:
    for keyword, kind in _SUBSCHEMA.items():
        value = schema.get(keyword)
        if kind == "one" and isinstance(value, dict):
            yield value, (*parts, keyword), True
        elif kind == "list" and isinstance(value, list):
            yield from ((item, (*parts, keyword, index), True) for index, item in enumerate(value))
        elif kind == "mapping" and isinstance(value, dict):
            yield from ((item, (*parts, keyword, name), True) for name, item in value.items())


def _subschema_problem(schema: dict[str, Any]) -> tuple[str, str] | None:
    """A keyword the builder only warns about (`not`, `if`, ...) that holds no schema: the validator
    names no place for it."""
    for keyword in ("not", "if", "then", "else", "contains", "propertyNames"):
        if keyword in schema and not isinstance(schema[keyword], (dict, bool)):
            return f"/{keyword}", f"`{keyword}` must be a schema or a boolean, not {kind_of(schema[keyword])}"
    return None


def _find_schema(data: Any, schema: Any, instance: Any) -> tuple[str | int, ...] | None:
    """Where the schema an error names is, in document order, and the keyword holding `instance`
    (the `default` or `example` that does not fit it)."""
    if not isinstance(schema, dict):
        return None
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        node, parts = stack.pop()
        if isinstance(node, dict):
            if node is schema or node == schema:
                keyword = next((key for key in ("default", "example") if key in node and node[key] == instance), None)
                return (*parts, keyword) if keyword else parts
            stack.extend((value, (*parts, key)) for key, value in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((value, (*parts, index)) for index, value in reversed(list(enumerate(node))))
    return None


def _all_of_cycle(data: dict[str, Any]) -> list[tuple[str | int, ...]] | None:
    """The places of schemas that include one another through `allOf` `$ref`s in a ring, if any."""
    Place = tuple[str | int, ...]

    def refs(node: Any) -> list[Place]:
        found: list[Place] = []
        parts = node.get("allOf") if isinstance(node, dict) else None
        for part in parts if isinstance(parts, list) else []:
            ref = part.get("$ref") if isinstance(part, dict) else None
            if isinstance(ref, str) and ref.startswith("#/"):
                found.append(tuple(p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")))
        return found

    def node_at(parts: Place) -> Any:
        node: Any = data
        for part in parts:
            node = node.get(str(part)) if isinstance(node, dict) else None
        return node

    schemas = data.get("components", {}).get("schemas", {}) if isinstance(data.get("components"), dict) else {}
    starts: list[Place] = [("components", "schemas", name) for name in schemas] if isinstance(schemas, dict) else []
    for start in starts:
        path, stack = [start], [iter(refs(node_at(start)))]
        while stack:
            following = next(stack[-1], None)
            if following is None:
                stack.pop()
                path.pop()
            elif following in path:
                return [*path[path.index(following):], following]
            elif len(path) < 1000:
                path.append(following)
                stack.append(iter(refs(node_at(following))))
    return None


def _most_specific(error: Any) -> Any:
    """The error that says most precisely what is wrong where.

    A value that fails every branch of a `oneOf`/`anyOf` gets one error with the branches' errors
    as context. The branch with the fewest errors is the one the author meant (a form parameter
    with a bad type fails the form-parameter branch once, every other branch twice), so follow it
    down, ignoring branches that only wanted a `$ref`, and report its deepest error."""
    while error.context:
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branch = sub.relative_schema_path[0] if sub.relative_schema_path else None
            branches.setdefault(branch, []).append(sub)
        useful = [errors for errors in branches.values()
                  if not all(e.validator == "required" and e.validator_value == ["$ref"] for e in errors)]
        if not useful:
            break
        closest = min(useful, key=lambda errors: (len(errors), -max(len(e.absolute_path) for e in errors)))
        error = max(closest, key=lambda e: (len(e.absolute_path), e.validator == "enum", -len(e.message)))
    return error


def _find_nested(data: Any, tail: tuple[str | int, ...], instance: Any) -> tuple[str | int, ...] | None:
    """Where a nested schema error points: the validator reports paths relative to the schema."""
    found: list[tuple[str | int, ...]] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack and len(found) < 2:
        node, parts = stack.pop()
        if parts[-len(tail):] == tail and node == instance:
            found.append(parts)
        if isinstance(node, dict):
            stack.extend((value, (*parts, key)) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, (*parts, index)) for index, value in enumerate(node))
    return found[0] if len(found) == 1 else None


def _placed(document: Document, found: Iterable[Found]) -> list[Problem]:
    """The problems, those given as (message, place) with their line and column: the YAML is
    composed once for all of them, however many there are."""
    found = list(found)
    places = iter(locate_all(document, [item[1] for item in found if isinstance(item, tuple)]))
    return [item if isinstance(item, Problem) else Problem(item[0], document.name, pointer(*item[1]), *next(places))
            for item in found]
