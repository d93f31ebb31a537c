"""Round trips per second of the generated client, against slack_sdk and a bare http.client loop.

    python benchmarks/client.py [--calls N] [--rounds R]

One local server (tests/loopback.py: a real HTTP server on 127.0.0.1 that answers in one send with
TCP_NODELAY, so Nagle's algorithm does not stall kept-alive round trips) answers `calls.info` for
four contenders, each run in its own process so none shares the server's interpreter:

- `slack_calls`: the generated client, `client.calls.info(id=...)`;
- `slack_sdk`: `WebClient.calls_info(id=...)` (a new connection per call, as urllib does);
- `bare http.client`: one kept-alive `http.client` connection with the same timeout, sending the
  very request the generated client sends (same headers), reading the answer, parsing nothing;
- `slack_calls transport`: the generated client's HTTP layer alone (`HttpTransport.send` of a
  request built once), to show what the pool costs apart from building requests and decoding.

Last, where the generated client's own time goes: a whole call on a transport that answers at
once, and the part of it spent decoding (JSON, then the checked, typed models).

Rounds alternate the contenders; the figures are the median and the best round of each (the best
is the least disturbed by whatever else the machine runs; the medians are the figures to quote). Then each package's import time, and
its import plus building a client, measured inside fresh processes, median of many. slack_sdk is
installed into its own virtual environment under .cache/ on the first run (PyPI must be
reachable). Both packages are imported from compiled bytecode, as after `pip install`: the
generated one is copied from generated/ into a temporary folder and compiled there. Every
contender runs on that environment's Python.

Targets: at least 2x slack_sdk's throughput, at least 0.85x the bare loop, and an import at most
half as slow as `import slack_sdk`.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENT = ROOT / ".cache" / "benchmark-venv"
PYTHON = ENVIRONMENT / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
SLACK_SDK = "slack_sdk>=3.27,<4"
CALL_ID = "R0E69JAIF"
CALL = {
    "ok": True,
    "call": {
        "id": CALL_ID,
        "date_start": 1562002086,
        "external_unique_id": "025169F6-E37A-4E62-BB54-7F93A0FC4C1F",
        "join_url": "https://example.com/calls/1234567890",
        "desktop_app_join_url": "callapp://join/1234567890",
        "external_display_id": "705-292-868",
        "title": "Kimpossible sync up",
        "users": [
            {"slack_id": "U0MQG83FD"},
            {"external_id": "54321678", "display_name": "Kim Possible",
             "avatar_url": "https://callmebeepme.com/users/avatar1234.jpg"},
        ],
    },
}
CONTENDERS = ("slack_calls", "slack_sdk", "bare http.client", "slack_calls transport")
TOKEN = "xoxb-benchmark"
# The bare loop sends the generated client's request byte for byte, so that the comparison
# measures the clients, not how long the server takes over different requests.
SAME_USER_AGENT = "slack_calls (Python; generated from the Slack OpenAPI spec)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per contender and round")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--imports", type=int, default=15, help="fresh processes per import timing")
    parser.add_argument("--worker", nargs=3, metavar=("CONTENDER", "URL", "PACKAGES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(*args.worker, calls=args.calls)

    ensure_environment()
    sys.path.insert(0, str(ROOT / "tests"))
    from loopback import Reply, SlackServer

    with tempfile.TemporaryDirectory() as packages:
        shutil.copytree(ROOT / "generated" / "slack_calls", Path(packages) / "slack_calls")
        compileall.compile_dir(packages, quiet=1)
        rates: dict[str, list[float]] = {name: [] for name in CONTENDERS}
        with SlackServer() as server:
            server.default = Reply(body=CALL)
            for _ in range(args.rounds):
                for name in CONTENDERS:
                    rates[name].append(float(run_worker(name, server.url, packages, args.calls)))
                    server.requests.clear()
        imports = {(name, client): import_time(name, client, packages, args.imports)
                   for client in (False, True) for name in ("slack_calls", "slack_sdk")}
        costs = json.loads(run_worker("costs", "-", packages, args.calls))

    print(f"calls.info round trips on 127.0.0.1: {args.rounds} rounds of {args.calls} calls "
          f"(Python {sys.version.split()[0]}, slack_sdk {sdk_version()})")
    print(f"  {'calls/s':<31} {'median':>7} {'best':>7}   rounds")
    for name in CONTENDERS:
        spread = " ".join(f"{rate:.0f}" for rate in rates[name])
        print(f"  {name:<31} {statistics.median(rates[name]):7.0f} {max(rates[name]):7.0f}   {spread}")
    for other, target in (("slack_sdk", ">= 2"), ("bare http.client", ">= 0.9")):
        median = statistics.median(rates["slack_calls"]) / statistics.median(rates[other])
        best = max(rates["slack_calls"]) / max(rates[other])
        print(f"  {'slack_calls / ' + other:<31} {median:6.2f}x {best:6.2f}x   target {target}")
    print(f"import, median of {args.imports} fresh processes")
    for client, label in ((False, "import"), (True, "import + first client")):
        ours, sdk = imports[("slack_calls", client)], imports[("slack_sdk", client)]
        print(f"  {label:<22} slack_calls {ours * 1000:5.1f} ms   slack_sdk {sdk * 1000:5.1f} ms   "
              f"ratio {ours / sdk:4.2f}x" + ("  (target <= 0.5)" if not client else ""))
    bare_round_trip = 1e6 / statistics.median(rates["bare http.client"])
    print("slack_calls' own work per calls.info, no network (median of 5 runs)")
    print(f"  whole call on an instant transport  {costs['call']:5.1f} us")
    print(f"    decoding: JSON + typed models     {costs['decode']:5.1f} us")
    print(f"  for scale, the bare round trip      {bare_round_trip:5.1f} us")
    return 0


def ensure_environment() -> None:
    """A virtual environment with slack_sdk, made once, apart from the project's own."""
    probe = [str(PYTHON), "-c", "import slack_sdk"]
    if PYTHON.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return
    print(f"installing {SLACK_SDK} into {ENVIRONMENT.relative_to(ROOT)} ...", file=sys.stderr)
    venv.create(ENVIRONMENT, with_pip=True, clear=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", SLACK_SDK], check=True)


WORKER_SECONDS = 300  # a worker that takes longer has hung: say which, rather than wait for ever


def run_worker(name: str, url: str, packages: str, calls: int) -> str:
    command = [str(PYTHON), __file__, "--worker", name, url, packages, "--calls", str(calls)]
    try:
        return subprocess.run(command, check=True, capture_output=True, text=True,
                              timeout=WORKER_SECONDS).stdout.strip()
    except subprocess.TimeoutExpired:
        raise SystemExit(f"the {name!r} worker did not finish {calls} calls in {WORKER_SECONDS} s") from None


def sdk_version() -> str:
    code = "import slack_sdk.version as v; print(v.__version__)"
    return subprocess.run([str(PYTHON), "-c", code], capture_output=True, text=True, check=False).stdout.strip()


def import_time(package: str, client: bool, packages: str, repeats: int) -> float:
    """Seconds to import `package` (and, with `client`, to build its client) in a new process."""
    build = {"slack_calls": "slack_calls.Client(token='xoxb-1')",
             "slack_sdk": "slack_sdk.WebClient(token='xoxb-1')"}[package] if client else "None"
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); t = time.perf_counter(); "
            f"import {package}; {build}; print(time.perf_counter() - t)")
    times = [float(subprocess.run([str(PYTHON), "-c", code, packages], check=True, capture_output=True,
                                  text=True).stdout) for _ in range(repeats)]
    return statistics.median(times)


