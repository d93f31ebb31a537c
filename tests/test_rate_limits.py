"""Rate limits before the 429 (runtime `_limits.py`): tiers from the spec, one budget per
workspace-and-app and method shared by the threads of a Client and the tasks of an AsyncClient,
Retry-After pauses for every caller, and the per-client and per-call controls.

The throughput tests run against a fake Slack in its own process that enforces Tier 3 scaled
from a minute to a second (50 calls in any second) and counts the 429s it sends. Connections are
opened before each run, so the runs measure the limiter rather than connection set-up.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from loopback import Reply, SlackServer
from rate_limited_slack import RateLimitedSlackProcess, lateness
from runtime_support import FAST, INFO_OK, TOKEN
from slack_calls import (
    AsyncClient,
    Client,
    LocalLimiter,
    Rate,
    RateLimits,
    Response,
    SlackRateLimitedError,
)
from slack_calls.resources import calls as calls_module

from generator import cli

SPEC = Path(__file__).resolve().parent.parent / "spec" / "calls.yaml"
LIMIT, PER = 50, 1.0  # Tier 3, scaled from a minute to a second
RUN = 2 * LIMIT + 1  # calls per run: a perfect client needs exactly two windows
ALLOWED = "calls.info"
# A run must not lose a window to waiting: no call may arrive much later than its slot was free
# (a limiter that waits a window too many is a whole PER late). The share of the allowed rate
# (>= 90% on a quiet machine) is a speed target, measured by benchmarks/rate_limits.py, not here.
LATE = 0.4 * PER


def scaled_tier_3(**options: Any) -> RateLimits:
    return RateLimits({3: Rate(LIMIT, per=PER)}, **options)


def test_each_method_carries_its_tier_and_documents_it() -> None:
    assert calls_module._CALLS_INFO.tier == 3 and calls_module._CALLS_ADD.tier == 3
    assert "Rate limit: Tier 3." in (Client.calls.func(Client()).info.__doc__ or "")  # type: ignore[attr-defined]


def test_special_tiers_and_notes_reach_the_endpoint_and_bad_tiers_are_errors(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]
                                                                             ) -> None:
    spec = yaml.safe_load(SPEC.read_text())
    operation = spec["paths"]["/calls.info"]["get"]
    operation["x-slack-rate-limit-tier"] = "special"
    operation["x-slack-rate-limit-note"] = "One call per second per Call."
    operation["x-slack-rate-limit"] = {"limit": 1, "per": 1, "key": "id"}
    del spec["paths"]["/calls.end"]["post"]["x-slack-rate-limit-tier"]
    (tmp_path / "special.yaml").write_text(yaml.safe_dump(spec))
    assert cli.main(["--spec", str(tmp_path / "special.yaml"), "--out", str(tmp_path / "out"), "--no-cache"]) == 0
    module = (tmp_path / "out" / "slack_calls" / "resources" / "calls.py").read_text()
    info = module[module.index("_CALLS_INFO = "):module.index("_CALLS_PARTICIPANTS_ADD = ")]
    end = module[module.index("_CALLS_END = "):module.index("_CALLS_INFO = ")]
    assert 'tier="special"' in info and "tier=" not in end
    assert 'rate=Rate(1, per=1.0, key="id")' in info and "rate=" not in end
    assert "Rate limit: special: One call per second per Call." in module

    operation["x-slack-rate-limit-tier"] = 7
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(spec))
    assert cli.main(["--spec", str(tmp_path / "bad.yaml"), "--out", str(tmp_path / "bad"), "--no-cache"]) == 2
    error = capsys.readouterr().err
    assert "/paths/~1calls.info/get/x-slack-rate-limit-tier" in error and "not 7" in error
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize(("rule", "where", "says"), [
    ("1 per second", "", "must be a mapping"),
    ({"limit": 1, "per": 1, "scope": "id"}, "", "not scope"),
    ({"limit": 0, "per": 1}, "/limit", "not 0"),
    ({"limit": True, "per": 1}, "/limit", "not True"),
    ({"limit": 1}, "/per", "not None"),
    ({"limit": 1, "per": float("inf")}, "/per", "not inf"),
    ({"limit": 1, "per": 1, "key": "channel"}, "/key", "not 'channel'"),
])
def test_a_misshapen_rate_rule_is_a_located_error(rule: Any, where: str, says: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    spec = yaml.safe_load(SPEC.read_text())
    spec["paths"]["/calls.info"]["get"]["x-slack-rate-limit"] = rule
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(spec))
    assert cli.main(["--spec", str(tmp_path / "bad.yaml"), "--out", str(tmp_path / "out"), "--no-cache"]) == 2
    error = capsys.readouterr().err
    assert f"/paths/~1calls.info/get/x-slack-rate-limit{where}" in error and says in error, error
    assert not (tmp_path / "out").exists()


def test_16_threads_share_one_budget_without_a_429() -> None:
    answered: list[float] = []
    with RateLimitedSlackProcess(LIMIT, PER) as slack:
        with Client(TOKEN, base_url=slack.url, rate_limits=scaled_tier_3()) as client:
            tickets = itertools.count()
            start = threading.Barrier(16)

            def work() -> None:
                client.calls.end(id="warm-up", rate_limit=False)  # open this thread's connection
                start.wait()
                while next(tickets) < RUN:
                    client.calls.info(id="R1")
                    answered.append(time.monotonic())

            threads = [threading.Thread(target=work) for _ in range(16)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        stats = slack.stats()
    assert stats["refused"].get(ALLOWED, []) == []
    assert len(stats["accepted"][ALLOWED]) == RUN
    assert lateness(stats["accepted"][ALLOWED], answered, LIMIT, PER) <= LATE


def test_100_tasks_share_one_budget_without_a_429() -> None:
    answered: list[float] = []

    async def run(url: str) -> None:
        async with AsyncClient(TOKEN, base_url=url, rate_limits=scaled_tier_3()) as client:
            await asyncio.gather(*(client.calls.end(id="warm-up", rate_limit=False) for _ in range(100)))
            tickets = itertools.count()

            async def work() -> None:
                while next(tickets) < RUN:
                    await client.calls.info(id="R1")
                    answered.append(time.monotonic())

            await asyncio.gather(*(work() for _ in range(100)))

    with RateLimitedSlackProcess(LIMIT, PER) as slack:
        asyncio.run(run(slack.url))
        stats = slack.stats()
    assert stats["refused"].get(ALLOWED, []) == []
    assert len(stats["accepted"][ALLOWED]) == RUN
    assert lateness(stats["accepted"][ALLOWED], answered, LIMIT, PER) <= LATE


@pytest.fixture
def server(server: SlackServer) -> SlackServer:
    server.default = Reply(body=INFO_OK)
    return server


def rate_limited(seconds: int) -> Reply:
    return Reply(status=429, body={"ok": False, "error": "ratelimited"}, headers={"Retry-After": str(seconds)})


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_long_retry_after_stops_every_caller_without_sending(server: SlackServer, kind: str) -> None:
    server.reply(rate_limited(30))
    limits = RateLimits()
    options = {"token": TOKEN, "base_url": server.url, "max_retry_after": 5.0, "rate_limits": limits, **FAST}
    errors: list[SlackRateLimitedError] = []
    if kind == "sync":
        with Client(**options) as client:
            for _ in range(3):
                with pytest.raises(SlackRateLimitedError) as raised:
                    client.calls.info(id="R1")
                errors.append(raised.value)
            # a method without a rate (a `special` one, say) is held by the pause all the same
            with pytest.raises(SlackRateLimitedError) as raised:
                client.calls.info(id="R1", rate_limit=RateLimits({3: None}, limiter=limits.limiter))
            errors.append(raised.value)
    else:
        async def run() -> None:
            async with AsyncClient(**options) as client:
                with pytest.raises(SlackRateLimitedError) as raised:
                    await client.calls.info(id="R1")
                errors.append(raised.value)
                for outcome in await asyncio.gather(*(client.calls.info(id="R1") for _ in range(3)),
                                                    return_exceptions=True):
                    assert isinstance(outcome, SlackRateLimitedError)
                    errors.append(outcome)

        asyncio.run(run())
    assert len(server.requests) == 1  # the others were never sent
    assert all(25 < (error.retry_after or 0) <= 30 for error in errors)
    assert sum("not sent" in str(error) for error in errors) == 3
    assert all(TOKEN not in str(error) for error in errors)


def test_a_short_retry_after_holds_every_thread_until_it_is_over(server: SlackServer) -> None:
    server.reply(rate_limited(1))
    sent_at: list[float] = []
    with Client(TOKEN, base_url=server.url, rate_limits=True, **FAST) as client:
        first = threading.Thread(target=lambda: client.calls.info(id="R1"))
        first.start()
        while not server.requests:
            time.sleep(0.001)
        time.sleep(0.05)  # the 429 is in: the key is paused
        started = time.monotonic()

        def later() -> None:
            client.calls.info(id="R1")
            sent_at.append(time.monotonic() - started)

        others = [threading.Thread(target=later) for _ in range(4)]
        for thread in others:
            thread.start()
        for thread in [first, *others]:
            thread.join()
    assert len(server.requests) == 6  # the 429, its retry, and the four others: no second 429
    assert min(sent_at) >= 0.85  # nobody went before the second Slack asked for was over


def test_a_slot_further_than_max_retry_after_raises_at_once_without_sending(server: SlackServer) -> None:
    limits = RateLimits(methods={"calls.info": Rate(1, per=60)})
    with Client(TOKEN, base_url=server.url, rate_limits=limits, max_retry_after=5, **FAST) as client:
        client.calls.end(id="R1")  # another method: another window
        client.calls.info(id="R1")
        started = time.monotonic()
        with pytest.raises(SlackRateLimitedError, match="calls.info not sent") as raised:
            client.calls.info(id="R1")
    assert time.monotonic() - started < 0.5
    assert 59 < (raised.value.retry_after or 0) <= 61
    assert [request.path for request in server.requests] == ["/calls.end", "/calls.info"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_slot_waits_count_toward_the_calls_time_bound(server: SlackServer, kind: str) -> None:
    """`max_retry_time` holds every wait of a call, so a call ends within
    `(max_retries + 1) * deadline + max_retry_time` with the limiter on too."""
    limits = RateLimits(methods={"calls.info": Rate(1, per=0.4)})

    async def info_async(**options: Any) -> None:
        async with AsyncClient(TOKEN, base_url=server.url, rate_limits=limits, **options) as client:
            await client.calls.info(id="R1")

    def info(**options: Any) -> None:
        if kind == "async":
            asyncio.run(info_async(**options))
            return
        with Client(TOKEN, base_url=server.url, rate_limits=limits, **options) as client:
            client.calls.info(id="R1")

    info(**FAST)
    started = time.monotonic()
    with pytest.raises(SlackRateLimitedError, match="calls.info not sent") as raised:
        info(max_retry_after=5, max_retry_time=0.1, **FAST)  # the slot is ~0.4 s away
    assert time.monotonic() - started < 0.3
    assert 0.1 < (raised.value.retry_after or 0) <= 0.5
    info(max_retry_after=5, max_retry_time=2, **FAST)  # within both: waits for the slot, then sends
    assert time.monotonic() - started >= 0.3
    assert len(server.requests) == 2


def test_per_call_control_overrides_the_client(server: SlackServer) -> None:
    limits = RateLimits(methods={"calls.info": Rate(1, per=60)})
    with Client(TOKEN, base_url=server.url, rate_limits=limits, max_retry_after=5, **FAST) as client:
        client.calls.info(id="R1")
        client.calls.info(id="R1", rate_limit=False)  # sent at once: no slot needed
        with pytest.raises(SlackRateLimitedError):
            client.calls.info(id="R1", rate_limit=Rate(1, per=30))  # its own rate, same window
        own = RateLimits()
        client.calls.info(id="R1", rate_limit=own)  # a policy of its own: an empty window
        with pytest.raises(SlackRateLimitedError):
            client.calls.info(id="R1", rate_limit=RateLimits({3: Rate(1)}, limiter=own.limiter))
        with pytest.raises(TypeError, match="rate_limit must be"):
            client.calls.info(id="R1", rate_limit=5)  # type: ignore[arg-type]
    assert len(server.requests) == 3


class Answering:
    """A transport of one's own (not a mock, so the client treats it as the way to Slack)."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, request: Any) -> Response:
        self.sent += 1
        return Response(200, {}, json.dumps({"ok": True}).encode())

    def close(self) -> None:
        pass


