"""Generate typed Python clients for the Slack Web API from OpenAPI descriptions.

The pipeline, one module per stage: `load` -> `validate` (Swagger 2.0 input: `swagger2`, which
validates and converts it to OpenAPI 3.0) -> `build` (the typed model in `model`) -> `render` ->
`format` -> `output`. `generate` runs the stages that produce text; writing is a separate, last
step so `--check` and tests compare without touching the disk.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .build import Selection, build
from .config import Options
from .errors import Problem, SpecError
from .format import format_files
from .load import Document, load
from .model import Api
from .output import with_manifest
from .render import environment, render
from .swagger2 import Upgraded, is_swagger2, upgrade
from .validate import validate

__all__ = ["Options", "build_api", "generate", "read_spec"]


def read_spec(path: Path) -> Document:
    """Load and validate a spec, returning it as OpenAPI 3 (Swagger 2.0 is validated, then converted)."""
    document = load(path)
    if is_swagger2(document.data):
        return upgrade(document)
    validate(document)
    return document


def generate(options: Options, warnings: list[Problem] | None = None) -> dict[str, str]:
    """All files of the generated tree, manifest included, as {relative path: text}.

    What the generator had to approximate is appended to `warnings`; with `options.strict` it is
    an error instead."""
    api = build_api(options, warnings)
    files = render(api, environment(options.templates))
    return with_manifest(format_files(files))


def build_api(options: Options, warnings: list[Problem] | None = None) -> Api:
    """The model of the package `options` ask for (the stages before rendering)."""
    found: list[Problem] = []
    document = read_spec(options.spec)
    try:
        api = build(document, Selection(options.package, options.families), found)
    except SpecError as exc:
        raise SpecError(_placed(document, exc.problems)) from None
    found = _placed(document, found)
    if options.strict and found:
        raise SpecError([replace(problem, message=f"{problem.message} (an error in strict mode)") for problem in found])
    if warnings is not None:
        warnings += found
    return replace(api, spec_name=options.spec_name)


def _placed(document: Document, problems: list[Problem]) -> list[Problem]:
    """Problems of a converted 2.0 document, pointing into the 2.0 file the user has."""
    return [document.source(problem) for problem in problems] if isinstance(document, Upgraded) else problems


def generate_into(options: Options, out: Path | None = None) -> None:
    """Generate and write to `out` (default: the options' output folder)."""
    from .output import write

    write(generate(options), out or options.out)
