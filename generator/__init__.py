"""Generate typed Python clients for the Slack Web API from OpenAPI descriptions.

The pipeline, one module per stage: `load` -> `validate` -> `build` (the typed model in `model`)
-> `render` -> `format` -> `output`. `generate` runs the stages that produce text; writing is a
separate, last step so `--check` and tests compare without touching the disk. Beside the client,
`diff` and `release` carry the package's version and changelog from one generation to the next.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import jinja2

from . import model as m
from .build import Selection, build
from .config import Options
from .diff import Report, compare, surface
from .format import format_files
from .load import load
from .output import changed_since, read_provenance, with_manifest
from .release import STATE, History, advance, read_history
from .render import environment, render, template_digest
from .validate import validate

__all__ = ["Options", "generate"]


def generate(options: Options, out: Path | None = None) -> dict[str, str]:
    """All files of the generated tree, manifest included, as {relative path: text}.

    The version and changelog continue the history recorded in `out` (default: the options'
    output folder), which is only read: the result is a function of that history, the spec and the
    templates, and generating again from its own output changes nothing."""
    out = out or options.out
    document = load(options.spec)
    validate(document)
    api = replace(build(document, Selection(options.package, options.families)), spec_name=options.spec_name)
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


def _render(api: m.Api, env: jinja2.Environment, history: History) -> dict[str, str]:
    files = format_files(render(replace(api, version=history.version), env, history.releases))
    return {**files, STATE: history.to_json()}


def generate_into(options: Options, out: Path | None = None) -> None:
    """Generate and write to `out` (default: the options' output folder)."""
    from .output import write

    out = out or options.out
    write(generate(options, out), out)
