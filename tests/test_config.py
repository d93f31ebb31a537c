"""`[tool.generator]` in pyproject.toml: the same options as the flags, flags winning, and named
targets so a project vendoring several families regenerates them all with one command."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from generator import cli
from generator.config import load_options, load_targets
from generator.errors import UsageError

SPEC = ROOT / "tests" / "cases" / "auth_variants" / "spec.yaml"  # families: admin, auth, chat, files, partner

TARGETS = """
[tool.generator]
spec = "specs/slack.yaml"
strict = false

[tool.generator.targets.chat]
out = "vendor/chat"
package = "slack_chat"
families = ["chat"]

[tool.generator.targets.files]
out = "vendor/files"
package = "slack_files"
families = ["files", "auth"]
templates = "templates"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "specs").mkdir()
    shutil.copy(SPEC, tmp_path / "specs" / "slack.yaml")
    (tmp_path / "templates" / "project").mkdir(parents=True)
    (tmp_path / "templates" / "project" / "README.md.jinja").write_text("# {{ api.package }}, vendored\n")
    (tmp_path / "pyproject.toml").write_text(TARGETS)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # the file is found from below, and its paths are relative to it
    return tmp_path


def modules(out: Path, package: str) -> list[str]:
    return sorted(p.stem for p in (out / package / "resources").glob("*.py") if p.stem != "__init__")


def test_one_command_generates_every_target(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 0
    assert modules(project / "vendor" / "chat", "slack_chat") == ["chat"]
    assert modules(project / "vendor" / "files", "slack_files") == ["auth", "files"]
    assert (project / "vendor" / "files" / "README.md").read_text().endswith("# slack_files, vendored\n")
    assert "# slack_chat, vendored" not in (project / "vendor" / "chat" / "README.md").read_text()
    err = capsys.readouterr().err
    assert f"files: warning: {project / 'specs' / 'slack.yaml'}:45:11 at /paths/~1files.info/get/parameters/1: header " \
        "parameter 'X-Request-Id' is not supported" in err
    assert "chat: warning" not in err  # chat.postMessage uses none of the approximated constructs

    assert cli.main(["--check"]) == 0
    (project / "vendor" / "chat" / "slack_chat" / "models.py").write_text("edited\n")
    assert cli.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "slack_chat/models.py" in out
    assert cli.main(["--check", "--target", "files"]) == 0


def test_flags_win_over_the_file(project: Path) -> None:
    (options,) = load_targets({"families": ["admin"], "package": "acme", "strict": True}, names=["chat"])
    assert (options.families, options.package, options.strict) == (("admin",), "acme", True)
    assert options.out == project / "vendor" / "chat" and options.spec == project / "specs" / "slack.yaml"
    assert options.templates is None
    (files,) = load_targets({}, names=["files"])
    assert files.templates == project / "templates"


def test_a_single_table_without_targets_is_the_one_target(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.generator]\nspec = "specs/slack.yaml"\nout = "out"\npackage = "slack_chat"\nfamilies = ["chat"]\n'
        "strict = true\n")
    options = load_options({})
    assert (options.spec, options.out, options.package, options.families, options.strict) == (
        project / "specs" / "slack.yaml", project / "out", "slack_chat", ("chat",), True)
    assert cli.main([]) == 0  # chat alone has nothing to warn about
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text().replace('["chat"]', '["files"]'))
    assert cli.main([]) == 2  # files.info's header parameter is a warning, an error with strict


@pytest.mark.parametrize(("text", "argv", "message"), [
    (TARGETS + "colour = 1\n", [], "[tool.generator.targets.files]: unknown keys: colour"),
    (TARGETS, ["--target", "nope"], "no target 'nope'"),
    (TARGETS, ["--out", "x"], "--out names one output but 2 targets are selected"),
    (TARGETS.replace('out = "vendor/files"', 'out = "vendor/chat"'), [], "targets 'chat' and 'files' both write to"),
    (TARGETS.replace('families = ["chat"]', 'families = "chat"'), [], "families must be a list of names"),
    ('[tool.generator]\nspec = "specs/slack.yaml"\n', ["--target", "chat"], "defines no [tool.generator.targets"),
])
def test_configuration_mistakes_are_usage_errors(project: Path, capsys: pytest.CaptureFixture[str], text: str,
                                                 argv: list[str], message: str) -> None:
    (project / "pyproject.toml").write_text(text)
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (project / "vendor").exists()


def test_load_options_refuses_to_pick_one_of_several_targets(project: Path) -> None:
    with pytest.raises(UsageError, match="several targets are configured"):
        load_options({})


def test_only_a_pyproject_with_a_generator_table_is_the_configuration(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From inside a generated project (which has a pyproject.toml of its own, as generated/ does)
    the project's configuration is still found."""
    package = project / "vendor" / "chat" / "slack_chat"
    package.mkdir(parents=True)
    (package.parent / "pyproject.toml").write_text('[project]\nname = "slack-chat"\n\n[tool.setuptools]\n')
    monkeypatch.chdir(package)
    targets = load_targets({})
    assert [(t.target, t.spec, t.root) for t in targets] == [
        ("chat", project / "specs" / "slack.yaml", project), ("files", project / "specs" / "slack.yaml", project)]


def test_a_broken_pyproject_meant_for_the_generator_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.generator]\nspec = "unterminated\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="cannot read \\[tool.generator\\]"):
        load_targets({})


def test_the_drift_hint_regenerates_the_stale_target_only(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 0
    (project / "vendor" / "files" / "README.md").write_text("edited\n")
    capsys.readouterr()
    assert cli.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "run `python -m generator --target files` to regenerate" in err and "--target chat" not in err


def test_check_is_quiet_about_warnings_the_last_generation_showed_but_shows_a_new_one(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warning = "header parameter 'X-Request-Id' is not supported"
    assert cli.main(["--target", "files"]) == 0
    assert warning in capsys.readouterr().err  # generating always shows them
    assert cli.main(["--check", "--target", "files"]) == 0
    err = capsys.readouterr().err
    assert warning not in err and "1 warning(s), unchanged since the last generation" in err
    assert cli.main(["--check", "--target", "files", "--all-warnings"]) == 0
    assert warning in capsys.readouterr().err
    spec = project / "specs" / "slack.yaml"
    spec.write_text(spec.read_text().replace(
        "        - {name: file, in: query,", "        - {name: X-Trace, in: header, schema: {type: string}}\n"
        "        - {name: file, in: query,", 1))
    assert cli.main(["--check", "--target", "files"]) == 1
    err = capsys.readouterr().err
    assert warning in err and "header parameter 'X-Trace' is not supported" in err  # a new one: all of them
