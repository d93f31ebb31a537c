"""Stage 5: format generated Python with black, in-process.

Black is pinned to one major version (its stable style changes only in the first release of each
year), so the same input gives the same bytes on every machine. A template that renders invalid
Python is reported with the file and the offending lines, never as black's raw traceback.
"""

from __future__ import annotations

from .errors import GeneratorError

LINE_LENGTH = 88


class TemplateOutputError(GeneratorError):
    """A template produced text that is not valid Python: a template bug, not a spec problem."""

    exit_code = 3


def format_files(files: dict[str, str]) -> dict[str, str]:
    """Format every `.py` file; other files pass through unchanged."""
    import black  # imported late: black is slow to import and not needed for --help or validate
    from black.mode import TargetVersion
    from black.parsing import InvalidInput

    mode = black.Mode(target_versions={TargetVersion.PY311}, line_length=LINE_LENGTH)
    formatted = {}
    for path, text in files.items():
        if not path.endswith(".py"):
            formatted[path] = text
            continue
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
