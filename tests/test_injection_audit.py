"""The escaping audit: spec text reaches generated files only through the escaper of where it lands.

Two halves. Statically, every `{{ ... }}` in the built-in templates either goes through an escaping
filter (docstring, comment, string literal, TOML string, Markdown) or reads only attributes the
model guarantees to be identifiers or code it built itself; a template line that prints raw spec
text fails here before it ships. Dynamically, a spec carrying payloads for every landing context in
every field that can reach a template (names, descriptions, titles, scopes, enum values, errors,
examples, `required` lists, server URLs, extensions) is generated, and the result compiles, imports,
serves calls, passes `mypy --strict`, parses as TOML and keeps its Markdown fences balanced, while
no payload runs.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2 import nodes
from loopback import SlackServer

from generator import cli
from generator.render import BUILTIN_TEMPLATES, environment

ESCAPING_FILTERS = frozenset({"docstring", "docstring_line", "comment", "markdown_text", "markdown_cell",
                              "markdown_code", "markdown_url", "pystr", "json_string", "toml_string"})
# Model attributes that are Python identifiers, or code the generator composed from identifiers and
# escaped literals, never raw spec text.
CODE_ATTRIBUTES = frozenset({
    "size_argument", "position_argument", "item_annotation", "style", "call_class",  # pagination
    "rate_limit_tier",  # validated: 1 to 4 or "special"
    "limit", "per",  # x-slack-rate-limit, validated at build: a whole number and a float
    "name", "class_name", "package", "constant", "http_method", "body_encoding", "python_path", "anchor",
    "annotation", "input_annotation", "response", "distribution", "version", "attribute", "example_call",
    "model_bases", "typing_imports", "decoder", "decode_function", "default_expression", "resource", "type",
    "methods", "model_names", "families", "models", "is_response", "required", "json_encoded", "children",
})
# Loop variables and macro arguments bound only to identifiers or to literal text of the templates.
CODE_NAMES = frozenset({"name", "prefix", "is_async", "loop", "method", "models_import", "title", "line_length",
                        "release",
                        "what", "wait", "walk", "head", "position", "abc_names", "upload_files",
                        "check"})  # model.alternative_checks: conditions on Python field names

MARK = "PWNED"


def _payload(context: str) -> str:
    """A payload that writes a marker file if it ever runs as code."""
    return f"__import__('pathlib').Path({MARK!r} + {context!r}).write_text('x')"


TEXTS = {
    "docstring": f'""" + {_payload("docstring")} + """',
    "single": f"''' + {_payload('single')} + '''",
    "backslash": "trailing backslash \\",
    "quote": 'trailing quote "',
    "escapes": "\\N{BULLET} \\u0041 \\x41 \\0",
    "string": f'" + {_payload("string")} + "',
    "comment": f"line\n{_payload('comment')}\n# ",
    "control": f"\x00\x1b[31m\r\n\u2028\x85{_payload('control')}",
    "toml": 'a"\n[tool.evil]\nx = """\x7f',
    "emoji": "grin \U0001f600 and \u00e9",
    "markdown": "```python\n" + _payload("markdown") + "\n```\n<!-- never closed <script>| a | `b` ``",
    "jinja": "{{ api.package }}{% raw %}{# x #}",
}
ALL = " ".join(TEXTS.values())
# A Slack method name may hold anything but `/`, `{`, `}` and empty segments: its family and method
# become Python names, while the text itself reaches docstrings, tables and code spans.
HOSTILE_FAMILY = 'h``|"""<!--x'
HOSTILE_METHOD = "r`un|*a*<b>' + '"
HOSTILE_PATH = f"/{HOSTILE_FAMILY}.{HOSTILE_METHOD}"
FILE_FIELD = "fi`le*s*|"
SERVER = "https://x`*y*`" + TEXTS["string"] + TEXTS["comment"]


