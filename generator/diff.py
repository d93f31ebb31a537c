"""What a spec change does to code that calls the client.

The unit of comparison is the client *surface*: the methods, arguments, models and enums as a user
of the generated package meets them (Python names, annotations, required or not, descriptions),
kept as plain JSON data. Comparing two surfaces rather than two specs means a regeneration can
report against the last generation without the old spec, and spec edits that do not reach the
client (reordering, examples, `$ref` refactoring) report nothing.

Each difference is classified for code calling the client: `major` breaks some such code,
`minor` adds something without breaking any, `patch` changes text only. Models and enums are
judged by which way their values travel: a model only returned by methods may gain fields or lose
alternatives freely, one that callers construct may not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from . import model as m

Level = Literal["major", "minor", "patch"]
LEVELS: tuple[Level, ...] = ("major", "minor", "patch")  # most severe first
Surface = dict[str, Any]
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class ApiChange:
    """One difference, said the way a user of the client would say it."""

    kind: str  # stable identifier for tools, such as "parameter-removed"
    where: str  # "client.calls.add()" or "models.Call"
    message: str  # "parameter `users` removed"; Markdown code spans for names
    level: Level

    @property
    def breaking(self) -> bool:
        return self.level == "major"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "where": self.where, "message": self.message, "level": self.level,
                "breaking": self.breaking}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ApiChange:
        return cls(str(data["kind"]), str(data["where"]), str(data["message"]), _level(data["level"]))


@dataclass(frozen=True)
class Report:
    """All differences between two surfaces, most severe first."""

    changes: tuple[ApiChange, ...]

    @property
    def breaking(self) -> bool:
        return any(change.breaking for change in self.changes)

    @property
    def level(self) -> Level | None:
        """The semantic version bump the changes call for; None when there are none."""
        return next((level for level in LEVELS if any(c.level == level for c in self.changes)), None)

    def at(self, level: Level) -> tuple[ApiChange, ...]:
        return tuple(change for change in self.changes if change.level == level)


def surface(api: m.Api) -> Surface:
    """The client as its users see it, as JSON-ready data keyed by wire names."""
    return {
        "methods": {method.slack_name: {
            "python": method.python_path,
            "summary": method.summary,
            "description": method.description,
            "deprecated": method.deprecated,
            "response": method.response,
            "parameters": {p.wire_name: {"name": p.name, "type": p.type.annotation, "required": p.required,
                                         "description": p.description} for p in method.parameters},
        } for method in api.methods},
        "models": {model.name: {
            "description": model.description,
            "fields": {f.wire_name: {"name": f.name, "type": f.type.annotation, "required": f.required,
                                     "nullable": f.nullable, "description": f.description} for f in model.fields},
        } for model in api.models},
        "enums": {enum.name: {
            "description": enum.description,
            "values": {value.value: value.name for value in enum.values},
        } for enum in api.enums},
    }


def compare(old: Surface, new: Surface) -> Report:
    """Every difference from `old` to `new`, classified for code that calls the client."""
    directions = _directions(old, new)
    changes = [*_methods(old["methods"], new["methods"]),
               *_models(old["models"], new["models"], directions),
               *_enums(old["enums"], new["enums"])]
    changes.sort(key=lambda c: (LEVELS.index(c.level), c.where, c.kind, c.message))
    return Report(tuple(changes))


def _methods(old: dict[str, Any], new: dict[str, Any]) -> Iterator[ApiChange]:
    for name in sorted(old.keys() - new.keys()):
        yield ApiChange("method-removed", _call(old[name]), "method removed", "major")
    for name in sorted(new.keys() - old.keys()):
        yield ApiChange("method-added", _call(new[name]), "method added", "minor")
    for name in sorted(old.keys() & new.keys()):
        before, after = old[name], new[name]
        where = _call(after)
        if before["python"] != after["python"]:
            yield ApiChange("method-moved", _call(before), f"method moved to `{where}`", "major")
        if before["response"] != after["response"]:
            yield ApiChange("response-changed", where,
                            f"returns `{after['response']}` instead of `{before['response']}`", "major")
        if before["deprecated"] != after["deprecated"]:
            yield (ApiChange("method-deprecated", where, "method deprecated", "minor") if after["deprecated"]
                   else ApiChange("method-undeprecated", where, "method no longer deprecated", "patch"))
        if (before["summary"], before["description"]) != (after["summary"], after["description"]):
            yield ApiChange("description-changed", where, "description changed", "patch")
        yield from _parameters(where, before["parameters"], after["parameters"])


def _parameters(where: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[ApiChange]:
    removed, added, pairs = _match(old, new)
    for key in removed:
        yield ApiChange("parameter-removed", where, f"parameter `{old[key]['name']}` removed", "major")
    for key in added:
        required = new[key]["required"]
        yield ApiChange("parameter-added", where, f"{'required' if required else 'optional'} parameter "
                        f"`{new[key]['name']}` added", "major" if required else "minor")
    for old_key, new_key in pairs:
        before, after = old[old_key], new[new_key]
        name = f"`{after['name']}`"
        if before["name"] != after["name"]:
            yield ApiChange("parameter-renamed", where, f"parameter `{before['name']}` renamed to {name}", "major")
        elif old_key != new_key:
            yield ApiChange("parameter-wire-renamed", where,
                            f"parameter {name} is now sent as `{new_key}` (was `{old_key}`)", "patch")
        if before["required"] != after["required"]:
            yield (ApiChange("parameter-required", where, f"parameter {name} is now required", "major")
                   if after["required"] else
                   ApiChange("parameter-optional", where, f"parameter {name} is now optional", "minor"))
        if before["type"] != after["type"]:
            widened = _options(before["type"]) < _options(after["type"])
            yield ApiChange("parameter-type-changed", where, f"parameter {name} type {'widened' if widened else 'changed'} "
                            f"from `{before['type']}` to `{after['type']}`", "minor" if widened else "major")
        if before["description"] != after["description"]:
            yield ApiChange("description-changed", where, f"description of parameter {name} changed", "patch")


def _models(old: dict[str, Any], new: dict[str, Any], directions: dict[str, set[str]]) -> Iterator[ApiChange]:
    for name in sorted(old.keys() - new.keys()):
        yield ApiChange("model-removed", f"models.{name}", "model removed", "major")
    for name in sorted(new.keys() - old.keys()):
        yield ApiChange("model-added", f"models.{name}", "model added", "minor")
    for name in sorted(old.keys() & new.keys()):
        where = f"models.{name}"
        if old[name]["description"] != new[name]["description"]:
            yield ApiChange("description-changed", where, "description changed", "patch")
        yield from _fields(where, old[name]["fields"], new[name]["fields"], directions.get(name) or {"output"})


def _fields(where: str, old: dict[str, Any], new: dict[str, Any], directions: set[str]) -> Iterator[ApiChange]:
    """Fields of a model: what breaks depends on whether callers read it (it is "output") or build
    it ("input"); a change is as severe as it is for the worst of the model's uses, and reported
    only if it affects one of them."""
    def level(reading: Level | None, building: Level | None) -> Level | None:
        chosen = [lvl for lvl, use in ((reading, "output"), (building, "input")) if lvl and use in directions]
        return min(chosen, key=LEVELS.index) if chosen else None

    removed, added, pairs = _match(old, new)
    for key in removed:
        yield ApiChange("field-removed", where, f"field `{old[key]['name']}` removed", "major")
    for key in added:
        required = new[key]["required"]
        yield ApiChange("field-added", where, f"{'required' if required else 'optional'} field "
                        f"`{new[key]['name']}` added", level("minor", "major" if required else "minor") or "minor")
    for old_key, new_key in pairs:
        before, after = old[old_key], new[new_key]
        name = f"`{after['name']}`"
        if before["name"] != after["name"]:
            yield ApiChange("field-renamed", where, f"field `{before['name']}` renamed to {name}", "major")
        elif old_key != new_key:
            yield ApiChange("field-wire-renamed", where,
                            f"field {name} is now `{new_key}` in the JSON (was `{old_key}`)", "patch")
        presence = _presence(before, after, name)
        if presence is not None:
            kind, message, reading, building = presence
            severity = level(reading, building)
            if severity is not None:
                yield ApiChange(kind, where, message, severity)
        if before["type"] != after["type"]:
            old_options, new_options = _options(before["type"]), _options(after["type"])
            change = "widened" if old_options < new_options else "narrowed" if new_options < old_options else "changed"
            yield ApiChange("field-type-changed", where,
                            f"field {name} type {change} from `{before['type']}` to `{after['type']}`",
                            level("minor" if change == "narrowed" else "major",
                                  "minor" if change == "widened" else "major") or "major")
        if before["description"] != after["description"]:
            yield ApiChange("description-changed", where, f"description of field {name} changed", "patch")


def _presence(before: dict[str, Any], after: dict[str, Any],
              name: str) -> tuple[str, str, Level | None, Level | None] | None:
    """A change to whether a field must be given or may be None: (kind, message, level for code
    reading it, level for code building it); a level is None when that code sees no difference.

    A reader sees `T | None` when the field is optional or nullable; a builder must pass a required
    field and may pass None only to an optional or nullable one."""
    none_before = not before["required"] or before["nullable"]
    none_after = not after["required"] or after["nullable"]
    reading: Level | None = None if none_before == none_after else "major" if none_after else "minor"
    accepts_none: Level | None = None if none_before == none_after else "minor" if none_after else "major"
    if before["required"] != after["required"]:
        if after["required"]:
            return "field-required", f"field {name} is now required", reading, "major"
        return "field-optional", f"field {name} is now optional", reading, "minor"
    if none_before != none_after:
        if none_after:
            return "field-nullable", f"field {name} may now be null", reading, accepts_none
        return "field-not-nullable", f"field {name} can no longer be null", reading, accepts_none
    return None


def _enums(old: dict[str, Any], new: dict[str, Any]) -> Iterator[ApiChange]:
    """Enum members are names callers write (`Status.ACTIVE`), so any member lost breaks code; a
    value added never does, since unknown values already decode to plain strings."""
    for name in sorted(old.keys() - new.keys()):
        yield ApiChange("enum-removed", f"models.{name}", "enum removed", "major")
    for name in sorted(new.keys() - old.keys()):
        yield ApiChange("enum-added", f"models.{name}", "enum added", "minor")
    for name in sorted(old.keys() & new.keys()):
        where = f"models.{name}"
        before, after = old[name]["values"], new[name]["values"]
        for value in sorted(before.keys() - after.keys()):
            yield ApiChange("enum-value-removed", where, f"value `{value}` removed (member `{before[value]}`)", "major")
        for value in sorted(after.keys() - before.keys()):
            yield ApiChange("enum-value-added", where, f"value `{value}` added (member `{after[value]}`)", "minor")
        for value in sorted(before.keys() & after.keys()):
            if before[value] != after[value]:
                yield ApiChange("enum-member-renamed", where,
                                f"member `{before[value]}` renamed to `{after[value]}`", "major")
        if old[name]["description"] != new[name]["description"]:
            yield ApiChange("description-changed", where, "description changed", "patch")


def _match(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Pair the arguments (or fields) of two versions: by wire name, then by Python name, then a
    removed and an added one with the same type and the same non-empty description (a rename).
    Returns (removed, added, pairs) with wire names as keys."""
    pairs = [(key, key) for key in old if key in new]
    removed = [key for key in old if key not in new]
    added = [key for key in new if key not in old]
    for likeness in (_same_name, _same_meaning):
        for old_key in list(removed):
            candidates = [key for key in added if likeness(old[old_key], new[key])]
            if len(candidates) == 1 and [k for k in removed if likeness(old[k], new[candidates[0]])] == [old_key]:
                pairs.append((old_key, candidates[0]))
                removed.remove(old_key)
                added.remove(candidates[0])
    return removed, added, pairs


