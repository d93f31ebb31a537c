"""Hostile names and descriptions that are valid OpenAPI become valid, inert Python.

Spec text reaches generated code only as escaped string literals, docstrings and comments; a
payload in a description, a title or a name must never run, neither when the package is imported
nor when a method is called.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, MypyRun
from loopback import SlackServer

from generator import cli

PAYLOAD = "__import__('pathlib').Path('PWNED').write_text('x')"
TEXTS = [
    f'"""; {PAYLOAD}; """',
    f"'''; {PAYLOAD}; '''",
    "ends with a backslash \\",
    'ends with a quote "',
    "{{ api.package }} {% for x in api.models %}{% endfor %} {# comment #}",
    f"control \x01\x1b[31m characters\r\nand a\u2028line separator; {PAYLOAD}",
    f"#}}\n{PAYLOAD}\n",
    "\\N{BULLET} \\u0041 \\x41 \\",
]


def hostile_spec() -> dict[str, Any]:
    """A valid spec whose every free-text field and many names are hostile."""
    properties: dict[str, Any] = {
        name: {"type": "string", "description": TEXTS[index % len(TEXTS)]}
        for index, name in enumerate(["class", "from", "self", "1st", "a-b.c", "naïve", "raw", "None", "__init__", "_decode_fields", "str", "int"])
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": TEXTS[0], "version": TEXTS[5], "description": TEXTS[1]},
        "servers": [{"url": 'https://slack.com/api"; import os; "'}],
        "paths": {
            "/evil.doThings": {
                "post": {
                    "summary": TEXTS[2], "description": TEXTS[3],
                    "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                        "type": "object", "properties": properties, "required": ["class"]}}}},
                    "responses": {"200": {"description": TEXTS[4], "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Thing"}}}}},
                },
            },
            "/evil.import": {"get": {"description": TEXTS[6], "responses": {"200": {"description": "ok"}}}},
        },
        "components": {"schemas": {"Thing": {
            "type": "object", "description": TEXTS[7], "required": ["ok"],
            "properties": {"ok": {"type": "boolean"}, **properties,
                           "kind": {"type": "string", "enum": ["a", "b-c", "class", TEXTS[0]]}},
        }}},
    }


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    spec = folder / "spec.json"
    spec.write_text(json.dumps(hostile_spec()))
    assert cli.main(["--spec", str(spec), "--out", str(folder / "out"), "--package", "evil"]) == 0
    return folder / "out"


def run_python(package: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(package)!r})\n{code}"],
                          cwd=package, capture_output=True, text=True, check=False)


def test_hostile_text_generates_code_that_imports_without_running_anything(package: Path) -> None:
    result = run_python(package, "import evil; print(evil.Client.__doc__ is not None)")
    assert result.returncode == 0, result.stderr
    assert not (package / "PWNED").exists() and not (ROOT / "PWNED").exists()


def test_hostile_names_become_python_names_and_keep_their_wire_names(package: Path) -> None:
    with SlackServer() as server:
        server.reply({"ok": True, "class": "c", "from": "f", "a-b.c": "x", "kind": "surprise", "str": "s", "int": "1"})
        code = (
            "import evil\n"
            f"client = evil.Client('xoxb-1', base_url={server.url!r})\n"
            "r = client.evil.do_things(class_='1', from_='2', self_='3', _1st='4', a_b_c='5', na_ve='6', raw='7')\n"
            "print(r.class_, r.from_, r.a_b_c, r.kind, r.str_)\n"
            "client.evil.import_()\n"
        )
        result = run_python(package, code)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["c", "f", "x", "surprise", "s"]
        form = server.requests[0].form
        assert form == {"class": "1", "from": "2", "self": "3", "1st": "4", "a-b.c": "5", "naïve": "6", "raw": "7"}
        assert server.requests[1].path == "/evil.import"
    assert not (package / "PWNED").exists()


def test_hostile_output_passes_mypy_strict(package: Path, mypy_strict: MypyRun) -> None:
    result = mypy_strict("-p", "evil", cwd=package)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(("text", "place"), [
    # the first lone escape in the text, past an escaped backslash (`\\ud800` is text) and a pair
    ('{"a": {"d": ["\\ud83d\\ude00", {"k\\\\ud800": "\\ud800"}]}, "b": "\\udc00"}', "1:44 at /a/d/1/k\\ud800"),
    ('{"a": "\\ud800\\ud800"}', "1:8 at /a"),  # two high halves: the first is alone
    ('{\n  "low first": "x\\udc00\\ud83d"}', "2:18 at /low first"),
    ('{"a": "\\udbff"}', "1:8 at /a"),  # a high half at the very end
])
def test_a_lone_surrogate_escape_is_reported_where_the_text_spells_it(text: str, place: str) -> None:
    from generator.errors import SpecError
    from generator.load import parse

    with pytest.raises(SpecError) as raised:
        parse(text.encode(), "spec.json")
    assert str(raised.value).startswith(f"spec.json:{place}: a lone surrogate escape")
