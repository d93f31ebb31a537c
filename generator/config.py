"""Options from `[tool.generator]` in pyproject.toml, overridden by the command line.

Paths in the file are relative to the file's folder, so the same command works from anywhere in
the project and on any machine.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import UsageError
from .naming import identifier


@dataclass(frozen=True)
class Options:
    spec: Path
    out: Path
    package: str
    families: tuple[str, ...] = ()
    templates: Path | None = None
    root: Path | None = None  # the folder of the pyproject.toml, for naming the spec in headers

    @property
    def spec_name(self) -> str:
        """How generated headers name the spec: relative to the project, never a machine path."""
        spec = self.spec.resolve()
        if self.root and spec.is_relative_to(self.root.resolve()):
            return spec.relative_to(self.root.resolve()).as_posix()
        return spec.name


DEFAULTS = {"spec": "spec/calls.yaml", "out": "generated", "package": "slack_calls"}


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_options(cli: dict[str, Any], start: Path | None = None) -> Options:
    """Merge defaults, `[tool.generator]` and command-line values (which win)."""
    start = start or Path.cwd()
    pyproject = find_pyproject(start)
    table: dict[str, Any] = {}
    root = start
    if pyproject is not None:
        try:
            table = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("generator", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"{pyproject}: cannot read [tool.generator]: {exc}") from None
        root = pyproject.parent
    if not isinstance(table, dict):
        raise UsageError(f"{pyproject}: [tool.generator] must be a table")
    unknown = set(table) - {"spec", "out", "package", "families", "templates"}
    if unknown:
        raise UsageError(f"{pyproject}: unknown [tool.generator] keys: {', '.join(sorted(unknown))}")

    def from_file(key: str) -> Path | None:
        value = table.get(key, DEFAULTS.get(key))
        return None if value is None else root / str(value)

    options = Options(
        spec=from_file("spec") or Path(DEFAULTS["spec"]),
        out=from_file("out") or Path(DEFAULTS["out"]),
        package=str(table.get("package", DEFAULTS["package"])),
        families=tuple(table.get("families", ())),
        templates=from_file("templates"),
        root=root,
    )
    overrides = {key: value for key, value in cli.items() if value not in (None, (), [])}
    if "families" in overrides:
        overrides["families"] = tuple(overrides["families"])
    options = replace(options, **overrides)
    check_package_name(options.package)
    return options


def check_package_name(name: str) -> None:
    """A package name must be a plain identifier: no dots, slashes or keywords."""
    if not name.isascii() or not name.isidentifier() or identifier(name) != name:
        raise UsageError(f"package name {name!r} is not a valid Python identifier")
