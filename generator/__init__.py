"""Generate typed Python clients for the Slack Web API from OpenAPI descriptions.

The pipeline, one module per stage: `load` -> `validate` -> `build` (the typed model in `model`)
-> `render` -> `format` -> `output`. `generate` runs the stages that produce text; writing is a
separate, last step so `--check` and tests compare without touching the disk.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .build import Selection, build
from .config import Options
from .format import format_files
from .load import load
from .output import with_manifest
from .render import environment, render
from .validate import validate

__all__ = ["Options", "generate"]


def generate(options: Options) -> dict[str, str]:
    """All files of the generated tree, manifest included, as {relative path: text}."""
    document = load(options.spec)
    validate(document)
    api = replace(build(document, Selection(options.package, options.families)), spec_name=options.spec_name)
    files = render(api, environment(options.templates))
    return with_manifest(format_files(files))


def generate_into(options: Options, out: Path | None = None) -> None:
    """Generate and write to `out` (default: the options' output folder)."""
    from .output import write

    write(generate(options), out or options.out)
