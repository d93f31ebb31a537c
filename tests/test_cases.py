"""Small specs with one tricky thing each, in `tests/cases/<name>/`, and what they must give.

A case folder holds `spec.yaml` (or `spec.json`), optionally `case.toml` (`families`, `strict`),
and `expected/`: either `error.txt`, the exact message of the `SpecError` the spec must raise, or
the output: `api.txt` (every method as a caller sees it: Python path, how it is sent, arguments
with their types and wire names), `models.py` (the generated module) and `warnings.txt` (what the
generator approximated, one per line; empty when nothing).

After an intended change, rewrite the expected files with `UPDATE_EXPECTED=1 pytest
tests/test_cases.py` and review the diff.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from generator import build_api
from generator.config import Options
from generator.errors import Problem, SpecError
from generator.format import format_files
from generator.model import Api
from generator.render import environment, render

CASES = Path(__file__).resolve().parent / "cases"
UPDATE = os.environ.get("UPDATE_EXPECTED") == "1"


def describe(api: Api) -> str:
    lines = []
    for method in api.methods:
        body = {"form": "form body", "json": "JSON body", "none": "query string", "multipart": "multipart body"}[method.body_encoding]
        lines.append(f"client.{method.python_path}  <- {method.http_method} {method.path}, {body} "
                     f"-> {method.response}")
        for p in method.parameters:
            default = "" if p.required else " = None"
            wire = f"  (wire {p.wire_name!r})" if p.wire_name != p.name else ""
            encoded = "  (sent as JSON)" if p.json_encoded else ""
            lines.append(f"    {p.name}: {p.annotation}{default}{wire}{encoded}")
        if method.idempotent:
            lines.append("    idempotent: may be resent after an ambiguous failure")
        if method.basic_auth:
            lines.append("    client_id/client_secret as HTTP Basic, no Bearer token")
        if method.post_reason:
            lines.append(f"    POST, not the spec's GET: {method.post_reason}")
        if method.scopes:
            lines.append(f"    scopes: {', '.join(method.scopes)}")
        if method.errors:
            lines.append(f"    errors: {', '.join(e.code for e in method.errors)}")
    return "\n".join(lines) + "\n"


def outcome(case: Path) -> dict[str, str]:
    """What the generator makes of the case: {expected file name: text}."""
    settings = tomllib.loads((case / "case.toml").read_text()) if (case / "case.toml").is_file() else {}
    spec = next(case.glob("spec.*"))
    options = Options(spec=Path(spec.name), out=case / "out", package="case", root=case,
                      families=tuple(settings.get("families", ())), strict=bool(settings.get("strict", False)))
    warnings: list[Problem] = []
    try:
        api = build_api(options, warnings)
    except SpecError as exc:
        return {"error.txt": f"{exc}\n"}
    models = format_files({"models.py": render(api, environment())["case/models.py"]})["models.py"]
    return {"api.txt": describe(api), "models.py": models,
            "warnings.txt": "".join(f"{problem}\n" for problem in warnings)}


@pytest.mark.parametrize("name", sorted(path.name for path in CASES.iterdir() if path.is_dir()))
def test_case(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case = CASES / name
    monkeypatch.chdir(case)  # messages name the spec as the user typed it: spec.yaml
    actual = outcome(case)
    expected_dir = case / "expected"
    if UPDATE:
        expected_dir.mkdir(exist_ok=True)
        for stale in expected_dir.iterdir():
            stale.unlink()
        for file, text in actual.items():
            (expected_dir / file).write_text(text, encoding="utf-8")
    expected = {path.name: path.read_text(encoding="utf-8") for path in sorted(expected_dir.iterdir())}
    assert sorted(expected) == sorted(actual), f"{name}: expected {sorted(expected)}, got {sorted(actual)}"
    for file, text in expected.items():
        assert actual[file] == text, f"{name}/expected/{file} differs"
