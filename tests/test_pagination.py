"""Walking pages and items of paginated methods, blocking and async, against a loopback Slack.

The package is generated from tests/specs/walks.yaml: `conversations.history` (cursor, declared with
`x-slack-paginate`), `users.list` (cursor, inferred from the spec) and `search.messages` (page and
count, the list nested at `messages.matches`).
"""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

import pytest
import walks_support
from loopback import Reply, SlackServer
from walks_support import SPEC

from generator import read_spec
from generator.build import Selection, build
from generator.errors import SpecError

TOKEN = "xoxb-walk-secret"
KINDS = ("sync", "async")


@pytest.fixture
def server(shared_server: SlackServer) -> SlackServer:
    """One loopback server for the module, as if new for each test."""
    shared_server.replies.clear()
    shared_server.requests.clear()
    return shared_server


def history_page(first: int, cursor: str) -> dict[str, Any]:
    return {"ok": True, "has_more": bool(cursor), "pin_count": 0,
            "messages": [{"ts": f"{n}.000", "text": f"m{n}"} for n in range(first, first + 2)],
            "response_metadata": {"next_cursor": cursor}}


PAGES = [history_page(1, "c2"), history_page(3, "c3"), history_page(5, "")]
RATE_LIMITED = Reply(status=429, headers={"Retry-After": "0"}, body={"ok": False, "error": "ratelimited"})


def walk(kind: str, package: ModuleType, server: SlackServer, method: str, what: str,
         **arguments: Any) -> list[Any]:
    return walks_support.walk(kind, package, server, method, what, token=TOKEN, **arguments)


def cursors(server: SlackServer) -> list[str | None]:
    return [request.query.get("cursor", [None])[0] for request in server.requests]


@pytest.mark.parametrize("kind", KINDS)
def test_items_follow_next_cursor_through_a_rate_limit_until_it_is_empty(
        kind: str, slack_walks: ModuleType, server: SlackServer) -> None:
    server.reply(PAGES[0], RATE_LIMITED, PAGES[1], PAGES[2])
    messages = walk(kind, slack_walks, server, "conversations.history", "items", channel="C1", limit=2)
    assert [m.ts for m in messages] == ["1.000", "2.000", "3.000", "4.000", "5.000", "6.000"]
    assert all(isinstance(m, slack_walks.Message) for m in messages)
    assert cursors(server) == [None, "c2", "c2", "c3"]  # the page that met 429 is asked for again
    assert all(r.query["channel"] == ["C1"] and r.query["limit"] == ["2"] for r in server.requests)
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in server.requests)


@pytest.mark.parametrize("kind", KINDS)
def test_pages_are_typed_responses_and_bounds_stop_the_walk(
        kind: str, slack_walks: ModuleType, server: SlackServer) -> None:
    server.reply(*PAGES)
    pages = walk(kind, slack_walks, server, "conversations.history", "pages", channel="C1", max_pages=2)
    assert [type(p).__name__ for p in pages] == ["ConversationsHistoryResponse"] * 2
    assert [p.has_more for p in pages] == [True, True]
    assert len(server.requests) == 2
    server.replies.clear()
    server.requests.clear()
    server.reply(*PAGES)
    messages = walk(kind, slack_walks, server, "conversations.history", "items", channel="C1", max_items=3)
    assert [m.ts for m in messages] == ["1.000", "2.000", "3.000"]
    assert len(server.requests) == 2  # the third page is never asked for


