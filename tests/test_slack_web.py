"""The whole current Slack Web API, from spec/slack_web.yaml and its overlay, as working clients.

Generated once per session: the whole API as one package (`slack_web`) and each of the 35 families
as its own, side by side as a user would vendor them. Every package imports with the standard
library alone and passes ruff and `mypy --strict`. Every one of the 322 methods sends its documented request (verb, path, argument
names and encodings, the token only as a Bearer header) to a real HTTP server on 127.0.0.1; every
documented success example decodes into the method's typed response and every documented error
example raises `SlackApiError` with its code. The share of the examples' leaf values that land in
a typed field (not `Any` or `raw`) is measured and must stay at 80% or more. Walks of pages and items
(search.* by page beside their list, three families by cursor and page, through a 429 and a failed
page resumed) run against loopback with the blocking and the async client.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest
import walks_support
from conftest import ROOT, MypyRun
from loopback import Reply, SlackServer

from generator import checked, with_overlays
from generator import model as m
from generator.build import Selection, build
from generator.cache import Cache
from generator.config import Options
from generator.format import format_files
from generator.load import load
from generator.render import environment, render

REFERENCE = Path(os.environ.get("SLACK_REFERENCE_SPECS", ROOT.parent / "shared" / "reference"))
SPEC = ROOT / "spec" / "slack_web.yaml"
OVERLAY = ROOT / "spec" / "slack_web.overlay.yaml"
TOKEN = "xoxb-web-test"
WHOLE = "slack_web"
TYPED_LEAF_GOAL = 0.80

pytestmark = pytest.mark.skipif(not (REFERENCE / "slack-method-reference").is_dir() and not os.environ.get("CI"),
                                reason=f"Slack's method reference is not in {REFERENCE} (set SLACK_REFERENCE_SPECS)")


def family_package(family: str) -> str:
    return f"slack_web_{family.lower()}"


@pytest.fixture(scope="session")
def document(tmp_path_factory: pytest.TempPathFactory) -> Any:
    options = Options(spec=SPEC, out=ROOT / "unused", package=WHOLE, overlays=(OVERLAY,))
    warnings: list[Any] = []
    overlaid = with_overlays(load(SPEC, "spec/slack_web.yaml"), options, warnings)
    assert warnings == [], "every correction in the overlay still applies"
    return checked(overlaid, Cache(tmp_path_factory.mktemp("validation-cache")))


@pytest.fixture(scope="session")
def api(document: Any) -> m.Api:
    return build(document, Selection(WHOLE))


@pytest.fixture(scope="session")
def families(api: m.Api) -> list[str]:
    return sorted({method.slack_name.split(".")[0] for method in api.methods})


@pytest.fixture(scope="session")
def rendered(api: m.Api) -> dict[str, str]:
    """The whole-API package as the templates lay it out, before black: rendered once a session."""
    return render(api, environment())


@pytest.fixture(scope="session")
def vendor(document: Any, api: m.Api, families: list[str], rendered: dict[str, str],
           tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole-API package and every family's package, generated into one folder.

    Only the whole-API package goes through black: a family's code is a subset of it, and black
    changes layout only, so the families skip the slowest stage (they are still linted)."""
    vendor = tmp_path_factory.mktemp("web-vendor")
    env = environment()
    whole = format_files(rendered, Cache(tmp_path_factory.mktemp("format-cache")))
    apis = [(api, whole), *((a, render(a, env)) for a in
                            (build(document, Selection(family_package(f), (f,))) for f in families))]
    for each, files in apis:
        for path, text in files.items():
            if path.startswith(f"{each.package}/"):
                (vendor / path).parent.mkdir(parents=True, exist_ok=True)
                (vendor / path).write_text(text, encoding="utf-8")
    return vendor


def test_the_whole_api_is_laid_out_as_black_would(rendered: dict[str, str], vendor: Path) -> None:
    """Black then confirms each module in one pass instead of rewriting it and checking again:
    half of a cold run's formatting time on this spec (see benchmarks/generate.py)."""
    unstable = [path for path, text in rendered.items()
                if path.endswith(".py") and (vendor / path).read_text(encoding="utf-8") != text]
    assert unstable == []


@pytest.fixture(scope="session")
def web(vendor: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(vendor))
    try:
        yield importlib.import_module(WHOLE)
    finally:
        sys.path.remove(str(vendor))


