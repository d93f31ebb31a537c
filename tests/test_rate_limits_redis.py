"""Rate limits shared through a real Redis server (runtime `_redis.py`): one budget for many
processes, whatever their clocks say, and a Redis that dies or stalls costs neither a hang nor
a call. Each test starts its own `redis-server` on a loopback port in a temporary folder.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rate_limited_slack import RateLimitedSlackProcess, lateness
from redis_server import RedisServer, require_redis_server
from runtime_support import TOKEN
from slack_calls import AsyncClient, Client, Rate, RateLimits, RedisLimiter

WORKER = Path(__file__).resolve().parent / "rate_limit_worker.py"
LIMIT, PER = 50, 1.0  # Tier 3 scaled from a minute to a second (see test_rate_limits.py)
ALLOWED = "calls.info"
# No call may arrive much later than its slot was free (see test_rate_limits.py's LATE).
LATE = 0.4 * PER


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    require_redis_server()
    with RedisServer(tmp_path) as server:
        yield server


def test_8_processes_share_one_budget_through_redis_whatever_their_clocks_say(redis_server: RedisServer) -> None:
    """Each worker's clocks are off by minutes from the next one's: only Redis's time counts."""
    run = 2 * LIMIT + 1
    store = redis.Redis.from_url(redis_server.url)
    store.set("total", run)
    with RateLimitedSlackProcess(LIMIT, PER) as slack:
        workers = [subprocess.Popen(
            [sys.executable, str(WORKER), slack.url, redis_server.url, str(LIMIT), str(PER), "2",
             str((index - 4) * 600)], stdout=subprocess.PIPE, text=True) for index in range(8)]
        deadline = time.monotonic() + 30
        while len(slack.stats()["accepted"].get("calls.end", [])) < 16 and time.monotonic() < deadline:
            time.sleep(0.01)  # every worker thread has its connection
        store.set("go", 1)
        reports = [json.loads(worker.communicate(timeout=30)[0]) for worker in workers]
        stats = slack.stats()
    store.close()
    assert sum(report["calls"] for report in reports) == run
    assert [report["errors"] for report in reports] == [0] * 8
    assert [report["warnings"] for report in reports] == [[]] * 8
    assert stats["refused"].get(ALLOWED, []) == []
    assert len(stats["accepted"][ALLOWED]) == run
    answered = [moment for report in reports for moment in report["answered"]]
    assert lateness(stats["accepted"][ALLOWED], answered, LIMIT, PER) <= LATE


def test_an_async_client_shares_the_budget_without_blocking_its_loop(redis_server: RedisServer) -> None:
    limiter = RedisLimiter(redis_server.url)
    limits = RateLimits({3: Rate(10, per=PER)}, limiter=limiter)
    answered: list[float] = []

    async def run(url: str) -> None:
        async with AsyncClient(TOKEN, base_url=url, rate_limits=limits) as client:
            await asyncio.gather(*(client.calls.end(id="warm-up", rate_limit=False) for _ in range(10)))
            tickets = itertools.count()

            async def work() -> None:
                while next(tickets) < 21:
                    await client.calls.info(id="R1")
                    answered.append(time.monotonic())

            await asyncio.gather(*(work() for _ in range(10)))
        await limiter.aclose()

    with RateLimitedSlackProcess(10, PER) as slack:
        asyncio.run(run(slack.url))
        stats = slack.stats()
    assert stats["refused"].get(ALLOWED, []) == [] and len(stats["accepted"][ALLOWED]) == 21
    assert lateness(stats["accepted"][ALLOWED], answered, 10, PER) <= LATE
    # the windows really lived on the server
    assert redis.Redis.from_url(redis_server.url).keys("slack-rate-limits:*:frees")


def test_a_retry_after_pauses_other_processes_too(redis_server: RedisServer) -> None:
    first, second = RedisLimiter(redis_server.url), RedisLimiter(redis_server.url)  # two processes' worth
    key = RateLimits().throttle(TOKEN, "calls.info", 3).key  # the key a client uses
    first.pause(key, 2.0)
    assert 1.9 < second.paused(key) <= 2.0
    wait, ticket = second.acquire(key, Rate(50), 60)
    assert 1.9 < wait <= 2.0 and ticket  # its slot comes after the pause
    first.pause(key, 0.5)  # a pause only grows
    assert second.paused(key) > 1.5
    ttl = redis.Redis.from_url(redis_server.url).pttl(f"slack-rate-limits:{{{key}}}:pause")
    assert 0 < ttl <= 2001  # and it expires
    keys = [key.decode() for key in redis.Redis.from_url(redis_server.url).keys("*")]
    assert keys and all(TOKEN not in key and "xoxb" not in key and "secret" not in key for key in keys)
    first.close()
    second.close()


class Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def at(self, level: int) -> list[str]:
        return [record.getMessage() for record in self.records if record.levelno == level]


@pytest.fixture
def logged() -> Iterator[Warnings]:
    handler = Warnings()
    logger = logging.getLogger("slack_calls")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def hammer(url: str, limits: RateLimits, calls: int, threads: int, during: object = None) -> list[float]:
    """`calls` calls of calls.info from `threads` threads; returns how long each took."""
    took: list[float] = []
    tickets = itertools.count()
    with Client(TOKEN, base_url=url, rate_limits=limits) as client:
        def work() -> None:
            while next(tickets) < calls:
                started = time.monotonic()
                client.calls.info(id="R1")
                took.append(time.monotonic() - started)

        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        if callable(during):
            during()
        for worker in workers:
            worker.join()
    return took


