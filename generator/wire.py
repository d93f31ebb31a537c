"""Slack's wire conventions, decided per argument and method while building the model.

- An argument travels as one JSON string when the spec declares it so (`encoding: {contentType:
  application/json}` on a form field, `content: application/json` on a query parameter), when it is
  structured (an object, or a list of objects), or when it is a string the spec describes as JSON
  (Slack's 2020 spec says "A JSON-based array of structured blocks" or "Key-value object of
  outputs" and declares nothing else).
- Nothing holding JSON or a secret goes in a URL: a method the spec serves over GET that takes such an
  argument is sent as a POST form (Slack accepts POST for every method), and its docs say why.
- An OAuth exchange (an operation whose security is an HTTP Basic scheme; in specs without one, an
  `oauth.*` method taking `client_id` and `client_secret`) sends those two as HTTP Basic
  authentication on a POST (RFC 6749 2.3.1), with no Bearer token; its other arguments, a `token`
  to exchange included, go in the form body.
"""

from __future__ import annotations

import re
from typing import Any

from . import model as m

# Arguments that are credentials by name (besides `format: password`): never sent in a URL. A
# `token` argument is the token an OAuth exchange exchanges (elsewhere it is the client's Bearer).
SECRET_ARGUMENTS = frozenset({"client_secret", "code", "code_verifier", "refresh_token", "token"})
# The client credentials an OAuth exchange sends as HTTP Basic authentication (RFC 6749 2.3.1).
BASIC_CREDENTIALS = ("client_id", "client_secret")
# How Slack's 2020 spec describes a string argument that holds JSON ("A JSON-based array ...",
# "Key-value object of outputs ...").
DESCRIBED_AS_JSON = re.compile(r"\bJSON\b|\b[Kk]ey-value object\b")


def json_argument(param_type: m.Type, declared: bool, description: str) -> bool:
    """Whether an argument travels as one JSON string: declared so (`encoding`/`content`), structured
    (an object, or a list of objects), or a string the spec describes as JSON (Slack's 2020 spec)."""
    if declared or isinstance(param_type, (m.ModelRef, m.MapOf, m.AliasRef)):
        return True
    if isinstance(param_type, m.ListOf):
        return not isinstance(param_type.item, (m.Primitive, m.EnumRef))
    return param_type == m.Primitive("str") and DESCRIBED_AS_JSON.search(description) is not None


def secret(name: str, schema: dict[str, Any]) -> bool:
    return name in SECRET_ARGUMENTS or schema.get("format") == "password"


def with_basic_credentials(parameters: list[m.Parameter]) -> list[m.Parameter]:
    """An OAuth exchange's client_id/client_secret, added as arguments where the spec leaves them to
    its Basic security scheme."""
    present = {p.wire_name for p in parameters}
    added = [m.Parameter(name="", wire_name=name, location="body", type=m.Primitive("str"), required=True,
                         description=f"Your app's {name.replace('_', ' ')}, sent as HTTP Basic authentication.",
                         json_encoded=False, secret=name == "client_secret")
             for name in BASIC_CREDENTIALS if name not in present]
    return parameters + added


def post_reason(parameters: list[m.Parameter], basic_auth: bool) -> str:
    """Why a GET method must go as a POST form: nothing that holds JSON or a secret goes in a URL."""
    if basic_auth:
        return "it is an OAuth exchange: the client credentials go as HTTP Basic authentication on a POST"
    json_names = [p.wire_name for p in parameters if p.json_encoded]
    secret_names = [p.wire_name for p in parameters if p.secret]
    if json_names:
        return f"`{'`, `'.join(json_names)}` hold{'s' if len(json_names) == 1 else ''} JSON, and JSON stays out of URLs"
    if secret_names:
        return f"`{'`, `'.join(secret_names)}` {'is a secret' if len(secret_names) == 1 else 'are secrets'}, " \
               "and secrets stay out of URLs"
    return ""

