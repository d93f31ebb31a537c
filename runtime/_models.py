"""Base classes of the generated models.

Models are frozen, keyword-only dataclasses. Each keeps the JSON object it was decoded from in
`raw`, so fields the spec does not describe stay reachable; responses also carry the HTTP status
and headers, the fields that did not match the spec (`mismatches`), and read like Slack's JSON:
`response["channel"]`, `response.get("ts")`, `"ts" in response`.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from . import _decode as decode
from ._decode import Mismatch
from ._errors import warning_codes


@dataclass(frozen=True, kw_only=True)
class Model:
    """Base of every generated model."""

    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The JSON object this model was decoded from (empty for models built in code)."""

    @classmethod
    def decode(cls, value: Any, path: str = "") -> Self:
        """Build the model from decoded JSON, checking every declared field's type."""
        data = value if type(value) is dict else decode.mapping(value, path)
        fields = cls._decode_fields(data, path)
        fields["raw"] = data
        return cls._from_fields(fields)

    @classmethod
    def _decode_fields(cls, data: Mapping[str, Any], path: str) -> dict[str, Any]:
        return {}

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> Self:
        """The model with every field given, built without the dataclass `__init__`, which
        sets each field of a frozen class through `object.__setattr__` and so is the slowest
        part of decoding a response."""
        model = object.__new__(cls)
        model.__dict__.update(fields)
        # a field is missing: let __init__ say which
        if len(fields) != len(cls.__dataclass_fields__):
            return cls(**fields)
        return model

    def to_dict(self) -> dict[str, Any]:
        """The JSON object for this model: unknown fields from `raw`, then every field set."""
        result = dict(self.raw)
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.name not in _BASE_FIELDS and value is not None:
                result[item.metadata.get("wire", item.name)] = to_json(value)
        return result


@dataclass(frozen=True, kw_only=True)
class SlackResponse(Model):
    """Base of the models methods return: the envelope plus how it arrived."""

    status_code: int = field(default=200, compare=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Response headers, with lower-case names."""
    mismatches: tuple[Mismatch, ...] = field(default=(), repr=False, compare=False)
    """Values that did not match the spec (each such field is None; `raw` has the value)."""

    def __getitem__(self, key: str) -> Any:
        """The response's JSON, as Slack sent it: `response["channel"]`."""
        return self.raw[key]

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def get(self, key: str, default: Any = None) -> Any:
        """`response.get("ts")`, as on Slack's JSON."""
        return self.raw.get(key, default)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Warning codes of a successful call, from `warning` and `response_metadata`."""
        return warning_codes(self.raw)

    @classmethod
    def from_response(
        cls,
        data: Mapping[str, Any],
        status_code: int,
        headers: Mapping[str, str],
    ) -> Self:
        """Build the response model from a decoded `ok: true` envelope."""
        fields = cls._decode_fields(data, "")
        fields["raw"] = data
        fields["status_code"] = status_code
        fields["headers"] = headers
        fields["mismatches"] = ()
        return cls._from_fields(fields)


_BASE_FIELDS = frozenset(item.name for item in dataclasses.fields(SlackResponse))


def to_json(value: Any) -> Any:
    """Plain JSON data for a model, enum, sequence or mapping of them."""
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    raise TypeError(f"cannot send a {type(value).__name__} to Slack")
