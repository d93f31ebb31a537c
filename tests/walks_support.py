"""The package generated from tests/specs/walks.yaml (pagination, multipart bodies, uploads),
written once per test session into a temporary folder and imported from there."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from conftest import ROOT
from loopback import SlackServer

from generator import read_spec
from generator.build import Selection, build
from generator.format import format_files
from generator.render import environment, render

SPEC = ROOT / "tests" / "specs" / "walks.yaml"
PACKAGE = "slack_walks"


def write_package(folder: Path) -> Path:
    """Generate the walks package into `folder`; returns the folder."""
    api = build(read_spec(SPEC), Selection(PACKAGE), [])
    for path, text in format_files(render(api, environment())).items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
    return folder


def import_package(folder: Path) -> ModuleType:
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))


def walk(kind: str, package: ModuleType, server: SlackServer, method: str, what: str, *, token: str,
         **arguments: Any) -> list[Any]:
    """`list(client.<method>.<what>(**arguments))` on a new blocking or async client of `package`."""
    options = {"token": token, "base_url": server.url, "backoff": 0.001, "max_backoff": 0.004}

    def target(client: Any) -> Any:
        for name in method.split("."):
            client = getattr(client, name)
        return getattr(client, what)(**arguments)

    if kind == "sync":
        with package.Client(**options) as client:
            return list(target(client))

    async def run() -> list[Any]:
        async with package.AsyncClient(**options) as client:
            return [item async for item in target(client)]

    return asyncio.run(run())
