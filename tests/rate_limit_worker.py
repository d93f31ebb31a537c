"""One worker process of the shared-budget tests and benchmark: calls `calls.info` on a fake
Slack from THREADS threads, sharing its rate limits with other workers through Redis.

    python tests/rate_limit_worker.py SLACK_URL REDIS_URL LIMIT PER THREADS CLOCK_OFFSET

Each call takes a ticket from the Redis counter `tickets` and the run stops when `total` tickets
are out, so the workers together make exactly that many calls. The worker waits for the key
`go` before its first call (its connections already open) and prints one JSON line: its calls,
the SlackRateLimitedErrors it met, the WARNINGs it logged and when each call was answered (on
the machine's monotonic clock, whatever CLOCK_OFFSET says). CLOCK_OFFSET seconds are added to
this process's clocks (`time.time`, `time.monotonic`): machines whose clocks disagree.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generated"))


def main() -> None:
    slack_url, redis_url, limit, per, threads, offset = sys.argv[1:7]
    skew = float(offset)
    real_time, real_monotonic = time.time, time.monotonic
    if skew:
        time.time = lambda: real_time() + skew  # type: ignore[assignment]
        time.monotonic = lambda: real_monotonic() + skew  # type: ignore[assignment]
    import redis
    from slack_calls import Client, Rate, RateLimits, RedisLimiter, SlackRateLimitedError

    warnings: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    logging.getLogger("slack_calls").addHandler(Keep())
    store = redis.Redis.from_url(redis_url)
    limiter = RedisLimiter(redis_url)
    limits = RateLimits({3: Rate(int(limit), per=float(per))}, limiter=limiter)
    client = Client("xoxb-shared-workspace-token", base_url=slack_url, rate_limits=limits)
    total = int(store.get("total") or 0)
    calls = refused = 0
    answered: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        nonlocal calls, refused
        client.calls.end(id="warm-up", rate_limit=False)  # open a connection, outside the budget
        while not store.exists("go"):
            time.sleep(0.002)
        while store.incr("tickets") <= total:
            try:
                client.calls.info(id="R1")
                answered.append(real_monotonic())  # the machine's clock, as the fake Slack's
            except SlackRateLimitedError:
                with lock:
                    refused += 1
            with lock:
                calls += 1

    workers = [threading.Thread(target=work) for _ in range(int(threads))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    client.close()
    limiter.close()
    report = {"calls": calls, "errors": refused, "warnings": warnings, "answered": answered}
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
