"""Memory while uploading a 1 GiB file: the client process's peak RSS stays flat.

    python benchmarks/upload.py [--size-mib N]

A 1 GiB file is written to a temporary folder, and a server on 127.0.0.1 (in this process) takes
the uploads, reading each body 1 MiB at a time, counting its bytes and throwing them away. Each
upload runs in a fresh process of its own (so the figure is the client's alone), which prints its
peak resident set size (VmHWM on Linux) after building a client and after the upload:

- `files.upload multipart (blocking)`: a generated method with a binary field, given the path;
- `files.upload multipart (async)`: the same through `AsyncClient` and httpx;
- `files.upload_files (blocking)` / `(async)`: the helper: getUploadURLExternal, the raw POST to
  the upload URL, completeUploadExternal.

The package is generated from tests/specs/walks.yaml into a temporary folder. Target: the peak RSS
of every client process under 100 MiB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CONTENDERS = ("files.upload multipart (blocking)", "files.upload multipart (async)",
              "files.upload_files (blocking)", "files.upload_files (async)")
TARGET_MIB = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--worker", nargs=4, metavar=("CONTENDER", "URL", "PACKAGES", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(*args.worker)

    from walks_support import write_package

    with tempfile.TemporaryDirectory() as folder:
        packages = Path(folder) / "packages"
        write_package(packages)
        big = Path(folder) / "big.bin"
        with big.open("wb") as file:  # real bytes, not a sparse file: the disk is read as for any file
            block = bytes(range(256)) * 4096
            for _ in range(args.size_mib):
                file.write(block)
        received: list[int] = []
        server = ThreadingHTTPServer(("127.0.0.1", 0), sink(received))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        print(f"uploading {args.size_mib} MiB on 127.0.0.1, one fresh client process each "
              f"(Python {sys.version.split()[0]})")
        print(f"  {'':<36} {'MiB/s':>7} {'RSS before':>11} {'peak RSS':>9}   target < {TARGET_MIB} MiB")
        for name in CONTENDERS:
            received.clear()
            start = time.perf_counter()
            result = subprocess.run([sys.executable, __file__, "--worker", name, url, str(packages), str(big)],
                                    check=True, capture_output=True, text=True)
            seconds = time.perf_counter() - start
            before, peak = json.loads(result.stdout)
            assert max(received, default=0) >= big.stat().st_size, f"{name}: the server got {received}"
            verdict = "ok" if peak < TARGET_MIB else "OVER"
            print(f"  {name:<36} {args.size_mib / seconds:7.0f} {before:8.1f} MiB {peak:6.1f} MiB   {verdict}")
        server.shutdown()
    return 0


def sink(received: list[int]) -> type[BaseHTTPRequestHandler]:
    """A handler that plays Slack and the upload host, reading bodies a MiB at a time."""

    class Sink(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            left = int(self.headers.get("Content-Length") or 0)
            total = left
            while left:
                chunk = self.rfile.read(min(left, 1 << 20))
                if not chunk:
                    break
                left -= len(chunk)
            received.append(total - left)
            base = f"http://127.0.0.1:{self.server.server_address[1]}/"
            answer = {"/files.upload": {"ok": True, "file": {"id": "F1"}},
                      "/files.getUploadURLExternal": {"ok": True, "file_id": "F1", "upload_url": base + "upload/F1"},
                      "/files.completeUploadExternal": {"ok": True, "files": [{"id": "F1"}]}}.get(self.path)
            body = json.dumps(answer).encode() if answer else b"OK"
            self.send_response(200)
            self.send_header("Content-Type", "application/json" if answer else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Sink


def worker(name: str, url: str, packages: str, file: str) -> int:
    """Upload `file` once; print the peak RSS before and after, in MiB."""
    import asyncio

    sys.path.insert(0, packages)
    from slack_walks import AsyncClient, Client

    path = Path(file)
    options = {"token": "xoxb-benchmark", "base_url": url, "timeout": 120.0}
    Client(**options)  # loaded and built before the first figure, as in an application
    before = peak_rss()
    helper = "upload_files" in name
    if "async" in name:
        async def run() -> None:
            async with AsyncClient(**options) as client:
                if helper:
                    await client.files.upload_files([path])
                else:
                    await client.files.upload(file=path)

        asyncio.run(run())
    else:
        with Client(**options) as client:
            if helper:
                client.files.upload_files([path])
            else:
                client.files.upload(file=path)
    peak = peak_rss()
    print(json.dumps([before, peak]))
    return 0


def peak_rss() -> float:
    """This process's peak resident set size in MiB: VmHWM on Linux (ru_maxrss there would keep
    the figure of the parent process it was forked from), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


if __name__ == "__main__":
    sys.exit(main())
