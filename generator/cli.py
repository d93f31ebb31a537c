"""The command line: `python -m generator [validate] [options]`.

Exit codes: 0 done (or up to date), 1 `--check` found drift, 2 bad input or usage, 3 a bug in the
generator or its templates. Errors are one clear message on stderr, never a traceback (set
GENERATOR_DEBUG=1 to see one for a bug).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from .errors import GeneratorError

EXIT_OK, EXIT_DRIFT, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3


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
    commands = main.add_subparsers(dest="command", metavar="{generate,validate}")
    commands.add_parser("generate", parents=[options], help="generate the client (the default)")
    commands.add_parser("validate", parents=[options], help="validate the spec only")
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
    from .output import compare, unified_diff, write

    options = load_options({key: getattr(args, key, None) for key in ("spec", "out", "package", "families", "templates")})
    cache = Cache() if getattr(args, "no_cache", False) else Cache.at_project(options.root or Path.cwd())
    if args.command == "validate":
        from .load import load
        from .validate import validate

        document = load(options.spec)
        validate(document, cache)
        print(f"{document.name}: valid")
        return EXIT_OK
    files = generate(options, cache)
    if args.check:
        changes = compare(files, options.out)
        if not changes:
            print(f"{options.out}: up to date")
            return EXIT_OK
        sys.stdout.write(unified_diff(changes))
        summary = ", ".join(f"{c.path} ({c.kind})" for c in changes)
        print(f"{options.out}: out of date: {summary}\nrun `python -m generator` to regenerate", file=sys.stderr)
        return EXIT_DRIFT
    changes = write(files, options.out)
    print(f"{options.out}: {len(changes)} file(s) changed" if changes else f"{options.out}: up to date")
    return EXIT_OK
