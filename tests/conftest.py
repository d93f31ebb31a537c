"""Shared fixtures: the project's paths, the generated package, and a loopback Slack server.

Expensive work is done once per session and shared: `calls_files` (the configured target,
generated without a cache), `mypy_strict` (every run of `mypy --strict` shares one cache, so the
standard library's stubs are analysed once, not at every run: about 1.4 s of CPU each) and
`format_cache` (black's output for each distinct text).
New tests should use them rather than generate or type-check from scratch.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from loopback import SlackServer

from generator.cache import Cache

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
SPEC = ROOT / "spec" / "calls.yaml"
REGENERATE = "python3 scripts/dev.py generate"


@pytest.fixture(scope="session")
def slack_calls() -> ModuleType:
    """The committed generated package, imported from generated/ as a user would vendor it."""
    sys.path.insert(0, str(GENERATED))
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # tests never write into generated/
    try:
        return importlib.import_module("slack_calls")
    finally:
        sys.path.remove(str(GENERATED))
        sys.dont_write_bytecode = writes_bytecode


@pytest.fixture(scope="session")
def calls_files() -> dict[str, str]:
    """What `python -m generator` makes of the project's configuration ({path: text}, manifest
    included), generated once without any cache. Shared: do not modify it."""
    from generator import generate
    from generator.config import load_options

    return generate(load_options({}, ROOT))


@pytest.fixture(scope="session")
def format_cache(tmp_path_factory: pytest.TempPathFactory) -> Cache:
    """For `format_files(files, format_cache)`: black formats each distinct text once per session
    (the runtime modules every generated package shares, for one), byte-identical to formatting it
    again (tests/test_cache.py)."""
    return Cache(tmp_path_factory.mktemp("format-cache"))


MypyRun = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def mypy_strict(tmp_path_factory: pytest.TempPathFactory) -> MypyRun:
    """`mypy_strict(*targets, cwd=..., env=...)` runs `mypy --strict` on generated code with the
    session's shared cache (fresh each session, so nothing carries over between runs of the suite)."""
    cache = tmp_path_factory.mktemp("mypy-cache")

    def run(*targets: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), *targets],
                              cwd=cwd, env=env if env is not None else dict(os.environ), capture_output=True,
                              text=True, check=False)

    return run


@pytest.fixture(autouse=True)
def cache_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI caches in the user's cache directory by default; tests use a cache of their own instead."""
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "generator-cache"))


@pytest.fixture
def server() -> Iterator[SlackServer]:
    with SlackServer() as running:
        yield running


@pytest.fixture(scope="module")
def shared_server() -> Iterator[SlackServer]:
    """One loopback server for a module whose `server` fixture resets it for each test."""
    with SlackServer() as running:
        yield running


@pytest.fixture(scope="session")
def walks_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package generated from tests/specs/walks.yaml, once per session (see walks_support)."""
    from walks_support import write_package

    return write_package(tmp_path_factory.mktemp("walks"))


@pytest.fixture(scope="session")
def slack_walks(walks_folder: Path) -> ModuleType:
    from walks_support import import_package

    return import_package(walks_folder)
