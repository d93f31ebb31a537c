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

from generator import build_api
from generator import model as m
from generator.config import Options
from generator.model import Api
from generator.render import environment, render

REFERENCE = Path(os.environ.get("SLACK_REFERENCE_SPECS", ROOT.parent / "shared" / "reference"))
SPECS: dict[str, Path] = {
    "calls": ROOT / "spec" / "calls.yaml",
    "slack-2020": REFERENCE / "slack_web_openapi_v2.json",
}
if (ROOT / "spec" / "slack_web.yaml").is_file():
    SPECS["slack-web"] = ROOT / "spec" / "slack_web.yaml"
MISSING = "<spec missing>"
SECRET = "s3cret-value"
TEXT = "a & b = c/é?"


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
    api = build_api(Options(spec=SPECS[key], out=out, package=name, root=ROOT))
    for path, text in render(api, environment()).items():  # black would only change the layout
        if path.startswith(f"{name}/"):
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            (out / path).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(out))
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        module = importlib.import_module(name)
    finally:
        sys.path.remove(str(out))
        sys.dont_write_bytecode = writes_bytecode
    return module, api


def value_for(parameter: m.Parameter, api: m.Api) -> Any:
    """An argument of the parameter's type, and where the type allows it, a tricky one."""
    if parameter.secret:
        return SECRET
    if parameter.json_encoded:
        kind = parameter.type
        if isinstance(kind, m.UnionOf):  # the first shape it offers (`list | str`: a list)
            kind = next(option for option in kind.options if option != m.Primitive("str"))
        if isinstance(kind, m.ListOf):
            return [{"type": "section", "text": TEXT}] if not isinstance(kind.item, m.Primitive) else ["x", "y"]
        return {"type": "modal", "title": TEXT, "n": 1, "on": True}
    return _scalar_value(parameter.type, api)


def _scalar_value(kind: m.Type, api: m.Api) -> Any:
    if isinstance(kind, m.UnionOf):
        return _scalar_value(kind.options[0], api)
    if isinstance(kind, m.EnumRef):
        return next(enum for enum in api.enums if enum.name == kind.name).values[0].value
    if isinstance(kind, m.ListOf):
        item = _scalar_value(kind.item, api)
        return [item, item] if isinstance(item, bool) else [item, f"{item}2" if isinstance(item, str) else item + 1]
    if isinstance(kind, m.Primitive):
        return {"str": TEXT, "int": 42, "float": 1.5, "bool": True, "Any": "any"}[kind.name]
    raise AssertionError(f"no scalar value for {kind}")
