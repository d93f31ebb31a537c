"""The package generated from tests/specs/walks.yaml (pagination, multipart bodies, uploads),
written once per test session into a temporary folder and imported from there."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

from conftest import ROOT

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
