"""Slack names to Python names: decided in one place so every template and module agrees.

Collisions after renaming are errors; see tests/cases/collision_*.
"""

from __future__ import annotations

import ast
import inspect
import sys
from functools import cached_property
from types import ModuleType

import pytest

from generator.build import CLIENT_ATTRIBUTES, python_path
from generator.model import export_order, import_order
from generator.naming import constant_case, identifier, pascal_case, python_name, snake_case


@pytest.mark.parametrize(("slack", "python"), [
    ("postMessage", "post_message"),
    ("restrictAccess", "restrict_access"),
    ("addGroup", "add_group"),
    ("getURLInfo", "get_url_info"),
    ("lookupByEmail", "lookup_by_email"),
    ("v2", "v2"),
    ("endDnd", "end_dnd"),
    ("list", "list"),
    ("import", "import_"),
    ("class", "class_"),
])
def test_method_and_resource_names_are_snake_case(slack: str, python: str) -> None:
    assert snake_case(slack) == python


def test_dotted_slack_names_become_attribute_paths() -> None:
    assert python_path(["admin", "conversations", "restrictAccess", "addGroup"]) == (
        "admin", "conversations", "restrict_access", "add_group")
    assert python_path(["chat", "postMessage"]) == ("chat", "post_message")
    # a family cannot hide an attribute every client has
    assert python_path(["close", "now"]) == ("close_", "now")
    assert python_path(["users", "close"]) == ("users", "close")


def test_families_avoid_every_name_the_runtime_gives_a_client(slack_calls: ModuleType) -> None:
    """CLIENT_ATTRIBUTES is read from runtime/_base.py's source; a real client, asynchronous or not,
    has nothing public beyond it but its families, and _client.py binds nothing public a family
    could hide."""
    for client in (slack_calls.Client("xoxb-1"), slack_calls.AsyncClient("xoxb-1")):
        families = {name for name, value in vars(type(client)).items() if isinstance(value, cached_property)}
        attributes = {name for name in dir(client) if not name.startswith("__")} - families
        assert attributes <= CLIENT_ATTRIBUTES, attributes - CLIENT_ATTRIBUTES
    assert {"deadline", "proxy", "max_response_size", "max_retry_time", "cached_property"} <= CLIENT_ATTRIBUTES
    module = ast.parse(inspect.getsource(sys.modules[type(slack_calls.Client("xoxb-1")).__module__]))
    bound = {alias.asname or alias.name for node in module.body if isinstance(node, ast.ImportFrom)
             for alias in node.names}
    assert {name for name in bound if name.islower() and not name.startswith("_")} <= CLIENT_ATTRIBUTES
    assert all(python_path([name])[0] != name for name in bound if name.startswith("_"))  # never a family


@pytest.mark.parametrize(("wire", "python"), [
    ("channel", "channel"),
    ("thread_ts", "thread_ts"),
    ("image_512", "image_512"),
    ("from", "from_"),
    ("includeLocale", "include_locale"),
    ("X-Count", "x_count"),
    ("page.size", "page_size"),
    ("2fa", "_2fa"),
    ("naïve", "na_ve"),
    ("", "_"),
])
def test_arguments_and_fields_get_valid_python_names(wire: str, python: str) -> None:
    assert python_name(wire) == python
    assert python.isidentifier()


def test_reserved_names_get_a_trailing_underscore() -> None:
    assert python_name("self", frozenset({"self"})) == "self_"
    assert python_name("raw", frozenset({"raw", "decode"})) == "raw_"
    assert identifier("Model", frozenset({"Model"})) == "Model_"


def test_class_and_enum_member_names() -> None:
    assert pascal_case("objs_conversation") == "ObjsConversation"
    assert pascal_case("chat_postMessage") == "ChatPostMessage"
    assert pascal_case("2fa") == "_2fa"
    assert constant_case("in-progress") == "IN_PROGRESS"
    assert constant_case("none") == "NONE"


def test_imports_and_exports_are_in_the_order_ruff_checks() -> None:
    names = ["AdminAppsRestrictResponse", "AdminAppsApprovedListResponse", "AdminAppsApproveResponse", "Image24",
             "Image192", "URL", "AdminAppsRestrictedListResponse"]
    assert sorted(names, key=import_order) == [  # isort: case-insensitive, CONSTANTS first, numbers by value
        "URL", "AdminAppsApprovedListResponse", "AdminAppsApproveResponse", "AdminAppsRestrictedListResponse",
        "AdminAppsRestrictResponse", "Image24", "Image192"]
    assert sorted(names, key=export_order) == [  # RUF022: case-sensitive within each kind
        "URL", "AdminAppsApproveResponse", "AdminAppsApprovedListResponse", "AdminAppsRestrictResponse",
        "AdminAppsRestrictedListResponse", "Image24", "Image192"]
