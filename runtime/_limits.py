"""Rate limits before the 429: every call waits for a slot of its method's Slack rate.

Slack limits each Web API method per workspace and per app, by tier: Tier 1 about 1 call a
minute, Tier 2 20, Tier 3 50, Tier 4 100 (Slack's published minimums; some methods, such as
`chat.postMessage`, have a special rule of their own, such as one message a second per channel).
The limits are the same for every token of an app in a workspace, so the client keys its
bookkeeping by that identity, derived from the token by a keyed hash (`RateLimits.identity_of`;
the token itself is never stored), by method, and for a rule per argument (`Rate.key`) by a
keyed hash of that argument's value.

The model is a sliding window per key: at most `Rate.limit` calls in any `Rate.per` seconds,
where a call holds its slot from the moment it may be sent until `per` seconds after its answer
came (or it failed): the answer comes after Slack counted the call, so however long calls take
to reach Slack, no `per` seconds of Slack's clock see more than `limit` of them. A call reserves
the next free slot (now, if the window has room) and sleeps until it, so an idle client never
waits for its first `limit` calls. A slot further away than the call may wait raises
`SlackRateLimitedError` at once, without sending. When Slack answers 429 anyway (another app,
another process without shared limits, a stricter rule), its `Retry-After` pauses the key for
every caller of the limiter, and callers already holding a slot take a new one after the pause.

Where the windows live is the `Limiter`'s business: `LocalLimiter` (the default) keeps them in
this process, shared by the threads of a `Client` and the tasks of an `AsyncClient`;
`RedisLimiter` (`_redis.py`) keeps them on a Redis server, shared by any number of processes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Protocol, runtime_checkable

Tier = Literal[1, 2, 3, 4, "special"]
# The secret of the keyed hash that turns a token into its identity. Every process sharing a
# Redis server must use the same one; set your own (`RateLimits(secret=...)`) so that no one
# who reads the keys can test a guessed token against them.
DEFAULT_SECRET = b"slack-rate-limits/1"


@dataclass(frozen=True, slots=True)
class Rate:
    """At most `limit` calls in any `per` seconds; with a `key`, for each value of that
    argument apart (`Rate(1, per=1.0, key="channel")`: one message a second to each channel).
    """

    limit: int
    per: float = 60.0
    key: str | None = None

    def __post_init__(self) -> None:
        if (
            isinstance(self.limit, bool)
            or not isinstance(self.limit, int)
            or self.limit < 1
        ):
            raise ValueError(
                f"Rate.limit must be a whole number >= 1, not {self.limit!r}"
            )
        if not 0 < self.per < math.inf:
            raise ValueError(
                f"Rate.per must be a positive, finite number of seconds, not {self.per!r}"
            )
        if self.key is not None and not (isinstance(self.key, str) and self.key):
            raise ValueError(
                f"Rate.key must be an argument's name or None, not {self.key!r}"
            )

    def __str__(self) -> str:
        apart = f" per {self.key}" if self.key is not None else ""
        return f"{self.limit} per {self.per:g} s{apart}"


# A pause found still running by less than this after sleeping to a slot is over: the limiter's
# clock (Redis's, for `RedisLimiter`) and this process's sleep may differ by a hair.
_CLOCK_TOLERANCE = 0.002

# A call in flight longer than this no longer holds its slot: it was lost without a word (a
# process killed mid-call, with its slots on Redis), and must not hold the budget for ever.
HOLD_LIMIT = 120.0
# How soon to ask again for a slot when every slot is held by calls still in flight.
POLL = 0.01

# Slack's published rates per tier (https://docs.slack.dev/apis/web-api/rate-limits): minimums,
# so a client that keeps to them is never refused for its own calls. `special` methods have a
# rule of their own: the generated `Endpoint.rate` where Slack documents one as a rate
# (`x-slack-rate-limit`), else no default rate: only Retry-After pauses apply.
TIER_RATES: Mapping[int | str, Rate] = MappingProxyType(
    {1: Rate(1), 2: Rate(20), 3: Rate(50), 4: Rate(100)}
)


@runtime_checkable
class Limiter(Protocol):
    """Where the windows and pauses live. Keys are opaque strings (identity and method); a
    limiter never sees a token. Every method must be safe to call from many threads and quick:
    the client sleeps, not the limiter. An `AsyncClient` awaits `aacquire`, `arelease` and
    `apaused` instead where the limiter has them (coroutines with the same meaning), so a
    limiter that does I/O need not block the event loop."""

    def acquire(
        self, key: str, rate: Rate, max_wait: float
    ) -> tuple[float, str | None]:
        """Reserve the next slot of `key`: (seconds until it, a ticket for `release`).
        (seconds, None) reserves nothing: beyond `max_wait` the slot is too far; within it,
        every slot is held by calls in flight, so ask again after those seconds."""
        ...

    def release(self, key: str, rate: Rate, ticket: str) -> None:
        """The call holding `ticket` is over (answered, failed, or never sent): its slot
        frees `rate.per` seconds from now."""
        ...

    def pause(self, key: str, seconds: float) -> None:
        """Slack asked to wait (`Retry-After`): hold every call of `key` for `seconds`."""
        ...

    def paused(self, key: str) -> float:
        """Seconds left of a pause of `key` (0 if none)."""
        ...


class _Window:
    """One key's slots: the calls holding one (ticket -> start) and when finished ones free."""

    __slots__ = ("frees", "held", "last")

    def __init__(self) -> None:
        self.held: dict[str, float] = {}
        self.frees: list[float] = []  # sorted
        self.last = 0.0  # the latest slot given: calls go in order