def test_redis_killed_mid_run_costs_one_warning_and_no_call(redis_server: RedisServer, logged: Warnings) -> None:
    limiter = RedisLimiter(redis_server.url, timeout=0.2, recheck=0.2)
    limits = RateLimits({3: Rate(20, per=0.5)}, limiter=limiter)

    def kill_soon() -> None:
        time.sleep(0.3)
        redis_server.kill()

    with RateLimitedSlackProcess(20, 0.5) as slack:
        took = hammer(slack.url, limits, 60, 4, kill_soon)
        stats = slack.stats()
    limiter.close()
    assert len(took) == 60  # every call returned (hammer would have raised otherwise)
    assert len(stats["accepted"][ALLOWED]) == 60
    warnings = logged.at(logging.WARNING)
    assert len(warnings) == 1 and "Redis at 127.0.0.1" in warnings[0] and "in this process" in warnings[0]
    assert max(took) < 2.0  # waits for slots (0.53 s windows), never for a dead Redis
    assert stats["refused"].get(ALLOWED, []) == []  # the fallback carried on from the slots taken on Redis


def test_a_stalled_redis_is_left_after_its_timeout_and_taken_back_when_it_answers(redis_server: RedisServer,
                                                                                   logged: Warnings) -> None:
    limiter = RedisLimiter(redis_server.url, timeout=0.2, recheck=0.3)
    limits = RateLimits({3: Rate(100, per=1.0)}, limiter=limiter)
    with RateLimitedSlackProcess(100, 1.0) as slack:
        hammer(slack.url, limits, 5, 1)  # Redis answers: connected
        redis_server.freeze()
        try:
            took = hammer(slack.url, limits, 20, 4)
        finally:
            redis_server.thaw()
        assert len(took) == 20 and max(took) < 1.0  # the first calls waited 0.2 s for Redis, no more
        time.sleep(0.35)
        hammer(slack.url, limits, 5, 1)
    limiter.close()
    assert len(logged.at(logging.WARNING)) == 1 and "TimeoutError" in logged.at(logging.WARNING)[0]
    assert logged.at(logging.INFO) == [
        f"rate limits: Redis at 127.0.0.1:{redis_server.port} answers again; sharing them through it"]


def test_a_redis_that_was_never_there_degrades_at_once(tmp_path: Path, logged: Warnings) -> None:
    from redis_server import free_port

    limiter = RedisLimiter(f"redis://127.0.0.1:{free_port()}/0", timeout=0.2, recheck=60)
    started = time.monotonic()
    for _ in range(20):
        assert limiter.acquire("k", Rate(50), 10)[0] == 0
    assert time.monotonic() - started < 0.5  # one failed connect, then the fallback
    assert len(logged.at(logging.WARNING)) == 1
    assert "password" not in repr(RedisLimiter("redis://:password@127.0.0.1:1/0"))


async def async_hammer(url: str, limits: RateLimits, calls: int, tasks: int) -> list[float]:
    """`hammer` for the AsyncClient: `calls` calls of calls.info from `tasks` tasks."""
    took: list[float] = []
    tickets = itertools.count()
    async with AsyncClient(TOKEN, base_url=url, rate_limits=limits) as client:
        async def work() -> None:
            while next(tickets) < calls:
                started = time.monotonic()
                await client.calls.info(id="R1")
                took.append(time.monotonic() - started)

        await asyncio.gather(*(work() for _ in range(tasks)))
    return took


def test_an_async_client_outlives_a_redis_killed_mid_run(redis_server: RedisServer, logged: Warnings) -> None:
    limiter = RedisLimiter(redis_server.url, timeout=0.2, recheck=0.2)
    limits = RateLimits({3: Rate(20, per=0.5)}, limiter=limiter)

    async def run(url: str) -> list[float]:
        async def kill_soon() -> None:
            await asyncio.sleep(0.3)
            await asyncio.to_thread(redis_server.kill)

        killing = asyncio.create_task(kill_soon())
        took = await async_hammer(url, limits, 60, 8)
        await killing
        await limiter.aclose()
        return took

    with RateLimitedSlackProcess(20, 0.5) as slack:
        took = asyncio.run(run(slack.url))
        stats = slack.stats()
    assert len(took) == 60 and len(stats["accepted"][ALLOWED]) == 60
    warnings = logged.at(logging.WARNING)
    assert len(warnings) == 1 and "Redis at 127.0.0.1" in warnings[0] and "in this process" in warnings[0]
    assert max(took) < 2.0  # waits for slots (0.53 s windows), never for a dead Redis
    assert stats["refused"].get(ALLOWED, []) == []


def test_an_async_client_leaves_a_stalled_redis_after_its_timeout(redis_server: RedisServer,
                                                                  logged: Warnings) -> None:
    limiter = RedisLimiter(redis_server.url, timeout=0.2, recheck=60)
    limits = RateLimits({3: Rate(100, per=1.0)}, limiter=limiter)

    async def run(url: str) -> tuple[list[float], float]:
        await async_hammer(url, limits, 5, 1)  # Redis answers: connected
        redis_server.freeze()
        try:
            started = time.monotonic()
            took = await async_hammer(url, limits, 20, 4)
            return took, time.monotonic() - started
        finally:
            redis_server.thaw()
            await limiter.aclose()

    with RateLimitedSlackProcess(100, 1.0) as slack:
        took, elapsed = asyncio.run(run(slack.url))
    assert len(took) == 20 and elapsed < 1.5  # the first calls waited 0.2 s for Redis, no more
    assert len(logged.at(logging.WARNING)) == 1 and "TimeoutError" in logged.at(logging.WARNING)[0]
