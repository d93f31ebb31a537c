"""Rate limits before the 429: every call waits for a slot of its method's Slack rate.

Slack limits each Web API method per workspace and per app, by tier: Tier 1 about 1 call a
minute, Tier 2 20, Tier 3 50, Tier 4 100 (Slack's published minimums; some methods, such as
`chat.postMessage`, have a special rule of their own). The limits are the same for every token
of an app in a workspace, so the client keys its bookkeeping by that identity, derived from the
token by a keyed hash (`RateLimits.identity_of`; the token itself is never stored), and by method.

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
from typing import Any, Literal, Protocol, runtime_checkable

Tier = Literal[1, 2, 3, 4, "special"]
# The secret of the keyed hash that turns a token into its identity. Every process sharing a
# Redis server must use the same one; set your own (`RateLimits(secret=...)`) so that no one
# who reads the keys can test a guessed token against them.
DEFAULT_SECRET = b"slack-rate-limits/1"


@dataclass(frozen=True, slots=True)
class Rate:
    """At most `limit` calls in any `per` seconds."""

    limit: int
    per: float = 60.0

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

    def __str__(self) -> str:
        return f"{self.limit} per {self.per:g} s"


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
# rule of their own (see each method's docs) and no default rate: only Retry-After pauses apply.
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


class RateLimits:
    """Which calls wait, how long, and where the bookkeeping lives: a client's rate-limit policy.

    Args:
        tiers: Rates per tier, merged over `TIER_RATES` (`{3: Rate(40)}` slows Tier 3 down;
            `{"special": Rate(1, per=1.0)}` gives special methods a rate; None removes one).
        methods: Rates per Slack method name, over the tier's (`{"chat.postMessage": Rate(1,
            per=1.0)}`); None leaves a method unlimited.
        limiter: Where windows and pauses live: a `LocalLimiter` (default, this process), a
            `RedisLimiter` (shared by processes and machines), or your own `Limiter`.
        identity: The workspace-and-app identity to key by, instead of one derived from each
            token (for instance `"T0123-A0456"` to share one budget between the bot and the
            user token of an app, which Slack counts together).
        secret: The key of the hash that turns a token into its identity (see `DEFAULT_SECRET`).
        margin: Seconds added to every window, for a server that counts more strictly than
            Slack (none needed for Slack: a slot is held until a window after the answer).

    Pass one instance to several clients to make them share their budgets.
    """

    def __init__(
        self,
        tiers: Mapping[int | str, Rate | None] | None = None,
        methods: Mapping[str, Rate | None] | None = None,
        *,
        limiter: Limiter | None = None,
        identity: str | None = None,
        secret: bytes = DEFAULT_SECRET,
        margin: float = 0.0,
    ) -> None:
        merged: dict[int | str, Rate | None] = {**TIER_RATES, **(tiers or {})}
        for tier, rate in merged.items():
            if tier not in (1, 2, 3, 4, "special"):
                raise ValueError(f"tiers are 1, 2, 3, 4 and 'special', not {tier!r}")
            _check_rate(f"tier {tier}", rate)
        for method, rate in (methods or {}).items():
            _check_rate(method, rate)
        if limiter is not None and not isinstance(limiter, Limiter):
            raise TypeError(
                "limiter must have acquire(), release(), pause() and paused(),"
                f" not {type(limiter).__name__}"
            )
        self.tiers: Mapping[int | str, Rate | None] = MappingProxyType(merged)
        self.methods: Mapping[str, Rate | None] = MappingProxyType(dict(methods or {}))
        self.limiter: Limiter = limiter if limiter is not None else LocalLimiter()
        self.identity = identity
        self._secret = bytes(secret)
        if not 0 < len(self._secret) <= 64:
            raise ValueError("secret must be 1 to 64 bytes")
        self._identities: dict[str | None, str] = {}
        if not 0 <= margin < math.inf:
            raise ValueError(
                f"margin must be a finite number of seconds >= 0, not {margin!r}"
            )
        self.margin = margin
        self._held: dict[tuple[str, Tier | None], Rate | None] = {}

    def __repr__(self) -> str:
        return f"RateLimits(limiter={self.limiter!r})"

    def rate_for(self, method: str, tier: Tier | None) -> Rate | None:
        """The rate a method is held to: its own, else its tier's, else none."""
        if method in self.methods:
            return self.methods[method]
        return self.tiers.get(tier) if tier is not None else None

    def identity_of(self, token: str | None) -> str:
        """The key part naming a token's workspace and app: `identity` if set, else a keyed
        BLAKE2b hash of the token (32 hex digits), from which the token cannot be recovered.
        """
        if self.identity is not None:
            return self.identity
        identity = self._identities.get(token)
        if identity is None:
            import hashlib

            digest = hashlib.blake2b(
                (token or "").encode(), key=self._secret, digest_size=16
            )
            identity = digest.hexdigest()
            if len(self._identities) < 1024:  # a client sees a handful of tokens
                self._identities[token] = identity
        return identity

    def throttle(
        self,
        token: str | None,
        method: str,
        tier: Tier | None,
        rate: Rate | None = None,
    ) -> Throttle:
        """One call's place in the limits (`rate` overrides the method's for this call)."""
        if rate is not None:
            held = self._with_margin(rate)
        elif (method, tier) in self._held:
            held = self._held[(method, tier)]
        else:
            held = self._held[(method, tier)] = self._with_margin(
                self.rate_for(method, tier)
            )
        return Throttle(self.limiter, f"{self.identity_of(token)}:{method}", held)

    def _with_margin(self, rate: Rate | None) -> Rate | None:
        return None if rate is None else Rate(rate.limit, rate.per + self.margin)


class Throttle:
    """One call's key, rate and limiter, and the slot it holds: what the request loops ask
    before each attempt (`wait`) and tell after it (`done`)."""

    __slots__ = ("key", "limiter", "rate", "ticket")

    def __init__(self, limiter: Limiter, key: str, rate: Rate | None) -> None:
        self.limiter = limiter
        self.key = key
        self.rate = rate
        self.ticket: str | None = None

    def wait(self, max_wait: float) -> float:
        """Block until this call's slot; return the seconds waited, or raise `SlotTooFar`."""
        if self.rate is None:  # no rate: only a pause holds the call
            left = self.limiter.paused(self.key)
            if left > max_wait:
                raise SlotTooFar(left)
            time.sleep(max(0.0, left))
            return max(0.0, left)
        waited = 0.0
        while True:
            wait, ticket = self.limiter.acquire(self.key, self.rate, max_wait - waited)
            if ticket is None and wait > max_wait - waited:
                raise SlotTooFar(waited + wait)
            if wait > 0:
                time.sleep(wait)
                waited += wait
            if ticket is None:
                continue  # every slot was held by calls in flight: ask again
            if wait > 0 and self.limiter.paused(self.key) > _CLOCK_TOLERANCE:
                # A 429 paused the key while this call slept: its slot is void.
                self.limiter.release(self.key, self.rate, ticket)
                continue
            self.ticket = ticket
            return waited

    async def await_slot(self, max_wait: float) -> float:
        """`wait`, for the event loop (the limiter's coroutines are awaited where it has them)."""
        import asyncio

        limiter: Any = self.limiter
        acquire = getattr(limiter, "aacquire", None)
        paused = getattr(limiter, "apaused", None)
        if self.rate is None:
            left: float = await paused(self.key) if paused else limiter.paused(self.key)
            if left > max_wait:
                raise SlotTooFar(left)
            await asyncio.sleep(max(0.0, left))
            return max(0.0, left)
        waited = 0.0
        while True:
            if acquire is not None:
                wait, ticket = await acquire(self.key, self.rate, max_wait - waited)
            else:
                wait, ticket = limiter.acquire(self.key, self.rate, max_wait - waited)
            if ticket is None and wait > max_wait - waited:
                raise SlotTooFar(waited + wait)
            if wait > 0:
                await asyncio.sleep(wait)
                waited += wait
            if ticket is None:
                continue
            if wait > 0:
                left = await paused(self.key) if paused else limiter.paused(self.key)
                if left > _CLOCK_TOLERANCE:
                    await self._arelease(ticket)
                    continue
            self.ticket = ticket
            return waited

    def done(self) -> None:
        """The attempt is over: its slot frees a window from now."""
        ticket, self.ticket = self.ticket, None
        if ticket is not None and self.rate is not None:
            self.limiter.release(self.key, self.rate, ticket)

    async def adone(self) -> None:
        ticket, self.ticket = self.ticket, None
        if ticket is not None:
            await self._arelease(ticket)

    async def _arelease(self, ticket: str) -> None:
        assert self.rate is not None
        release = getattr(self.limiter, "arelease", None)
        if release is not None:
            await release(self.key, self.rate, ticket)
        else:
            self.limiter.release(self.key, self.rate, ticket)

    def pause(self, seconds: float) -> None:
        self.limiter.pause(self.key, seconds)


class SlotTooFar(Exception):
    """The next slot is further away than the call may wait; `wait` is how far, in seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"the next slot is in {wait:.3g} s")
        self.wait = wait


def _check_rate(name: str, rate: object) -> None:
    if rate is not None and not isinstance(rate, Rate):
        raise TypeError(
            f"the rate for {name} must be a Rate or None, not {type(rate).__name__}"
        )


class ClientLimits:
    """A client's rate limits, and how each call's `rate_limit` argument changes them.

    `rate_limits` is the client's argument: a `RateLimits`, True (the default policy), False
    (off), or None (the default: on when the client talks to Slack, off when its base URL is on
    this machine or its transport is a mock, since test servers are not Slack).
    """

    __slots__ = ("_own", "policy")

    def __init__(
        self, rate_limits: RateLimits | bool | None, base_url: str, transport: object
    ) -> None:
        if rate_limits is None:
            rate_limits = _talks_to_slack(base_url, transport)
        if rate_limits is True:
            rate_limits = RateLimits()
        if rate_limits is not False and not isinstance(rate_limits, RateLimits):
            raise TypeError(
                "rate_limits must be a RateLimits, True or False,"
                f" not {type(rate_limits).__name__}"
            )
        self.policy: RateLimits | None = rate_limits or None
        self._own: RateLimits | None = None

    def throttle(
        self,
        method: str,
        tier: Tier | None,
        token: str | None,
        rate_limit: Rate | RateLimits | bool | None,
    ) -> Throttle | None:
        """One call's throttle, or None when nothing limits it."""
        if rate_limit is None or rate_limit is True:
            policy = self.policy
            if policy is None and rate_limit is True:
                policy = self._fallback()
            return None if policy is None else policy.throttle(token, method, tier)
        if rate_limit is False:
            return None
        if isinstance(rate_limit, RateLimits):
            return rate_limit.throttle(token, method, tier)
        if isinstance(rate_limit, Rate):
            policy = self.policy or self._fallback()
            return policy.throttle(token, method, tier, rate_limit)
        raise TypeError(
            "rate_limit must be a Rate, a RateLimits, True or False,"
            f" not {type(rate_limit).__name__}"
        )

    def _fallback(self) -> RateLimits:
        """The limits of calls that ask for them on a client that has none: kept per client."""
        if self._own is None:
            self._own = RateLimits()
        return self._own


def _talks_to_slack(base_url: str, transport: object) -> bool:
    from urllib.parse import urlsplit

    from ._base import _is_loopback
    from ._transport import AsyncMockTransport, MockTransport

    if isinstance(transport, (MockTransport, AsyncMockTransport)):
        return False
    return not _is_loopback(urlsplit(base_url).hostname or "")
