"""Generate typed Python clients for the Slack Web API from OpenAPI descriptions.

The pipeline, one module per stage: `load` -> `validate` -> `build` (the typed model in `model`)
-> `render` -> `format` -> `output`. `generate` runs the stages that produce text; writing is a
separate, last step so `--check` and tests compare without touching the disk. Beside the client,
`diff` and `release` carry the package's version and changelog from one generation to the next.

Stages import lazily: a run whose result is cached (see `cache`) never loads YAML, Jinja or black.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import GENERATOR, Cache, digest, folder_digest, versions
from .config import Options

if TYPE_CHECKING:
    import jinja2

    from . import model as m
    from .load import Document
    from .release import History

__all__ = ["Options", "generate"]
# Everything besides the spec, the options and the generator's own files that the output depends on.
DEPENDENCIES = ("black", "jinja2", "markupsafe", "pyyaml", "openapi-spec-validator", "openapi-schema-validator",
                "jsonschema", "jsonschema-specifications", "jsonschema-path", "referencing")


def generate(options: Options, out: Path | None = None, cache: Cache | None = None) -> dict[str, str]:
    """All files of the generated tree, manifest included, as {relative path: text}.

    The version and changelog continue the history recorded in `out` (default: the options'
    output folder), which is only read: the result is a function of that history, the spec and the
    templates, and generating again from its own output changes nothing. With a `cache`, the same
    inputs give back the previous run's files; either way the result is byte-identical."""
    from .load import display_name, read

    out = out or options.out
    cache = cache or Cache()
    name = display_name(options.spec)
    raw = read(options.spec, name)
    key = _output_key(raw, options, out) if cache.enabled else ""
    if key and (files := _decode(cache.get("output", key))) is not None:
        return files
    files = _generate(options, out, raw, name, cache)
    if key:
        cache.put("output", key, json.dumps(files).encode("utf-8"))
        cache.prune()
    return files


def _generate(options: Options, out: Path, raw: bytes, name: str, cache: Cache) -> dict[str, str]:
    from .load import parse
    from .validate import Validation

    document = parse(raw, name, options.spec)
    validation = Validation(document, cache)  # the slow part runs beside building and formatting
    try:
        files = _client(options, out, document, cache)
    except Exception:
        validation.wait()  # an invalid spec explains a failure better than the failure itself
        raise
    except BaseException:
        validation.cancel()
        raise
    validation.wait()
    return files


def _client(options: Options, out: Path, document: Document, cache: Cache) -> dict[str, str]:
    from .build import Selection, build
    from .diff import Report, compare, surface
    from .output import changed_since, read_provenance, with_manifest
    from .release import STATE, advance, read_history
    from .render import environment, template_digest

    api = replace(build(document, Selection(options.package, options.families)), spec_name=options.spec_name)
    env = environment(options.templates)
    previous = read_history(out)
    current = surface(api)
    report = compare(previous.surface, current) if previous else Report(())
    history = advance(previous, current, report, spec_name=api.spec_name)
    files = _render(api, env, history, cache)
    if previous is not None and history.version == previous.version:
        # the client's interface is unchanged, but the code may not be (templates, errors, scopes...)
        regenerated = changed_since(files, read_provenance(out), ignore=(STATE,))
        if regenerated:
            history = advance(previous, current, report, spec_name=api.spec_name, regenerated=regenerated)
            files = _render(api, env, history, cache)
    return with_manifest(files, document.digest, api.spec_name, template_digest(env))


def _render(api: m.Api, env: jinja2.Environment, history: History, cache: Cache) -> dict[str, str]:
    from .format import format_files
    from .release import STATE
    from .render import render

    files = format_files(render(replace(api, version=history.version), env, history.releases), cache)
    return {**files, STATE: history.to_json()}


def _output_key(raw: bytes, options: Options, out: Path) -> str:
    """Everything the generated files depend on: the spec (so a changed spec is validated again),
    the options, the templates, the history and manifest in `out`, the generator and its tools."""
    from .output import MANIFEST
    from .release import STATE
    from .render import BUILTIN_TEMPLATES

    try:
        templates = [folder_digest(folder) for folder in (BUILTIN_TEMPLATES, options.templates) if folder]
        recorded = [_read(out / name) for name in (STATE, MANIFEST)]
    except OSError:
        return ""  # a folder that cannot be read: let the real run report it
    return digest("output", raw, options.spec.suffix, options.spec_name, options.package, *options.families, "\0",
                  *templates, *recorded, folder_digest(GENERATOR), versions(*DEPENDENCIES), sys.version)


def _read(path: Path) -> bytes:
    try:
        return b"present\0" + path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return b"absent"


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

    out = out or options.out
    write(generate(options, out), out)
