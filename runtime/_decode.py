"""Checked conversion of decoded JSON into the declared Python types.

Each decoder takes a value and its path in the response (for messages like
`call.users[0].slack_id: expected a string, got 5`) and returns it typed, or raises
`DecodeError`. Fields the spec does not declare are kept in each model's `raw`, never dropped.

Tolerance: inside `tolerant(...)` (how the clients decode a successful call unless `strict`), a
model field whose value does not match its declared type, or a required field that is missing,
becomes None instead of raising; the value stays in the model's `raw`, and the mismatch is
recorded. Everywhere else (`Model.decode` called directly, `strict=True`) decoding raises.

A value nested deeper than Python's recursion limit lets decoding go (JSON parses far deeper) is
a mismatch like any other (`TOO_DEEP`): the field holding it is None, or `DecodeError` is raised.
"""

from __future__ import annotations

import enum as _enum
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar, cast

T = TypeVar("T")
E = TypeVar("E", bound=_enum.Enum)
Decoder = Callable[[Any, str], T]


MISSING = (
    "<missing>"  # `got` of a required field that is absent (not null: that is `None`)
)
TOO_DEEP = "a value nested less deeply (the recursion limit was reached)"
_ABSENT: Any = object()  # what `required` finds for an absent field


@dataclass(frozen=True)
class Mismatch:
    """A response value that does not match the spec: where, what the spec says, what came."""

    path: str  # `call.users[0].slack_id`
    expected: str  # `a string`
    got: str  # an excerpt of the value's JSON, or MISSING

    def __str__(self) -> str:
        where = self.path or "response"
        if self.got == MISSING:
            return f"{where}: expected {self.expected}, but the field is missing"
        return f"{where}: expected {self.expected}, got {self.got}"


class DecodeError(ValueError):
    """A response field does not have the declared type, or a required one is missing."""

    def __init__(
        self, path: str, expected: str, value: Any, *, missing: bool = False
    ) -> None:
        self.path = path
        if missing:
            shown = MISSING
        elif expected == TOO_DEEP:  # its repr could be too deep as well
            shown = "[...]" if isinstance(value, list) else "{...}"
        else:
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        self.mismatch = Mismatch(path, expected, shown)
        super().__init__(str(self.mismatch))


# The mismatches of the tolerant decoding in progress; None: raise at the first one.
_RECORDED: ContextVar[list[Mismatch] | None] = ContextVar("mismatches", default=None)


def tolerant(decode: Callable[[], T]) -> tuple[T, tuple[Mismatch, ...]]:
    """Run `decode` with mismatched fields set to None and recorded, not raised."""
    recorded: list[Mismatch] = []
    reset = _RECORDED.set(recorded)
    try:
        return decode(), tuple(recorded)
    finally:
        _RECORDED.reset(reset)


def _tolerated(error: DecodeError) -> None:
    """Record `error` when decoding tolerantly; raise it otherwise."""
    recorded = _RECORDED.get()
    if recorded is None:
        raise error
    recorded.append(error.mismatch)


def string(value: Any, path: str) -> str:
    if isinstance(value, str):
        return value
    raise DecodeError(path, "a string", value)


def integer(value: Any, path: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise DecodeError(path, "an integer", value)


def number(value: Any, path: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise DecodeError(path, "a number", value)


def boolean(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    raise DecodeError(path, "a boolean", value)


def anything(value: Any, path: str) -> Any:
    return value


def mapping(value: Any, path: str) -> Mapping[str, Any]:
    # dict first: much quicker than the ABC check
    if isinstance(value, (dict, Mapping)):
        return value
    raise DecodeError(path, "an object", value)


def list_of(item: Decoder[T]) -> Decoder[list[T]]:
    def decode_list(value: Any, path: str) -> list[T]:
        if not isinstance(value, list):
            raise DecodeError(path, "an array", value)
        return [
            item(element, f"{path}[{index}]") for index, element in enumerate(value)
        ]

    return decode_list


def map_of(item: Decoder[T]) -> Decoder[dict[str, T]]:
    def decode_map(value: Any, path: str) -> dict[str, T]:
        return {
            key: item(element, f"{path}.{key}")
            for key, element in mapping(value, path).items()
        }

    return decode_map


def enum(cls: type[E]) -> Decoder[E | str]:
    """Known values become members; a value added to Slack later stays a plain string."""

    def decode_enum(value: Any, path: str) -> E | str:
        text = string(value, path)
        try:
            return cls(text)
        except ValueError:
            return text

    return decode_enum


def one_of(*options: Decoder[Any]) -> Decoder[Any]:
    """The first option that accepts the value."""

    def decode_union(value: Any, path: str) -> Any:
        # each option is tried strictly: a tolerated mismatch would make any object fit
        strict = _RECORDED.set(None)
        try:
            for option in options:
                try:
                    return option(value, path)
                except DecodeError:
                    continue
        finally:
            _RECORDED.reset(strict)
        raise DecodeError(path, "one of the documented shapes", value)

    return decode_union


# Decoders that return a value of exactly this type unchanged: such a value is taken as it is,
# without a call or the field's path (a typical page of messages decodes 12% faster).
_TAKEN_AS_IS: dict[Decoder[Any], type] = {
    string: str,
    integer: int,
    boolean: bool,
    number: float,
}


def required(data: Mapping[str, Any], key: str, decoder: Decoder[T], path: str) -> T:
    value = data.get(key, _ABSENT)
    if type(value) is _TAKEN_AS_IS.get(decoder):
        return cast(T, value)
    where = f"{path}.{key}" if path else key
    if value is _ABSENT:
        _tolerated(
            DecodeError(where, "a value (the field is required)", None, missing=True)
        )
        return None  # type: ignore[return-value]  # tolerated: the field is None
    try:
        return decoder(value, where)
    except DecodeError as exc:
        _tolerated(exc)
        return None  # type: ignore[return-value]
    except RecursionError:  # caught where raised: the deepest field is the mismatch
        _tolerated(DecodeError(where, TOO_DEEP, value))
        return None  # type: ignore[return-value]


def optional(
    data: Mapping[str, Any], key: str, decoder: Decoder[T], path: str
) -> T | None:
    value = data.get(key)
    if value is None or type(value) is _TAKEN_AS_IS.get(decoder):
        return cast("T | None", value)
    where = f"{path}.{key}" if path else key
    try:
        return decoder(value, where)
    except DecodeError as exc:
        _tolerated(exc)
        return None
    except RecursionError:
        _tolerated(DecodeError(where, TOO_DEEP, value))
        return None
