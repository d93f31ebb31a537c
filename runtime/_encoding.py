"""Slack's wire conventions: how arguments become a request's URL, body and credentials.

- A form field holding structure (an object, a model, a list holding objects or lists) is one JSON
  string; so is every field the spec documents as JSON (`json_fields`), whatever it is given as. A
  string is sent as given; for a JSON field it must already be JSON (`'[{"slack_id": "U1"}]'`), so
  a bare `users="U1"` is a `TypeError` before anything is sent, not a request Slack misreads.
- A list of scalars is joined with commas (`users=["U1", "U2"]` -> `U1,U2`), as Slack reads lists.
- Booleans are `true`/`false`; enums their value; numbers as Python writes them.
- Text goes as UTF-8: a str holding a lone surrogate (`"\\ud800"`), which has none, is a
  `ValueError` naming the argument before anything is sent.
- JSON bodies carry the arguments as native JSON.
- Nothing holding JSON or a secret goes in a URL: the generator sends such methods as POST forms,
  and `api_call` does the same when asked for a GET with such arguments (JSON given as a
  structure or as a string that is a JSON object or array).
- OAuth exchanges send `client_id`/`client_secret` as HTTP Basic authentication (RFC 6749 2.3.1).
"""

from __future__ import annotations

import json
from base64 import b64encode
from collections.abc import Mapping
from enum import Enum
from typing import Any
from urllib.parse import quote

from ._models import Model, to_json

# Arguments that are credentials: never put in a URL, and masked in what the client says.
SECRET_ARGUMENTS = frozenset(
    {"client_secret", "code", "code_verifier", "refresh_token", "token"}
)
BASIC_CREDENTIALS = ("client_id", "client_secret")

_QUOTED_NAMES: dict[str, str] = {}


def form(
    arguments: Mapping[str, Any], json_fields: tuple[str, ...] | frozenset[str]
) -> str:
    """`arguments` (None means absent) as an urlencoded form or query string."""
    try:
        return "&".join(
            f"{_quoted(key)}={quote(form_value(key, value, json_fields), safe='')}"
            for key, value in arguments.items()
            if value is not None
        )
    except UnicodeEncodeError:
        for key, value in arguments.items():
            if value is not None:
                utf8(key, key)
                utf8(key, form_value(key, value, json_fields))
        raise


def utf8(name: str, text: str) -> bytes:
    """`text` as UTF-8; a str holding a lone surrogate has none, and is refused as a
    ValueError naming the argument (never showing its value, which may be a secret)."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        raise ValueError(
            f"{name!r} holds a lone surrogate (such as '\\ud800'), which cannot be "
            "sent as UTF-8"
        ) from None


def json_body(arguments: Mapping[str, Any]) -> bytes:
    fields = {key: value for key, value in arguments.items() if value is not None}
    return json.dumps(to_json(fields), separators=(",", ":")).encode()


def form_value(
    key: str, value: object, json_fields: tuple[str, ...] | frozenset[str]
) -> str:
    """One argument's text in a form or query string."""
    if type(value) is str:
        if key in json_fields:
            _check_encoded(key, value)
        return value
    kind = type(value)
    if key in json_fields:
        return json.dumps(to_json(value), separators=(",", ":"))
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return str(value)
    if structured(value):
        return json.dumps(to_json(value), separators=(",", ":"))
    if isinstance(value, (list, tuple)):
        return ",".join(_scalar(item) for item in value)
    return _scalar(value)


def _check_encoded(key: str, value: str) -> None:
    """An already-encoded JSON argument: it must parse, else the caller meant something else."""
    try:
        json.loads(value)
    except ValueError:
        raise TypeError(
            f"{key} is sent as JSON and takes a list, a mapping, a model or a JSON "
            f"string, not {value[:40]!r}"
        ) from None


def structured(value: Any) -> bool:
    """Whether a value can only be sent as JSON: an object, a model, or a list holding either."""
    if isinstance(
        value, (dict, Mapping, Model)
    ):  # dict first: much quicker than the ABC
        return True
    if isinstance(value, (list, tuple)):
        return any(
            isinstance(item, (dict, list, tuple, Mapping, Model)) for item in value
        )
    return False


def basic_credentials(arguments: dict[str, Any]) -> str | None:
    """The `Authorization` value of an OAuth exchange, taking `client_id` and `client_secret` out of
    `arguments`; None (and both left in place, for the form body) unless both are given.
    """
    client_id, client_secret = (arguments.get(name) for name in BASIC_CREDENTIALS)
    if client_id is None or client_secret is None:
        return None
    del arguments["client_id"], arguments["client_secret"]
    # RFC 6749 2.3.1: each part form-urlencoded, then joined and base64-encoded
    pair = ":".join(
        quote(utf8(name, str(value)), safe="")
        for name, value in zip(BASIC_CREDENTIALS, (client_id, client_secret))
    )
    return "Basic " + b64encode(pair.encode()).decode("ascii")


def secret_values(arguments: Mapping[str, Any]) -> tuple[str, ...]:
    """The credentials among a call's arguments (an OAuth exchange's `client_secret`, `code`,
    the token it exchanges), which the client masks wherever it masks its own token."""
    return tuple(
        value
        for key, value in arguments.items()
        if key in SECRET_ARGUMENTS and isinstance(value, str) and value
    )


def belongs_in_body(arguments: Mapping[str, Any]) -> bool:
    """Whether any argument holds JSON or a secret, which must not travel in a URL: JSON given
    as a structure, or already encoded as a string (`view='{"type": "modal"}'`)."""
    return any(
        value is not None
        and (
            key in SECRET_ARGUMENTS
            or (_encoded_json(value) if type(value) is str else structured(value))
        )
        for key, value in arguments.items()
    )


def _encoded_json(text: str) -> bool:
    """Whether a string is a JSON object or array (other text, even `[draft]`, is not)."""
    if not text.lstrip().startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    return str(to_json(value))  # refuses what JSON cannot hold


def _quoted(name: str) -> str:
    """A field name as it appears in a form; the same few names recur, so each is quoted once."""
    quoted = _QUOTED_NAMES.get(name)
    if quoted is None:
        quoted = _QUOTED_NAMES[name] = quote(name, safe="")
    return quoted
