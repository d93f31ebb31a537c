"""Generate typed Python clients for the Slack Web API from OpenAPI descriptions.

The pipeline, one module per stage: `load` (with `overlay`) -> `validate` (Swagger 2.0 input:
`swagger2`, which validates and converts it to OpenAPI 3.0) -> `build` (types from `schemas`, the
typed model in `model`) -> `render` -> `format` -> `output` (written through `commit`). `generate` runs the stages that produce text; writing is a separate, last
step so `--check` and tests compare without touching the disk. Beside the client, `diff` and
`release` carry the package's version and changelog from one generation to the next.

Stages import lazily: a run whose result is cached (see `cache`) never loads YAML, Jinja or black.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import GENERATOR, Cache, digest, folder_digest, read_regular, versions
from .config import Options
from .errors import Problem, SpecError

if TYPE_CHECKING:
    import jinja2

    from .load import Document
    from .model import Api
    from .release import History

__all__ = ["Options", "build_api", "checked", "generate", "read_spec", "with_overlays"]
# Everything besides the spec, the options and the generator's own files that the output depends on.
DEPENDENCIES = ("black", "jinja2", "markupsafe", "pyyaml", "openapi-spec-validator", "openapi-schema-validator",
                "jsonschema", "jsonschema-specifications", "jsonschema-path", "referencing", "jsonpath-rfc9535")


def read_spec(path: Path, cache: Cache | None = None) -> Document:
    """Load and validate a spec, returning it as OpenAPI 3 (Swagger 2.0 is validated, then converted)."""
    from .load import load

    return checked(load(path), cache)


def with_overlays(document: Document, options: Options, warnings: list[Problem] | None = None) -> Document:
    """The spec with the options' overlays applied (see `overlay`)."""
    if not options.overlays:
        return document
    from .overlay import apply_overlays

    document, found = apply_overlays(document, options.overlays)
    if warnings is not None:
        warnings += found
    return document


def checked(document: Document, cache: Cache | None = None) -> Document:
    """A loaded spec, validated, as OpenAPI 3."""
    from .swagger2 import is_swagger2, upgrade
    from .validate import validate

    if is_swagger2(document.data):
        return upgrade(document)
    validate(document, cache)
    return document


def generate(options: Options, out: Path | None = None, warnings: list[Problem] | None = None,
             cache: Cache | None = None) -> dict[str, str]:
    """All files of the generated tree, manifest included, as {relative path: text}.

    The version and changelog continue the history recorded in `out` (default: the options'
    output folder), which is only read: the result is a function of that history, the spec and the
    templates, and generating again from its own output changes nothing. What the generator had to
    approximate is appended to `warnings`; with `options.strict` it is an error instead. With a
    `cache`, the same inputs give back the previous run's files and warnings, byte-identical."""
    from .load import display_name, read

    out = out or options.out
    cache = cache or Cache()
    name = display_name(options.spec)
    raw = read(options.spec, name)
    key = _output_key(raw, options, out) if cache.enabled else ""
    cached = _decode(cache.get("output", key)) if key else None
    if cached is not None:
        files, found = cached
    else:
        files, found = _generate(options, out, raw, name, cache)
        if key:
            cache.put("output", key, json.dumps({"files": files, "warnings": [asdict(p) for p in found]}).encode())
            cache.prune()
    if warnings is not None:
        warnings += found
    return files


def build_api(options: Options, warnings: list[Problem] | None = None) -> Api:
    """The model of the package `options` ask for (the stages before rendering)."""
    from .load import load

    found: list[Problem] = []
    api = _build(checked(with_overlays(load(options.spec), options, found)), options, found)
    if warnings is not None:
        warnings += found
    return api


def generate_into(options: Options, out: Path | None = None) -> None:
    """Generate and write to `out` (default: the options' output folder), holding its lock."""
    from .commit import locked, recover
    from .output import write

    out = out or options.out
    with locked(out):
        recover(out)
        write(generate(options, out), out, protected=(options.spec,))


def _generate(options: Options, out: Path, raw: bytes, name: str, cache: Cache) -> tuple[dict[str, str], list[Problem]]:
    """The files and warnings; an OpenAPI 3 spec's schema validation runs in a worker meanwhile."""
    from .load import parse
    from .swagger2 import is_swagger2, upgrade
    from .validate import Validation

    document = parse(raw, name, options.spec)
    spec_digest = document.digest
    overlaid: list[Problem] = []
    document = with_overlays(document, options, overlaid)
    if is_swagger2(document.data):
        files, found = _client(upgrade(document), options, out, cache, spec_digest)
        return files, overlaid + found
    validation = Validation(document, cache)
    try:
        files, found = _client(document, options, out, cache, spec_digest)
    except Exception:
        validation.wait()  # an invalid spec explains a failure better than the failure itself
        raise
    except BaseException:
        validation.cancel()
        raise
    validation.wait()
    return files, overlaid + found


