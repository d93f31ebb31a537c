"""Every family of Slack's official Web API spec becomes a working client.

The Swagger 2.0 original (174 methods, 25 families) is generated one family per package, as a team
vendoring a family would, into a temporary folder. Each package must import with the standard
library alone and pass `mypy --strict` and `ruff`; one method per family must send the request
the spec documents to a real HTTP server on 127.0.0.1, with the token as a Bearer header, and
decode the spec's own example answer. The OpenAPI 3.0 conversion of the same spec must give the
same methods.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import inspect
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT, MypyRun
from loopback import SlackServer

from generator import read_spec
from generator.build import Selection, build
from generator.cache import Cache
from generator.errors import Problem
from generator.format import format_files
from generator.model import Api
from generator.naming import snake_case
from generator.render import environment, render

# Slack's specs live beside the checkout (../shared/reference) or where SLACK_REFERENCE_SPECS says.
REFERENCE = Path(os.environ.get("SLACK_REFERENCE_SPECS", ROOT.parent / "shared" / "reference"))
SWAGGER2 = "slack_web_openapi_v2.json"
OPENAPI3 = "slack_web_openapi_v3.yaml"
TOKEN = "xoxb-family-test"
FAMILIES = ("admin", "api", "apps", "auth", "bots", "calls", "chat", "conversations", "dialog", "dnd", "emoji", "files",
            "migration", "oauth", "pins", "reactions", "reminders", "rtm", "search", "stars", "team", "usergroups",
            "users", "views", "workflows")

# One method per family: the Python call, and the request the spec documents for it (verb and the
# fields, in the query string for GET and a form body for POST). Methods the spec serves over GET
# that take JSON or a secret go as a POST form: nothing of that kind travels in a URL.
CALLS: dict[str, tuple[str, str, dict[str, Any], str, dict[str, str]]] = {
    "admin": ("admin.conversations.restrictAccess.addGroup", "admin.conversations.restrict_access.add_group",
              {"channel_id": "C012AB3CD", "group_id": "S0604QSJC"}, "POST",
              {"channel_id": "C012AB3CD", "group_id": "S0604QSJC"}),
    "api": ("api.test", "api.test", {"foo": "bar"}, "GET", {"foo": "bar"}),
    "apps": ("apps.event.authorizations.list", "apps.event.authorizations.list",
             {"event_context": "4-eyJldCI6Im1lc3NhZ2UifQ", "limit": 10}, "GET",
             {"event_context": "4-eyJldCI6Im1lc3NhZ2UifQ", "limit": "10"}),
    "auth": ("auth.test", "auth.test", {}, "GET", {}),
    "bots": ("bots.info", "bots.info", {"bot": "B12345678"}, "GET", {"bot": "B12345678"}),
    "calls": ("calls.add", "calls.add", {"external_unique_id": "025169F6", "join_url": "https://example.com/c/1",
                                         "date_start": 1562002086}, "POST",
              {"external_unique_id": "025169F6", "join_url": "https://example.com/c/1", "date_start": "1562002086"}),
    "chat": ("chat.postMessage", "chat.post_message", {"channel": "C1H9RESGL", "text": "Hello", "link_names": True},
             "POST", {"channel": "C1H9RESGL", "text": "Hello", "link_names": "true"}),
    "conversations": ("conversations.info", "conversations.info", {"channel": "C1H9RESGL", "include_locale": True},
                      "GET", {"channel": "C1H9RESGL", "include_locale": "true"}),
    "dialog": ("dialog.open", "dialog.open", {"dialog": '{"title":"Request"}', "trigger_id": "13345224609.73847"},
               "POST", {"dialog": '{"title":"Request"}', "trigger_id": "13345224609.73847"}),
    "dnd": ("dnd.teamInfo", "dnd.team_info", {"users": "U1234,U5678"}, "GET", {"users": "U1234,U5678"}),
    "emoji": ("emoji.list", "emoji.list", {}, "GET", {}),
    "files": ("files.comments.delete", "files.comments.delete", {"file": "F1234567890", "id": "Fc1234567890"},
              "POST", {"file": "F1234567890", "id": "Fc1234567890"}),
    "migration": ("migration.exchange", "migration.exchange", {"users": "U1,U2", "to_old": True}, "GET",
                  {"users": "U1,U2", "to_old": "true"}),
    "oauth": ("oauth.v2.access", "oauth.v2.access", {"code": "4724469134.4644", "client_id": "4b39e9-752c4",
                                                     "client_secret": "33fea0113f5b1"}, "POST",
              {"code": "4724469134.4644"}),  # the client credentials go as HTTP Basic
    "pins": ("pins.add", "pins.add", {"channel": "C1234567890", "timestamp": "1234567890.123456"}, "POST",
             {"channel": "C1234567890", "timestamp": "1234567890.123456"}),
    "reactions": ("reactions.add", "reactions.add",
                  {"channel": "C1234567890", "name": "thumbsup", "timestamp": "1234567890.123456"}, "POST",
                  {"channel": "C1234567890", "name": "thumbsup", "timestamp": "1234567890.123456"}),
    "reminders": ("reminders.complete", "reminders.complete", {"reminder": "Rm12345678"}, "POST",
                  {"reminder": "Rm12345678"}),
    "rtm": ("rtm.connect", "rtm.connect", {"batch_presence_aware": True}, "GET", {"batch_presence_aware": "true"}),
    "search": ("search.messages", "search.messages", {"query": "pickleface", "count": 20}, "GET",
               {"query": "pickleface", "count": "20"}),
    "stars": ("stars.add", "stars.add", {"channel": "C1234567890", "timestamp": "1234567890.123456"}, "POST",
              {"channel": "C1234567890", "timestamp": "1234567890.123456"}),
    "team": ("team.info", "team.info", {"team": "T1234567890"}, "GET", {"team": "T1234567890"}),
    "usergroups": ("usergroups.users.list", "usergroups.users.list", {"usergroup": "S0604QSJC",
                                                                      "include_disabled": False}, "GET",
                   {"usergroup": "S0604QSJC", "include_disabled": "false"}),
    "users": ("users.lookupByEmail", "users.lookup_by_email", {"email": "spengler@ghostbusters.example.com"}, "GET",
              {"email": "spengler@ghostbusters.example.com"}),
    "views": ("views.open", "views.open", {"trigger_id": "12345.98765.abcd2358fdea", "view": '{"type":"modal"}'},
              "POST", {"trigger_id": "12345.98765.abcd2358fdea", "view": '{"type":"modal"}'}),
    "workflows": ("workflows.stepCompleted", "workflows.step_completed",
                  {"workflow_step_execute_id": "Ws0123", "outputs": '{"ok":1}'}, "POST",
                  {"workflow_step_execute_id": "Ws0123", "outputs": '{"ok":1}'}),
}

# CI always has them beside the clone: there a missing spec is a failure, never a silent skip.
pytestmark = pytest.mark.skipif(not (REFERENCE / SWAGGER2).is_file() and not os.environ.get("CI"),
                                reason=f"Slack's reference specs are not in {REFERENCE} (set SLACK_REFERENCE_SPECS)")


def package(family: str) -> str:
    return f"slack_web_{family}"  # not slack_calls: the golden package of that name may be imported


@pytest.fixture(scope="module")
def official() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REFERENCE / SWAGGER2).read_text())
    return data


@pytest.fixture(scope="module")
def apis() -> dict[str, Api]:
    """The model of each family's package, built from the Swagger 2.0 original."""
    document = read_spec(REFERENCE / SWAGGER2)
    return {family: build(document, Selection(package(family), (family,)), []) for family in FAMILIES}