@pytest.fixture(scope="module")
def server() -> Iterator[SlackServer]:
    with SlackServer() as running:
        yield running


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def test_all_35_families_and_the_whole_api_generate(api: m.Api, families: list[str], vendor: Path) -> None:
    assert len(families) == 35 and len(api.methods) == 322
    for family in families:
        assert (vendor / family_package(family) / "models.py").is_file(), family
    assert len(list((vendor / WHOLE / "resources").glob("*.py"))) >= 35


def test_every_package_imports_with_nothing_but_the_standard_library(vendor: Path, families: list[str]) -> None:
    packages = [WHOLE, *(family_package(f) for f in families)]
    script = ("import json, sys; sys.path.insert(0, sys.argv[1]); "
              f"[__import__(name) for name in {packages!r}]; "
              "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} - sys.stdlib_module_names)))")
    result = run(sys.executable, "-I", "-S", "-c", script, str(vendor), cwd=vendor)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == sorted(["__main__", *packages])


def test_every_package_passes_ruff_and_mypy_strict(vendor: Path, families: list[str], mypy_strict: MypyRun) -> None:
    """All 35 family packages are type-checked in one run (about 10 s cold on the 2-core CI machine,
    700 files: the runtime is checked once per package), beside the whole-API package."""
    ruff = run(sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", ".", cwd=vendor)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    mypy = run(sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", "/dev/null", WHOLE,
               cwd=vendor)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    packages = [family_package(f) for f in families]
    each = mypy_strict(*packages, cwd=vendor)
    assert each.returncode == 0, each.stdout + each.stderr
    modules = sum(len(list((vendor / package).rglob("*.py"))) for package in packages)
    assert f"no issues found in {modules} source files" in each.stdout  # none skipped


# Requests ---------------------------------------------------------------------------------------


def sample(kind: m.Type, api: m.Api) -> Any:
    """A value of the argument's Python type."""
    if isinstance(kind, m.Primitive):
        return {"str": "text", "int": 7, "float": 1.5, "bool": True}.get(kind.name, "any")
    if isinstance(kind, m.EnumRef):
        return next(e for e in api.enums if e.name == kind.name).values[0].value
    if isinstance(kind, m.ListOf):
        item = sample(kind.item, api)
        return [item, item] if isinstance(item, str) else [item]
    if isinstance(kind, m.UnionOf):
        return sample(kind.options[0], api)
    return {"key": "value"}  # a model or a mapping: any JSON object


def wire(value: Any, parameter: m.Parameter) -> str:
    """What Slack should receive for `value`: JSON for structured fields, commas for lists of scalars."""
    if isinstance(value, str):
        return value
    if parameter.json_encoded or isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def bound(client: Any, method: m.Method) -> Any:
    target = client
    for attribute in method.python_path.split("."):
        target = getattr(target, attribute)
    return target


def examples(document: Any, method: m.Method) -> dict[str, Any]:
    operation = document.data["paths"][f"/{method.slack_name}"][method.http_method.lower()]
    found: dict[str, Any] = operation["responses"]["200"]["content"]["application/json"].get("examples", {})
    return {name: example["value"] for name, example in found.items()}


def method_names() -> list[str]:
    return sorted(path.stem for path in (REFERENCE / "slack-method-reference").glob("*.*.json"))


@pytest.mark.parametrize("slack_name", method_names())
def test_every_method_sends_its_documented_request(slack_name: str, api: m.Api, web: ModuleType, document: Any,
                                                   server: SlackServer) -> None:
    method = next(each for each in api.methods if each.slack_name == slack_name)
    operation = document.data["paths"][f"/{slack_name}"]
    assert method.http_method.lower() in operation
    arguments = {p.name: sample(p.type, api) for p in method.parameters}
    expected = {p.wire_name: wire(arguments[p.name], p) for p in method.parameters}
    successes = [value for value in examples(document, method).values() if value.get("ok") is True]
    server.reply(successes[0] if successes else {"ok": True})
    with web.Client(TOKEN, base_url=server.url) as client:
        response = bound(client, method)(**arguments)

    request = server.requests[-1]
    assert (request.method, request.path) == (method.http_method, f"/{slack_name}")
    if method.basic_auth:  # an OAuth exchange: the app's credentials as HTTP Basic (RFC 6749 2.3.1), no token
        pair = ":".join(quote(str(expected.pop(key)), safe="") for key in ("client_id", "client_secret"))
        assert request.headers["authorization"] == "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in request.body.decode() and TOKEN not in str(request.query)
    if method.http_method == "POST" and expected:
        assert request.headers["content-type"] == "application/x-www-form-urlencoded" and not request.query
        assert request.form == expected
    elif method.http_method == "POST":  # nothing left for the body (an exchange's credentials are Basic)
        assert request.body == b"" and "content-type" not in request.headers and not request.query
    elif method.http_method == "GET":
        assert request.body == b"" and {key: values[0] for key, values in request.query.items()} == expected
    assert type(response).__name__ == method.response
    assert response.raw == (successes[0] if successes else {"ok": True})


