"""Checked conversion of decoded JSON into the declared Python types.

Each decoder takes a value and its path in the response (for messages like
`call.users[0].slack_id: expected a string, got 5`) and returns it typed, or raises
`DecodeError`. Fields the spec does not declare are kept in each model's `raw`, never dropped.
"""

from __future__ import annotations

import enum as _enum
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")
E = TypeVar("E", bound=_enum.Enum)
Decoder = Callable[[Any, str], T]


class DecodeError(ValueError):
    """A response field does not have the declared type."""

    def __init__(self, path: str, expected: str, value: Any) -> None:
        self.path = path
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        super().__init__(f"{path or 'response'}: expected {expected}, got {shown}")


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
        for option in options:
            try:
                return option(value, path)
            except DecodeError:
                continue
        raise DecodeError(path, "one of the documented shapes", value)

    return decode_union


def required(data: Mapping[str, Any], key: str, decoder: Decoder[T], path: str) -> T:
    where = f"{path}.{key}" if path else key
    if key not in data:
        raise DecodeError(where, "a value (the field is required)", None)
    return decoder(data[key], where)


def optional(
    data: Mapping[str, Any], key: str, decoder: Decoder[T], path: str
) -> T | None:
    value = data.get(key)
    if value is None:
        return None
    return decoder(value, f"{path}.{key}" if path else key)
