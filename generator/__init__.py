"""Generate typed Python clients for the Slack Web API from OpenAPI descriptions.

The pipeline, one module per stage: `load` -> `validate` (Swagger 2.0 input: `swagger2`, which
validates and converts it to OpenAPI 3.0) -> `build` (the typed model in `model`) -> `render` ->
`format` -> `output`. `generate` runs the stages that produce text; writing is a separate, last
step so `--check` and tests compare without touching the disk. Beside the client, `diff` and
`release` carry the package's version and changelog from one generation to the next.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import jinja2

from .build import Selection, build
from .config import Options
from .diff import Report, compare, surface
from .errors import Problem, SpecError, parse_pointer
from .format import format_files
from .load import Document, load, locate
from .model import Api
from .output import changed_since, read_provenance, with_manifest
from .release import STATE, History, advance, read_history
from .render import environment, render, template_digest
from .swagger2 import Upgraded, is_swagger2, upgrade
from .validate import validate

__all__ = ["Options", "build_api", "checked", "generate", "read_spec"]


def read_spec(path: Path) -> Document:
    """Load and validate a spec, returning it as OpenAPI 3 (Swagger 2.0 is validated, then converted)."""
    return checked(load(path))


def checked(document: Document) -> Document:
    """A loaded spec, validated, as OpenAPI 3."""
    if is_swagger2(document.data):
        return upgrade(document)
    validate(document)
    return document


def generate(options: Options, out: Path | None = None, warnings: list[Problem] | None = None) -> dict[str, str]:
    """All files of the generated tree, manifest included, as {relative path: text}.

    The version and changelog continue the history recorded in `out` (default: the options'
    output folder), which is only read: the result is a function of that history, the spec and the
    templates, and generating again from its own output changes nothing. What the generator had to
    approximate is appended to `warnings`; with `options.strict` it is an error instead."""
    out = out or options.out
    document, api = _build(options, warnings)
    env = environment(options.templates)
    previous = read_history(out)
    current = surface(api)
    report = compare(previous.surface, current) if previous else Report(())
    history = advance(previous, current, report, spec_name=api.spec_name)
    files = _render(api, env, history)
    if previous is not None and history.version == previous.version:
        # the client's interface is unchanged, but the code may not be (templates, errors, scopes...)
        regenerated = changed_since(files, read_provenance(out), ignore=(STATE,))
        if regenerated:
            history = advance(previous, current, report, spec_name=api.spec_name, regenerated=regenerated)
            files = _render(api, env, history)
    spec_digest = hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    return with_manifest(files, spec_digest, api.spec_name, template_digest(env))


def build_api(options: Options, warnings: list[Problem] | None = None) -> Api:
    """The model of the package `options` ask for (the stages before rendering)."""
    return _build(options, warnings)[1]


def generate_into(options: Options, out: Path | None = None) -> None:
    """Generate and write to `out` (default: the options' output folder)."""
    from .output import write

    out = out or options.out
    write(generate(options, out), out)


def _build(options: Options, warnings: list[Problem] | None) -> tuple[Document, Api]:
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
    return document, replace(api, spec_name=options.spec_name)


def _placed(document: Document, problems: list[Problem]) -> list[Problem]:
    """Problems with their line: for a converted 2.0 document, in the 2.0 file the user has."""
    if isinstance(document, Upgraded):
        return [document.source(problem) for problem in problems]
    return [replace(problem, line=line, column=column) if problem.line is None and problem.pointer else problem
            for problem in problems
            for line, column in [locate(document, parse_pointer(problem.pointer))]]


def _render(api: Api, env: jinja2.Environment, history: History) -> dict[str, str]:
    files = format_files(render(replace(api, version=history.version), env, history.releases))
    return {**files, STATE: history.to_json()}