class LocalLimiter:
    """The windows of this process, behind one lock; the default limiter.

    Thread-safe and never blocking (the caller sleeps, not the limiter), so one instance may
    serve blocking and async clients, in any number of threads and event loops.
    """

    def __init__(self) -> None:
        import itertools
        import threading  # loaded with the first limiter, not with the package

        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}
        self._pauses: dict[str, float] = {}
        self._tickets = itertools.count()
        self._next_sweep = 0.0

    def __repr__(self) -> str:
        return f"LocalLimiter({len(self._windows)} keys)"

    def acquire(
        self, key: str, rate: Rate, max_wait: float
    ) -> tuple[float, str | None]:
        now = time.monotonic()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            window = self._windows.get(key)
            if window is None:
                window = self._windows[key] = _Window()
            _expire(window, now)
            free = rate.limit - len(window.held)
            if free <= 0:
                return min(POLL, max_wait), None
            slot = max(now, self._pauses.get(key, 0.0), window.last)
            if len(window.frees) >= free:
                slot = max(slot, window.frees[-free])
            wait = slot - now
            if wait > max_wait:
                return wait, None
            ticket = f"l{next(self._tickets)}"
            window.held[ticket] = slot
            window.last = slot
            return wait, ticket

    def release(self, key: str, rate: Rate, ticket: str) -> None:
        import bisect

        frees = time.monotonic() + rate.per
        with self._lock:
            window = self._windows.setdefault(key, _Window())
            window.held.pop(ticket, None)
            bisect.insort(window.frees, frees)
            del window.frees[: -rate.limit]  # only the latest `limit` can matter

    def hold(self, key: str, ticket: str, wait: float) -> None:
        """Record a slot reserved elsewhere (on Redis), `wait` seconds from now: should that
        store fail, this window carries on from it."""
        slot = time.monotonic() + wait
        with self._lock:
            window = self._windows.setdefault(key, _Window())
            window.held[ticket] = slot
            window.last = max(window.last, slot)

    def pause(self, key: str, seconds: float) -> None:
        until = time.monotonic() + seconds
        with self._lock:
            if until > self._pauses.get(key, 0.0):
                self._pauses[key] = until

    def paused(self, key: str) -> float:
        return max(0.0, self._pauses.get(key, 0.0) - time.monotonic())

    def _sweep(self, now: float) -> None:
        """Forget keys whose windows and pauses are long over, so memory stays bounded."""
        for key, window in list(self._windows.items()):
            _expire(window, now)
            if not window.held and not window.frees and window.last < now:
                del self._windows[key]
        for key in [key for key, until in self._pauses.items() if until < now]:
            del self._pauses[key]
        self._next_sweep = now + 60.0


def _expire(window: _Window, now: float) -> None:
    """Drop the slots that are free again, and calls lost in flight (see `HOLD_LIMIT`)."""
    if window.frees and window.frees[0] <= now:
        import bisect

        del window.frees[: bisect.bisect_right(window.frees, now)]
    if window.held and min(window.held.values()) < now - HOLD_LIMIT:
        for ticket in [
            t for t, start in window.held.items() if start < now - HOLD_LIMIT
        ]:
            del window.held[ticket]