@pytest.mark.parametrize("kind", KINDS)
def test_a_failing_page_carries_its_cursor_and_the_walk_resumes_there(
        kind: str, slack_walks: ModuleType, server: SlackServer) -> None:
    server.reply(PAGES[0], {"ok": False, "error": "invalid_cursor"})
    with pytest.raises(slack_walks.SlackPaginationError) as caught:
        walk(kind, slack_walks, server, "conversations.history", "items", channel="C1")
    error = caught.value
    assert isinstance(error, slack_walks.SlackError)
    assert (error.cursor, error.page, error.pages_read) == ("c2", None, 1)
    assert isinstance(error.error, slack_walks.SlackApiError) and error.error.error == "invalid_cursor"
    assert error.__cause__ is error.error
    assert "c2" in str(error) and TOKEN not in str(error)
    server.requests.clear()
    server.reply(PAGES[1], PAGES[2])
    rest = walk(kind, slack_walks, server, "conversations.history", "items", channel="C1", cursor=error.cursor)
    assert [m.ts for m in rest] == ["3.000", "4.000", "5.000", "6.000"]
    assert cursors(server) == ["c2", "c3"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_plain_call_is_unchanged(kind: str, slack_walks: ModuleType, server: SlackServer) -> None:
    server.reply(PAGES[0])
    options = {"token": TOKEN, "base_url": server.url}
    if kind == "sync":
        with slack_walks.Client(**options) as client:
            page = client.conversations.history(channel="C1", cursor="c9")
    else:
        async def run() -> Any:
            async with slack_walks.AsyncClient(**options) as client:
                return await client.conversations.history(channel="C1", cursor="c9")
        page = asyncio.run(run())
    assert [m.ts for m in page.messages] == ["1.000", "2.000"]
    assert cursors(server) == ["c9"] and len(server.requests) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_inferred_cursor_walk_of_users_list(kind: str, slack_walks: ModuleType, server: SlackServer) -> None:
    server.reply({"ok": True, "members": [{"id": "U1"}], "response_metadata": {"next_cursor": "x"}},
                 {"ok": True, "members": [{"id": "U2"}]})  # no response_metadata at all: the end
    users = walk(kind, slack_walks, server, "users.list", "items", limit=1)
    assert [u.id for u in users] == ["U1", "U2"]
    assert cursors(server) == [None, "x"]


def search_page(page: int, pages: int) -> dict[str, Any]:
    return {"ok": True, "messages": {"matches": [{"ts": f"{page}.1"}, {"ts": f"{page}.2"}],
                                     "paging": {"count": 2, "total": 2 * pages, "page": page, "pages": pages}}}


@pytest.mark.parametrize("kind", KINDS)
def test_page_and_count_walk_with_a_failure_and_resume(
        kind: str, slack_walks: ModuleType, server: SlackServer) -> None:
    server.reply(search_page(1, 3), RATE_LIMITED, search_page(2, 3), {"ok": False, "error": "not_allowed_token_type"})
    with pytest.raises(slack_walks.SlackPaginationError) as caught:
        walk(kind, slack_walks, server, "search.messages", "items", query="hello", count=2)
    assert (caught.value.page, caught.value.cursor, caught.value.pages_read) == (3, None, 2)
    assert [r.query["page"] for r in server.requests] == [["1"], ["2"], ["2"], ["3"]]
    assert all(r.query["count"] == ["2"] and r.query["query"] == ["hello"] for r in server.requests)
    server.requests.clear()
    server.reply(search_page(3, 3))
    rest = walk(kind, slack_walks, server, "search.messages", "items", query="hello", page=caught.value.page)
    assert [m.ts for m in rest] == ["3.1", "3.2"]
    assert len(server.requests) == 1


def test_bad_bounds_are_refused_before_any_request(slack_walks: ModuleType, server: SlackServer) -> None:
    with pytest.raises(ValueError, match="max_items"):
        walk("sync", slack_walks, server, "conversations.history", "items", channel="C1", max_items=0)
    assert server.requests == []


def test_the_model_records_which_methods_walk_and_over_what() -> None:
    api = build(read_spec(SPEC), Selection("slack_walks"), [])
    walks = {m.slack_name: m.pagination for m in api.methods if m.pagination}
    assert {name: (p.style, p.items_path, p.item_annotation, p.inferred) for name, p in walks.items()} == {
        "conversations.history": ("cursor", "messages", "Message", False),
        "users.list": ("cursor", "members", "User", True),
        "search.messages": ("page", "messages.matches", "Message", False),
    }


def test_a_declaration_that_does_not_fit_is_an_error_at_the_extension(tmp_path: Any) -> None:
    text = SPEC.read_text().replace("items: messages.matches", "items: messages.nothing")
    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises(SpecError) as caught:
        build(read_spec(tmp_path / "bad.yaml"), Selection("x"), [])
    problem = caught.value.problems[0]
    assert problem.pointer == "/paths/~1search.messages/get/x-slack-paginate/items"
    assert "messages.nothing" in problem.message


USER_CODE = '''
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import assert_type

from slack_walks import (AsyncClient, AsyncPages, Client, ConversationsHistoryResponse,
                         FilesCompleteUploadExternalResponse, Message, Pages, Upload, User)

client = Client(token="xoxb-1")
assert_type(client.conversations.history(channel="C1"), ConversationsHistoryResponse)
assert_type(client.conversations.history.pages(channel="C1", limit=5), Pages[ConversationsHistoryResponse])
assert_type(client.conversations.history.items(channel="C1", max_items=3), Iterator[Message])
assert_type(client.users.list.items(), Iterator[User])
assert_type(client.search.messages.items(query="q", page=2), Iterator[Message])
assert_type(client.files.upload_files([b"x", Path("a"), Upload(b"y", filename="b")]),
            FilesCompleteUploadExternalResponse)


async def walk(aclient: AsyncClient) -> None:
    assert_type(aclient.users.list.pages(), AsyncPages[ConversationsHistoryResponse])  # wrong on purpose
    assert_type(aclient.conversations.history.items(channel="C1"), AsyncIterator[Message])
    async for message in aclient.conversations.history.items(channel="C1"):
        assert_type(message, Message)
'''


def test_mypy_strict_infers_pages_and_items_for_callers(walks_folder: Any, tmp_path: Any) -> None:
    import subprocess
    import sys

    (tmp_path / "user.py").write_text(USER_CODE)
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "user.py"],
                            cwd=tmp_path, capture_output=True, text=True, env={"MYPYPATH": str(walks_folder)},
                            check=False)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    # the one deliberate mismatch is reported, proving the checks run; nothing else is
    assert len(errors) == 1 and "user.py:20:" in errors[0] and "AsyncPages[UsersListResponse]" in errors[0], \
        result.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_a_server_that_goes_round_in_circles_ends_the_walk(
        kind: str, slack_walks: ModuleType, server: SlackServer) -> None:
    server.reply(history_page(1, "same"), history_page(3, "same"))
    assert len(walk(kind, slack_walks, server, "conversations.history", "items", channel="C1")) == 4
    assert cursors(server) == [None, "same"]
    server.requests.clear()
    server.reply(search_page(1, 3), search_page(1, 3), search_page(1, 3))  # never says it moved on
    assert len(walk(kind, slack_walks, server, "search.messages", "items", query="q")) == 6
    assert [r.query["page"] for r in server.requests] == [["1"], ["2"], ["3"]]


