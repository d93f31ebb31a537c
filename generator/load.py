"""Stage 1: read a spec file into plain Python data, safely.

YAML goes through a safe loader only (no tags that build Python objects) and errors carry line and
column. YAML goes through libyaml's C loader when PyYAML has it (several times faster than the
pure-Python one on large specs), and JSON files skip YAML entirely since `json` is faster still.
Locations of later problems are found again on demand with `locate`, which is only paid for when
something is wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Problem, SpecError, pointer

if TYPE_CHECKING:
    import yaml


@cache
def _safe_loader() -> type[yaml.SafeLoader]:
    """A safe loader (no tags that build Python objects) that refuses duplicate keys: in a plain
    one the last of two `/chat.post:` keys silently wins."""
    import yaml  # imported late: a cached run never parses the spec

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[valid-type, misc]
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            if isinstance(node, yaml.MappingNode):
                _refuse_duplicates(node)
            mapping: dict[Any, Any] = super().construct_mapping(node, deep)
            return mapping

    return Loader


class DuplicateKey(ValueError):
    def __init__(self, key: str, first: tuple[int, int] | None = None, second: tuple[int, int] | None = None) -> None:
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


def _refuse_duplicates(node: yaml.MappingNode) -> None:
    import yaml

    seen: dict[tuple[str, str], Any] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        if (key.tag, key.value) in seen:
            first = seen[(key.tag, key.value)]
            raise DuplicateKey(key.value, (first.line + 1, first.column + 1),
                               (key.start_mark.line + 1, key.start_mark.column + 1))
        seen[(key.tag, key.value)] = key.start_mark


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        keys = [key for key, _ in pairs]
        raise DuplicateKey(next(key for key in keys if keys.count(key) > 1))
    return mapping


def _duplicate_problem(exc: DuplicateKey, name: str, text: str) -> Problem:
    """Both places of a duplicate key (found again with the YAML parser for a JSON file)."""
    if exc.first is None:
        import yaml

        try:
            yaml.load(text, Loader=_safe_loader())
        except DuplicateKey as located:
            exc = located
        except yaml.YAMLError:
            pass
    first = f" (first at line {exc.first[0]}:{exc.first[1]})" if exc.first else ""
    line, column = exc.second or (None, None)
    return Problem(f"duplicate key {exc.key!r}{first}; a key may appear once in a mapping", name, line=line,
                   column=column)


@dataclass(frozen=True)
class Document:
    """A loaded spec: its data, its source text and the name used in messages."""

    data: dict[str, Any]
    text: str
    name: str  # how messages and generated headers name the file
    path: Path | None = None

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the file's bytes, which caches of anything derived from it are keyed by."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def load(path: Path, name: str | None = None) -> Document:
    """Read and parse the spec at `path`; every failure is a `SpecError` naming the file."""
    name = name or display_name(path)
    return parse(read(path, name), name, path)


def read(path: Path, name: str | None = None) -> bytes:
    """The spec's bytes; a missing or unreadable file is a `SpecError` naming it."""
    name = name or display_name(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SpecError(Problem("file not found", name)) from None
    except IsADirectoryError:
        raise SpecError(Problem("is a directory, not a spec file", name)) from None
    except OSError as exc:
        raise SpecError(Problem(f"cannot read: {exc.strerror}", name)) from None


def display_name(path: Path) -> str:
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
    document = Document(data=data, text=text, name=name, path=path)
    if _SURROGATE_ESCAPE.search(text):  # JSON can spell a lone surrogate, which no UTF-8 file can hold
        _refuse_surrogates(document)
    return document


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)


def _refuse_surrogates(document: Document) -> None:
    """Name the first string holding a lone surrogate; strings are walked in the order the text
    spells them (depth first), so in JSON that string holds the first lone escape, whose place is
    reported."""
    stack: list[tuple[Iterator[tuple[Any, Any]], tuple[str | int, ...]]] = [(_entries(document.data), ())]
    while stack:
        entries, parts = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        key, value = entry
        if isinstance(key, str) and _SURROGATE.search(key) or isinstance(value, str) and _SURROGATE.search(value):
            offset = _lone_surrogate_escape(document.text) if document.name.endswith(".json") else None
            line, column = locate(document, (*parts, key)) if offset is None else _line_column(document.text, offset)
            raise SpecError(Problem("a lone surrogate escape (such as \\ud800) is not text; pair it or remove it",
                                    document.name, pointer(*parts, key), line, column))
        stack.append((_entries(value), (*parts, key)))


def _entries(node: Any) -> Iterator[tuple[Any, Any]]:
    return iter(node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ())


def _lone_surrogate_escape(text: str) -> int | None:
    """Offset of the first `\\uXXXX` escape in JSON text that is half a surrogate pair alone."""
    waiting: re.Match[str] | None = None  # a high half, unless the next escape is its low half
    for match in _JSON_ESCAPE.finditer(text):
        code = int(match[1], 16) if match[1] else None
        low = code is not None and 0xDC00 <= code <= 0xDFFF
        if waiting is not None:
            if low and match.start() == waiting.end():
                waiting = None
                continue
            return waiting.start()
        if code is not None and 0xD800 <= code <= 0xDBFF:
            waiting = match
        elif low:
            return match.start()
    return None if waiting is None else waiting.start()


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except DuplicateKey as exc:
        raise SpecError(_duplicate_problem(exc, name, text)) from None
    except json.JSONDecodeError as exc:
        raise SpecError(Problem(f"invalid JSON: {exc.msg}", name, line=exc.lineno, column=exc.colno)) from None
    except RecursionError:
        raise SpecError(Problem("JSON nested too deeply", name)) from None


def _parse_yaml(text: str, name: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_safe_loader())  # a safe loader: no Python objects
    except DuplicateKey as exc:
        raise SpecError(_duplicate_problem(exc, name, text)) from None
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
    return locate_all(document, [parts])[0]


def locate_all(document: Document, places: list[tuple[str | int, ...]]) -> list[tuple[int | None, int | None]]:
    """`locate` for many places at once: the YAML is composed (the slow part) once for all."""
    import yaml

    if not places:
        return []
    try:  # JSON is YAML too (close enough for finding places: the data was parsed as JSON)
        root = yaml.compose(document.text, Loader=_safe_loader())
    except yaml.YAMLError:
        try:  # libyaml refuses surrogate escapes, even the pairs JSON spells emoji with
            root = yaml.compose(document.text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return [(None, None)] * len(places)
    found: list[tuple[int | None, int | None]] = []
    for parts in places:
        node = root
        for part in parts:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((value for key, value in node.value if _joined(key.value) == str(part)), None)
            elif isinstance(node, yaml.SequenceNode) and str(part).isdigit() and int(part) < len(node.value):
                child = node.value[int(part)]
            if child is None:
                break
            node = child
        found.append((None, None) if node is None else (node.start_mark.line + 1, node.start_mark.column + 1))
    return found


def _joined(text: str) -> str:
    """Surrogate pairs as the characters JSON decodes them to (PyYAML keeps the two halves)."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass") if _SURROGATE.search(
        text) else text
