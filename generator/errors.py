"""Errors the generator reports to its user, as values with a place.

Every failure caused by the input (a broken file, an invalid spec, a construct the generator cannot
express) is a `SpecError`: the CLI prints it as one line naming the file and the location and exits
2. Anything else escaping the pipeline is a bug in the generator itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, at one place."""

    message: str
    file: str = ""
    pointer: str = ""  # JSON pointer into the document, such as /paths/~1calls.add/post
    line: int | None = None  # 1-based, when the loader knows it
    column: int | None = None

    def __str__(self) -> str:
        place = self.file
        if self.line is not None:
            place += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        if self.pointer:
            place += f" at {self.pointer}" if place else self.pointer
        return f"{place}: {self.message}" if place else self.message


class GeneratorError(Exception):
    """Base of the errors the CLI turns into a message and an exit code."""

    exit_code = 2


class SpecError(GeneratorError):
    """The input cannot be turned into a client; carries every problem found."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class UsageError(GeneratorError):
    """The command line or configuration asks for something impossible."""


class OutputError(GeneratorError):
    """The output directory cannot be written; nothing in it was changed."""


def parse_pointer(text: str) -> tuple[str, ...]:
    """The parts of a JSON pointer: `/paths/~1calls.add` -> ("paths", "/calls.add")."""
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in text.split("/")[1:])


def pointer(*parts: object) -> str:
    """Build a JSON pointer (RFC 6901) from path parts."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)
