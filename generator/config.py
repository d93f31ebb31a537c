"""Options from `[tool.generator]` in pyproject.toml, overridden by the command line.

Paths in the file are relative to the file's folder, so the same command works from anywhere in
the project and on any machine. A project that vendors several clients names each one in a table
`[tool.generator.targets.NAME]`; the keys directly under `[tool.generator]` are then the defaults
every target starts from, and `python -m generator` (re)generates every target in one run.
"""

from __future__ import annotations

import sys
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
    strict: bool = False  # warnings (constructs the generator approximates) are errors
    target: str = ""  # the name of its [tool.generator.targets.NAME] table, if any
    # Overlays (issue 12): OpenAPI Overlay files applied to the spec, in order, before validation
    overlays: tuple[Path, ...] = ()

    @property
    def spec_name(self) -> str:
        """How generated headers name the spec: relative to the project, never a machine path."""
        spec = self.spec.resolve()
        name = spec.relative_to(self.root.resolve()).as_posix() if self.root and spec.is_relative_to(
            self.root.resolve()) else spec.name
        return name.encode("utf-8", "replace").decode("utf-8")  # a file name that is not UTF-8 has surrogates

    @property
    def out_name(self) -> str:
        """How the generated README names its own folder: relative to the project, else its name."""
        out = self.out.resolve()
        if self.root and out.is_relative_to(self.root.resolve()) and out != self.root.resolve():
            return out.relative_to(self.root.resolve()).as_posix()
        return out.name or "."


DEFAULTS = {"spec": "spec/calls.yaml", "out": "generated", "package": "slack_calls"}
KEYS = frozenset({"spec", "out", "package", "families", "templates", "strict", "overlays"})
# Flags that name one output; with several targets selected they would send all of them there.
SINGLE_TARGET_FLAGS = ("out", "package")


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a `[tool.generator]` table.

    Others are passed over: the generated project's own pyproject.toml (`generated/`), or that of
    a package the user works in below their project, configures no generation."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _configures_generator(candidate):
            return candidate
    return None


def _configures_generator(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return "tool.generator" in text  # broken, but meant for us: load_targets says what is wrong
    return isinstance(tool, dict) and "generator" in tool


def load_options(cli: dict[str, Any], start: Path | None = None) -> Options:
    """The one target to generate: merge defaults, `[tool.generator]` and command-line values."""
    targets = load_targets(cli, start)
    if len(targets) > 1:
        names = ", ".join(target.target for target in targets)
        raise UsageError(f"several targets are configured ({names}); choose one with --target")
    return targets[0]


def load_targets(cli: dict[str, Any], start: Path | None = None, names: list[str] | None = None) -> list[Options]:
    """Every target to generate, in name order (or those in `names`); command-line values win."""
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
    where = f"{pyproject}: [tool.generator]"
    if not isinstance(table, dict):
        raise UsageError(f"{where} must be a table")
    targets = table.get("targets", {})
    if not isinstance(targets, dict) or not all(isinstance(t, dict) for t in targets.values()):
        raise UsageError(f"{where}: every targets.NAME must be a table")
    defaults = {key: value for key, value in table.items() if key != "targets"}
    _check_keys(defaults, where)
    if names and not targets:
        raise UsageError(f"--target {names[0]}: {pyproject or 'no pyproject.toml'} defines no "
                         "[tool.generator.targets.NAME] tables")
    unknown = [name for name in names or [] if name not in targets]
    if unknown:
        raise UsageError(f"no target {unknown[0]!r} in {pyproject}; targets: {', '.join(sorted(targets))}")
    chosen = sorted(dict.fromkeys(names)) if names else sorted(targets)
    if len(chosen) > 1:
        given = [flag for flag in SINGLE_TARGET_FLAGS if cli.get(flag)]
        if given:
            raise UsageError(f"--{given[0]} names one output but {len(chosen)} targets are selected; "
                             "add --target NAME")
    result = []
    for name in chosen or [""]:
        values = {**defaults, **targets[name]} if name else defaults
        if name:
            _check_keys(targets[name], f"{pyproject}: [tool.generator.targets.{name}]")
        result.append(_options(values, cli, root, name))
    _check_distinct(result)
    return result


def _options(table: dict[str, Any], cli: dict[str, Any], root: Path, target: str) -> Options:
    def from_file(key: str) -> Path | None:
        value = table.get(key, DEFAULTS.get(key))
        return None if value is None else root / str(value)

    families = table.get("families", ())
    if isinstance(families, str) or not all(isinstance(f, str) for f in families):
        raise UsageError("[tool.generator] families must be a list of names, such as [\"chat\", \"users\"]")
    overlays = table.get("overlays", ())
    if isinstance(overlays, str) or not all(isinstance(o, str) for o in overlays):
        raise UsageError("[tool.generator] overlays must be a list of files, such as [\"spec/fixes.overlay.yaml\"]")
    options = Options(
        spec=from_file("spec") or Path(DEFAULTS["spec"]),
        out=from_file("out") or Path(DEFAULTS["out"]),
        package=str(table.get("package", DEFAULTS["package"])),
        families=tuple(families),
        templates=from_file("templates"),
        root=root,
        strict=bool(table.get("strict", False)),
        target=target,
        overlays=tuple(root / o for o in overlays),
    )
    overrides = {key: value for key, value in cli.items() if value not in (None, (), [], False)}
    if "families" in overrides:
        overrides["families"] = tuple(overrides["families"])
    if "overlays" in overrides:
        overrides["overlays"] = tuple(overrides["overlays"])
    options = replace(options, **overrides)
    check_package_name(options.package)
    if options.templates is not None and not options.templates.is_dir():
        raise UsageError(f"templates folder {options.templates} does not exist")
    return options


def _check_keys(table: dict[str, Any], where: str) -> None:
    unknown = set(table) - KEYS
    if unknown:
        raise UsageError(f"{where}: unknown keys: {', '.join(sorted(unknown))} (known: {', '.join(sorted(KEYS))})")


def _check_distinct(targets: list[Options]) -> None:
    """Two targets writing to one folder would overwrite each other's files."""
    seen: dict[Path, str] = {}
    for options in targets:
        out = options.out.resolve()
        if out in seen:
            raise UsageError(f"targets {seen[out]!r} and {options.target!r} both write to {options.out}")
        seen[out] = options.target


# Modules the generated package imports besides the standard library (the optional extras).
RUNTIME_IMPORTS = frozenset({"httpx", "redis"})


def check_package_name(name: str) -> None:
    """A package name must be a plain identifier (no dots, slashes or keywords) that does not
    shadow a module the package or its users import: vendored beside their code, a `json` or
    `typing` package would replace the standard library's."""
    if not name.isascii() or not name.isidentifier() or identifier(name) != name:
        raise UsageError(f"package name {name!r} is not a valid Python identifier")
    if name in sys.stdlib_module_names or name.lower() in RUNTIME_IMPORTS:
        owner = "the standard library's" if name in sys.stdlib_module_names else "the client's dependency"
        raise UsageError(f"package name {name!r} would shadow {owner} module {name!r}; choose another name")
