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

from collections.abc import Iterator
from typing import Any

from .cache import GENERATOR, Cache, digest, folder_digest, versions
from .errors import Problem, SpecError, pointer
from .load import Document, locate
from .parallel import Task

_TOP_LEVEL = {"openapi", "swagger", "info", "servers", "paths", "components", "security", "tags",
              "externalDocs", "webhooks", "definitions", "parameters", "responses", "securityDefinitions",
              "host", "basePath", "schemes", "consumes", "produces", "jsonSchemaDialect"}
MAX_ERRORS = 50
# What the verdict depends on besides the bytes: the parser, the validator and its schemas.
VALIDATOR = ("pyyaml", "openapi-spec-validator", "openapi-schema-validator", "jsonschema",
             "jsonschema-specifications", "jsonschema-path", "referencing")
VALID = b"valid"


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
        problems = list(_reference_problems(document))
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


def _reference_problems(document: Document) -> Iterator[Problem]:
    data = document.data
    seen: set[int] = set()
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        node, parts = stack.pop()
        if isinstance(node, (dict, list)):
            if id(node) in seen:
                yield _problem(document, "the document refers to itself (recursive YAML anchor)", parts)
                continue
            seen.add(id(node))
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                problem = _check_ref(data, ref)
                if problem:
                    yield _problem(document, problem, (*parts, "$ref"))
            for key, value in node.items():
                if not isinstance(key, str):
                    yield _problem(document, f"key {key!r} is not a string", parts)
                    continue
                stack.append((value, (*parts, key)))
        elif isinstance(node, list):
            stack.extend((value, (*parts, index)) for index, value in enumerate(node))


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
    return list(_schema_problems(document))


def _schema_problems(document: Document) -> Iterator[Problem]:
    from jsonschema_path import SchemaPath  # imported late: the validator is slow to import
    from openapi_spec_validator.shortcuts import get_validator_cls
    from openapi_spec_validator.validation.exceptions import ValidatorDetectError

    try:
        validator_cls = get_validator_cls(document.data)
    except ValidatorDetectError:
        yield Problem("no supported 'openapi' (3.0, 3.1) or 'swagger' (2.0) version field", document.name)
        return
    validator = validator_cls(SchemaPath.from_dict(document.data))
    try:
        for count, error in enumerate(validator.iter_errors()):
            if count == MAX_ERRORS:
                yield Problem(f"more than {MAX_ERRORS} errors; stopping here", document.name)
                return
            parts = tuple(error.absolute_path)
            if parts and parts[0] not in _TOP_LEVEL:
                parts = _find_nested(document.data, parts, error.instance) or parts
            yield _problem(document, _describe(error), parts)
    except RecursionError:
        yield Problem("schemas nest too deeply to validate", document.name)


def _describe(error: Any) -> str:
    """The most specific message of a jsonschema error (the one that says what was expected)."""
    message: str = error.message
    if error.context:
        best = min(error.context, key=lambda sub: (sub.validator != "enum", len(list(sub.absolute_path)),
                                                   len(sub.message)))
        message = f"{_excerpt(error.instance)} is invalid: {best.message}"
    return message


def _excerpt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


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


def _problem(document: Document, message: str, parts: tuple[str | int, ...]) -> Problem:
    line, column = locate(document, parts)
    return Problem(message, document.name, pointer(*parts), line, column)