def test_on_by_default_for_slack_at_the_published_rates() -> None:
    transport = Answering()
    with Client(TOKEN, transport=transport, max_retry_after=1, **FAST) as client:
        for _ in range(50):  # Tier 3: 50 a minute, all at once for an idle client
            client.calls.end(id="R1")
        with pytest.raises(SlackRateLimitedError, match="not sent") as raised:
            client.calls.end(id="R1")
    assert transport.sent == 50
    assert 59 < (raised.value.retry_after or 0) <= 60


def test_off_by_default_for_servers_on_this_machine_and_mocks(server: SlackServer) -> None:
    with Client(TOKEN, base_url=server.url, **FAST) as client:
        for _ in range(60):
            client.calls.end(id="R1")
    assert len(server.requests) == 60
    transport = Answering()
    with Client(TOKEN, transport=transport, rate_limits=False) as client:
        for _ in range(60):
            client.calls.end(id="R1")
    assert transport.sent == 60


def test_identities_are_keyed_hashes_that_never_hold_the_token() -> None:
    limits = RateLimits()
    identity = limits.identity_of(TOKEN)
    assert len(identity) == 32 and int(identity, 16) >= 0
    assert TOKEN not in identity and not any(part in identity for part in TOKEN.split("-") if len(part) > 3)
    assert RateLimits().identity_of(TOKEN) == identity  # the same in every process: keys agree
    assert RateLimits(secret=b"ours").identity_of(TOKEN) != identity
    assert limits.identity_of("xoxb-other") != identity
    assert RateLimits(identity="T0123-A0456").identity_of(TOKEN) == "T0123-A0456"
    throttle = limits.throttle(TOKEN, "calls.info", 3)
    assert throttle.key == f"{identity}:calls.info" and throttle.rate == Rate(50, per=60.0)