def test_json_arguments_take_python_structures_and_booleans_stay_booleans(api: m.Api, web: ModuleType,
                                                                          server: SlackServer) -> None:
    def argument(slack_name: str, wire_name: str) -> m.Parameter:
        method = next(each for each in api.methods if each.slack_name == slack_name)
        return next(p for p in method.parameters if p.wire_name == wire_name)

    # what mypy lets a caller pass: structures for JSON arguments, a bool for a flag
    for slack_name, wire_name, annotation in (
            ("chat.stopStream", "blocks", "Sequence[Mapping[str, Any]] | str | None"),
            ("chat.postMessage", "blocks", "Sequence[Mapping[str, Any]] | str | None"),
            ("apps.manifest.validate", "manifest", "Mapping[str, Any] | str")):
        parameter = argument(slack_name, wire_name)
        assert (parameter.json_encoded, parameter.annotation) == (True, annotation), slack_name
    flag = argument("slackLists.download.start", "include_threads")
    assert not flag.json_encoded and flag.annotation == "bool | None"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*done* & dusted"}}]
    manifest = {"display_information": {"name": "Bot"}, "settings": {"socket_mode_enabled": True}}
    server.requests.clear()
    with web.Client(TOKEN, base_url=server.url) as client:
        client.chat.stop_stream(channel="C1", ts="1.000100", blocks=blocks)
        client.apps.manifest.validate(manifest=manifest)
        client.slack_lists.download.start(list_id="F1", include_threads=True, include_attachments=False)
    stop, validate, download = (request.form for request in server.requests)
    assert json.loads(stop["blocks"]) == blocks and json.loads(validate["manifest"]) == manifest
    assert (download["include_threads"], download["include_attachments"]) == ("true", "false")


# Responses --------------------------------------------------------------------------------------


def test_every_success_example_decodes_and_every_error_example_raises_its_code(
        api: m.Api, web: ModuleType, document: Any, server: SlackServer) -> None:
    decoded = raised = 0
    with web.Client(TOKEN, base_url=server.url, max_retries=0) as client:
        for method in api.methods:
            response_class = getattr(web.models, method.response)
            required = {p.name: sample(p.type, api) for p in method.parameters if p.required}
            for name, value in examples(document, method).items():
                if value.get("ok") is True:
                    response = response_class.from_response(value, 200, {})
                    assert response.raw == value, (method.slack_name, name)
                    decoded += 1
                elif isinstance(value.get("error"), str):
                    server.reply(value)
                    with pytest.raises(web.SlackApiError) as caught:
                        bound(client, method)(**required)
                    assert caught.value.error == value["error"], (method.slack_name, name)
                    raised += 1
    assert decoded >= 290 and raised >= 180