def audit_spec() -> dict[str, Any]:
    texts = list(TEXTS.values())
    properties = {f"p{index} {text[:40]}": {"type": "string", "description": text, "example": text} for index, text in enumerate(texts)}
    properties["choice"] = {"type": "string", "enum": texts}
    return {
        "openapi": "3.1.0",
        "info": {"title": ALL, "version": ALL, "description": ALL,
                 "x-slack-common-errors": {text: text for text in texts}},
        "servers": [{"url": SERVER}],
        "security": [{"bearer": texts}],
        "paths": {
            "/audit.run": {"post": {
                "summary": ALL, "description": ALL, "externalDocs": {"url": ALL},
                "security": [{"bearer": [TEXTS["docstring"], TEXTS["single"], TEXTS["markdown"]]}],
                "x-slack-errors": {text: text for text in texts},
                "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                    "type": "object", "properties": properties}}}},
                "responses": {"200": {"description": ALL, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Result"}}}}},
            }},
            # the example method (it reads): its required argument's example reaches the README's code
            "/audit.list": {"get": {"summary": TEXTS["markdown"], "parameters": [
                {"name": "query", "in": "query", "required": True, "schema": {"type": "string", "example": ALL}}],
                "responses": {"200": {"description": "ok"}}}},
            "/audit.upload": {"post": {"requestBody": {"content": {"multipart/form-data": {"schema": {
                "type": "object", "properties": {FILE_FIELD: {"type": "string", "format": "binary"}}}}}},
                "responses": {"200": {"description": "ok"}}}},
            HOSTILE_PATH: {"get": {"summary": ALL, "parameters": [
                {"name": "q", "in": "query", "required": True,
                 "schema": {"type": "string", "example": TEXTS["docstring"] + TEXTS["markdown"]}}], "responses": {"200": {"description": "ok"}}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Result": {"type": "object", "title": ALL, "required": ["ok"],
                           "properties": {"ok": {"type": "boolean"}, "who": {"$ref": "#/components/schemas/Who"},
                                          **properties}},
                "Who": {"type": "object", "description": ALL,
                        "properties": {f"w{index}{text}": {"type": "string"} for index, text in enumerate(texts)},
                        "oneOf": [{"required": [f"w{index}{text}"]} for index, text in enumerate(texts)]},
            },
        },
    }


def swagger2_spec() -> dict[str, Any]:
    """Swagger 2.0 names scopes in its own places: the scheme's `scopes` and each `security` entry."""
    texts = list(TEXTS.values())
    return {
        "swagger": "2.0",
        "info": {"title": ALL, "version": "1"},
        "host": "slack.com", "basePath": "/api", "schemes": ["https"],
        "securityDefinitions": {"slackAuth": {"type": "oauth2", "flow": "accessCode",
                                              "authorizationUrl": "https://slack.com/oauth/authorize",
                                              "tokenUrl": "https://slack.com/api/oauth.access",
                                              "scopes": {text: text for text in texts}}},
        "security": [{"slackAuth": texts}],
        "paths": {"/audit.run": {"get": {
            "description": ALL, "security": [{"slackAuth": [TEXTS["docstring"]]}],
            "parameters": [{"name": "token", "in": "query", "type": "string", "description": ALL},
                           {"name": "choice", "in": "query", "type": "string", "enum": texts, "description": ALL}],
            "responses": {"200": {"description": ALL, "schema": {"type": "object", "properties": {
                "ok": {"type": "boolean"}}}}}}},
            HOSTILE_PATH: {"get": {"description": ALL, "parameters": [
                {"name": "q", "in": "query", "type": "string", "required": True, "description": ALL}],
                "responses": {"200": {"description": ALL}}}}},
    }


@pytest.fixture(scope="module", params=["openapi31", "swagger2"])
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp(f"audit-{request.param}")
    spec = folder / "spec.json"
    spec.write_text(json.dumps(audit_spec() if request.param == "openapi31" else swagger2_spec()))
    assert cli.main(["--spec", str(spec), "--out", str(folder / "out"), "--package", "audited", "--no-cache"]) == 0
    return folder / "out"


def run_python(package: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(package)!r})\n{code}"],
                          cwd=package, capture_output=True, text=True, check=False)


def no_payload_ran(package: Path) -> None:
    ran = [path.name for folder in (package, Path.cwd()) for path in folder.glob(f"{MARK}*")]
    assert not ran, f"payloads ran: {ran}"


def code_spans(line: str) -> list[str]:
    """The code spans of one line as CommonMark reads them: a run of n backticks opens one, the next
    run of exactly n closes it (else it is literal text); outside them a backslash escapes."""
    spans, index = [], 0
    while index < len(line):
        if line[index] == "\\":
            index += 2
            continue
        if line[index] != "`":
            index += 1
            continue
        run = len(line[index:]) - len(line[index:].lstrip("`"))
        closing = next((match for match in re.finditer("`+", line[index + run:]) if len(match[0]) == run), None)
        if closing is None:
            index += run
            continue
        content = line[index + run:index + run + closing.start()]
        if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
            content = content[1:-1]
        spans.append(content.replace("\\|", "|"))  # in a table cell GitHub reads `\|` as `|`, in code too
        index += run + closing.end()
    return spans