def test_a_limiter_of_ones_own_is_asked_with_keys_and_rates_only(server: SlackServer) -> None:
    class Recording:
        def __init__(self) -> None:
            self.calls: list[tuple[str, Rate | None]] = []
            self.pauses: list[tuple[str, float]] = []
            self.released: list[str] = []

        def acquire(self, key: str, rate: Rate, max_wait: float) -> tuple[float, str | None]:
            self.calls.append((key, rate))
            return 0.0, f"ticket{len(self.calls)}"

        def release(self, key: str, rate: Rate, ticket: str) -> None:
            self.released.append(ticket)

        def pause(self, key: str, seconds: float) -> None:
            self.pauses.append((key, seconds))

        def paused(self, key: str) -> float:
            return 0.0

    recording = Recording()
    server.reply(rate_limited(0))
    with Client(TOKEN, base_url=server.url, rate_limits=RateLimits(limiter=recording), **FAST) as client:
        client.calls.info(id="R1")
    key = RateLimits().identity_of(TOKEN) + ":calls.info"
    assert recording.calls == [(key, Rate(50)), (key, Rate(50))]  # the 429, then its retry
    assert recording.pauses == [(key, 0.0)]
    assert recording.released == ["ticket1", "ticket2"]  # each attempt's slot, once it was answered
    with pytest.raises(TypeError, match="limiter must have"):
        RateLimits(limiter=object())  # type: ignore[arg-type]


