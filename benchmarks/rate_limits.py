"""Rate limits before the 429: refusals and the share of the allowed rate, limiter on and off,
against slack_sdk's retry handler.

    python benchmarks/rate_limits.py [--limit 50] [--per 1.0] [--windows 2]

A fake Slack in its own process (tests/rate_limited_slack.py) enforces Tier 3 scaled from a
minute to `--per` seconds: at most `--limit` calls of `calls.info` in any `--per` seconds per
token, HTTP 429 with `Retry-After` (whole seconds, as Slack sends it) beyond. Each run makes
`windows * limit + 1` successful calls, which a perfect client needs exactly `windows` windows
for, in three shapes:

- 16 threads of one process (one `Client`; slack_sdk: one `WebClient`);
- 100 tasks of one event loop (one `AsyncClient`; slack_sdk: one `AsyncWebClient`);
- 8 processes of 2 threads, sharing the budget through a Redis server (`RedisLimiter`; a real
  `redis-server` on loopback, started here) - slack_sdk has nothing to share, each process only
  reacts to its own 429s.

Contenders: the generated client with its limiter (default settings but the scaled rate), the same with
`rate_limits=False` (it retries 429s after Retry-After, up to 5 times), and slack_sdk with its
`RateLimitErrorRetryHandler` (up to 5 retries). Printed per run: 429s Slack sent, calls that
failed all the same, seconds, and the achieved share of the allowed rate (calls after the first
per second, against limit/per). Workers run on a virtual environment under .cache/ with
slack_sdk, aiohttp, httpx and redis (installed on the first run; PyPI must be reachable).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENT = ROOT / ".cache" / "bench-rate-limits-venv"
PYTHON = ENVIRONMENT / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
PACKAGES = ["slack_sdk>=3.27,<4", "aiohttp>=3.9", "httpx>=0.27,<1", "redis>=5"]
CONTENDERS = ("slack_calls limiter", "slack_calls no limiter", "slack_sdk retry handler")
SHAPES = ("16 threads", "100 tasks", "8 processes + Redis")
RETRIES = 5
TOKEN = "xoxb-benchmark-workspace"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--per", type=float, default=1.0)
    parser.add_argument("--windows", type=int, default=2)
    parser.add_argument("--worker", nargs=5, metavar=("CONTENDER", "SHAPE", "SLACK", "REDIS", "THREADS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(*args.worker, limit=args.limit, per=args.per)
    ensure_environment()
    sys.path[:0] = [str(ROOT / "tests")]
    from rate_limited_slack import RateLimitedSlackProcess, achieved
    from redis_server import RedisServer

    calls = args.windows * args.limit + 1
    print(f"Tier 3 scaled: {args.limit} calls per {args.per:g} s; {calls} calls per run "
          f"(a perfect client: {args.windows * args.per:g} s)\n")
    print(f"{'shape':22} {'contender':26} {'429s':>6} {'failed':>7} {'seconds':>8} {'of allowed rate':>16}")
    with tempfile.TemporaryDirectory() as folder, RedisServer(Path(folder)) as redis_server:
        import redis

        store = redis.Redis.from_url(redis_server.url)
        for shape in SHAPES:
            for contender in CONTENDERS:
                store.flushall()
                store.set("total", calls)
                with RateLimitedSlackProcess(args.limit, args.per) as slack:
                    started = time.monotonic()
                    processes = 8 if shape.startswith("8") else 1
                    command = [str(PYTHON), __file__, "--limit", str(args.limit), "--per", str(args.per),
                               "--worker", contender, shape, slack.url, redis_server.url,
                               "2" if processes > 1 else "16"]
                    workers = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
                               for _ in range(processes)]
                    while store.get("ready") is None or int(store.get("ready") or 0) < processes:
                        time.sleep(0.01)
                    store.set("go", 1)
                    reports = [json.loads(w.communicate()[0]) for w in workers]
                    elapsed = time.monotonic() - started
                    stats = slack.stats()
                accepted = stats["accepted"].get("calls.info", [])
                refused = len(stats["refused"].get("calls.info", []))
                failed = sum(report["failed"] for report in reports)
                share = achieved(accepted, args.limit, args.per)
                print(f"{shape:22} {contender:26} {refused:6d} {failed:7d} {elapsed:8.2f} {share:15.0%}",
                      flush=True)
        store.close()
    return 0


def ensure_environment() -> None:
    probe = [str(PYTHON), "-c", "import slack_sdk, aiohttp, httpx, redis"]
    if PYTHON.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return
    print(f"installing {', '.join(PACKAGES)} into {ENVIRONMENT.relative_to(ROOT)} ...", file=sys.stderr)
    venv.create(ENVIRONMENT, with_pip=True, clear=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)


def worker(contender: str, shape: str, slack_url: str, redis_url: str, threads: str, *, limit: int,
           per: float) -> int:
    """One process of a run: prints {"failed": N}."""
    import asyncio
    import threading

    import redis

    sys.path.insert(0, str(ROOT / "generated"))
    store = redis.Redis.from_url(redis_url)
    total = int(store.get("total") or 0)
    failed = 0
    lock = threading.Lock()

    def ready_and_wait() -> None:
        store.incr("ready")
        while not store.exists("go"):
            time.sleep(0.002)

    if shape == "100 tasks":
        async def run() -> None:
            nonlocal failed
            call, close = await async_contender(contender, slack_url, limit, per)
            tickets = iter(range(total))
            ready_and_wait()

            async def work() -> None:
                nonlocal failed
                for _ in tickets:
                    try:
                        await call()
                    except Exception:  # noqa: BLE001 - any failure of either client counts
                        failed += 1

            await asyncio.gather(*(work() for _ in range(100)))
            await close()

        asyncio.run(run())
    else:
        call, warm = sync_contender(contender, slack_url, redis_url if shape.startswith("8") else None, limit, per)
        started = threading.Barrier(int(threads) + 1)

        def work() -> None:
            nonlocal failed
            warm()
            started.wait()
            started.wait()
            while store.incr("tickets") <= total:
                try:
                    call()
                except Exception:  # noqa: BLE001 - any failure of either client counts
                    with lock:
                        failed += 1

        workers = [threading.Thread(target=work) for _ in range(int(threads))]
        for thread in workers:
            thread.start()
        started.wait()  # every thread has its connection
        ready_and_wait()
        started.wait()
        for thread in workers:
            thread.join()
    print(json.dumps({"failed": failed}))
    return 0


def sync_contender(contender: str, url: str, redis_url: str | None, limit: int, per: float):  # type: ignore[no-untyped-def]
    """(one call, a warm-up that opens this thread's connection outside the budget)."""
    if contender == "slack_sdk retry handler":
        from slack_sdk import WebClient
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

        sdk = WebClient(token=TOKEN, base_url=url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=RETRIES)])
        return (lambda: sdk.calls_info(id="R1")), (lambda: None)  # urllib: a new connection per call
    from slack_calls import Client, Rate, RateLimits, RedisLimiter

    if contender == "slack_calls limiter":
        limiter = RedisLimiter(redis_url) if redis_url else None
        limits: RateLimits | bool = RateLimits({3: Rate(limit, per=per)}, limiter=limiter)
    else:
        limits = False
    client = Client(TOKEN, base_url=url, rate_limits=limits, max_retries=RETRIES)
    return (lambda: client.calls.info(id="R1")), (lambda: client.calls.end(id="warm-up", rate_limit=False))


async def async_contender(contender: str, url: str, limit: int, per: float):  # type: ignore[no-untyped-def]
    """(one call, close), with every connection opened already."""
    import asyncio

    if contender == "slack_sdk retry handler":
        from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
        from slack_sdk.web.async_client import AsyncWebClient

        sdk = AsyncWebClient(token=TOKEN, base_url=url,
                             retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=RETRIES)])

        async def nothing() -> None:
            pass

        return (lambda: sdk.calls_info(id="R1")), nothing
    from slack_calls import AsyncClient, Rate, RateLimits

    limits: RateLimits | bool = RateLimits({3: Rate(limit, per=per)}) \
        if contender == "slack_calls limiter" else False
    client = AsyncClient(TOKEN, base_url=url, rate_limits=limits, max_retries=RETRIES)
    await asyncio.gather(*(client.calls.end(id="warm-up", rate_limit=False) for _ in range(100)))
    return (lambda: client.calls.info(id="R1")), client.aclose


if __name__ == "__main__":
    sys.exit(main())
