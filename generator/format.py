"""Stage 5: format generated Python with black, in-process.

Black is pinned to one major version (its stable style changes only in the first release of each
year), so the same input gives the same bytes on every machine. A template that renders invalid
Python is reported with the file and the offending lines, never as black's raw traceback.

Black is most of a cold run's time, so its results are cached by the unformatted text, black's
version and the settings (formatting is a pure function of those), and what is not cached is split
between forked workers when the machine has CPUs to spare.
"""

from __future__ import annotations

import gc
from collections.abc import Collection

from .cache import Cache, digest, versions
from .errors import GeneratorError
from .parallel import Task, Tickets, can_fork, workers

LINE_LENGTH = 88
TARGET = "py311"
PARALLEL_MIN_CHARS = 20_000  # below this a worker costs more to start than it saves


class TemplateOutputError(GeneratorError):
    """A template produced text that is not valid Python: a template bug, not a spec problem."""

    exit_code = 3


def format_files(files: dict[str, str], cache: Cache | None = None, formatted_already: Collection[str] = ()) -> dict[str, str]:
    """Format every `.py` file; other files, and those in `formatted_already` (the runtime's
    verbatim copies), pass through unchanged."""
    cache = cache or Cache()
    python = {path: text for path, text in files.items() if path.endswith(".py") and path not in formatted_already}
    keys = {path: _key(text) for path, text in python.items()} if cache.enabled else {}
    formatted: dict[str, str] = {}
    for path, key in keys.items():
        hit = cache.get("format", key)
        try:
            if hit is not None:
                formatted[path] = hit.decode("utf-8")
        except UnicodeDecodeError:
            pass  # not what this code stores: format again
    todo = {path: text for path, text in python.items() if path not in formatted}
    if todo:
        fresh = _format_in_parallel(todo)
        for path, text in fresh.items():
            if path in keys:
                cache.put("format", keys[path], text.encode("utf-8"))
        formatted.update(fresh)
    return {path: formatted.get(path, text) for path, text in files.items()}


def black_version() -> str:
    try:  # black's own one-line version module: far cheaper than importing black or its metadata
        from _black_version import version  # type: ignore[import-untyped]
    except ImportError:
        return versions("black")
    return str(version)


def _key(text: str) -> str:
    return digest("black", black_version(), f"line-length={LINE_LENGTH} target={TARGET}", text)


def _format_in_parallel(texts: dict[str, str]) -> dict[str, str]:
    import black  # noqa: F401 - imported before forking, so every worker starts with it loaded

    # black makes many short-lived objects; the collector need not walk the long-lived ones (the
    # spec, the model) at each of its passes: 10% of black's time on the official spec
    gc.freeze()
    try:
        return _format_shared(texts)
    finally:
        gc.unfreeze()


def _format_shared(texts: dict[str, str]) -> dict[str, str]:
    """`texts` formatted by this process and, when it pays, forked workers: each worker starts
    with one of the costliest files (so this process, which holds the most memory, never formats
    the costliest), then all take the remaining files in turn, costliest first, until none are
    left. A worker that fails leaves its files to this process."""
    count = workers() if can_fork() and sum(map(len, texts.values())) >= PARALLEL_MIN_CHARS else 1
    if count == 1:
        return _format_group(texts)
    paths = sorted(texts, key=lambda path: (-_cost(texts[path]), path))
    firsts, rest = paths[: count - 1], paths[count - 1 :]
    tickets = Tickets(len(rest))
    try:
        tasks = [Task(_format_taken, texts, [first], rest, tickets) for first in firsts]
        try:
            result = _format_taken(texts, [], rest, tickets)
            for task in tasks:
                result.update(task.result())
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
    finally:
        tickets.close()
    left = {path: texts[path] for path in paths if path not in result}  # a failed worker's
    return {**result, **_format_group(left)}


def _cost(text: str) -> int:
    """Roughly how long black takes over `text`: it grows with the expressions it has to lay out,
    which commas count far better than characters do (docstrings are long but cheap)."""
    return text.count(",")


def _format_taken(texts: dict[str, str], firsts: list[str], rest: list[str], tickets: Tickets) -> dict[str, str]:
    formatted = _format_group({path: texts[path] for path in firsts})
    for ticket in tickets:  # one at a time: the next is taken only once this one is done
        formatted.update(_format_group({path: texts[path] for path in rest[ticket::tickets.count]}))
    return formatted


def _format_group(texts: dict[str, str]) -> dict[str, str]:
    import black  # imported late: black is slow to import and not needed for --help or validate
    from black.mode import TargetVersion
    from black.parsing import InvalidInput

    mode = black.Mode(target_versions={TargetVersion[TARGET.upper()]}, line_length=LINE_LENGTH)
    formatted = {}
    for path, text in texts.items():
        try:
            formatted[path] = black.format_str(text, mode=mode)
        except InvalidInput as exc:
            raise TemplateOutputError(f"{path}: the templates produced invalid Python: {_excerpt(text, exc)}") from None
    return formatted


def _excerpt(text: str, exc: Exception) -> str:
    message = str(exc).splitlines()[0]
    try:  # black says "Cannot parse for target version ...: LINE:COLUMN: source"
        line = int(message.split(": ")[1].split(":")[0])
    except (IndexError, ValueError):
        return message
    lines = text.splitlines()
    shown = "\n".join(f"  {n:>4} | {lines[n - 1]}" for n in range(max(1, line - 2), min(len(lines), line + 2) + 1))
    return f"{message}\n{shown}"
