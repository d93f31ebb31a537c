"""spec/calls.yaml stays hand-written, but agrees with Slack's method reference for the six methods.

Arguments, which are required, their types, scopes, rate-limit tier and error codes are compared
with the reference's files (the seed keeps `calls.info` a GET, and may document more errors than the
reference, as the facts sheet does). All six methods return the Call as Slack does, including
`calls.end` and `calls.participants.*`, whose documented examples show only `ok`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from conftest import ROOT, SPEC
from loopback import SlackServer

REFERENCE = Path(os.environ.get("SLACK_REFERENCE_SPECS", ROOT.parent / "shared" / "reference"))
METHODS = REFERENCE / "slack-method-reference"
SIX = ("calls.add", "calls.end", "calls.info", "calls.update", "calls.participants.add", "calls.participants.remove")
TYPES = {"string": "string", "integer": "integer", "array": "array", "boolean": "boolean", "number": "number"}
CALL = {"id": "R0E69JAIF", "date_start": 1562002086, "external_unique_id": "025169F6", "join_url": "https://x.test/c",
        "users": [{"slack_id": "U0MQG83FD"}]}

pytestmark = pytest.mark.skipif(not METHODS.is_dir() and not os.environ.get("CI"),
                                reason=f"Slack's method reference is not in {REFERENCE} (set SLACK_REFERENCE_SPECS)")


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    return data


def seed_arguments(spec: dict[str, Any], name: str) -> tuple[dict[str, str], set[str], dict[str, Any]]:
    """{argument: JSON type}, the required ones, and the operation, as spec/calls.yaml declares them."""
    (verb, operation), = spec["paths"][f"/{name}"].items()
    if verb == "get":
        return ({p["name"]: p["schema"]["type"] for p in operation["parameters"]},
                {p["name"] for p in operation["parameters"] if p.get("required")}, operation)
    ref = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["$ref"]
    body = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return ({arg: schema["type"] for arg, schema in body["properties"].items()}, set(body.get("required", [])),
            operation)


@pytest.mark.parametrize("name", SIX)
def test_calls_yaml_agrees_with_the_method_reference(seed: dict[str, Any], name: str) -> None:
    reference = json.loads((METHODS / f"{name}.json").read_text())
    properties = {arg: schema for arg, schema in reference["args"]["properties"].items() if arg != "token"}
    types, required, operation = seed_arguments(seed, name)
    assert types == {arg: TYPES[schema["type"]] for arg, schema in properties.items()}
    assert required == set(reference["args"]["required"]) - {"token"}
    scopes = sorted({*reference["scope"]["bot"], *reference["scope"]["user"]})
    assert operation["security"] == [{"slackAuth": scopes}]
    assert operation["x-slack-rate-limit-tier"] == int(reference["rate_limits"].lstrip("t"))
    assert set(reference["errors"]) <= set(operation["x-slack-errors"])
    assert "call" in reference["output"]["properties"]  # Slack returns the Call from every one of the six


@pytest.mark.parametrize("name", SIX)
def test_every_calls_method_returns_the_call(seed: dict[str, Any], name: str) -> None:
    (_, operation), = seed["paths"][f"/{name}"].items()
    response = seed["components"]["responses"][operation["responses"]["200"]["$ref"].rsplit("/", 1)[-1]]
    success = response["content"]["application/json"]["schema"]["oneOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert seed["components"]["schemas"][success]["properties"]["call"] == {"$ref": "#/components/schemas/Call"}


@pytest.mark.parametrize(("method", "arguments"), [
    ("end", {"id": "R0E69JAIF"}),
    ("participants.add", {"id": "R0E69JAIF", "users": [{"slack_id": "U0MQG83FD"}]}),
    ("participants.remove", {"id": "R0E69JAIF", "users": [{"slack_id": "U0MQG83FD"}]}),
])
def test_ending_a_call_and_changing_its_participants_give_back_the_typed_call(
        slack_calls: ModuleType, server: SlackServer, method: str, arguments: dict[str, Any]) -> None:
    with slack_calls.Client("xoxb-calls", base_url=server.url) as client:
        target: Any = client.calls
        for part in method.split("."):
            target = getattr(target, part)
        server.reply({"ok": True, "call": CALL})
        response = target(**arguments)
        assert isinstance(response.call, slack_calls.Call) and response.call.id == "R0E69JAIF"
        assert response.call.users == [slack_calls.CallUser(slack_id="U0MQG83FD")]
        server.reply({"ok": True})  # as Slack's documented examples show it: still a success
        assert target(**arguments).call is None
