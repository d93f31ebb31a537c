"""How the generated client fares against a hostile server on 127.0.0.1 (tests/raw_server.py).

    python benchmarks/hostile.py [--package DIR]

DIR holds the generated package (default: generated/, which holds slack_calls); point it at an
older copy to compare. Each scenario runs in a fresh process, killed after 30 s:

- deadline: the server sends its answer one byte every 0.2 s; `timeout=2` (each read is within
  it). Seconds until the call ends.
- size: a 256 MiB answer (blocking), a 256 KiB gzip body inflating to 256 MiB (async). The
  process's peak memory growth, and how the call ended.
- resend: a server that reads each request and hangs up; `calls.info` with `max_retries=2`.
  Requests the server saw.
- pool: 200 async tasks make 2,000 `calls.info` calls on one client. TCP connections opened.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import resource
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from raw_server import Conn, RawServer, answer_every_request, response

OK = json.dumps({"ok": True, "call": {"id": "R1", "date_start": 1, "external_unique_id": "E",
                                      "join_url": "https://example.com/"}}).encode()
TOKEN = "xoxb-benchmark-token"
SCENARIOS = ("deadline sync", "deadline async", "size sync", "size async", "resend sync", "resend async",
             "pool async")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, default=ROOT / "generated")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run(args.worker, args.package)))
        return 0
    print(f"hostile server, package from {args.package}")
    for scenario in SCENARIOS:
        started = time.monotonic()
        try:
            result = subprocess.run([sys.executable, __file__, "--package", str(args.package), "--worker", scenario],
                                    capture_output=True, text=True, timeout=30, check=False)
            shown = result.stdout.strip() or result.stderr.strip().splitlines()[-1]
        except subprocess.TimeoutExpired:
            shown = json.dumps({"outcome": "still running when killed"})
        print(f"  {scenario:16} {time.monotonic() - started:6.1f} s  {shown}")
    return 0


def run(scenario: str, package: Path) -> dict[str, Any]:
    sys.path.insert(0, str(package))
    slack_calls = importlib.import_module("slack_calls")
    what, kind = scenario.split()
    plays = {"deadline": dribble, "size": huge if kind == "sync" else bomb(), "resend": hang_up,
             "pool": answer_every_request(response(200, OK))}
    with RawServer(plays[what]) as server:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        options = {"base_url": server.url, "timeout": 2, "max_retries": 2 if what == "resend" else 0,
                   "backoff": 0.01}
        outcome = "returned"
        try:
            if what == "pool":
                pool(slack_calls, options)
            elif kind == "sync":
                with slack_calls.Client(TOKEN, **options) as client:
                    client.calls.info(id="R1")
            else:
                asyncio.run(one_async(slack_calls, options))
        except Exception as exc:  # noqa: BLE001 - what the caller meets is the figure
            outcome = f"{type(exc).__name__}: {str(exc)[:70]}"
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024
        return {"outcome": outcome, "requests": len(server.requests), "connections": server.connections,
                "peak_memory_growth_mb": grown}


async def one_async(slack_calls: Any, options: dict[str, Any]) -> None:
    async with slack_calls.AsyncClient(TOKEN, **options) as client:
        await client.calls.info(id="R1")


def pool(slack_calls: Any, options: dict[str, Any]) -> None:
    async def go() -> None:
        async with slack_calls.AsyncClient(TOKEN, **options) as client:
            async def worker() -> None:
                for _ in range(10):
                    await client.calls.info(id="R1")

            await asyncio.gather(*(worker() for _ in range(200)))

    asyncio.run(go())


def dribble(conn: Conn) -> None:
    if conn.request() is not None:
        conn.dribble(response(200, b" " * 10_000 + OK), every=0.2)


def huge(conn: Conn) -> None:
    if conn.request() is not None:
        size = 256 * 1024 * 1024
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % size)
        block = b" " * (1024 * 1024)
        for _ in range(256):
            if not conn.send(block):
                return


def bomb() -> Any:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (1024 * 1024)
    body = b"".join(packer.compress(block) for _ in range(256)) + packer.flush()
    return answer_every_request(response(200, body, "Content-Encoding: gzip"))


def hang_up(conn: Conn) -> None:
    conn.request()


if __name__ == "__main__":
    sys.exit(main())
