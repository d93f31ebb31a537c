"""OpenAPI Overlay 1.0: corrections to a spec kept in their own reviewable document.

`python -m generator --overlay FIX.yaml` (repeatable, or `overlays = [...]` in `[tool.generator]`)
applies each overlay's actions, in order, to the loaded spec before it is validated, so a user
fixes Slack's spec, or anyone's, without forking it. Targets are RFC 9535 JSONPath queries
(the `jsonpath-rfc9535` library). An `update` is merged into each node it selects: objects
recursively, arrays appended to, other values replaced; `remove: true` deletes the nodes. An action
whose target selects nothing is a warning (the spec moved on: the correction may be obsolete); an
overlay that is not one is an error naming its file, line and pointer.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problem, SpecError, pointer
from .load import Document, display_name, load, locate

ACTION_KEYS = frozenset({"target", "description", "update", "remove"})


@dataclass(frozen=True)
class Overlay:
    """A checked overlay document and where it came from."""

    document: Document
    actions: tuple[tuple[Any, dict[str, Any], str], ...]  # (compiled query, action, its pointer)

    @property
    def name(self) -> str:
        return self.document.name


def read_overlay(path: Path) -> Overlay:
    """Load and check an overlay; anything that is not Overlay 1.0 is a `SpecError` with its place."""
    import jsonpath_rfc9535 as jsonpath

    document = load(path, display_name(path))
    data = document.data

    def fail(message: str, *parts: str | int) -> SpecError:
        line, column = locate(document, parts)
        return SpecError(Problem(message, document.name, pointer(*parts), line, column))

    version = data.get("overlay")
    if not isinstance(version, str) or not version.startswith("1."):
        raise fail("not an OpenAPI Overlay: `overlay` must be a version 1.x.y, such as 1.0.0", "overlay")
    info = data.get("info")
    if not isinstance(info, dict) or not all(isinstance(info.get(key), str) for key in ("title", "version")):
        raise fail("`info` must have a `title` and a `version`", "info")
    actions = data.get("actions")
    if not isinstance(actions, list) or not actions:
        raise fail("`actions` must be a non-empty list", "actions")
    compiled = []
    for index, action in enumerate(actions):
        if not isinstance(action, dict):
            raise fail("an action must be a mapping with `target` and `update` or `remove`", "actions", index)
        unknown = sorted(key for key in action if key not in ACTION_KEYS and not str(key).startswith("x-"))
        if unknown:
            raise fail(f"unknown action field {unknown[0]!r} (fields: {', '.join(sorted(ACTION_KEYS))})",
                       "actions", index, unknown[0])
        target = action.get("target")
        if not isinstance(target, str):
            raise fail("`target` must be a JSONPath query string", "actions", index, "target")
        try:
            query = jsonpath.compile(target)
        except jsonpath.JSONPathError as exc:
            raise fail(f"`target` is not an RFC 9535 JSONPath query: {exc}", "actions", index, "target") from None
        remove = action.get("remove", False)
        if not isinstance(remove, bool):
            raise fail("`remove` must be true or false", "actions", index, "remove")
        if "update" not in action and not remove:
            raise fail("an action needs `update` or `remove: true`", "actions", index)
        if "update" in action and remove:
            raise fail("an action has either `update` or `remove: true`, not both", "actions", index)
        compiled.append((query, action, pointer("actions", index)))
    return Overlay(document, tuple(compiled))


def apply_overlays(document: Document, paths: tuple[Path, ...] | list[Path]) -> tuple[Document, list[Problem]]:
    """The spec with every overlay applied in order, and a warning per action that matched nothing."""
    if not paths:
        return document, []
    data = copy.deepcopy(document.data)
    warnings: list[Problem] = []
    names = []
    for path in paths:
        overlay = read_overlay(path)
        names.append(overlay.name)
        for query, action, where in overlay.actions:
            if not apply_action(data, query, action):
                line, column = locate(overlay.document, tuple(where.strip("/").split("/")))
                about = f" ({action['description']})" if isinstance(action.get("description"), str) else ""
                warnings.append(Problem(f"target {action['target']} matches nothing in {document.name}{about}",
                                        overlay.name, f"{where}/target", line, column))
    text = json.dumps(data, ensure_ascii=False)
    # a JSON name: problems found later are placed by pointer, not by lines of a file nobody has
    name = f"{document.name} + {' + '.join(names)}.json"
    return Document(data=data, text=text, name=name, path=document.path), warnings


def apply_action(data: dict[str, Any], query: Any, action: dict[str, Any]) -> int:
    """Apply one action in place; returns how many nodes its target selected."""
    nodes = list(query.find(data))
    if action.get("remove"):
        # deepest and last first, so removing one node never shifts another's index
        for node in sorted(nodes, key=lambda n: [(str(type(p)), p) for p in n.location], reverse=True):
            if node.location:
                try:
                    del _parent(data, node.location)[node.location[-1]]
                except (KeyError, IndexError):
                    pass  # one node reached by two paths (a YAML alias): already removed
        return len(nodes)
    for node in nodes:
        if node.location:
            parent = _parent(data, node.location)
            parent[node.location[-1]] = merge(parent[node.location[-1]], action["update"])
        else:
            merged = merge(data, action["update"])
            if isinstance(merged, dict):
                data.clear()
                data.update(merged)
    return len(nodes)


def merge(target: Any, update: Any) -> Any:
    """Objects merge key by key, arrays are appended to, anything else is replaced."""
    if isinstance(target, dict) and isinstance(update, dict):
        result = dict(target)
        for key, value in update.items():
            result[key] = merge(result[key], value) if key in result else copy.deepcopy(value)
        return result
    if isinstance(target, list):
        return target + copy.deepcopy(update if isinstance(update, list) else [update])
    return copy.deepcopy(update)


def _parent(data: Any, location: tuple[str | int, ...]) -> Any:
    node = data
    for part in location[:-1]:
        node = node[part]
    return node


def overlay_digests(paths: tuple[Path, ...], root: Path | None = None) -> list[tuple[str, str]]:
    """(sha256, name) of each overlay, for the cache key and the provenance manifest; named
    relative to the project `root` (never a machine path)."""
    import hashlib

    result = []
    for path in paths:
        resolved, base = path.resolve(), (root or Path.cwd()).resolve()
        name = resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else path.name
        try:
            result.append((hashlib.sha256(path.read_bytes()).hexdigest(), name))
        except OSError as exc:
            raise SpecError(Problem(f"cannot read overlay: {exc.strerror}", display_name(path))) from None
    return result