@pytest.mark.parametrize(("declared", "message"), [
    ("false", None),
    ("{style: offset, items: messages}", "must be {style: cursor or page"),
    ("{style: page, items: messages}", "needs the method to take a 'page' argument"),
])
def test_declarations_turn_walks_off_or_are_checked(declared: str, message: str | None, tmp_path: Any) -> None:
    text = SPEC.read_text().replace("x-slack-paginate:\n        style: cursor\n        items: messages",
                                    f"x-slack-paginate: {declared}")
    assert text != SPEC.read_text()
    (tmp_path / "spec.yaml").write_text(text)
    if message is None:
        api = build(read_spec(tmp_path / "spec.yaml"), Selection("x"), [])
        assert next(m for m in api.methods if m.slack_name == "conversations.history").pagination is None
        return
    with pytest.raises(SpecError) as caught:
        build(read_spec(tmp_path / "spec.yaml"), Selection("x"), [])
    assert message in caught.value.problems[0].message
    assert caught.value.problems[0].pointer == "/paths/~1conversations.history/get/x-slack-paginate"


@pytest.mark.parametrize(("declared", "expected"), [
    # no declaration: `page` and a `paging` beside the list (search.*) is a page walk over that list,
    # even for a method that also takes `cursor` (its next cursor is not response_metadata's)
    ("", ("page", "messages.matches", "Message", True)),
    ("\n        - {name: cursor, in: query, schema: {type: string}}", ("page", "messages.matches", "Message", True)),
    # declared without `items`: pages only (search.all answers messages and files)
    ("x-slack-paginate: {style: page}", ("page", "", "Any", False)),
], ids=["inferred", "inferred-though-it-takes-cursor", "declared-pages-only"])
def test_search_pages_by_number_over_the_list_beside_paging(declared: str, expected: tuple[Any, ...],
                                                            tmp_path: Any) -> None:
    original = SPEC.read_text()
    if declared.startswith("\n"):  # a `cursor` argument too, and no declaration
        text = original.replace("x-slack-paginate:\n        style: page\n        items: messages.matches\n      ", "")
        text = text.replace("        - {name: count, in: query, schema: {type: integer}}",
                            "        - {name: count, in: query, schema: {type: integer}}" + declared, 1)
        text = text.replace("                  ok: {type: boolean}\n                  messages:\n",
                            "                  ok: {type: boolean}\n                  response_metadata: "
                            "{$ref: \"#/components/schemas/ResponseMetadata\"}\n                  messages:\n", 1)
        assert text.count("ResponseMetadata") == original.count("ResponseMetadata") + 1
    else:
        text = original.replace("x-slack-paginate:\n        style: page\n        items: messages.matches",
                                declared or "summary2: x")
        text = text.replace("      summary2: x\n", "")
    assert text != original
    (tmp_path / "spec.yaml").write_text(text)
    warnings: list[Any] = []
    api = build(read_spec(tmp_path / "spec.yaml"), Selection("x"), warnings)
    walk = next(m for m in api.methods if m.slack_name == "search.messages").pagination
    assert walk is not None
    assert (walk.style, walk.items_path, walk.item_annotation, walk.inferred) == expected
    assert not [w for w in warnings if "search.messages" in str(w.pointer)]
