"""No run loses a user's file: foreign files are refused, symlinks are not followed, a killed run is
completed by the next, two runs do not interleave, and `--check` never calls a damaged tree current."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import GENERATED, ROOT, SPEC

from generator import cli
from generator.commit import PENDING, interrupted, locked
from generator.output import MANIFEST, with_manifest, write
from generator.release import STATE


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and PENDING not in p.parts and "__pycache__" not in p.parts}


@pytest.fixture
def golden_copy(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    return out


def generate(out: Path, *extra: str) -> int:
    return cli.main(["--spec", str(SPEC), "--out", str(out), "--package", "slack_calls", *extra])


def test_a_users_files_at_generated_paths_are_refused_then_adopted_on_request(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "project"
    out.mkdir()
    (out / "README.md").write_text("my project\n")
    (out / "pyproject.toml").write_text("[project]\nname = 'mine'\n")
    assert generate(out) == 2
    err = capsys.readouterr().err
    assert "did not write: README.md, pyproject.toml" in err and "--adopt" in err
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "pyproject.toml"]
    assert (out / "README.md").read_text() == "my project\n"

    assert cli.main(["--check", "--spec", str(SPEC), "--out", str(out)]) == 1
    assert "not written by the generator: README.md, pyproject.toml" in capsys.readouterr().err

    assert generate(out, "--adopt") == 0
    assert (out / "README.md").read_text() != "my project\n"
    (out / "README.md").write_text("edited\n")  # adopted: from now on the generator's own
    assert generate(out) == 0


def test_the_spec_is_never_overwritten_by_the_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docs").mkdir()
    spec = tmp_path / "docs" / "API.md"
    spec.write_bytes(SPEC.read_bytes())
    for extra in ((), ("--adopt",)):
        assert cli.main(["--spec", str(spec), "--out", str(tmp_path), *extra]) == 2
        assert "would overwrite the spec itself (docs/API.md)" in capsys.readouterr().err
    assert spec.read_bytes() == SPEC.read_bytes()


def test_nothing_is_written_through_a_symlink_inside_out(golden_copy: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "API.md").write_text("not yours\n")
    shutil.rmtree(golden_copy / "docs")
    (golden_copy / "docs").symlink_to(outside)
    assert generate(golden_copy) == 2
    assert "refusing to write through symbolic links" in capsys.readouterr().err
    assert (outside / "API.md").read_text() == "not yours\n"
    assert (golden_copy / "docs").is_symlink()


def test_extra_files_in_the_package_agree_between_check_and_generation(
        golden_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One rule: a file the generator did not write is the user's; generating keeps it, so `--check`
    does not call it drift (it mentions it)."""
    (golden_copy / "slack_calls" / "helpers.py").write_text("x = 1\n")
    assert generate(golden_copy) == 0
    assert (golden_copy / "slack_calls" / "helpers.py").read_text() == "x = 1\n"
    capsys.readouterr()
    assert cli.main(["--check", "--spec", str(SPEC), "--out", str(golden_copy)]) == 0
    captured = capsys.readouterr()
    assert "up to date" in captured.out and "helpers.py is not generated" in captured.err


# --- killed at any instant -------------------------------------------------------------------------

OLD = with_manifest({"a.txt": "old a\n", "pkg/b.txt": "b\n", "gone/c.txt": "going\n"})
NEW = with_manifest({"a.txt": "new a\n", "pkg/b.txt": "b\n", "docs/new.txt": "new\n"})
STEPS = ("replace", "rename", "fsync", "mkdir", "unlink", "rmdir", "write", "open")


def kill_at(limit: int, out: Path) -> int:
    """Run `write(NEW, out)` in a forked child killed (SIGKILL or SIGTERM) at its `limit`-th file
    system call; 0 kills nothing. Returns the number of calls made, or -1 when killed."""
    pid = os.fork()
    if pid == 0:  # the child: count the calls, die at the chosen one
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        count = 0

        def counting(real: Callable[..., object]) -> Callable[..., object]:
            def call(*args: object, **kwargs: object) -> object:
                nonlocal count
                count += 1
                if count == limit:
                    os.kill(os.getpid(), signal.SIGKILL if limit % 2 else signal.SIGTERM)
                return real(*args, **kwargs)
            return call

        try:
            for name in STEPS:
                setattr(os, name, counting(getattr(os, name)))
            write(NEW, out)
            os._exit(min(count, 250))
        finally:
            os._exit(255)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else -1


