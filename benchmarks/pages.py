"""Walking 10,000 items over loopback: the generated client's `.items()` against slack_sdk's own
iteration of the same pages.

    python benchmarks/pages.py [--items N] [--page-size P] [--rounds R]

A server on 127.0.0.1 (a plain `http.server`, answering each request in one send with TCP_NODELAY)
plays `conversations.history`: N messages in pages of P, each answer's
`response_metadata.next_cursor` naming the next page and the last one empty. Contenders, each in
its own process on the benchmark environment's Python (see benchmarks/client.py, which installs
slack_sdk there on first use):

- `slack_walks items`: `client.conversations.history.items(channel=..., limit=P)`, typed
  `Message`s, from a package generated from tests/specs/walks.yaml into a temporary folder;
- `slack_walks pages`: `.pages(...)`, counting `len(page.messages)`;
- `slack_sdk`: `for page in WebClient.conversations_history(channel=..., limit=P)`, counting
  `len(page["messages"])` (slack_sdk follows `next_cursor` when its response is iterated);
- `bare loop`: the floor any Python client stands on: one kept-alive `http.client` connection,
  `json.loads` of each page and its `next_cursor`, no typed values, no checks.

The bare loop shows how much of a walk is the server and JSON parsing, which every contender
pays: a typed client can be at most (bare loop / slack_sdk) times as fast as slack_sdk.

Each round walks all N items once per contender; figures are items per second, the median and the
best of the rounds. Target: slack_walks items at least 2x slack_sdk.
"""

from __future__ import annotations

import argparse
import compileall
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from client import PYTHON, ensure_environment, sdk_version

CONTENDERS = ("slack_walks items", "slack_walks pages", "slack_sdk", "bare loop")
TOKEN = "xoxb-benchmark"
CHANNEL = "C0123456789"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--worker", nargs=3, metavar=("CONTENDER", "URL", "PACKAGES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(*args.worker, items=args.items, page_size=args.page_size)

    ensure_environment()
    from walks_support import write_package

    pages = answers(args.items, args.page_size)
    with tempfile.TemporaryDirectory() as packages:
        write_package(Path(packages))
        compileall.compile_dir(packages, quiet=1)
        rates: dict[str, list[float]] = {name: [] for name in CONTENDERS}
        server = page_server(pages)
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        for _ in range(args.rounds):
            for name in CONTENDERS:
                rates[name].append(float(run_worker(name, url, packages, args)))
        server.shutdown()

    print(f"conversations.history walked on 127.0.0.1: {args.items} items in pages of {args.page_size}, "
          f"{args.rounds} rounds (Python {sys.version.split()[0]}, slack_sdk {sdk_version()})")
    print(f"  {'items/s':<22} {'median':>8} {'best':>8}   rounds")
    for name in CONTENDERS:
        spread = " ".join(f"{rate:.0f}" for rate in rates[name])
        print(f"  {name:<22} {statistics.median(rates[name]):8.0f} {max(rates[name]):8.0f}   {spread}")
    for name in (*CONTENDERS[:2], "bare loop"):
        median = statistics.median(rates[name]) / statistics.median(rates["slack_sdk"])
        best = max(rates[name]) / max(rates["slack_sdk"])
        target = "the ceiling" if name == "bare loop" else "target >= 2"
        print(f"  {name + ' / slack_sdk':<22} {median:7.2f}x {best:7.2f}x   {target}")
    return 0


def answers(items: int, page_size: int) -> dict[str, bytes]:
    """Each page's JSON body by the cursor that asks for it ("" for the first)."""
    pages: dict[str, bytes] = {}
    starts = list(range(0, items, page_size))
    for number, start in enumerate(starts):
        following = f"dXNlcjpQ{number + 1:06d}" if number + 1 < len(starts) else ""
        messages = [{"type": "message", "user": "U0123456789", "text": f"message {n}", "ts": f"{1700000000 + n}.000100",
                     "team": "T0123456789"} for n in range(start, min(start + page_size, items))]
        body = {"ok": True, "messages": messages, "has_more": bool(following), "pin_count": 0,
                "response_metadata": {"next_cursor": following}}
        pages["" if number == 0 else f"dXNlcjpQ{number:06d}"] = json.dumps(body).encode()
    return pages


def page_server(pages: dict[str, bytes]) -> ThreadingHTTPServer:
    """A server answering with the page the request's `cursor` asks for, from the query string
    (the generated client sends GET arguments there) or a form body (slack_sdk POSTs them)."""

    class Pages(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.answer(urlsplit(self.path).query)

        def do_POST(self) -> None:
            self.answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())

        def answer(self, arguments: str) -> None:
            cursor = parse_qs(arguments).get("cursor", [""])[0]
            body = pages.get(cursor, b'{"ok": false, "error": "invalid_cursor"}')
            head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n")
            self.wfile.write(head.encode("latin-1") + body)  # one send, as tests/loopback.py does
            self.wfile.flush()

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_worker(name: str, url: str, packages: str, args: argparse.Namespace) -> str:
    command = [str(PYTHON), __file__, "--worker", name, url, packages, "--items", str(args.items),
               "--page-size", str(args.page_size)]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def worker(name: str, url: str, packages: str, items: int, page_size: int) -> int:
    """Walk every item once to warm up, then for at least a second (at least 3 walks) timed;
    print items per second."""
    import time

    sys.path.insert(0, packages)
    walk = contender(name, url, page_size)
    assert walk() == items, f"{name} walked the wrong number of items"
    count, walks = 0, 0
    start = time.perf_counter()
    while walks < 3 or time.perf_counter() - start < 1.0:
        count += walk()
        walks += 1
    print(count / (time.perf_counter() - start))
    return 0


def contender(name: str, url: str, page_size: int):  # type: ignore[no-untyped-def]
    if name.startswith("slack_walks"):
        from slack_walks import Client

        client = Client(token=TOKEN, base_url=url)
        if name == "slack_walks items":
            return lambda: sum(1 for _ in client.conversations.history.items(channel=CHANNEL, limit=page_size))
        return lambda: sum(len(page.messages or []) for page in
                           client.conversations.history.pages(channel=CHANNEL, limit=page_size))
    if name == "bare loop":
        return bare_loop(url, page_size)
    from slack_sdk import WebClient

    sdk = WebClient(token=TOKEN, base_url=url)
    return lambda: sum(len(page["messages"]) for page in sdk.conversations_history(channel=CHANNEL, limit=page_size))


def bare_loop(url: str, page_size: int):  # type: ignore[no-untyped-def]
    """Follow the cursor on one kept-alive connection, parsing each page's JSON and nothing else."""
    from http.client import HTTPConnection

    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    headers = {"Authorization": f"Bearer {TOKEN}"}

    def walk() -> int:
        count, cursor = 0, ""
        while True:
            connection.request("GET", f"/conversations.history?channel={CHANNEL}&limit={page_size}"
                                      f"&cursor={cursor}", headers=headers)
            page = json.loads(connection.getresponse().read())
            count += len(page["messages"])
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                return count

    return walk


if __name__ == "__main__":
    sys.exit(main())