def leaves(value: Any, kind: m.Type | None, api: m.Api, models: dict[str, m.Model]) -> tuple[int, int]:
    """(typed, all) leaf values under `value`, where `kind` is the type the client decodes it as
    (None: undeclared, kept only in `raw`)."""
    if isinstance(value, dict):
        model = models.get(kind.name) if isinstance(kind, m.ModelRef) else None
        if isinstance(kind, m.UnionOf):
            kind = next((o for o in kind.options if isinstance(o, m.ModelRef | m.MapOf)), None)
            return leaves(value, kind, api, models)
        fields = {f.wire_name: f.type for f in model.fields} if model else {}
        inner = kind.value if isinstance(kind, m.MapOf) else None
        totals = [leaves(item, fields.get(key) if model else inner, api, models) for key, item in value.items()]
        return sum(t for t, _ in totals), sum(n for _, n in totals)
    if isinstance(value, list):
        if isinstance(kind, m.UnionOf):
            kind = next((o for o in kind.options if isinstance(o, m.ListOf)), None)
        item = kind.item if isinstance(kind, m.ListOf) else None
        totals = [leaves(element, item, api, models) for element in value]
        return sum(t for t, _ in totals), sum(n for _, n in totals)
    if value is None:
        return 0, 0
    typed = isinstance(kind, m.EnumRef | m.UnionOf) or (isinstance(kind, m.Primitive) and kind.name != "Any")
    return int(typed), 1


def typed_share(api: m.Api, document: Any) -> float:
    models = {model.name: model for model in api.models}
    typed = total = 0
    for method in api.methods:
        for value in examples(document, method).values():
            if value.get("ok") is True:
                body = {key: item for key, item in value.items() if key != "ok"}
                t, n = leaves(body, m.ModelRef(method.response), api, models)
                typed, total = typed + t, total + n
    return typed / total


def test_at_least_80_percent_of_documented_response_values_land_in_typed_fields(api: m.Api, document: Any) -> None:
    share = typed_share(api, document)
    print(f"typed leaf share of the documented success examples: {share:.1%}")
    assert share >= TYPED_LEAF_GOAL


# Walks ------------------------------------------------------------------------------------------

KINDS = ("sync", "async")
FAST = {"backoff": 0.001, "max_backoff": 0.004}


def walk(kind: str, web: ModuleType, server: SlackServer, method: str, what: str,
         **arguments: Any) -> list[Any]:
    return walks_support.walk(kind, web, server, method, what, token=TOKEN, **arguments)


def replying(server: SlackServer, *replies: Any) -> SlackServer:
    server.requests.clear()
    server.replies.clear()
    server.reply(*replies)
    return server


def search_page(holders: tuple[str, ...], page: int, pages: int) -> dict[str, Any]:
    """A search answer: each list beside its own `paging` (`messages: {matches, paging}`)."""
    return {"ok": True, "query": "q",
            **{holder: {"matches": [{"id": f"{holder}{page}a"}, {"id": f"{holder}{page}b"}], "total": 2 * pages,
                        "paging": {"count": 2, "total": 2 * pages, "page": page, "pages": pages}}
               for holder in holders}}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("method", "holder"), [("search.messages", "messages"), ("search.files", "files")])
def test_search_walks_pages_and_the_matches_beside_their_paging(
        kind: str, method: str, holder: str, web: ModuleType, server: SlackServer) -> None:
    pages = [search_page((holder,), n, 3) for n in (1, 2, 3)]
    matches = walk(kind, web, replying(server, *pages), method, "items", query="q", count=2)
    assert [match["id"] for match in matches] == [f"{holder}{n}{x}" for n in (1, 2, 3) for x in "ab"]
    assert [r.query["page"] for r in server.requests] == [["1"], ["2"], ["3"]]
    assert all(r.query["query"] == ["q"] and r.query["count"] == ["2"] for r in server.requests)
    answers = walk(kind, web, replying(server, *pages), method, "pages", query="q", max_pages=2)
    assert [getattr(answer, holder).paging.page for answer in answers] == [1, 2]
    assert len(server.requests) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_search_all_walks_pages_only_since_it_holds_two_lists(kind: str, web: ModuleType, api: m.Api,
                                                              server: SlackServer) -> None:
    method = next(each for each in api.methods if each.slack_name == "search.all")
    assert method.pagination is not None and method.pagination.item is None  # no list to pick for .items()
    answers = walk(kind, web, replying(server, *(search_page(("messages", "files"), n, 2) for n in (1, 2))),
                   "search.all", "pages", query="q")
    assert [(a.messages.matches[0]["id"], a.files.matches[0]["id"]) for a in answers] == \
        [("messages1a", "files1a"), ("messages2a", "files2a")]
    assert [r.query["page"] for r in server.requests] == [["1"], ["2"]]
    with web.Client(TOKEN, base_url=server.url) as client:
        assert not hasattr(client.search.all, "items")


