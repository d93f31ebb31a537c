"""Generate typed Python clients for the Slack Web API from OpenAPI descriptions.

The pipeline, one module per stage: `load` -> `validate` -> `build` (the typed model in `model`)
-> `render` -> `format` -> `output`. `generate` runs the stages that produce text; writing is a
separate, last step so `--check` and tests compare without touching the disk.

Stages import lazily: a run whose result is cached (see `cache`) never loads YAML, Jinja or black.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from .cache import GENERATOR, Cache, digest, folder_digest, versions
from .config import Options

__all__ = ["Options", "generate"]
# Everything besides the spec, the options and the generator's own files that the output depends on.
DEPENDENCIES = ("black", "jinja2", "markupsafe", "pyyaml", "openapi-spec-validator", "openapi-schema-validator",
                "jsonschema", "jsonschema-specifications", "jsonschema-path", "referencing")


def generate(options: Options, cache: Cache | None = None) -> dict[str, str]:
    """All files of the generated tree, manifest included, as {relative path: text}.

    With a `cache`, an unchanged spec and generator give back the previous run's files; either way
    the result is byte-identical."""
    from .load import display_name, read

    cache = cache or Cache()
    name = display_name(options.spec)
    raw = read(options.spec, name)
    key = _output_key(raw, options) if cache.enabled else ""
    if key and (files := _decode(cache.get("output", key))) is not None:
        return files
    files = _generate(options, raw, name, cache)
    if key:
        cache.put("output", key, json.dumps(files).encode("utf-8"))
        cache.prune()
    return files


def _generate(options: Options, raw: bytes, name: str, cache: Cache) -> dict[str, str]:
    from .build import Selection, build
    from .format import format_files
    from .load import parse
    from .output import with_manifest
    from .render import environment, render
    from .validate import Validation

    document = parse(raw, name, options.spec)
    validation = Validation(document, cache)  # the slow part runs beside building and formatting
    try:
        api = replace(build(document, Selection(options.package, options.families)), spec_name=options.spec_name)
        files = format_files(render(api, environment(options.templates)), cache)
    except Exception:
        validation.wait()  # an invalid spec explains a failure better than the failure itself
        raise
    except BaseException:
        validation.cancel()
        raise
    validation.wait()
    return with_manifest(files)


def _output_key(raw: bytes, options: Options) -> str:
    """Everything the generated files depend on; the spec is validated again whenever it changes."""
    from .render import BUILTIN_TEMPLATES

    try:
        templates = [folder_digest(folder) for folder in (BUILTIN_TEMPLATES, options.templates) if folder]
    except OSError:
        return ""  # a folder that cannot be read: let the real run report it
    return digest("output", raw, options.spec.suffix, options.spec_name, options.package, *options.families, "\0",
                  *templates, folder_digest(GENERATOR), versions(*DEPENDENCIES), sys.version)


def _decode(payload: bytes | None) -> dict[str, str] | None:
    try:
        files = json.loads(payload) if payload is not None else None
    except ValueError:
        return None
    ok = isinstance(files, dict) and all(isinstance(text, str) for text in files.values())
    return files if ok else None


def generate_into(options: Options, out: Path | None = None) -> None:
    """Generate and write to `out` (default: the options' output folder)."""
    from .output import write

    write(generate(options), out or options.out)
