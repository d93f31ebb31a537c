"""Keeping secrets out of text: messages, log records, reprs.

A server may echo the token anywhere (an error page, a reason phrase, a header, a warning), and
the client may cut what it shows (a 200-byte excerpt, a 40-character value), so replacing the
whole token is not enough: any run of `FRAGMENT` or more characters of a secret is replaced.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

FRAGMENT = 8  # a run this long of a secret is replaced, wherever it is cut
MASK = "<token>"


def scrub(text: str, secret: str | None) -> str:
    """`text` with `secret`, and every run of `FRAGMENT` or more of its characters, masked."""
    return scrub_all(text, (secret,) if secret else ())


def scrub_all(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with each of `secrets` masked as `scrub` does. The runs of all secrets are found in
    the original text before any is masked: masking one secret first could cut a run of another
    that shares characters with it short of `FRAGMENT`, and so leave it showing."""
    if not text:
        return text
    spans: list[tuple[int, int]] = []
    for secret in secrets:
        if not secret:
            continue
        start = text.find(secret)
        while start >= 0:
            spans.append((start, start + len(secret)))
            start = text.find(secret, start + 1)
        if len(secret) >= FRAGMENT:
            grams = _grams(secret)
            spans.extend(
                (start, start + FRAGMENT)
                for start in range(len(text) - FRAGMENT + 1)
                if text[start : start + FRAGMENT] in grams
            )
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + MASK + text[end:]
    return text


def leaks(text: str, secret: str | None) -> bool:
    """Whether `text` shows `secret` or a long-enough run of it."""
    return bool(secret) and scrub(text, secret) != text


_GRAMS: dict[str, frozenset[str]] = {}


def _grams(secret: str) -> frozenset[str]:
    grams = _GRAMS.get(secret)
    if grams is None:
        grams = frozenset(
            secret[i : i + FRAGMENT] for i in range(len(secret) - FRAGMENT + 1)
        )
        if len(_GRAMS) < 64:
            _GRAMS[secret] = grams
    return grams


class SecretFilter:
    """Masks registered secrets in every record of the loggers it is added to; for loggers the
    client does not own (httpx, httpcore), which may log what a server sent. (A logging filter
    need only have this `filter` method, so `logging` is not imported until it is used.)
    """

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str) -> None:
        if secret not in self._secrets:
            with self._lock:
                self._secrets = self._secrets | {secret}

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._secrets
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # cannot be formatted: let logging report it
            return True
        scrubbed = scrub_all(message, tuple(secrets))
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


TRANSPORT_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
SECRETS = SecretFilter()


def guard_transport_loggers() -> None:
    """Add `SECRETS` to the loggers of httpx and httpcore (a filter is not inherited, so each)."""
    import logging

    for name in TRANSPORT_LOGGERS:
        logger = logging.getLogger(name)
        if SECRETS not in logger.filters:
            logger.addFilter(SECRETS)