# (method, arguments, style, list field, item attribute): three families, both styles of walk
FAMILY_WALKS = [
    ("conversations.history", {"channel": "C1", "limit": 2}, "cursor", "messages", "ts"),
    ("users.list", {"limit": 2}, "cursor", "members", "id"),
    ("files.list", {"channel": "C1", "count": 2}, "page", "files", "id"),
]
RATE_LIMITED = Reply(status=429, headers={"Retry-After": "0"}, body={"ok": False, "error": "ratelimited"})


def family_page(style: str, field: str, attribute: str, number: int) -> dict[str, Any]:
    """Page `number` of 3, two items each (`ts`-like or `id`-like values)."""
    items = [{"type": "message", attribute: f"{number}.00000{n}"} if attribute == "ts" else {attribute: f"X{number}{n}"}
             for n in (1, 2)]
    more = {"response_metadata": {"next_cursor": f"c{number + 1}" if number < 3 else ""}} if style == "cursor" \
        else {"paging": {"count": 2, "total": 6, "page": number, "pages": 3}}
    return {"ok": True, field: items, **more}


def positions(server: SlackServer, style: str) -> list[str | None]:
    return [request.query.get(style, [None])[0] for request in server.requests]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("method", "arguments", "style", "field", "attribute"), FAMILY_WALKS,
                         ids=[walk[0] for walk in FAMILY_WALKS])
def test_a_walk_reads_three_pages_through_a_rate_limit(kind: str, method: str, arguments: dict[str, Any],
                                                       style: str, field: str, attribute: str, web: ModuleType,
                                                       server: SlackServer) -> None:
    pages = [family_page(style, field, attribute, n) for n in (1, 2, 3)]
    items = walk(kind, web, replying(server, pages[0], RATE_LIMITED, pages[1], pages[2]), method, "items",
                 **arguments)
    assert [getattr(item, attribute) for item in items] == \
        [item[attribute] for page in pages for item in page[field]]
    first = {"cursor": [None, "c2", "c2", "c3"], "page": ["1", "2", "2", "3"]}[style]
    assert positions(server, style) == first  # the page that met 429 is asked for again
    assert all({key: r.query[key] for key in arguments} == {k: [str(v)] for k, v in arguments.items()}
               and r.headers["authorization"] == f"Bearer {TOKEN}" for r in server.requests)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("method", "arguments", "style", "field", "attribute"), FAMILY_WALKS,
                         ids=[walk[0] for walk in FAMILY_WALKS])
def test_a_failed_page_stops_the_walk_where_it_can_resume(kind: str, method: str, arguments: dict[str, Any],
                                                          style: str, field: str, attribute: str, web: ModuleType,
                                                          server: SlackServer) -> None:
    pages = [family_page(style, field, attribute, n) for n in (1, 2, 3)]
    with pytest.raises(web.SlackPaginationError) as caught:
        walk(kind, web, replying(server, pages[0], {"ok": False, "error": "invalid_cursor"}), method, "items",
             **arguments)
    error = caught.value
    where = {"cursor": ("c2", None), "page": (None, 2)}[style]
    assert (error.cursor, error.page, error.pages_read) == (*where, 1)
    assert isinstance(error.error, web.SlackApiError) and error.error.error == "invalid_cursor"
    assert TOKEN not in str(error)
    rest = walk(kind, web, replying(server, pages[1], pages[2]), method, "pages",
                **arguments, **{style: error.cursor if style == "cursor" else error.page})
    assert [[getattr(item, attribute) for item in getattr(page, field)] for page in rest] == \
        [[item[attribute] for item in page[field]] for page in pages[1:]]
    assert positions(server, style) == {"cursor": ["c2", "c3"], "page": ["2", "3"]}[style]


# Special rate rules (x-slack-rate-limit) ---------------------------------------------------------

POSTED = {"ok": True, "channel": "C1", "ts": "1.000001"}
SPACING = 0.25  # chat.postMessage's rule scaled down from a second, so the tests stay quick