def worker(name: str, url: str, packages: str, calls: int) -> int:
    """Time `calls` round trips after a warm-up; print calls per second."""
    import time

    sys.path.insert(0, packages)
    if name == "costs":
        print(json.dumps(own_costs(calls * 10)))
        return 0
    call = contender(name, url)
    for _ in range(200):
        call()
    start = time.perf_counter()
    for _ in range(calls):
        call()
    print(calls / (time.perf_counter() - start))
    return 0


def own_costs(calls: int) -> dict[str, float]:
    """Microseconds per call of the generated client's own work: a whole call, and decoding."""
    import time

    from slack_calls import CallResponse, Client, Response

    body = json.dumps(CALL).encode()
    answer = Response(200, {"content-type": "application/json"}, body)

    class Instant:
        def send(self, request: object) -> Response:
            return answer

        def close(self) -> None:
            pass

    client = Client(token=TOKEN, transport=Instant(), rate_limits=False)  # its own work, not waits for slots

    def decode() -> object:
        return CallResponse.from_response(json.loads(body.decode()), 200, answer.headers)

    costs: dict[str, list[float]] = {"call": [], "decode": []}
    for _ in range(5):
        for name, work in (("call", lambda: client.calls.info(id=CALL_ID)), ("decode", decode)):
            start = time.perf_counter()
            for _ in range(calls):
                work()
            costs[name].append((time.perf_counter() - start) / calls * 1e6)
    return {name: statistics.median(values) for name, values in costs.items()}


def contender(name: str, url: str):  # type: ignore[no-untyped-def]
    if name == "slack_calls":
        from slack_calls import Client

        client = Client(token=TOKEN, base_url=url)
        return lambda: client.calls.info(id=CALL_ID)
    if name == "slack_calls transport":
        from slack_calls import HttpTransport, Request

        transport = HttpTransport()
        headers = {"Accept": "application/json", "User-Agent": SAME_USER_AGENT, "Authorization": f"Bearer {TOKEN}"}
        request = Request("GET", f"{url}calls.info?id={CALL_ID}", headers, None, 30.0, True)
        return lambda: transport.send(request)
    if name == "slack_sdk":
        from slack_sdk import WebClient

        sdk = WebClient(token=TOKEN, base_url=url)
        return lambda: sdk.calls_info(id=CALL_ID)
    import http.client
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    connection.connect()
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    headers = {"Accept": "application/json", "User-Agent": SAME_USER_AGENT, "Authorization": f"Bearer {TOKEN}"}

    def bare() -> None:
        connection.request("GET", f"/calls.info?id={CALL_ID}", headers=headers)
        connection.getresponse().read()

    return bare


if __name__ == "__main__":
    sys.exit(main())
