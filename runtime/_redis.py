"""Rate limits on a Redis server: one budget and one set of pauses for every process and machine.

`RedisLimiter` keeps each key's window (the calls holding a slot, and when finished calls free
theirs) and pause on the server and changes them only inside Lua scripts, which Redis runs atomically, so any number of clients
reserve slots without races. Every time in the scripts is the server's (`TIME`), and only
durations leave them, so clocks that disagree between machines change nothing. Keys expire
once their window and pause are over.

Redis is a helper, never a dependency of a call: when it is down, refuses, or takes longer than
`timeout` to answer, the limiter logs one WARNING and keeps the limits in this process
(`LocalLimiter`) until Redis answers again, trying it again every `recheck` seconds. No call
waits more than `timeout` for Redis or fails because of it.

Needs the `redis` package: pip install '<this package>[redis]' (or: pip install redis).
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import _package
from ._limits import HOLD_LIMIT, POLL, LocalLimiter, Rate

if TYPE_CHECKING:
    import asyncio
    import logging

    import redis
    import redis.asyncio

# KEYS: held (ticket -> when the hold lapses), frees (ticket -> when its slot frees), last
# slot given, pause. ARGV: limit, max wait (ms), hold limit (ms), ticket, poll (ms).
# Returns {milliseconds until the slot, "1" if reserved for the ticket, else "0"}.
_ACQUIRE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local limit = tonumber(ARGV[1])
local free = limit - redis.call('ZCARD', KEYS[1])
if free <= 0 then return {ARGV[5], '0'} end
local slot = now
local pause = tonumber(redis.call('GET', KEYS[4]))
if pause and pause > slot then slot = pause end
local last = tonumber(redis.call('GET', KEYS[3]))
if last and last > slot then slot = last end
if redis.call('ZCARD', KEYS[2]) >= free then
  local frees = tonumber(redis.call('ZREVRANGE', KEYS[2], free - 1, free - 1, 'WITHSCORES')[2])
  if frees > slot then slot = frees end
end
local wait = slot - now
if wait > tonumber(ARGV[2]) then return {string.format('%.3f', wait), '0'} end
local hold = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], string.format('%.3f', slot + hold), ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(wait + hold) + 1)
redis.call('SET', KEYS[3], string.format('%.3f', slot), 'PX', math.ceil(wait) + 1)
return {string.format('%.3f', wait), '1'}
"""
# KEYS: held, frees. ARGV: ticket, per (ms), limit. The slot frees a window from now.
_RELEASE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local per = tonumber(ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], string.format('%.3f', now + per), ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[3]) - 1)
redis.call('PEXPIRE', KEYS[2], math.ceil(per) + 1)
return 1
"""
# KEYS: pause; ARGV: milliseconds. A pause only ever grows.
_PAUSE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local resume = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]))
if not current or resume > current then
  redis.call('SET', KEYS[1], string.format('%.3f', resume), 'PX', math.ceil(tonumber(ARGV[1])) + 1)
end
return 1
"""
# KEYS: pause. Returns the milliseconds left of it.
_PAUSED = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local pause = tonumber(redis.call('GET', KEYS[1]))
if not pause or pause <= now then return '0' end
return string.format('%.3f', pause - now)
"""


_SCRIPTS = (_ACQUIRE, _RELEASE, _PAUSE, _PAUSED)


class RedisLimiter:
    """A `Limiter` on a Redis server, shared by every client, process and machine using it.

    Args:
        url: The server, as `redis://[:password@]host:port/db` (or `rediss://` for TLS).
        prefix: Put before every key this limiter writes.
        timeout: Longest wait for Redis, to connect or for an answer, in seconds; past it the
            limiter falls back to this process's limits.
        recheck: Seconds between attempts to reach Redis again after a failure.
        client: A `redis.Redis` of your own to use instead of `url` (its timeouts and retries
            then apply); `async_client` likewise a `redis.asyncio.Redis` for `AsyncClient`s.

    Close it (`close()`, `await aclose()`) when done; clients do not, as several may share it.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "slack-rate-limits:",
        timeout: float = 0.25,
        recheck: float = 5.0,
        client: redis.Redis | None = None,
        async_client: redis.asyncio.Redis | None = None,
    ) -> None:
        import threading

        try:
            import redis
        except ImportError:
            raise ImportError(
                f"RedisLimiter needs redis, which is not installed: {_package.REDIS_EXTRA}"
            ) from None
        if not 0 < timeout < float("inf") or not 0 <= recheck < float("inf"):
            raise ValueError("timeout must be positive and recheck >= 0, in seconds")
        self.url = url
        self.prefix = prefix
        self.timeout = timeout
        self.recheck = recheck
        self.fallback = LocalLimiter()
        self._where = _describe(url) if client is None else "Redis"
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._client = client
        self._async_client = async_client
        self._async_clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, Any
        ] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._retry_at = 0.0  # while in the future, Redis is not asked
        self._down = False

    def __repr__(self) -> str:
        return f"RedisLimiter({self._where}{', down' if self._down else ''})"

    # The Limiter protocol, blocking.

    def acquire(
        self, key: str, rate: Rate, max_wait: float
    ) -> tuple[float, str | None]:
        ticket = _ticket()
        answer = self._run(
            _ACQUIRE, self._keys(key), _acquire_args(rate, max_wait, ticket)
        )
        return self._slot(key, rate, max_wait, ticket, answer)

    def release(self, key: str, rate: Rate, ticket: str) -> None:
        self.fallback.release(key, rate, ticket)
        self._run(_RELEASE, self._keys(key)[:2], _release_args(rate, ticket))

    def pause(self, key: str, seconds: float) -> None:
        # kept here too, in case Redis fails before the pause is over
        self.fallback.pause(key, seconds)
        self._run(_PAUSE, self._keys(key)[3:], [f"{seconds * 1000:.3f}"])

    def paused(self, key: str) -> float:
        answer = self._run(_PAUSED, self._keys(key)[3:], [])
        return self.fallback.paused(key) if answer is None else float(answer) / 1000

    # The same for AsyncClient, without blocking the event loop.

    async def aacquire(
        self, key: str, rate: Rate, max_wait: float
    ) -> tuple[float, str | None]:
        ticket = _ticket()
        args = _acquire_args(rate, max_wait, ticket)
        answer = await self._arun(_ACQUIRE, self._keys(key), args)
        return self._slot(key, rate, max_wait, ticket, answer)

    async def arelease(self, key: str, rate: Rate, ticket: str) -> None:
        self.fallback.release(key, rate, ticket)
        await self._arun(_RELEASE, self._keys(key)[:2], _release_args(rate, ticket))

    async def apaused(self, key: str) -> float:
        answer = await self._arun(_PAUSED, self._keys(key)[3:], [])
        return self.fallback.paused(key) if answer is None else float(answer) / 1000

    def _slot(
        self, key: str, rate: Rate, max_wait: float, ticket: str, answer: Any
    ) -> tuple[float, str | None]:
        """What Redis answered (its slot held in the fallback too), else the fallback's."""
        if answer is None:
            return self.fallback.acquire(key, rate, max_wait)
        wait = float(answer[0]) / 1000
        if answer[1] not in (b"1", "1"):
            return wait, None
        self.fallback.hold(key, ticket, wait)
        return wait, ticket

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    async def aclose(self) -> None:
        clients = list(self._async_clients.values())
        self._async_clients.clear()
        for client, _scripts in clients:
            await client.aclose()
        self.close()

    def _keys(self, key: str) -> list[str]:
        base = (
            f"{self.prefix}{{{key}}}"  # one hash slot for all, should it be a cluster
        )
        return [base + ":held", base + ":frees", base + ":last", base + ":pause"]

    def _run(self, script: str, keys: list[str], args: list[str]) -> Any:
        """The script's answer, or None when Redis cannot be asked or failed (then fall back)."""
        if not self._may_ask():
            return None
        try:
            answer = self._scripts()[script](keys=keys, args=args)
        except self._errors as exc:
            self._failed(exc)
            return None
        self._answered()
        return answer

    async def _arun(self, script: str, keys: list[str], args: list[str]) -> Any:
        if not self._may_ask():
            return None
        try:
            answer = await self._async_scripts()[script](keys=keys, args=args)
        except self._errors as exc:
            self._failed(exc)
            return None
        self._answered()
        return answer

    def _scripts(self) -> dict[str, Any]:
        client = self._client
        if client is None:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            with self._lock:
                if self._client is None:
                    self._client = redis.Redis.from_url(
                        self.url,
                        socket_timeout=self.timeout,
                        socket_connect_timeout=self.timeout,
                        retry=Retry(NoBackoff(), 0),
                    )
                client = self._client
        scripts = getattr(self, "_sync_scripts", None)
        if scripts is None:
            scripts = self._sync_scripts = {
                s: client.register_script(s) for s in _SCRIPTS
            }
        return scripts

    def _async_scripts(self) -> dict[str, Any]:
        """The scripts on a client of the running event loop (redis.asyncio's are bound to one)."""
        import asyncio

        loop = asyncio.get_running_loop()
        entry = self._async_clients.get(loop)
        if entry is None:
            client = self._async_client
            if client is None:
                import redis.asyncio
                from redis.asyncio.retry import Retry
                from redis.backoff import NoBackoff

                client = redis.asyncio.Redis.from_url(
                    self.url,
                    socket_timeout=self.timeout,
                    socket_connect_timeout=self.timeout,
                    retry=Retry(NoBackoff(), 0),
                )
            entry = self._async_clients[loop] = (
                client,
                {s: client.register_script(s) for s in _SCRIPTS},
            )
        scripts: dict[str, Any] = entry[1]
        return scripts

    def _may_ask(self) -> bool:
        """Whether to ask Redis now: always while it answers; after a failure, once per
        `recheck` seconds (one caller probes, the others keep to the fallback meanwhile).
        """
        if not self._down:
            return True
        now = time.monotonic()
        with self._lock:
            if now < self._retry_at:
                return False
            self._retry_at = now + self.recheck
            return True

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + self.recheck
            first, self._down = not self._down, True
        if first:
            _logger().warning(
                "rate limits: %s failed (%s: %s); keeping them in this process until it answers again",
                self._where,
                type(exc).__name__,
                exc,
            )

    def _answered(self) -> None:
        if self._down:
            with self._lock:
                was_down, self._down = self._down, False
            if was_down:
                _logger().info(
                    "rate limits: %s answers again; sharing them through it",
                    self._where,
                )


def _logger() -> logging.Logger:
    import logging

    return logging.getLogger(_package.LOGGER_NAME)


def _acquire_args(rate: Rate, max_wait: float, ticket: str) -> list[str]:
    return [
        str(rate.limit),
        f"{max_wait * 1000:.3f}",
        f"{HOLD_LIMIT * 1000:.3f}",
        ticket,
        f"{POLL * 1000:.3f}",
    ]


def _release_args(rate: Rate, ticket: str) -> list[str]:
    return [ticket, f"{rate.per * 1000:.3f}", str(rate.limit)]


def _ticket() -> str:
    """A name for one reserved slot, unique across processes and machines."""
    import os

    return os.urandom(12).hex()


def _describe(url: str) -> str:
    """`Redis at host:port`, for messages: never the password a URL may carry."""
    parts = urlsplit(url)
    return f"Redis at {parts.hostname or 'localhost'}:{parts.port or 6379}"