def test_special_methods_carry_the_rule_slack_documents_and_the_default_keeps_it_per_channel(
        web: ModuleType) -> None:
    """The generated rule reaches the Endpoint, and the default RateLimits applies it: a second
    message to a channel within the second is refused before sending (the client may wait 0.1 s),
    while another channel's is sent at once."""
    chat = importlib.import_module(f"{WHOLE}.resources.chat")
    assert chat._CHAT_POST_MESSAGE.tier == "special"
    assert chat._CHAT_POST_MESSAGE.rate == web.Rate(1, per=1.0, key="channel")
    source = Path(chat.__file__).read_text()
    assert "Rate limit: special: 1 message per second per channel" in source
    assert "client keeps to 1 call(s) in any 1 s for each channel" in " ".join(source.split())
    metadata = importlib.import_module(f"{WHOLE}.resources.admin")._ADMIN_ANALYTICS_MESSAGES_METADATA
    assert metadata.rate == web.Rate(1200, per=60.0)
    assert chat._CHAT_GET_PERMALINK.tier == "special" and chat._CHAT_GET_PERMALINK.rate is None
    with SlackServer() as slack:
        slack.default = Reply(body=POSTED)
        with web.Client(TOKEN, base_url=slack.url, rate_limits=web.RateLimits(), max_retry_after=0.1,
                        **FAST) as client:
            client.chat.post_message(channel="C1", text="one")
            client.chat.post_message(channel="C2", text="two")
            with pytest.raises(web.SlackRateLimitedError):
                client.chat.post_message(channel="C1", text="too soon")
            client.chat.post_message(channel="C1", text="a rate of its own", rate_limit=web.Rate(5, per=1.0))
            # a client-wide rate for the method replaces the rule: one budget for every channel
            limits = web.RateLimits(methods={"chat.postMessage": web.Rate(1, per=1.0)})
            client.chat.post_message(channel="C3", text="first", rate_limit=limits)
            with pytest.raises(web.SlackRateLimitedError):
                client.chat.post_message(channel="C4", text="same budget", rate_limit=limits)
        assert [r.form["text"] for r in slack.requests] == ["one", "two", "a rate of its own", "first"]


def spaced_run(kind: str, web: ModuleType) -> list[Any]:
    """Three messages to C1 and one to C2, sent together from threads or tasks under the rule
    scaled to one message per `SPACING` per channel; the requests Slack received."""
    limits = web.RateLimits(methods={"chat.postMessage": web.Rate(1, per=SPACING, key="channel")})
    channels = ["C1", "C1", "C1", "C2"]
    with SlackServer() as slack:
        slack.default = Reply(body=POSTED)
        options = {"token": TOKEN, "base_url": slack.url, "rate_limits": limits, **FAST}
        if kind == "sync":
            with web.Client(**options) as client:
                start = threading.Barrier(len(channels))

                def post(channel: str) -> None:
                    start.wait()
                    client.chat.post_message(channel=channel, text=channel)

                threads = [threading.Thread(target=post, args=(channel,)) for channel in channels]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
        else:
            async def run() -> None:
                async with web.AsyncClient(**options) as client:
                    await asyncio.gather(*(client.chat.post_message(channel=c, text=c) for c in channels))

            asyncio.run(run())
        return list(slack.requests)


@pytest.mark.parametrize("kind", KINDS)
def test_messages_to_one_channel_are_spaced_and_another_channel_does_not_wait(kind: str, web: ModuleType) -> None:
    requests = spaced_run(kind, web)
    assert sorted(r.form["channel"] for r in requests) == ["C1", "C1", "C1", "C2"]
    first = min(r.at for r in requests)
    c1 = sorted(r.at for r in requests if r.form["channel"] == "C1")
    # each slot frees SPACING after the answer before it, so arrivals are at least SPACING apart
    assert all(later - earlier >= SPACING - 0.01 for earlier, later in itertools.pairwise(c1)), c1
    (c2,) = [r.at for r in requests if r.form["channel"] == "C2"]
    assert c2 - first < SPACING / 2  # sent with C1's first message, not after its queue


def test_a_get_that_may_refresh_its_token_is_not_resent_after_an_ambiguous_failure(web: ModuleType) -> None:
    """The overlay unmarks apps.auth.external.get (force_refresh issues a new token each call)."""
    endpoints = {endpoint.name: endpoint for endpoint in vars(importlib.import_module(f"{WHOLE}.resources.apps")).values()
                 if isinstance(endpoint, web._base.Endpoint)}
    assert endpoints["apps.auth.external.get"].idempotent is False
    assert endpoints["apps.manifest.export"].idempotent is True
