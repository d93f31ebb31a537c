"""Stage 1: read a spec file into plain Python data, safely.

YAML goes through a safe loader only (no tags that build Python objects) and errors carry line and
column. JSON files skip YAML entirely since `json` is several times faster on large specs.
Locations of later problems are found again on demand with `locate`, which is only paid for when
something is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, SpecError

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Document:
    """A loaded spec: its data, its source text and the name used in messages."""

    data: dict[str, Any]
    text: str
    name: str  # how messages and generated headers name the file
    path: Path | None = None


def load(path: Path, name: str | None = None) -> Document:
    """Read and parse the spec at `path`; every failure is a `SpecError` naming the file."""
    name = name or _display_name(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(Problem("file not found", name)) from None
    except IsADirectoryError:
        raise SpecError(Problem("is a directory, not a spec file", name)) from None
    except OSError as exc:
        raise SpecError(Problem(f"cannot read: {exc.strerror}", name)) from None
    return parse(raw, name, path)


def _display_name(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def parse(raw: bytes, name: str, path: Path | None = None) -> Document:
    """Parse spec bytes as JSON (for .json names) or YAML."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError(
            Problem(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", name, line=line)
        ) from None
    if name.endswith(".json"):
        data = _parse_json(text, name)
    else:
        data = _parse_yaml(text, name)
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise SpecError(Problem(f"the document is {kind}, not a mapping", name))
    return Document(data=data, text=text, name=name, path=path)


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(Problem(f"invalid JSON: {exc.msg}", name, line=exc.lineno, column=exc.colno)) from None
    except RecursionError:
        raise SpecError(Problem("JSON nested too deeply", name)) from None


def _parse_yaml(text: str, name: str) -> Any:
    try:
        return yaml.load(text, Loader=_SafeLoader)  # a safe loader: no Python objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if message.startswith("could not determine a constructor for the tag"):
            message = f"YAML tag {message.rsplit(' ', 1)[-1]} is not allowed in a spec"
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise SpecError(Problem(f"invalid YAML: {message}", name, line=line, column=column)) from None
    except yaml.YAMLError as exc:
        raise SpecError(Problem(f"invalid YAML: {exc}", name)) from None
    except RecursionError:
        raise SpecError(Problem("YAML nested too deeply", name)) from None


def locate(document: Document, parts: tuple[str | int, ...]) -> tuple[int | None, int | None]:
    """Line and column (1-based) of the node at `parts`, or of its deepest existing parent."""
    if document.name.endswith(".json"):
        return None, None
    try:
        node = yaml.compose(document.text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return None, None
    for part in parts:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and str(part).isdigit() and int(part) < len(node.value):
            child = node.value[int(part)]
        if child is None:
            break
        node = child
    if node is None:
        return None, None
    return node.start_mark.line + 1, node.start_mark.column + 1
