"""Lay a change report out for people (grouped by severity) or for tools (JSON)."""

from __future__ import annotations

import json

from .diff import LEVELS, Report

TITLES = {
    "major": "Breaking for code that calls the client",
    "minor": "Added (compatible)",
    "patch": "Text only",
}


def as_text(report: Report, old: str, new: str) -> str:
    lines = [f"{old} -> {new}: {summary(report)}"]
    for level in LEVELS:
        changes = report.at(level)
        if changes:
            lines += ["", f"{TITLES[level]}:"]
            lines += [f"  - {change.where}: {change.message}" for change in changes]
    return "\n".join(lines) + "\n"


def as_json(report: Report, old: str, new: str) -> str:
    data = {"old": old, "new": new, "breaking": report.breaking, "bump": report.level,
            "changes": [change.to_dict() for change in report.changes]}
    return json.dumps(data, indent=2) + "\n"


def summary(report: Report) -> str:
    """`2 breaking, 1 added (major version bump)` or `no change to the client`."""
    if not report.changes:
        return "no change to the client"
    names = {"major": "breaking", "minor": "added", "patch": "text only"}
    counts = ", ".join(f"{len(report.at(level))} {names[level]}" for level in LEVELS if report.at(level))
    return f"{counts} ({report.level} version bump)"
