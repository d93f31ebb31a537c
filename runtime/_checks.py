"""Argument types, checked before anything is sent.

A value a generated method's signature cannot take (`date_start="yesterday"` for an `int`,
`title=["a", "b"]` for a `str`, a bare mapping for a list of users) is a `TypeError` naming the
method, the argument, the type it takes and the type it was given (never the value, which may be a
secret), rather than a request Slack misreads or answers with a vague error.

The generator gives each `Endpoint` a code per typed argument: atoms joined by `|`, such as `int`,
`str|list[str]` (a `Sequence[str]`, which a str also is) or `list|json` (a JSON list of users, or
the string you encoded yourself). Arguments typed `Any`, files (see `_multipart`), recursive
aliases and the spec's unions of shapes carry no code and are not checked; neither are `api_call`'s
arguments nor `extra_args`. Checking is a set lookup per argument, an `isinstance` or two for
subclasses (enums, models, mappings), and a loop over a list of scalars.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._models import Model

# atom: (accepted types, what the message calls it)
_ATOMS: dict[str, tuple[tuple[type, ...], str]] = {
    "str": ((str,), "str"),
    "json": ((str,), "a JSON str"),
    "int": ((int,), "int"),
    "float": ((float, int), "float"),
    "bool": ((bool,), "bool"),
    "list": ((list, tuple), "a list or tuple"),
    "map": ((dict, Mapping), "a mapping"),
    "model": ((dict, Model, Mapping), "a model or a mapping"),
}
_SEQUENCES = (list, tuple)


class ArgumentCheck:
    """What one argument accepts: some types (bool only where said, though it is an int), and
    for a list of scalars, the type of its items."""

    __slots__ = (
        "accepted",
        "exact",
        "expected",
        "items",
        "items_bool",
        "name",
        "no_bool",
    )

    def __init__(self, code: str, name: str) -> None:
        self.name = name  # as the caller typed it: the Python name
        accepted: list[type] = []
        expected: list[str] = []
        items: list[type] = []
        for atom in code.split("|"):
            if atom.startswith("list[") and atom.endswith("]"):
                item_types, item_name = _ATOMS[atom[5:-1]]
                items += item_types
                accepted += _SEQUENCES
                expected.append(f"a list or tuple of {item_name}")
            else:
                types, description = _ATOMS[atom]
                accepted += types
                expected.append(description)
        self.accepted = tuple(dict.fromkeys(accepted))
        # the concrete types accepted as they are, found with one set lookup
        self.exact = frozenset(kind for kind in self.accepted if kind is not Mapping)
        self.no_bool = bool not in self.accepted  # bool is an int, never taken for one
        self.items = tuple(dict.fromkeys(items)) or None
        self.items_bool = bool in items
        self.expected = (
            expected[0]
            if len(expected) == 1
            else ", ".join(expected[:-1]) + ", or " + expected[-1]
        )

    def __call__(self, method: str, value: Any) -> None:
        """Raise TypeError unless `value` (not None) is what the argument takes."""
        kind = type(value)
        if kind not in self.exact and (
            not isinstance(value, self.accepted) or (kind is bool and self.no_bool)
        ):
            raise TypeError(
                f"{method}: {self.name} takes {self.expected}, not {kind.__name__}"
            )
        if self.items is not None and kind is not str:
            for item in value:
                item_kind = type(item)
                if not isinstance(item, self.items) or (
                    item_kind is bool and not self.items_bool
                ):
                    raise TypeError(
                        f"{method}: {self.name} takes {self.expected}, not a "
                        f"{kind.__name__} holding {item_kind.__name__}"
                    )


def compiled(
    types: Mapping[str, str], names: Mapping[str, str]
) -> dict[str, ArgumentCheck]:
    """Each argument's check by wire name, named as the caller typed it."""
    return {
        wire: ArgumentCheck(code, names.get(wire, wire)) for wire, code in types.items()
    }


def check_arguments(
    method: str, checks: Mapping[str, ArgumentCheck], arguments: Mapping[str, Any]
) -> None:
    """Refuse, before anything is sent, an argument of a type its method does not take."""
    for wire, check in checks.items():
        value = arguments.get(wire)
        # most values are of a type taken as it is: one set lookup, no call
        if value is not None and (
            type(value) not in check.exact or check.items is not None
        ):
            check(method, value)
