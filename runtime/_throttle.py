"""Which calls wait, and how: a client's rate-limit policy (`RateLimits`), and each call's
way through it (`Throttle`), over the windows of a `Limiter` (see `_limits`)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ._limits import (
    _CLOCK_TOLERANCE,
    DEFAULT_SECRET,
    TIER_RATES,
    Limiter,
    LocalLimiter,
    Rate,
    Tier,
)


class RateLimits:
    """Which calls wait, how long, and where the bookkeeping lives: a client's rate-limit policy.

    Args:
        tiers: Rates per tier, merged over `TIER_RATES` (`{3: Rate(40)}` slows Tier 3 down;
            `{"special": Rate(1, per=1.0)}` gives special methods a rate; None removes one).
        methods: Rates per Slack method name, over the method's own rule and its tier's
            (`{"chat.postMessage": Rate(1, per=1.0)}`: one a second in all channels together);
            None leaves a method unlimited.
        limiter: Where windows and pauses live: a `LocalLimiter` (default, this process), a
            `RedisLimiter` (shared by processes and machines), or your own `Limiter`.
        identity: The workspace-and-app identity to key by, instead of one derived from each
            token (for instance `"T0123-A0456"` to share one budget between the bot and the
            user token of an app, which Slack counts together).
        secret: The key of the hash that turns a token into its identity (see `DEFAULT_SECRET`).
        margin: Seconds added to every window, for a server that counts more strictly than
            Slack (none needed for Slack: a slot is held until a window after the answer).

    A method's rate is the first of: its entry in `methods`, the rule Slack documents for it
    (the generated `Endpoint.rate`, such as one message a second per channel for
    `chat.postMessage`), its tier's. A rate with a `key` keeps a window for each value of that
    argument; the value is keyed by a hash, like the token.

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
        if not 0 <= margin < math.inf:
            raise ValueError(
                f"margin must be a finite number of seconds >= 0, not {margin!r}"
            )
        self.margin = margin
        self._held: dict[tuple[str, Tier | None, Rate | None], Rate | None] = {}

    def __repr__(self) -> str:
        return f"RateLimits(limiter={self.limiter!r})"

    def rate_for(
        self, method: str, tier: Tier | None, rule: Rate | None = None
    ) -> Rate | None:
        """The rate a method is held to: the one given for it, else its documented `rule`,
        else its tier's, else none."""
        if method in self.methods:
            return self.methods[method]
        if rule is not None:
            return rule
        return self.tiers.get(tier) if tier is not None else None

    def identity_of(self, token: str | None) -> str:
        """The key part naming a token's workspace and app: `identity` if set, else a keyed
        BLAKE2b hash of the token (32 hex digits), from which the token cannot be recovered.
        Computed afresh each time (a microsecond), so no table of tokens is kept."""
        if self.identity is not None:
            return self.identity
        return self._hashed(token or "")

    def _hashed(self, value: object) -> str:
        """A key part that keeps nothing in clear: the keyed hash of a token or of an
        argument's value."""
        import hashlib

        text = value if isinstance(value, str) else str(value)
        digest = hashlib.blake2b(
            text.encode("utf-8", "surrogatepass"), key=self._secret, digest_size=16
        )
        return digest.hexdigest()

    def throttle(
        self,
        token: str | None,
        method: str,
        tier: Tier | None,
        rate: Rate | None = None,
        *,
        rule: Rate | None = None,
        arguments: Mapping[str, Any] | None = None,
    ) -> Throttle:
        """One call's place in the limits: `rate` overrides the method's for this call, `rule`
        is the method's documented rate, `arguments` (wire names) give a keyed rate its value.
        """
        if rate is not None:
            held = self._with_margin(rate)
        elif (method, tier, rule) in self._held:
            held = self._held[(method, tier, rule)]
        else:
            held = self._held[(method, tier, rule)] = self._with_margin(
                self.rate_for(method, tier, rule)
            )
        key = f"{self.identity_of(token)}:{method}"
        value = None
        if held is not None and held.key is not None and arguments is not None:
            value = arguments.get(held.key)
        if value is not None:
            key = f"{key}:{self._hashed(value)}"
        return Throttle(self.limiter, key, held)

    def _with_margin(self, rate: Rate | None) -> Rate | None:
        if rate is None:
            return None
        return Rate(rate.limit, rate.per + self.margin, rate.key)


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
            if left > 0:
                time.sleep(left)
            return max(0.0, left)
        waited = 0.0
        while True:
            wait, self.ticket = self.limiter.acquire(
                self.key, self.rate, max_wait - waited
            )
            if self.ticket is None and wait > max_wait - waited:
                raise SlotTooFar(waited + wait)
            if wait > 0:
                try:
                    time.sleep(wait)
                except BaseException:  # interrupted: the slot is not used
                    self.done()
                    raise
                waited += wait
            if self.ticket is None:
                continue  # every slot was held by calls in flight: ask again
            if wait > 0 and self.limiter.paused(self.key) > _CLOCK_TOLERANCE:
                self.done()  # a 429 paused the key while this call slept: its slot is void
                continue
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
            if left > 0:
                await asyncio.sleep(left)
            return max(0.0, left)
        waited = 0.0
        while True:
            if acquire is not None:
                wait, self.ticket = await acquire(
                    self.key, self.rate, max_wait - waited
                )
            else:
                wait, self.ticket = limiter.acquire(
                    self.key, self.rate, max_wait - waited
                )
            if self.ticket is None and wait > max_wait - waited:
                raise SlotTooFar(waited + wait)
            if wait > 0:
                try:
                    await asyncio.sleep(wait)
                except BaseException:  # cancelled: the slot is not used
                    self.done()
                    raise
                waited += wait
            if self.ticket is None:
                continue
            if wait > 0:
                left = await paused(self.key) if paused else limiter.paused(self.key)
                if left > _CLOCK_TOLERANCE:
                    await self.adone()
                    continue
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
        *,
        rule: Rate | None = None,
        arguments: Mapping[str, Any] | None = None,
    ) -> Throttle | None:
        """One call's throttle, or None when nothing limits it (`rule`: the method's
        documented rate; `arguments`: the call's, by wire name, for a keyed rate)."""
        if rate_limit is None or rate_limit is True:
            policy = self.policy
            if policy is None and rate_limit is True:
                policy = self._fallback()
            if policy is None:
                return None
            return policy.throttle(token, method, tier, rule=rule, arguments=arguments)
        if rate_limit is False:
            return None
        if isinstance(rate_limit, RateLimits):
            return rate_limit.throttle(
                token, method, tier, rule=rule, arguments=arguments
            )
        if isinstance(rate_limit, Rate):
            policy = self.policy or self._fallback()
            return policy.throttle(token, method, tier, rate_limit, arguments=arguments)
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