def test_a_run_killed_at_any_point_of_the_write_leaves_old_new_or_a_state_the_next_run_completes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "template"
    write(OLD, template)
    (template / "mine.txt").write_text("the user's\n")
    old = snapshot(template)
    done = tmp_path / "done"
    shutil.copytree(template, done)
    total = kill_at(0, done)
    new = snapshot(done)
    assert new != old and total > 10
    seen = set()
    for limit in range(1, total + 1):
        out = tmp_path / f"run{limit}"
        shutil.copytree(template, out)
        assert kill_at(limit, out) == -1  # killed
        state = snapshot(out)
        if interrupted(out):
            seen.add("interrupted")
            assert cli.main(["--check", "--spec", str(SPEC), "--out", str(out)]) == 1
            assert "interrupted" in capsys.readouterr().err
        else:
            assert state in (old, new), f"killed at step {limit}: a mixed tree"
            seen.add("old" if state == old else "new")
        write(NEW, out)  # the next run completes (or discards) what the killed one left
        assert snapshot(out) == new and not (out / PENDING).exists(), f"killed at step {limit}"
        shutil.rmtree(out)
    assert seen == {"old", "interrupted", "new"}


def test_a_regeneration_killed_with_the_history_moved_aside_keeps_the_version_and_changelog(
        golden_copy: Path, tmp_path: Path) -> None:
    """The CLI finishes a killed run's commit before it reads the history: read first, the history
    would be missing (moved aside) and the package would start again at 1.0.0."""
    spec = tmp_path / "calls.yaml"
    text = SPEC.read_text(encoding="utf-8")
    spec.write_text(text.replace("  /calls.add:\n", "  /calls.ping:\n    get:\n      responses:\n"
                                 "        '200': {description: ok}\n  /calls.add:\n", 1), encoding="utf-8")
    argv = ["--spec", str(spec), "--out", str(golden_copy), "--package", "slack_calls", "--no-cache"]
    history = golden_copy / STATE
    pid = os.fork()
    if pid == 0:  # the child: a real regeneration, killed as it moves the old history aside
        try:
            real = os.replace

            def replace(source: object, *args: object, **kwargs: object) -> None:
                real(source, *args, **kwargs)  # type: ignore[call-overload]
                if Path(str(source)) == history:
                    os.kill(os.getpid(), signal.SIGKILL)

            os.replace = replace  # type: ignore[assignment]
            cli.main(argv)
        finally:
            os._exit(0)  # not killed: the test fails below
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert interrupted(golden_copy) and not history.exists()  # the history is aside, in the journal's care
    assert cli.main(argv) == 0
    changelog = (golden_copy / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index("## 2.1.0") < changelog.index("## 2.0.0") < changelog.index("## 1.0.0")
    assert "`client.calls.ping()`" in changelog
    assert 'version = "2.1.0"' in (golden_copy / "pyproject.toml").read_text(encoding="utf-8")
    assert not (golden_copy / PENDING).exists()


def test_two_first_runs_on_a_new_folder_both_take_its_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other run creates the folder between this one's check and its mkdir: no "File exists"."""
    out = tmp_path / "new" / "out"
    real = os.mkdir

    def raced(path: object, *args: object, **kwargs: object) -> None:
        if Path(str(path)) == out and not out.exists():
            real(out)  # the other first run got there first
        real(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "mkdir", raced)
    with locked(out):
        assert out.is_dir()


def test_a_second_run_on_the_same_folder_waits_for_the_first(golden_copy: Path) -> None:
    handle = os.open(golden_copy, os.O_RDONLY)
    fcntl.flock(handle, fcntl.LOCK_EX)  # as a running generator holds it
    try:
        second = subprocess.Popen([sys.executable, "-m", "generator", "--out", str(golden_copy)], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        assert second.poll() is None, second.communicate()
    finally:
        os.close(handle)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert "another generator run is using this folder; waiting" in err
    assert generate(golden_copy, "--check") == 0  # and the tree it left is whole


@pytest.mark.parametrize("name", ["json", "typing", "os", "sys", "enum", "asyncio", "httpx"])
def test_standard_library_names_are_refused_as_package_names(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--out", str(tmp_path / "out"), "--package", name]) == 2
    assert "shadow" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_manifest_is_what_makes_files_the_generators(golden_copy: Path) -> None:
    """Without its manifest a generated tree is foreign: the user must say --adopt to overwrite it."""
    (golden_copy / MANIFEST).unlink()
    (golden_copy / "README.md").write_text("whose is this?\n")
    assert generate(golden_copy) == 2
    assert generate(golden_copy, "--adopt") == 0


@pytest.mark.parametrize("name", [".generator-state.json", MANIFEST])
def test_a_fifo_in_place_of_the_history_or_manifest_is_an_error_not_a_hang(golden_copy: Path, name: str) -> None:
    (golden_copy / name).unlink()
    os.mkfifo(golden_copy / name)
    result = subprocess.run([sys.executable, "-m", "generator", "--out", str(golden_copy), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert "not a regular file" in result.stderr or "in the way of generated files" in result.stderr