def _client(document: Document, options: Options, out: Path, cache: Cache,
            spec_digest: str) -> tuple[dict[str, str], list[Problem]]:
    from .diff import Report, compare, surface
    from .output import changed_since, read_provenance, warnings_digest, with_manifest
    from .release import STATE, advance, read_history
    from .render import environment, template_digest

    found: list[Problem] = []
    api = _build(document, options, found)
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
    from .overlay import overlay_digests

    return with_manifest(files, spec_digest, api.spec_name, template_digest(env), history.version,
                         warnings_digest(found), overlay_digests(options.overlays, options.root)), found


def _build(document: Document, options: Options, found: list[Problem]) -> Api:
    from .build import Selection, build

    problems: list[Problem] = []
    try:
        api = build(document, Selection(options.package, options.families), problems)
    except SpecError as exc:
        raise SpecError(_placed(document, exc.problems)) from None
    problems = _placed(document, problems)
    if options.strict and problems:
        raise SpecError([replace(problem, message=f"{problem.message} (an error in strict mode)")
                         for problem in problems])
    found += problems
    return replace(api, spec_name=options.spec_name, folder=options.out_name)


def _placed(document: Document, problems: list[Problem]) -> list[Problem]:
    """Problems with their line: for a converted 2.0 document, in the 2.0 file the user has."""
    from .errors import parse_pointer
    from .load import locate_all
    from .swagger2 import Upgraded

    if isinstance(document, Upgraded):
        return [document.source(problem) for problem in problems]
    unplaced = [problem for problem in problems if problem.line is None and problem.pointer]
    places = dict(zip(unplaced, locate_all(document, [parse_pointer(p.pointer) for p in unplaced]), strict=True))
    return [replace(problem, line=places[problem][0], column=places[problem][1]) if problem in places else problem
            for problem in problems]


def _render(api: Api, env: jinja2.Environment, history: History, cache: Cache) -> dict[str, str]:
    from .format import format_files
    from .release import STATE
    from .render import copied_runtime, render

    rendered = render(replace(api, version=history.version), env, history.releases)
    files = format_files(rendered, cache, formatted_already=copied_runtime(api.package, env))
    return {**files, STATE: history.to_json()}


def _output_key(raw: bytes, options: Options, out: Path) -> str:
    """Everything the generated files depend on: the spec (so a changed spec is validated again),
    the options, the templates, the history and manifest in `out`, the generator and its tools."""
    from .output import MANIFEST
    from .release import STATE
    from .render import BUILTIN_RUNTIME, BUILTIN_TEMPLATES

    try:
        templates = [folder_digest(folder) for folder in (BUILTIN_TEMPLATES, BUILTIN_RUNTIME, options.templates)
                     if folder]
        recorded = [_read(out / name) for name in (STATE, MANIFEST)]
    except OSError:
        return ""  # a folder that cannot be read: let the real run report it
    from .overlay import overlay_digests

    try:
        overlays = [f"{sha} {name}" for sha, name in overlay_digests(options.overlays, options.root)]
    except SpecError:
        return ""  # an overlay that cannot be read: let the real run report it
    return digest("output", raw, options.spec.suffix, options.spec_name, options.out_name, options.package, *options.families, "\0",
                  *overlays, "\0", str(options.strict), *templates, *recorded, folder_digest(GENERATOR), versions(*DEPENDENCIES),
                  sys.version)


def _read(path: Path) -> bytes:
    data = read_regular(path)  # a FIFO planted in the output folder must not hang the run
    if data is not None:
        return b"present\0" + data
    return b"irregular" if os.path.lexists(path) else b"absent"


def _decode(payload: bytes | None) -> tuple[dict[str, str], list[Problem]] | None:
    """A cached result, or None when there is none or it is not one this code wrote."""
    if payload is None:
        return None
    try:
        data = json.loads(payload)
        files, found = data["files"], [Problem(**problem) for problem in data["warnings"]]
    except (ValueError, KeyError, TypeError):
        return None
    return (files, found) if isinstance(files, dict) and all(isinstance(t, str) for t in files.values()) else None
