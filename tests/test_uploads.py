"""Files in requests, blocking and async, against loopback servers: multipart bodies from bytes, a
path and a file object, whose bytes the server checks; and `client.files.upload_files`, Slack's
current upload flow, end to end against a fake Slack and a fake upload host.

The package is generated from tests/specs/walks.yaml (`files.upload` takes a binary field;
`files.getUploadURLExternal` and `files.completeUploadExternal` are as Slack's reference has them).
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from loopback import Recorded, Reply, SlackServer
from walks_support import SPEC

from generator import read_spec
from generator.build import Selection, build
from generator.model import Binary
from generator.render import BUILTIN_TEMPLATES, environment, render

TOKEN = "xoxb-upload-secret"
KINDS = ("sync", "async")
CONTENT = bytes(range(256)) * 1000 + b"\r\n--not-a-boundary\r\n"  # 256 KB and change, any byte value


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackServer]:
    with SlackServer() as running:
        yield running


@pytest.fixture(scope="module")
def upload_host() -> Iterator[SlackServer]:
    with SlackServer() as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(slack: SlackServer, upload_host: SlackServer) -> None:
    for server in (slack, upload_host):
        server.replies.clear()
        server.requests.clear()
    upload_host.default = Reply(body=b"OK", headers={"Content-Type": "text/plain"})


def call(kind: str, package: ModuleType, server: SlackServer, method: str, *args: Any, **arguments: Any) -> Any:
    options = {"token": TOKEN, "base_url": server.url, "backoff": 0.001, "max_backoff": 0.002}

    def target(client: Any) -> Any:
        for name in method.split("."):
            client = getattr(client, name)
        return target_call(client)

    def target_call(function: Any) -> Any:
        return function(*args, **arguments)

    if kind == "sync":
        with package.Client(**options) as client:
            return target(client)

    async def run() -> Any:
        async with package.AsyncClient(**options) as client:
            return await target(client)

    return asyncio.run(run())


def parts(request: Recorded) -> dict[str, tuple[str | None, str, bytes]]:
    """The multipart body as {field: (filename, content type, bytes)}, parsed by the standard library."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    assert message.is_multipart()
    result = {}
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        result[part.get_param("name", header="content-disposition")] = (
            part.get_filename(), part.get_content_type(), payload)
    return result


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("source", ["bytes", "path", "file object", "unseekable", "upload"])
def test_a_file_argument_streams_as_multipart_with_its_bytes_intact(
        kind: str, source: str, slack_walks: ModuleType, slack: SlackServer, tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(CONTENT)
    opened = path.open("rb")
    unseekable = io.BufferedReader(io.BytesIO(CONTENT))  # type: ignore[arg-type]
    unseekable.seekable = lambda: False  # type: ignore[method-assign]
    value = {"bytes": CONTENT, "path": path, "file object": opened, "unseekable": unseekable,
             "upload": slack_walks.Upload(CONTENT, filename="data.bin", content_type="application/x-test")}[source]
    slack.reply({"ok": True, "file": {"id": "F1", "name": "report.csv", "size": len(CONTENT)}})
    try:
        result = call(kind, slack_walks, slack, "files.upload", file=value, channels=["C1", "C2"], title="Q3")
    finally:
        opened.close()
    assert result.file.id == "F1"
    request = slack.requests[-1]
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert int(request.headers["content-length"]) == len(request.body)  # a known length, not chunked
    assert "transfer-encoding" not in request.headers
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    fields = parts(request)
    expected_name = {"bytes": "file", "path": "report.csv", "file object": "report.csv", "unseekable": "file",
                     "upload": "data.bin"}[source]
    expected_type = {"report.csv": "text/csv", "data.bin": "application/x-test"}.get(expected_name,
                                                                                     "application/octet-stream")
    assert fields["file"] == (expected_name, expected_type, CONTENT)
    assert fields["channels"][2] == b"C1,C2" and fields["title"][2] == b"Q3"


@pytest.mark.parametrize("kind", KINDS)
def test_a_multipart_body_is_sent_whole_again_on_a_retry(
        kind: str, slack_walks: ModuleType, slack: SlackServer, tmp_path: Path) -> None:
    path = tmp_path / "again.bin"
    path.write_bytes(CONTENT)
    slack.reply(Reply(status=429, headers={"Retry-After": "0"}, body={"ok": False, "error": "ratelimited"}),
                {"ok": True, "file": {"id": "F2"}})
    with path.open("rb") as file:
        call(kind, slack_walks, slack, "files.upload", file=file)
    assert len(slack.requests) == 2
    assert [parts(r)["file"][2] for r in slack.requests] == [CONTENT, CONTENT]


def test_a_file_that_is_not_one_is_refused_before_sending(
        slack_walks: ModuleType, slack: SlackServer, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="bytes, a path"):
        call("sync", slack_walks, slack, "files.upload", file="not/a/path/but/a/str")
    (tmp_path / "text.txt").write_text("hello")
    with (tmp_path / "text.txt").open() as text, pytest.raises(TypeError, match="binary mode"):
        call("sync", slack_walks, slack, "files.upload", file=text)
    assert slack.requests == []


def test_binary_fields_of_multipart_bodies_are_file_arguments_in_the_model() -> None:
    warnings: list[Any] = []
    api = build(read_spec(SPEC), Selection("x", ("files",)), warnings)
    upload = next(m for m in api.methods if m.slack_name == "files.upload")
    assert upload.body_encoding == "multipart" and upload.file_fields == ("file",)
    assert isinstance(next(p for p in upload.parameters if p.name == "file").type, Binary)
    assert not [w for w in warnings if "binary" in w.message]


def upload_flow(slack: SlackServer, upload_host: SlackServer, count: int) -> None:
    for number in range(1, count + 1):
        slack.reply({"ok": True, "file_id": f"F{number}", "upload_url": f"{upload_host.url}upload/v1/u{number}"})
    slack.reply({"ok": True, "files": [{"id": f"F{n}", "title": f"t{n}"} for n in range(1, count + 1)]})


@pytest.mark.parametrize("kind", KINDS)
def test_upload_files_gets_urls_posts_the_bytes_without_the_token_and_completes(
        kind: str, slack_walks: ModuleType, slack: SlackServer, upload_host: SlackServer, tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    path.write_bytes(CONTENT)
    upload_flow(slack, upload_host, 2)
    result = call(kind, slack_walks, slack, "files.upload_files",
                  [path, slack_walks.Upload(b"hello", filename="note.txt", title="A note")],
                  channel_id="C1", thread_ts="1524523204.000192", initial_comment="Here")
    assert isinstance(result, slack_walks.FilesCompleteUploadExternalResponse)
    assert [f.id for f in result.files] == ["F1", "F2"]
    assert [r.path for r in slack.requests] == ["/files.getUploadURLExternal"] * 2 + ["/files.completeUploadExternal"]
    assert [(r.form["filename"], r.form["length"]) for r in slack.requests[:2]] == [
        ("chart.png", str(len(CONTENT))), ("note.txt", "5")]
    complete = slack.requests[2].form
    assert json.loads(complete["files"]) == [{"id": "F1", "title": "chart.png"}, {"id": "F2", "title": "A note"}]
    assert (complete["channel_id"], complete["thread_ts"], complete["initial_comment"]) == (
        "C1", "1524523204.000192", "Here")
    assert [(r.path, r.body) for r in upload_host.requests] == [("/upload/v1/u1", CONTENT), ("/upload/v1/u2", b"hello")]
    for request in upload_host.requests:
        assert "authorization" not in request.headers
        assert TOKEN not in json.dumps(request.headers) and TOKEN.encode() not in request.body


@pytest.mark.parametrize("kind", KINDS)
def test_an_upload_url_in_plain_http_off_this_machine_is_refused(
        kind: str, slack_walks: ModuleType, slack: SlackServer) -> None:
    slack.reply({"ok": True, "file_id": "F1", "upload_url": "http://files.example.com/upload/v1/x"})
    with pytest.raises(slack_walks.SlackUploadError) as caught:
        call(kind, slack_walks, slack, "files.upload_files", [slack_walks.Upload(b"x", filename="a.txt")])
    assert (caught.value.filename, caught.value.step) == ("a.txt", "upload")
    assert "files.example.com" in str(caught.value)
    assert [r.path for r in slack.requests] == ["/files.getUploadURLExternal"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("failing", ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"])
def test_a_failed_step_names_the_file_and_the_step(
        kind: str, failing: str, slack_walks: ModuleType, slack: SlackServer, upload_host: SlackServer) -> None:
    if failing == "files.getUploadURLExternal":
        slack.reply({"ok": False, "error": "file_uploads_disabled"})
    else:
        upload_flow(slack, upload_host, 1)
        if failing == "upload":
            upload_host.reply(Reply(status=403, body=b"expired", headers={"Content-Type": "text/plain"}))
        else:
            slack.replies.pop()
            slack.reply({"ok": False, "error": "channel_not_found"})
    with pytest.raises(slack_walks.SlackUploadError) as caught:
        call(kind, slack_walks, slack, "files.upload_files", [slack_walks.Upload(b"x", filename="a.txt")],
             channel_id="C404")
    error = caught.value
    assert isinstance(error, slack_walks.SlackError)
    assert (error.filename, error.step) == ("a.txt", failing)
    assert "a.txt" in str(error) and failing in str(error) and TOKEN not in str(error)
    if failing != "upload":
        assert isinstance(error.__cause__, slack_walks.SlackApiError)


def readme_example(readme: str, section: str) -> str:
    """The first Python block of a section of the generated README."""
    text = readme.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return text.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_examples_of_pages_and_files_run(
        walks_folder: Path, slack_walks: ModuleType, slack: SlackServer, upload_host: SlackServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (walks_folder / "README.md").read_text()
    local = f'Client(token="{TOKEN}", base_url="{slack.url}")'
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chart.png").write_bytes(CONTENT)
    upload_flow(slack, upload_host, 2)
    exec(readme_example(readme, "Files").replace('Client(token="xoxb-...")', local), {})  # noqa: S102
    assert capsys.readouterr().out == "['F1', 'F2']\n"
    assert [r.body for r in upload_host.requests] == [CONTENT, b"id,total\n1,42\n"]
    slack.requests.clear()
    slack.reply({"ok": True, "messages": [{"ts": "1.0", "text": "a"}], "response_metadata": {"next_cursor": "n"}},
                {"ok": True, "messages": [{"ts": "2.0", "text": "b"}]},
                {"ok": True, "messages": [{"ts": "1.0", "text": "a"}], "response_metadata": {"next_cursor": "n"}},
                {"ok": True, "messages": []})
    exec(f"from slack_walks import Client\nclient = {local}\n" + readme_example(readme, "Pages and items"), {})  # noqa: S102
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == ["Message(ts='1.0', text='a')", "Message(ts='2.0', text='b')"]
    assert [line.split("(")[0] for line in printed[2:]] == ["ConversationsHistoryResponse"] * 2


def test_a_filename_cannot_break_out_of_its_part_header(slack_walks: ModuleType, slack: SlackServer) -> None:
    slack.reply({"ok": True, "file": {"id": "F3"}})
    name = 'a"b\r\nContent-Type: text/evil\r\n\r\nx.txt'
    call("sync", slack_walks, slack, "files.upload", file=slack_walks.Upload(b"data", filename=name))
    body = slack.requests[-1].body
    assert b"text/evil\r\n" not in body and b'filename="a%22b%0D%0AContent-Type: text/evil%0D%0A%0D%0Ax.txt"' in body
    assert parts(slack.requests[-1])["file"][2] == b"data"


def test_swagger2_file_parameters_become_file_arguments(tmp_path: Path) -> None:
    spec = {"swagger": "2.0", "info": {"title": "Uploads", "version": "1"}, "paths": {"/files.upload": {"post": {
        "consumes": ["multipart/form-data"],
        "parameters": [{"name": "file", "in": "formData", "type": "file", "required": True},
                       {"name": "title", "in": "formData", "type": "string"}],
        "responses": {"200": {"description": "ok"}}}}}}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    api = build(read_spec(tmp_path / "spec.json"), Selection("x"), [])
    (method,) = api.methods
    assert (method.body_encoding, method.file_fields) == ("multipart", ("file",))
    assert [(p.name, p.annotation) for p in method.parameters] == [("file", "FileInput"), ("title", "str | None")]


def files_module(spec: Path, templates: Path | None = None) -> str:
    """resources/files.py of the package generated (before black) from `spec`."""
    api = build(read_spec(spec), Selection("slack_up", ("files",)), [])
    text: str = render(api, environment(templates))["slack_up/resources/files.py"]
    compile(text, "files.py", "exec")  # whatever the helper's fate, the module stays valid Python
    return text


@pytest.mark.parametrize("missing", ["", "/files.getUploadURLExternal", "/files.completeUploadExternal"])
def test_upload_files_exists_only_when_the_spec_has_both_steps(missing: str, tmp_path: Path) -> None:
    spec = yaml.safe_load(SPEC.read_text())
    if missing:
        del spec["paths"][missing]
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    module = files_module(tmp_path / "spec.yaml")
    has_helper = ["def upload_files(" in module, "async def upload_files(" in module]
    assert has_helper == ([False, False] if missing else [True, True])
    assert ("def get_upload_url_external(" in module) is (missing != "/files.getUploadURLExternal")


def test_a_user_override_of_the_upload_macro_is_used(tmp_path: Path) -> None:
    builtin = (BUILTIN_TEMPLATES / "macros" / "upload.jinja").read_text()
    marked = builtin.replace('"""Upload files the way Slack wants now', '"""(our uploads) Upload files the way Slack wants now')
    assert marked != builtin
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "upload.jinja").write_text(marked)
    assert '"""(our uploads) Upload files' not in files_module(SPEC)
    assert files_module(SPEC, tmp_path).count('"""(our uploads) Upload files') == 2  # blocking and async
