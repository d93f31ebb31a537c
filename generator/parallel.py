"""Run CPU-bound stages in forked worker processes, so validating and formatting overlap.

Forking shares what the parent already loaded (the spec, black) at no cost, where a fresh
interpreter would import and parse it all again. Work forks only where `os.fork` exists and the
process runs a single thread (forking a threaded process can deadlock); elsewhere it runs in this
process, at once, so results never depend on the platform. A worker that fails in any way (an
exception, a crash, being killed) reports nothing: its work is re-run here, so a real error
surfaces with its usual message and exit code. `GENERATOR_WORKERS=1` turns forking off.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
ENVIRONMENT = "GENERATOR_WORKERS"


def workers() -> int:
    """How many processes may compute at once: the CPUs this process may use, or the override."""
    override = os.environ.get(ENVIRONMENT, "")
    if override.isdigit() and int(override) > 0:
        return int(override)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    threading = sys.modules.get("threading")
    single_threaded = threading is None or threading.active_count() == 1
    return hasattr(os, "fork") and single_threaded and workers() > 1


class Tickets:
    """The numbers 0..count-1, each handed out once across this process and its forked workers,
    so whoever is free takes the next piece of work.

    A pipe holds them, four bytes each, all written before any worker starts: a read of four bytes
    from it is atomic, and the end of the pipe means no work is left."""

    LIMIT = 1024  # numbers in flight at most: 4 KiB, within every pipe's buffer

    def __init__(self, count: int) -> None:
        self.count = min(count, self.LIMIT)
        self._read, write = os.pipe()
        try:
            os.write(write, b"".join(number.to_bytes(4, "little") for number in range(self.count)))
        finally:
            os.close(write)

    def __iter__(self) -> Iterator[int]:
        while True:
            data = os.read(self._read, 4)
            while data and len(data) < 4:  # never split in practice; complete it if it ever were
                data += os.read(self._read, 4 - len(data))
            if len(data) < 4:
                return
            yield int.from_bytes(data, "little")

    def close(self) -> None:
        os.close(self._read)


class Task(Generic[T]):
    """`function(*args)`, computed in a forked child when possible; `result()` collects it."""

    _value: T

    def __init__(self, function: Callable[..., T], *args: object) -> None:
        self._function, self._args = function, args
        self._pid = 0
        self._pipe = -1
        if can_fork():
            self._start()
        else:
            self._value = function(*args)

    def _start(self) -> None:
        read, write = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # or the child could print the parent's pending output again
        pid = os.fork()
        if pid == 0:  # the child: compute, send, and leave without running the parent's cleanup
            code = 1
            try:
                gc.freeze()  # what it inherited lives until it exits: not for its collector to walk (or copy)
                os.close(read)
                data = pickle.dumps(self._function(*self._args), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._pid, self._pipe = pid, read

    def result(self) -> T:
        if self._pid:
            with os.fdopen(self._pipe, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
            # the pipe carries only what our own forked child pickled
            self._value = pickle.loads(data) if status == 0 else self._function(*self._args)
        return self._value

    def cancel(self) -> None:
        """Stop the worker, if any, and forget its result."""
        if self._pid:
            os.kill(self._pid, signal.SIGKILL)
            os.close(self._pipe)
            os.waitpid(self._pid, 0)
            self._pid = 0