@pytest.fixture(scope="module")
def vendor(apis: dict[str, Api], tmp_path_factory: pytest.TempPathFactory, format_cache: Cache) -> Path:
    """Every family's package, written side by side into one folder as a user would vendor them."""
    vendor = tmp_path_factory.mktemp("vendor")
    env = environment()
    for family, api in apis.items():
        for path, text in format_files(render(api, env), format_cache).items():
            if path.startswith(f"{package(family)}/"):
                (vendor / path).parent.mkdir(parents=True, exist_ok=True)
                (vendor / path).write_text(text, encoding="utf-8")
    return vendor


@pytest.fixture(scope="module")
def imported(vendor: Path) -> Iterator[dict[str, ModuleType]]:
    sys.path.insert(0, str(vendor))
    try:
        yield {family: importlib.import_module(package(family)) for family in FAMILIES}
    finally:
        sys.path.remove(str(vendor))


@pytest.fixture(scope="module")
def server() -> Iterator[SlackServer]:
    """One loopback server for the module (each request is checked as the last one recorded)."""
    with SlackServer() as running:
        yield running


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def test_the_official_spec_has_25_families_and_each_becomes_a_package(apis: dict[str, Api], vendor: Path,
                                                                     official: dict[str, Any]) -> None:
    spec_families = sorted({path.strip("/").split(".")[0] for path in official["paths"]})
    assert spec_families == sorted(FAMILIES)
    assert sum(len(api.methods) for api in apis.values()) == len(official["paths"]) == 174
    for family in FAMILIES:
        files = {p.relative_to(vendor).as_posix() for p in (vendor / package(family)).rglob("*.py")}
        assert f"{package(family)}/resources/{family}.py" in files
        assert f"{package(family)}/models.py" in files