def test_every_generated_file_parses_in_its_own_language(package: Path) -> None:
    files = [path for path in package.rglob("*") if path.is_file()]
    for path in files:
        text = path.read_text(encoding="utf-8")  # also: nothing unencodable was written
        if path.suffix == ".py":
            compile(text, str(path), "exec")
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".md":
            fences = [line for line in text.splitlines() if line.lstrip(" ").startswith(("```", "~~~"))]
            assert len(fences) % 2 == 0, f"{path.name}: unbalanced code fences {fences}"
            html = [line for line in text.splitlines()[1:] if line.lstrip(" ").startswith("<")]
            assert not html, f"{path.name}: spec text opens an HTML block: {html}"  # line 1: the header
        if path.name == "README.md":  # its examples are Python to copy: the spec's examples are literals there
            for block in re.findall(r"^```python\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
                compile(block, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    assert any(path.suffix == ".toml" for path in files)
    no_payload_ran(package)


def test_method_names_show_verbatim_in_markdown(package: Path) -> None:
    """A Slack name with backticks, pipes and markup is one code span in the tables (a name in a
    span of one backtick broke it, and its `*a*` became emphasis)."""
    name = HOSTILE_PATH[1:]
    for document, expected in (("README.md", [name, "/" + name]), ("docs/API.md", ["/" + name])):
        rows = [line for line in (package / document).read_text(encoding="utf-8").splitlines()
                if line.startswith(("|", "[")) and "r_un_a_b" in line]
        assert len(rows) == 1, rows
        assert [span for span in code_spans(rows[0]) if span.endswith(name)] == expected, rows[0]
    assert "client.h_x.r_un_a_b(q=" in (package / "docs" / "API.md").read_text(encoding="utf-8")
    if "openapi31" in package.parent.name:  # the server URL, shown in the settings table
        row = next(line for line in (package / "README.md").read_text(encoding="utf-8").splitlines()
                   if line.startswith("| `base_url` |"))
        assert code_spans(row)[1].startswith("https://x`*y*`"), row
        uploads = next(line for line in (package / "docs" / "API.md").read_text(encoding="utf-8").splitlines()
                       if "streamed as multipart" in line)
        assert code_spans(uploads)[0] == FILE_FIELD, uploads


def test_the_package_imports_and_calls_without_running_a_payload(package: Path) -> None:
    with SlackServer() as server:
        server.reply({"ok": True, "who": {}})
        code = (
            "import audited, inspect\n"
            f"client = audited.Client('xoxb-1', base_url={server.url!r})\n"
            f"client.audit.run(choice={TEXTS['string']!r})\n"
            "for name, value in vars(audited).items():\n"
            "    inspect.getdoc(value)\n"
            "print('done')\n"
        )
        result = run_python(package, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    sent = server.requests[0]  # a value reaches the wire intact: escaping is for code, not data
    assert (sent.form or {key: values[0] for key, values in sent.query.items()}) == {"choice": TEXTS["string"]}
    no_payload_ran(package)


def test_the_hostile_package_passes_mypy_strict(package: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", "/dev/null",
                             "-p", "audited"], cwd=package, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
    no_payload_ran(package)


def test_links_in_markdown_are_web_links_that_cannot_break_out() -> None:
    from generator.render import markdown_url

    assert markdown_url("javascript:alert(1)") == ""
    assert markdown_url("https://api.slack.com/methods/a.b) <b>") == "https://api.slack.com/methods/a.b%29%20%3Cb%3E"


def _unescaped(expression: nodes.Node) -> list[str]:
    """What an output expression prints that is neither escaped nor known to be code."""
    if isinstance(expression, nodes.Filter) and expression.name in ESCAPING_FILTERS:
        return []
    if isinstance(expression, nodes.CondExpr):  # the condition is not printed
        return [*_unescaped(expression.expr1), *(_unescaped(expression.expr2) if expression.expr2 else [])]
    if isinstance(expression, nodes.Getattr):  # `a.b` prints b: the object it is read from may be anything
        return [] if expression.attr in CODE_ATTRIBUTES else [f".{expression.attr}"]
    if isinstance(expression, nodes.Call):  # a macro: its own body is checked where it is defined
        return _unescaped(expression.node)
    if isinstance(expression, nodes.Name):
        return [] if expression.name in CODE_NAMES else [expression.name]
    found = []
    for child in expression.iter_child_nodes():
        found += _unescaped(child)
    return found


def test_every_template_output_is_escaped_or_code() -> None:
    env = environment()
    offenders = []
    for name in env.list_templates(extensions=["jinja"]):
        source = (BUILTIN_TEMPLATES / name).read_text(encoding="utf-8")
        for output in env.parse(source).find_all(nodes.Output):
            for expression in output.nodes:
                if isinstance(expression, nodes.TemplateData):
                    continue
                offenders += [f"{name}:{expression.lineno}: {what}" for what in _unescaped(expression)]
    assert not offenders, "spec text printed without its escaper:\n" + "\n".join(offenders)


def test_the_lint_catches_a_raw_scope_line() -> None:
    """The check above would have caught the `Scopes:` line that let a payload through."""
    env = jinja2.Environment()
    output = next(env.parse('Scopes: {{ m.scopes | join(", ") }}.').find_all(nodes.Output))
    assert _unescaped(output.nodes[1]) == [".scopes"]


def test_the_spec_file_name_is_spec_text_too(tmp_path: Path) -> None:
    """Headers, the manifest and the README name the spec file: quotes, newlines, `-->` and bytes
    that are not UTF-8 in that name must not break any of them."""
    import os

    name = os.fsdecode(b'a"""b\n--> `c` \xff.json')
    (tmp_path / name).write_text(json.dumps(audit_spec()))
    assert cli.main(["--spec", str(tmp_path / name), "--out", str(tmp_path / "out"), "--package", "named",
                     "--no-cache"]) == 0
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".py":
                compile(text, str(path), "exec")
            if path.suffix == ".md":
                assert text.splitlines()[0].count("-->") == 1
