"""Valid specs that used to crash the generator or give code that fails: recursive unions, and
names that collide with the runtime's or the typing module's. They generate working, typed code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from loopback import SlackServer

from generator import cli

CASES = Path(__file__).resolve().parent / "cases"
PACKAGES = {"recursive": "schema_recursive_union", "names": "collision_runtime_names"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tricky")
    for package, case in PACKAGES.items():
        code = cli.main(["--spec", str(CASES / case / "spec.yaml"), "--out", str(folder / package),
                         "--package", package, "--no-cache"])
        assert code == 0
    return folder


def run_python(folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    path = [str(folder / package) for package in PACKAGES]
    return subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path[:0] = {path!r}\n{code}"],
                          capture_output=True, text=True, check=False)


def test_both_pass_mypy_strict(generated: Path) -> None:
    env = {**os.environ, "MYPYPATH": os.pathsep.join(str(generated / package) for package in PACKAGES)}
    arguments = [arg for package in PACKAGES for arg in ("-p", package)]
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull,
                             *arguments], cwd=generated, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_recursive_unions_send_and_decode_nested_values(generated: Path) -> None:
    with SlackServer() as server:
        server.reply({"ok": True, "value": ["a", [1.5, ["b"]]], "tree": {"x": {"y": {}}},
                      "node": {"children": ["leaf", {"children": []}]}})
        result = run_python(generated, (
            "import recursive\n"
            f"client = recursive.Client('xoxb-1', base_url={server.url!r})\n"
            "r = client.data.echo(value=['a', ['b']])\n"
            "print(r.value, r.tree, r.node.children[1].children)\n"
        ))
        assert result.returncode == 0, result.stderr
        assert result.stdout.split("\n")[0] == "['a', [1.5, ['b']]] {'x': {'y': {}}} []"
        assert server.requests[0].form == {"value": '["a",["b"]]'}


def test_families_named_like_runtime_classes_make_a_working_client(generated: Path) -> None:
    with SlackServer() as server:
        result = run_python(generated, (
            "import names\n"
            f"client = names.Client('xoxb-1', base_url={server.url!r})\n"
            "for family in (client.client, client.base_client, client.any, client.endpoint, client.resource,\n"
            "               client.async_resource, client.sequence, client.cached_property_, client.deadline_,\n"
            "               client.proxy_, client.max_response_size_, client.max_retry_time_, client.zeta):\n"
            "    family.get()\n"
            "assert client.deadline is None and client.proxy is None and client.max_response_size > 0\n"
            "client.calls.int_()\n"
            "client.calls.str_.list(count=2, names=['a'])\n"
            "user = client.user.info()\n"
            "client.calls.participants.get()\n"
            "print(type(client.client).__name__, names.AsyncClient.__name__, type(user).__name__,\n"
            "      type(client.user).__name__, type(client.calls.participants).__name__)\n"
        ))
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["ClientMethods", "AsyncClient", "User", "UserMethods",
                                         "CallsParticipantsMethods"]
        assert [request.path for request in server.requests][-4:-2] == ["/calls.int", "/calls.str.list"]
        assert "/cached_property.get" in [request.path for request in server.requests]


def test_diff_reads_recursive_unions_and_locates_wrong_shapes(capsys: pytest.CaptureFixture[str]) -> None:
    recursive = str(CASES / "schema_recursive_union" / "spec.yaml")
    assert cli.main(["diff", recursive, recursive]) == 0
    assert "no change to the client" in capsys.readouterr().out
    assert cli.main(["diff", str(CASES / "hostile_wrong_shape_properties" / "spec.yaml"), recursive]) == 2
    assert "spec.yaml:15:31 at /paths/" in capsys.readouterr().err


@pytest.mark.parametrize("case", ["hostile_wrong_shape_allof", "hostile_wrong_shape_anyof", "hostile_wrong_shape_oneof",
                                  "hostile_wrong_shape_not", "hostile_wrong_shape_required_number",
                                  "invalid_default_type"])
def test_validate_places_wrong_shapes_the_validator_crashed_on(case: str, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`validate` gives exit 2 and the file, line, column and pointer (it gave a KeyError, or 1:1)."""
    monkeypatch.chdir(CASES / case)
    assert cli.main(["validate", "--spec", "spec.yaml", "--no-cache"]) == 2
    expected = (CASES / case / "expected" / "error.txt").read_text(encoding="utf-8")
    assert capsys.readouterr().err == f"error: {expected}"
