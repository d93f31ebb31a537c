"""Python names for spec names: decided once, here, so every template agrees.

Slack names are camelCase segments joined by dots (`admin.conversations.restrictAccess.addGroup`);
Python wants snake_case attributes and PascalCase classes. Anything that is not a valid identifier
becomes one (invalid characters to `_`, a leading digit prefixed, keywords get a trailing `_`), and
callers check the results for collisions.
"""

from __future__ import annotations

import keyword
import re

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_INVALID = re.compile(r"[^0-9a-zA-Z_]+")


def snake_case(name: str) -> str:
    """`postMessage` -> `post_message`, `getURLInfo` -> `get_url_info`, `from` -> `from_`."""
    words = _INVALID.sub("_", _WORD_BOUNDARY.sub("_", name)).strip("_").lower()
    return identifier(re.sub("_+", "_", words))


def pascal_case(name: str) -> str:
    """`call_user` -> `CallUser`, `objs.conversation` -> `ObjsConversation`."""
    parts = _INVALID.sub("_", _WORD_BOUNDARY.sub("_", name)).split("_")
    return identifier("".join(part[:1].upper() + part[1:] for part in parts if part))


def constant_case(name: str) -> str:
    """Enum member names: `in-progress` -> `IN_PROGRESS`."""
    return identifier(snake_case(name).upper())


def python_name(wire_name: str, reserved: frozenset[str] = frozenset()) -> str:
    """An argument or field name for a wire name, snake_case like the methods: `thread_ts` stays,
    `includeLocale` -> `include_locale`, `X-Count` -> `x_count`; keywords and `reserved` names get a
    trailing `_` (`from` -> `from_`)."""
    return identifier(snake_case(wire_name), reserved)


def identifier(name: str, reserved: frozenset[str] = frozenset()) -> str:
    """Make `name` a usable Python identifier (ASCII, not a keyword, not in `reserved`)."""
    name = _INVALID.sub("_", name) or "_"
    if name.startswith("__"):  # dunders and class-private names would change meaning in a class body
        name = name.strip("_") or "_"
    if name[0].isdigit():
        name = "_" + name
    if keyword.iskeyword(name) or name in reserved:
        name += "_"
    return name