def test_methods_sit_under_their_dotted_slack_names_in_snake_case(apis: dict[str, Api]) -> None:
    paths = {method.slack_name: method.python_path for api in apis.values() for method in api.methods}
    assert paths["chat.postMessage"] == "chat.post_message"
    assert paths["admin.conversations.restrictAccess.addGroup"] == "admin.conversations.restrict_access.add_group"
    assert paths["oauth.v2.access"] == "oauth.v2.access"
    assert all(python == ".".join(snake_case(part) for part in slack.split(".")) for slack, python in paths.items())
    assert all(parameter.name != "token" for api in apis.values() for method in api.methods
               for parameter in method.parameters)


def test_only_the_schemas_a_family_uses_are_generated(apis: dict[str, Api]) -> None:
    emoji = {model.name for model in apis["emoji"].models}
    assert emoji == {"EmojiListResponse"}
    assert "ObjsUser" not in {model.name for model in apis["chat"].models}
    assert "ObjsMessage" in {model.name for model in apis["chat"].models}


def test_every_family_imports_with_nothing_but_the_standard_library(vendor: Path) -> None:
    script = ("import json, sys; sys.path.insert(0, sys.argv[1]); "
              f"[__import__(name) for name in {[package(f) for f in FAMILIES]!r}]; "
              "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} - sys.stdlib_module_names)))")
    result = run(sys.executable, "-I", "-S", "-c", script, str(vendor), cwd=vendor)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == sorted(["__main__", *(package(f) for f in FAMILIES)])


