"""The generated package's version and changelog, carried from one regeneration to the next.

The generated tree keeps its history in one file (`.generator-state.json`): the client surface it
was generated from and every release (version, summary, changes), newest first. A regeneration
compares the new surface with the recorded one (see `diff`), bumps the version by semantic
versioning (breaking -> major, additions -> minor, text -> patch) and adds an entry. When nothing
changed it adds nothing, so regenerating is idempotent and `--check` passes right after. Entries
carry no dates: the output depends on the inputs alone, and git already knows when.

The first generation is version 1.0.0 whatever the spec's `info.version` says: that versions the API
description, which Slack changes for reasons that say nothing about compatibility of this client.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import read_regular
from .diff import LEVELS, ApiChange, Level, Report, Surface
from .errors import OutputError
from .report import TITLES

STATE = ".generator-state.json"
FIRST_VERSION = "1.0.0"
FORMAT = 1


@dataclass(frozen=True)
class Release:
    """One changelog entry."""

    version: str
    summary: str  # Markdown; may be empty
    changes: tuple[ApiChange, ...]

    @property
    def sections(self) -> tuple[tuple[str, tuple[ApiChange, ...]], ...]:
        """(title, changes) for each severity present, most severe first."""
        report = Report(self.changes)
        return tuple((TITLES[level], report.at(level)) for level in LEVELS if report.at(level))


@dataclass(frozen=True)
class History:
    surface: Surface  # the client as last generated
    releases: tuple[Release, ...]  # newest first, never empty

    @property
    def version(self) -> str:
        return self.releases[0].version

    def to_json(self) -> str:
        data = {
            "_generated": "Written by `python -m generator`: the client's surface and releases. Do not edit by hand.",
            "format": FORMAT,
            "releases": [{"version": r.version, "summary": r.summary, "changes": [c.to_dict() for c in r.changes]}
                         for r in self.releases],
            "surface": self.surface,
        }
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def advance(previous: History | None, surface: Surface, report: Report, *, spec_name: str,
            regenerated: tuple[str, ...] = ()) -> History:
    """The history after generating `surface`: a new release when the report has changes or,
    with an unchanged client, when `regenerated` names generated files whose text changed."""
    if previous is None:
        count = len(surface["methods"])
        summary = f"First generated from `{spec_name}`: {count} method{'s' if count != 1 else ''}."
        return History(surface, (Release(FIRST_VERSION, summary, ()),))
    if report.level is not None:
        release = Release(bump(previous.version, report.level), "", report.changes)
    elif regenerated:
        files = ", ".join(f"`{path}`" for path in regenerated)
        release = Release(bump(previous.version, "patch"), f"Same client interface; regenerated code changed in "
                          f"{files}.", ())
    else:
        return History(surface, previous.releases)
    return History(surface, (release, *previous.releases))


def bump(version: str, level: Level) -> str:
    major, minor, patch = _parse_version(version)
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def read_history(out: Path) -> History | None:
    """The history recorded in `out`, or None when there is none yet."""
    path = out / STATE
    raw = read_regular(path)  # never a FIFO or device that would hang or never end
    if raw is None:
        if not os.path.lexists(path):  # nothing generated there yet
            return None
        raise _unreadable(path, "not a regular file")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _unreadable(path, str(exc)) from None
    try:
        if data["format"] != FORMAT:
            raise ValueError(f"format {data['format']!r}, this generator writes {FORMAT}")
        releases = tuple(Release(str(r["version"]), str(r["summary"]),
                                 tuple(ApiChange.from_dict(c) for c in r["changes"])) for r in data["releases"])
        surface: Any = data["surface"]
        if not releases or not all(isinstance(surface.get(k), dict) for k in ("methods", "models", "enums")):
            raise ValueError("no releases or no surface")
        for release in releases:  # each is printed in the changelog
            _parse_version(release.version)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _unreadable(path, f"unexpected content ({exc})") from None
    return History(surface, releases)


def _parse_version(version: str) -> tuple[int, int, int]:
    parts = version.split(".")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
        raise ValueError(f"version {version!r} is not MAJOR.MINOR.PATCH")
    major, minor, patch = (int(part) for part in parts)
    return major, minor, patch


def _unreadable(path: Path, detail: str) -> OutputError:
    return OutputError(f"{path}: cannot read the generation history: {detail}; restore it from version control, "
                       f"or delete it to restart the changelog at {FIRST_VERSION}")
