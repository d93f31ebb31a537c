"""`python -m generator diff`: the report on every before/after pair in tests/diff_cases, the
human and JSON layouts, specs read from git revisions, and bad input."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from generator import diff
from generator.cli import main

CASES = Path(__file__).parent / "diff_cases"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_case_report(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    folder = CASES / case
    expected = json.loads((folder / "expected.json").read_text())
    code, out, err = run(capsys, str(folder / "before.yaml"), str(folder / "after.yaml"), "--format", "json")
    report = json.loads(out)
    assert err == ""
    assert [{k: c[k] for k in ("level", "kind", "where", "message")} for c in report["changes"]] == expected["changes"]
    assert all(c["breaking"] == (c["level"] == "major") for c in report["changes"])
    assert (report["bump"], report["breaking"], code) == (expected["bump"], expected["exit"] == 1, expected["exit"])


def test_text_report_groups_changes_by_severity(capsys: pytest.CaptureFixture[str]) -> None:
    folder = CASES / "realistic"
    code, out, _ = run(capsys, str(folder / "before.yaml"), str(folder / "after.yaml"))
    assert code == 0
    assert out == (
        f"{folder / 'before.yaml'} -> {folder / 'after.yaml'}: 3 added (minor version bump)\n"
        "\n"
        "Added (compatible):\n"
        "  - client.calls.participants.add(): parameter `users` is now optional\n"
        "  - client.calls.participants.list(): method added\n"
        "  - models.CallUsersResponse: model added\n"
    )
    before = CASES / "parameter-removed" / "before.yaml"
    code, out, _ = run(capsys, str(before), str(CASES / "parameter-removed" / "after.yaml"))
    assert code == 1
    assert "1 breaking (major version bump)\n\nBreaking for code that calls the client:\n" in out
    code, out, _ = run(capsys, str(before), str(before))
    assert (code, out) == (0, f"{before} -> {before}: no change to the client\n")


def surface_with(parameters: dict[str, Any]) -> diff.Surface:
    return {"methods": {"calls.end": {"python": "calls.end", "summary": "", "description": "", "deprecated": False,
                                      "response": "OkResponse", "parameters": parameters}},
            "models": {}, "enums": {}}


def test_same_wire_name_with_a_new_python_name_is_a_rename() -> None:
    """A generator change (not a spec change) can rename an argument; callers must follow."""
    parameter = {"name": "from", "type": "str", "required": False, "description": "Start."}
    report = diff.compare(surface_with({"from": parameter}), surface_with({"from": {**parameter, "name": "from_"}}))
    assert [(c.kind, c.message, c.level) for c in report.changes] == [
        ("parameter-renamed", "parameter `from` renamed to `from_`", "major")]


def test_undocumented_arguments_of_one_type_are_not_taken_for_renames() -> None:
    old = {"a": {"name": "a", "type": "str", "required": False, "description": ""}}
    new = {"b": {"name": "b", "type": "str", "required": False, "description": ""}}
    report = diff.compare(surface_with(old), surface_with(new))
    assert sorted(c.kind for c in report.changes) == ["parameter-added", "parameter-removed"]


def surface_using_user(required: bool, sent: bool, returned: bool) -> diff.Surface:
    """A client whose model `User` (one field, `id`) is an argument of calls.end, its result, or both."""
    surface = surface_with({"user": {"name": "user", "type": "User", "required": True, "description": ""}} if sent
                           else {})
    surface["methods"]["calls.end"]["response"] = "User" if returned else "OkResponse"
    surface["models"]["User"] = {"description": "", "fields": {
        "id": {"name": "id", "type": "str", "required": required, "nullable": False, "description": ""}}}
    return surface


@pytest.mark.parametrize(("sent", "returned", "level"), [(True, True, "major"), (False, True, "major"),
                                                         (True, False, "minor")])
def test_a_model_field_made_optional_is_judged_by_how_the_model_is_used(sent: bool, returned: bool,
                                                                         level: str) -> None:
    """Code reading a field that may now be missing breaks; code building the model only gains."""
    report = diff.compare(surface_using_user(True, sent, returned), surface_using_user(False, sent, returned))
    assert [(c.kind, c.where, c.level) for c in report.changes] == [("field-optional", "models.User", level)]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    (tmp_path / "spec").mkdir()
    shutil.copy(CASES / "realistic" / "before.yaml", tmp_path / "spec" / "calls.yaml")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "spec")
    shutil.copy(CASES / "realistic" / "after.yaml", tmp_path / "spec" / "calls.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_spec_against_a_git_revision_of_itself(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = json.loads((CASES / "realistic" / "expected.json").read_text())["changes"]
    for args in (["--rev", "HEAD", "spec/calls.yaml"], ["HEAD:spec/calls.yaml", "spec/calls.yaml"],
                 ["--rev", "HEAD", "--spec", str(repo / "spec" / "calls.yaml")]):
        code, out, err = run(capsys, *args, "--format", "json")
        assert (code, err) == (0, ""), args
        assert [c["message"] for c in json.loads(out)["changes"]] == [c["message"] for c in expected]
        assert json.loads(out)["old"].startswith("HEAD:")


def test_missing_revision_path_or_git_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(capsys, "--rev", "v9", "spec/calls.yaml")
    assert (code, out) == (2, "")
    assert err == "error: v9:spec/calls.yaml: cannot read it from git: invalid object name 'v9'.\n"
    code, _, err = run(capsys, "HEAD:spec/other.yaml", "spec/calls.yaml")
    assert code == 2 and "path 'spec/other.yaml' does not exist in 'HEAD'" in err
    monkeypatch.setenv("PATH", str(repo / "no-such-folder"))
    code, _, err = run(capsys, "--rev", "HEAD", "spec/calls.yaml")
    message = "error: HEAD:spec/calls.yaml: git is not installed, so a spec cannot be read from a revision\n"
    assert (code, err) == (2, message)


def test_bad_input_exits_2_naming_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = str(CASES / "no-change" / "before.yaml")
    code, out, err = run(capsys, good, str(tmp_path / "missing.yaml"))
    assert (code, out, err) == (2, "", f"error: {tmp_path / 'missing.yaml'}: file not found\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\npaths: [\n")
    code, _, err = run(capsys, good, str(broken))
    assert code == 2 and err.startswith(f"error: {broken}:3")
    code, _, err = run(capsys, good)
    assert (code, err) == (2, "error: diff takes OLD NEW, or --rev REV and at most one SPEC\n")
    code, _, err = run(capsys, "--rev", "HEAD", good, good)
    assert code == 2


REFERENCE = Path(os.environ.get("SLACK_REFERENCE_SPECS", ROOT.parent / "shared" / "reference"))
SLACK_2020 = REFERENCE / "slack_web_openapi_v2.json"
SLACK_WEB = ROOT / "spec" / "slack_web.yaml"


@pytest.mark.skipif(not SLACK_2020.is_file() and not os.environ.get("CI"),
                    reason=f"Slack's 2020 spec is not in {REFERENCE} (set SLACK_REFERENCE_SPECS)")
def test_slacks_2020_spec_against_todays_api_is_a_real_world_breaking_diff(capsys: pytest.CaptureFixture[str]) -> None:
    """Two large specs from different sources (Swagger 2.0 and the method reference): one run, ~4 s."""
    code, out, err = run(capsys, str(SLACK_2020), str(SLACK_WEB))
    assert (code, err) == (1, "")
    summary, _, body = out.partition("\n\n")
    counted = re.fullmatch(rf"{re.escape(str(SLACK_2020))} -> {re.escape(str(SLACK_WEB))}: "
                           r"(\d+) breaking, (\d+) added, (\d+) text only \(major version bump\)", summary)
    assert counted, summary
    sections = dict(zip(["Breaking for code that calls the client", "Added (compatible)", "Text only"],
                        map(int, counted.groups()), strict=True))
    entries = {title: lines.splitlines()[1:] for title, lines in
               ((block.split(":\n", 1)[0], block) for block in body.rstrip("\n").split("\n\n"))}
    assert {title: len(lines) for title, lines in entries.items()} == sections  # the summary counts the entries
    assert all(line.startswith("  - ") for lines in entries.values() for line in lines)
    breaking, added = entries["Breaking for code that calls the client"], entries["Added (compatible)"]
    # the 2020 spec typed timestamps as numbers: today's strings break callers that passed floats
    assert "  - client.chat.delete(): parameter `ts` type changed from `float` to `str`" in breaking
    assert "  - client.apps.permissions.info(): method removed" in breaking  # retired by Slack since
    for method in ("files.get_upload_url_external", "canvases.create", "conversations.canvases.create"):
        assert f"  - client.{method}(): method added" in added