def test_every_family_passes_mypy_strict_and_ruff(vendor: Path, mypy_strict: MypyRun) -> None:
    packages = [package(family) for family in FAMILIES]
    mypy = mypy_strict(*packages, cwd=vendor)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    assert f"no issues found in {len(list(vendor.rglob('*.py')))} source files" in mypy.stdout
    ruff = run(sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", *packages, cwd=vendor)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr


@pytest.mark.parametrize("family", FAMILIES)
def test_one_method_per_family_sends_the_documented_request(
        family: str, imported: dict[str, ModuleType], official: dict[str, Any], server: SlackServer) -> None:
    slack_name, python_path, arguments, verb, fields = CALLS[family]
    operation = next(iter(official["paths"][f"/{slack_name}"].values()))  # GETs holding JSON go as POST
    example = operation["responses"]["200"]["examples"]["application/json"]
    server.reply(example)
    with imported[family].Client(TOKEN, base_url=server.url) as client:
        method = client
        for attribute in python_path.split("."):
            method = getattr(method, attribute)
        # the spec's token is no argument of its own: `token=` is the runtime's per-call credential
        assert list(inspect.signature(method).parameters)[-7:] == ["token", "timeout", "max_retries", "deadline",
                                                                  "extra_args", "strict", "rate_limit"]
        response = method(**arguments)

    request = server.requests[-1]
    assert (request.method, request.path) == (verb, f"/{slack_name}")
    if family == "oauth":  # an exchange: the app's credentials (RFC 6749 2.3.1), not a token
        assert request.headers["authorization"] == "Basic " + base64.b64encode(b"4b39e9-752c4:33fea0113f5b1").decode()
    else:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "token" not in request.headers
    sent = request.form if verb == "POST" else {key: values[0] for key, values in request.query.items()}
    assert sent == fields
    if verb == "POST":
        assert request.headers["content-type"] == "application/x-www-form-urlencoded" and not request.query
    else:
        assert request.body == b""
    assert type(response).__name__ == "".join(part[:1].upper() + part[1:] for part in slack_name.split(".")) \
        + "Response"
    assert response.raw == example


def test_an_enum_value_slack_adds_later_still_decodes(imported: dict[str, ModuleType], official: dict[str, Any],
                                                      server: SlackServer) -> None:
    example = official["paths"]["/team.info"]["get"]["responses"]["200"]["examples"]["application/json"]
    team = imported["team"]
    with team.Client(TOKEN, base_url=server.url) as client:
        server.reply({**example, "team": {**example["team"], "plan": "enterprise"}})
        assert client.team.info().team.plan is team.ObjsTeamPlan.ENTERPRISE
        server.reply({**example, "team": {**example["team"], "plan": "galactic"}})
        assert client.team.info().team.plan == "galactic"


def describe(api: Api) -> list[tuple[object, ...]]:
    """What a caller sees of each method: where it lives, how it is sent, its arguments."""
    return [(method.slack_name, method.python_path, method.http_method, method.body_encoding,
             tuple((p.name, p.wire_name, p.annotation, p.required, p.location) for p in method.parameters))
            for method in api.methods]


def test_the_openapi_3_conversion_gives_the_same_client(apis: dict[str, Api]) -> None:
    warnings: list[Problem] = []
    converted = build(read_spec(REFERENCE / OPENAPI3), Selection("slack_web"), warnings)
    assert describe(converted) == sorted(entry for api in apis.values() for entry in describe(api))
    assert {p.pointer for p in warnings} >= {"/components/schemas/objs_conversation"}  # untyped `items`, said so


def test_every_method_taking_cursor_walks_pages_and_the_only_list_its_items(apis: dict[str, Api],
                                                                            official: dict[str, Any]) -> None:
    """The 2020 spec rarely declares `response_metadata.next_cursor`, but Slack answers it to every
    method taking `cursor`: each of the 28 walks (three that also take `page` and declare `paging`
    walk by page), over its only list when it has one."""
    takes_cursor = {path.strip("/") for path, item in official["paths"].items() for op in item.values()
                    if any(p.get("name") == "cursor" for p in op.get("parameters", []))}
    walks = {m.slack_name: m.pagination for api in apis.values() for m in api.methods if m.pagination}
    assert len(takes_cursor) == 28 and takes_cursor <= set(walks)
    assert {name for name in takes_cursor if walks[name].style == "page"} == {"files.info", "reactions.list",
                                                                                "stars.list"}
    for name, items in (("conversations.history", "messages"), ("conversations.replies", "messages"),
                        ("users.list", "members"), ("conversations.list", "channels")):
        walk = walks[name]
        assert (walk.style, walk.items_path, walk.item is not None) == ("cursor", items, True), name
    assert walks["admin.users.list"].item is None  # no declared list: .pages() only


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_conversations_history_walks_its_pages_by_cursor(kind: str, imported: dict[str, ModuleType],
                                                         server: SlackServer) -> None:
    conversations = imported["conversations"]
    pages = [{"ok": True, "messages": [{"type": "message", "ts": f"{n}.000100", "text": f"m{n}"}],
              "has_more": n < 3, **({"response_metadata": {"next_cursor": f"c{n + 1}"}} if n < 3 else {})}
             for n in (1, 2, 3)]  # the last answer has no response_metadata at all: the end
    server.requests.clear()
    server.reply(*pages)

    async def walk_async() -> list[Any]:
        async with conversations.AsyncClient(TOKEN, base_url=server.url) as client:
            return [message async for message in client.conversations.history.items(channel="C1", limit=1)]

    if kind == "sync":
        with conversations.Client(TOKEN, base_url=server.url) as client:
            messages = list(client.conversations.history.items(channel="C1", limit=1))
    else:
        messages = asyncio.run(walk_async())
    assert [message.ts for message in messages] == ["1.000100", "2.000100", "3.000100"]
    assert [r.query.get("cursor") for r in server.requests] == [None, ["c2"], ["c3"]]
    assert all(r.query["channel"] == ["C1"] and r.query["limit"] == ["1"] for r in server.requests)
