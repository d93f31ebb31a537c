"""Whole-spec packages for the wire-convention, idempotency and tolerance tests, generated once per
test session (whichever module asks first) into a temporary folder.

`SPECS` names every spec the conventions must hold for: `spec/calls.yaml`, Slack's 2020 spec, and
`spec/slack_web.yaml` (the current API, converted from Slack's method reference) once it exists.
Slack's 2020 spec lives beside the checkout (../shared/reference) or where
SLACK_REFERENCE_SPECS says; a missing one fails its tests, never skips them.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from conftest import ROOT

from generator import build_api, generate
from generator.config import Options
from generator.model import Api
from generator.output import write

REFERENCE = Path(os.environ.get("SLACK_REFERENCE_SPECS", ROOT.parent / "shared" / "reference"))
SPECS: dict[str, Path] = {
    "calls": ROOT / "spec" / "calls.yaml",
    "slack-2020": REFERENCE / "slack_web_openapi_v2.json",
}
if (ROOT / "spec" / "slack_web.yaml").is_file():
    SPECS["slack-web"] = ROOT / "spec" / "slack_web.yaml"
MISSING = "<spec missing>"


@functools.cache
def raw_spec(key: str) -> dict[str, Any]:
    """The spec as written (for what the tests check independently of the generator's model)."""
    path = SPECS[key]
    if not path.is_file():
        pytest.fail(f"{path} is missing (set SLACK_REFERENCE_SPECS to the folder of Slack's specs)")
    text = path.read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return data


def method_names(key: str) -> list[str]:
    """Every Slack method of the spec, for parametrising at collection time."""
    if not SPECS[key].is_file():
        return [MISSING]  # its test fails in `package`, naming the file
    return sorted(path.strip("/") for path in raw_spec(key)["paths"])


@functools.cache
def package(key: str) -> tuple[ModuleType, Api]:
    """The whole spec as one generated package, imported, and the model it was generated from."""
    raw_spec(key)  # fails clearly when the spec is missing
    out = Path(tempfile.mkdtemp(prefix="wire-"))
    atexit.register(shutil.rmtree, out, True)
    name = "slack_wire_" + key.replace("-", "_")
    options = Options(spec=SPECS[key], out=out, package=name, root=ROOT)
    write(generate(options), out)
    sys.path.insert(0, str(out))
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        module = importlib.import_module(name)
    finally:
        sys.path.remove(str(out))
        sys.dont_write_bytecode = writes_bytecode
    return module, build_api(options)
