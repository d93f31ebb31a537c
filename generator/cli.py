"""The command line: `python -m generator [generate|validate|diff] [options]`.

Exit codes: 0 done (or up to date), 1 `--check` found drift or `diff` found a breaking change, 2 bad
input or usage, 3 a bug in the generator or its templates. Errors are one clear message on stderr,
never a traceback (set GENERATOR_DEBUG=1 to see one for a bug).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import GeneratorError, UsageError

if TYPE_CHECKING:
    from .config import Options

EXIT_OK, EXIT_DRIFT, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3
EXIT_BREAKING = 1


def parser() -> argparse.ArgumentParser:
    # SUPPRESS: options may stand before or after the command without one erasing the other
    options = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    options.add_argument("--spec", type=Path, help="OpenAPI file (default: spec/calls.yaml)")
    options.add_argument("--out", type=Path, help="output folder (default: generated)")
    options.add_argument("--package", help="Python package name (default: slack_calls)")
    options.add_argument("--family", dest="families", action="append", metavar="NAME",
                         help="only methods named NAME.*; repeatable (default: all)")
    options.add_argument("--templates", type=Path, help="folder of templates overriding the built-in ones")
    options.add_argument("--no-cache", action="store_true",
                         help="neither read nor write the cache (.cache/generator/ or $GENERATOR_CACHE_DIR)")
    main = argparse.ArgumentParser(
        prog="python -m generator", parents=[options],
        description="Generate a typed Python client for the Slack Web API from an OpenAPI spec.",
        epilog="Defaults come from [tool.generator] in pyproject.toml; flags override them.")
    main.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 and print a diff if the output would change")
    commands = main.add_subparsers(dest="command", metavar="{generate,validate,diff}")
    commands.add_parser("generate", parents=[options], help="generate the client (the default)")
    commands.add_parser("validate", parents=[options], help="validate the spec only")
    diff = commands.add_parser(
        "diff", parents=[options], help="report what changing a spec does to code that calls the client",
        description="Report what changes between two specs in client terms, each change marked breaking or not. "
                    "A spec may be a file or REV:PATH, read from git (PATH from the repository root, or ./PATH "
                    "from the current folder). Exit 1 when a change is breaking, 0 otherwise.")
    diff.add_argument("specs", nargs="*", metavar="SPEC", help="OLD NEW, or with --rev one SPEC (default: --spec)")
    diff.add_argument("--rev", help="compare SPEC as of git revision REV with SPEC now")
    diff.add_argument("--format", choices=("text", "json"), default="text", help="text for people (default), json "
                      "for tools")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except GeneratorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug: say so briefly, traceback only on request
        if os.environ.get("GENERATOR_DEBUG"):
            traceback.print_exc()
        where = traceback.extract_tb(exc.__traceback__)[-1]
        print(f"internal error: {type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno}); "
              "this is a bug in the generator; set GENERATOR_DEBUG=1 for the traceback", file=sys.stderr)
        return EXIT_BUG


def _run(args: argparse.Namespace) -> int:
    from . import generate
    from .cache import Cache
    from .config import load_options
    from .output import compare, explain, unified_diff, write

    options = load_options({key: getattr(args, key, None) for key in ("spec", "out", "package", "families", "templates")})
    cache = Cache() if getattr(args, "no_cache", False) else Cache.at_project(options.root or Path.cwd())
    if args.command == "validate":
        from .load import load
        from .validate import validate

        document = load(options.spec)
        validate(document, cache)
        print(f"{document.name}: valid")
        return EXIT_OK
    if args.command == "diff":
        return _diff(args, options)
    files = generate(options, cache=cache)
    if args.check:
        changes = compare(files, options.out)
        if not changes:
            print(f"{options.out}: up to date")
            return EXIT_OK
        sys.stdout.write(unified_diff(changes))
        summary = ", ".join(f"{c.path} ({c.kind})" for c in changes)
        reasons = "".join(f"  {reason}\n" for reason in explain(changes, files, options.out))
        print(f"{options.out}: out of date: {summary}\n{reasons}run `python -m generator` to regenerate",
              file=sys.stderr)
        return EXIT_DRIFT
    changes = write(files, options.out)
    print(f"{options.out}: {len(changes)} file(s) changed" if changes else f"{options.out}: up to date")
    return EXIT_OK


def _diff(args: argparse.Namespace, options: Options) -> int:
    from .build import Selection, build
    from .diff import Surface, compare, surface
    from .load import Document, load
    from .report import as_json, as_text
    from .revision import read_revision, revision_of
    from .validate import validate

    specs: list[str] = args.specs
    if args.rev is not None and len(specs) <= 1:
        spec = Path(specs[0]) if specs else options.spec
        name = specs[0] if specs else options.spec_name
        old_document = revision_of(spec, args.rev, name)
        new_document = load(spec, name)
    elif args.rev is None and len(specs) == 2:
        old_document, new_document = (read_revision(s) if _is_revision(s) else load(Path(s), s) for s in specs)
    else:
        raise UsageError("diff takes OLD NEW, or --rev REV and at most one SPEC")

    def client(document: Document) -> Surface:
        validate(document)
        return surface(build(document, Selection(options.package, options.families)))

    report = compare(client(old_document), client(new_document))
    render = as_json if args.format == "json" else as_text
    sys.stdout.write(render(report, old_document.name, new_document.name))
    return EXIT_BREAKING if report.breaking else EXIT_OK


def _is_revision(spec: str) -> bool:
    """`REV:PATH` names a file in git unless a file of that name exists (or it is a Windows drive)."""
    before, colon, _ = spec.partition(":")
    return bool(colon) and len(before) > 1 and not Path(spec).exists()
