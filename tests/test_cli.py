"""`python -m generator`: regenerate, --check, validate, and failures that change nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GENERATED, ROOT, SPEC

from generator import cli, commit, output

BUILD_LEFTOVERS = ("__pycache__", "*.egg-info", "build")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, leaving out what Python and pip leave behind."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part in ("__pycache__", "build") or part.endswith(".egg-info")
                                    for part in p.relative_to(folder).parts)
    }


@pytest.fixture(autouse=True)
def in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI finds its defaults in the project's pyproject.toml, as when run from the checkout."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def golden_copy(tmp_path: Path) -> Path:
    out = tmp_path / "generated"  # the README names its folder: the same name gives the same bytes
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns(*BUILD_LEFTOVERS))
    return out


def broken_spec(tmp_path: Path) -> Path:
    text = SPEC.read_text().replace("          type: integer\n          description: Call duration",
                                    "          type: int\n          description: Call duration", 1)
    spec = tmp_path / "broken.yaml"
    spec.write_text(text)
    return spec


def test_check_passes_on_the_committed_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_check_on_a_stale_tree_exits_1_with_a_diff_and_writes_nothing(
        golden_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    models = golden_copy / "slack_calls" / "models.py"
    models.write_text(models.read_text().replace("The Call's ID", "The call's id"))
    (golden_copy / "docs" / "API.md").unlink()
    (golden_copy / "slack_calls" / "hand_added.py").write_text("x = 1\n")
    before = snapshot(golden_copy)

    assert cli.main(["--check", "--out", str(golden_copy)]) == 1

    captured = capsys.readouterr()
    assert "--- a/slack_calls/models.py" in captured.out and "+    \"\"\"The Call's ID" in captured.out
    assert "+++ b/docs/API.md" in captured.out
    assert "hand_added.py" not in captured.out  # not generated, so not drift: generating leaves it too
    assert "docs/API.md (missing)" in captured.err and "hand_added.py (extra)" not in captured.err
    assert "slack_calls/hand_added.py is not generated; the generator leaves it alone" in captured.err
    assert f"run `python -m generator --out {golden_copy}` to regenerate" in captured.err  # what was checked
    assert snapshot(golden_copy) == before


def test_regenerating_repairs_the_tree_and_keeps_files_the_generator_did_not_write(golden_copy: Path) -> None:
    (golden_copy / "slack_calls" / "models.py").write_text("broken\n")
    (golden_copy / "NOTES.md").write_text("mine\n")
    assert cli.main(["--out", str(golden_copy)]) == 0
    assert (golden_copy / "NOTES.md").read_text() == "mine\n"
    assert cli.main(["--check", "--out", str(golden_copy)]) == 0


def test_files_the_generator_wrote_earlier_are_removed_when_no_longer_generated(golden_copy: Path) -> None:
    stale = golden_copy / "slack_calls" / "resources" / "chat.py"
    stale.write_text("# generated earlier\n")
    manifest = golden_copy / output.MANIFEST
    manifest.write_text(manifest.read_text() + "slack_calls/resources/chat.py\n")
    assert cli.main(["--out", str(golden_copy)]) == 0
    assert not stale.exists()
    assert snapshot(golden_copy) == snapshot(GENERATED)


def test_package_and_out_options_place_the_package_by_name(tmp_path: Path) -> None:
    out = tmp_path / "vendor"
    assert cli.main(["--out", str(out), "--package", "acme_calls"]) == 0
    assert (out / "acme_calls" / "resources" / "calls.py").is_file()
    readme = (out / "README.md").read_text()
    assert "from acme_calls import Client" in readme
    assert "pip install ./vendor            # the folder holding this README" in readme  # not ./generated
    assert "pip install './vendor[async]'" in readme
    # a complete, harmless example: a method that only reads, with its required argument
    assert "response = client.calls.info(id=" in readme and "response = client.calls.add(" not in readme
    script = "import sys; sys.path.insert(0, sys.argv[1]); import acme_calls; print(acme_calls.Client)"
    result = subprocess.run([sys.executable, "-I", "-S", "-c", script, str(out)], capture_output=True, text=True, check=False)
    assert result.stdout.strip() == "<class 'acme_calls._client.Client'>", result.stderr


def test_an_invalid_spec_exits_2_with_its_location_and_leaves_the_output_alone(
        tmp_path: Path, golden_copy: Path) -> None:
    spec = broken_spec(tmp_path)
    before = snapshot(golden_copy)
    result = subprocess.run([sys.executable, "-m", "generator", "--spec", str(spec), "--out", str(golden_copy)],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{spec}:" in result.stderr
    assert "/components/schemas/CallsEndRequest/properties/duration/type" in result.stderr
    assert "'int' is not one of" in result.stderr
    assert snapshot(golden_copy) == before


@pytest.mark.parametrize(("text", "message"), [
    ("openapi: 3.1.0\ninfo: {title: x\n  version: 1\n", "bad.yaml:3:10: invalid YAML"),
    ("openapi: 3.1.0\ninfo: !!python/object/apply:os.system [echo]\n", "bad.yaml:2:7: invalid YAML: YAML tag"),
    ("- just\n- a list\n", "bad.yaml: the document is a list, not a mapping"),
    (("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /calls.x:\n    get:\n      responses:\n"
      "        '200': {$ref: 'other.yaml#/x'}\n"),
     "bad.yaml:7:23 at /paths/~1calls.x/get/responses/200/$ref: external reference 'other.yaml#/x' is not followed"),
])
def test_validate_names_file_and_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], text: str, message: str) -> None:
    (tmp_path / "bad.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["validate", "--spec", "bad.yaml"]) == 2
    assert capsys.readouterr().err.startswith(f"error: {message}")


def test_validate_accepts_the_calls_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate"]) == 0
    assert capsys.readouterr().out == "spec/calls.yaml: valid\n"


def test_bad_usage_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--package", "../escape", "--out", str(tmp_path)]) == 2
    assert "not a valid Python identifier" in capsys.readouterr().err
    with pytest.raises(SystemExit) as raised:
        cli.main(["--no-such-flag"])
    assert raised.value.code == 2
    assert list(tmp_path.iterdir()) == []


def test_out_that_is_a_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file"
    target.write_text("keep me\n")
    assert cli.main(["--out", str(target)]) == 2
    assert "exists and is not a directory" in capsys.readouterr().err
    assert target.read_text() == "keep me\n"


def test_a_write_failing_halfway_restores_every_file(golden_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for path in ("slack_calls/models.py", "slack_calls/_base.py", "docs/API.md"):
        (golden_copy / path).write_text("old contents\n")
    before = snapshot(golden_copy)
    real_replace = os.replace
    calls = []

    def failing_replace(source: str | Path, target: str | Path) -> None:
        calls.append(target)
        if len(calls) == 4:  # after the first file is swapped in and the second moved aside
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(commit.os, "replace", failing_replace)
    assert cli.main(["--out", str(golden_copy)]) == 2
    monkeypatch.setattr(commit.os, "replace", real_replace)
    assert snapshot(golden_copy) == before
    assert not [p for p in golden_copy.iterdir() if p.is_dir() and p.name.startswith(".generator-")]


def test_a_bug_in_the_generator_exits_3_with_a_short_message_and_changes_nothing(
        golden_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import generator.diff

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("oops")

    monkeypatch.setattr(generator.diff, "surface", broken)
    before = snapshot(golden_copy)
    assert cli.main(["--out", str(golden_copy), "--no-cache"]) == 3  # a cached result would not run the bug
    err = capsys.readouterr().err
    assert err.startswith("internal error: KeyError: 'oops'") and "bug in the generator" in err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert snapshot(golden_copy) == before


def test_a_template_that_renders_invalid_python_changes_nothing(
        tmp_path: Path, golden_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "package").mkdir()
    (tmp_path / "package" / "_errors.py.jinja").write_text("def broken(:\n")
    before = snapshot(golden_copy)
    code = cli.main(["--out", str(golden_copy), "--templates", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 3 and "slack_calls/_errors.py: the templates produced invalid Python" in err
    assert "def broken(:" in err  # the offending line is shown
    assert snapshot(golden_copy) == before


def test_a_missing_dependency_says_what_to_install_or_activate_and_exits_2(tmp_path: Path) -> None:
    """Run with a Python that lacks the generator's dependencies (no site-packages, as with the
    system Python and no environment activated): an installation problem, not a bug."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GENERATOR_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-S", "-m", "generator", "--check", "--no-cache"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: the Python package ") and "is not installed" in result.stderr
    assert "source .venv/bin/activate" in result.stderr and "scripts/dev.py" in result.stderr
    assert "pip install" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_a_missing_module_of_the_generator_itself_is_still_a_bug(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "generator.diff", None)  # `from .diff import ...` fails
    assert cli.main(["--check", "--no-cache"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("internal error: ModuleNotFoundError:") and "generator.diff" in err
