"""Shared fixtures: the project's paths, the generated package, and a loopback Slack server."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from loopback import SlackServer

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


@pytest.fixture(autouse=True)
def cache_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI caches in the user's cache directory by default; tests use a cache of their own instead."""
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "generator-cache"))


@pytest.fixture
def server() -> Iterator[SlackServer]:
    with SlackServer() as running:
        yield running