def _same_name(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return bool(old["name"] == new["name"])


def _same_meaning(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return bool(old["description"]) and (old["type"], old["description"]) == (new["type"], new["description"])


def _directions(*surfaces: Surface) -> dict[str, set[str]]:
    """Which way each model and enum travels: "input" (callers pass it), "output" (methods return
    it), following fields into nested models. The union over both surfaces, so a change is judged
    by every use it had or has."""
    directions: dict[str, set[str]] = {}
    for surface in surfaces:
        for method in surface["methods"].values():
            for parameter in method["parameters"].values():
                _reach(surface, parameter["type"], "input", directions)
            _reach(surface, method["response"], "output", directions)
    return directions


def _reach(surface: Surface, annotation: str, direction: str, directions: dict[str, set[str]]) -> None:
    for name in _NAME.findall(annotation):
        if (name in surface["models"] or name in surface["enums"]) and direction not in directions.get(name, ()):
            directions.setdefault(name, set()).add(direction)
            for field in surface["models"].get(name, {}).get("fields", {}).values():
                _reach(surface, field["type"], direction, directions)


def _options(annotation: str) -> frozenset[str]:
    """The alternatives of a union annotation: `str | list[int | str]` -> {`str`, `list[int | str]`}."""
    options, depth, start = [], 0, 0
    for index, char in enumerate(annotation):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "|" and depth == 0:
            options.append(annotation[start:index].strip())
            start = index + 1
    options.append(annotation[start:].strip())
    if "float" in options:  # typing's numeric tower: an int is accepted where a float is
        options.append("int")
    return frozenset(options)


def _call(method: dict[str, Any]) -> str:
    return f"client.{method['python']}()"


def _level(value: Any) -> Level:
    if value not in LEVELS:
        raise ValueError(f"unknown change level {value!r}")
    level: Level = value
    return level