def test_the_local_limiter_holds_a_slot_until_a_window_after_the_answer() -> None:
    limiter = LocalLimiter()
    rate = Rate(3, per=10.0)
    first = [limiter.acquire("k", rate, 60) for _ in range(3)]
    assert [wait for wait, _ in first] == [0, 0, 0]  # an idle key: the whole window at once
    assert limiter.acquire("k", rate, 60)[1] is None  # all three in flight: ask again soon
    for _, ticket in first:
        assert ticket is not None
        limiter.release("k", rate, ticket)
    later = [limiter.acquire("k", rate, 60) for _ in range(3)]
    assert all(9.9 < wait <= 10 and ticket for wait, ticket in later)  # a window after the answers
    wait, ticket = limiter.acquire("k", rate, 60)
    assert ticket is None  # those three hold every slot again
    assert limiter.acquire("other", rate, 0)[0] == 0  # keys are independent
    limiter.pause("other", 5)
    wait, ticket = limiter.acquire("other", rate, 60)
    assert 4.9 < wait <= 5 and ticket and 4.9 < limiter.paused("other") <= 5
    wait, ticket = limiter.acquire("other", rate, 1)
    assert wait > 1 and ticket is None  # too far: refused, and nothing reserved
    with pytest.raises(ValueError):
        Rate(0)
