"""The cache and the worker processes make generation fast without ever changing what it does:
output is byte-identical with and without them, a spec whose bytes changed is always validated
again, a damaged cache entry is ignored, and a failing worker changes nothing."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import GENERATED, ROOT, SPEC

from generator import cli, generate, parallel
from generator import format as formatting
from generator.cache import Cache
from generator.config import Options, load_options
from generator.errors import SpecError
from generator.format import TemplateOutputError, format_files


def options(**overrides: object) -> Options:
    return load_options(overrides, ROOT)


def entries(cache: Cache, kind: str) -> list[Path]:
    assert cache.folder is not None
    return sorted((cache.folder / kind).iterdir())


@pytest.fixture(scope="module")
def uncached(calls_files: dict[str, str]) -> list[tuple[str, str]]:
    return list(calls_files.items())


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


@pytest.mark.parametrize("workers", ["1", "4"])  # in this process only, and with forked workers
def test_output_is_byte_identical_cold_warm_and_from_each_cache(
        cache: Cache, uncached: list[tuple[str, str]], workers: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENERATOR_WORKERS", workers)
    assert list(generate(options(), cache=cache).items()) == uncached  # cold: fills the cache
    assert cache.folder is not None
    assert sorted(kind.name for kind in cache.folder.iterdir()) == ["format", "output", "verdict"]
    assert list(generate(options(), cache=cache).items()) == uncached  # the whole result from the cache
    shutil.rmtree(cache.folder / "output")
    assert list(generate(options(), cache=cache).items()) == uncached  # the verdict and black's output from it


def test_a_spec_whose_bytes_changed_is_validated_again(tmp_path: Path, cache: Cache, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(cache.folder))  # the CLI's cache is this one
    spec = tmp_path / "calls.yaml"
    shutil.copy(SPEC, spec)
    generate(options(spec=spec), cache=cache)  # "valid" and the output are cached for these bytes
    assert cli.main(["validate", "--spec", str(spec)]) == 0
    spec.write_text(SPEC.read_text().replace("          type: integer\n          description: Call duration",
                                             "          type: int\n          description: Call duration", 1))
    where = "/components/schemas/CallsEndRequest/properties/duration/type"
    with pytest.raises(SpecError, match=where):
        generate(options(spec=spec), cache=cache)
    capsys.readouterr()
    assert cli.main(["validate", "--spec", str(spec)]) == 2
    assert where in capsys.readouterr().err


def test_damaged_entries_are_ignored_and_rewritten(cache: Cache, uncached: list[tuple[str, str]]) -> None:
    generate(options(), cache=cache)
    damaged = []
    for kind in ("output", "verdict", "format"):
        for number, entry in enumerate(entries(cache, kind)):
            data = entry.read_bytes()
            entry.write_bytes([data[: len(data) // 2], data[:-1] + bytes([data[-1] ^ 1]), b"",
                               b"\xff\xfe not an entry"][number % 4])
            damaged.append((kind, entry.name))
    assert list(generate(options(), cache=cache).items()) == uncached
    assert all(cache.get(kind, key) is not None for kind, key in damaged)


def test_a_fifo_or_symlink_planted_in_the_cache_is_a_miss_not_a_hang(
        cache: Cache, uncached: list[tuple[str, str]], tmp_path: Path) -> None:
    generate(options(), cache=cache)
    (tmp_path / "elsewhere").write_bytes(b"")
    for number, entry in enumerate(entries(cache, "output") + entries(cache, "verdict")):
        entry.unlink()
        if number % 2:
            entry.symlink_to(tmp_path / "elsewhere")
        else:
            os.mkfifo(entry)  # reading it would block until someone writes: forever
    result: list[list[tuple[str, str]]] = []
    worker = threading.Thread(target=lambda: result.append(list(generate(options(), cache=cache).items())),
                              daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the generator hangs on a FIFO in its cache"
    assert result == [uncached]


def test_formatted_files_are_cached_per_black_version(cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"pkg/a.py": "x = ( 1 )\n", "README.md": "( 1 )\n"}
    real_version = formatting.black_version
    monkeypatch.setattr(formatting, "black_version", lambda: "0.0-another")
    assert format_files(files, cache) == {"pkg/a.py": "x = 1\n", "README.md": "( 1 )\n"}
    [entry] = entries(cache, "format")
    cache.put("format", entry.name, b"made_by = 'another black'\n")
    assert format_files(files, cache)["pkg/a.py"] == "made_by = 'another black'\n"  # the cache is used...
    monkeypatch.setattr(formatting, "black_version", real_version)
    assert format_files(files, cache)["pkg/a.py"] == "x = 1\n"  # ...but never across black versions


def test_no_cache_neither_reads_nor_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(folder))
    monkeypatch.chdir(ROOT)
    assert cli.main(["--check", "--no-cache"]) == 0
    assert not folder.exists()
    assert cli.main(["--check"]) == 0
    assert (folder / "output").is_dir()


def test_the_cache_lives_in_the_users_cache_directory_never_in_the_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`git add -A` in a project must not pick up the cache (it once landed beside pyproject.toml)."""
    project = tmp_path / "project"
    (project / "spec").mkdir(parents=True)
    shutil.copy(SPEC, project / "spec" / "calls.yaml")
    (project / "pyproject.toml").write_text('[tool.generator]\nspec = "spec/calls.yaml"\nout = "vendor"\n')
    monkeypatch.delenv("GENERATOR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(project)
    assert cli.main(["validate"]) == 0
    assert (tmp_path / "xdg" / "slack-openapi-generator" / "verdict").is_dir()
    assert sorted(p.name for p in project.iterdir()) == ["pyproject.toml", "spec"]
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # the XDG spec says to ignore it
    assert Cache.for_user().folder == Path.home() / ".cache" / "slack-openapi-generator"


def test_an_invalid_spec_is_reported_even_when_building_from_it_fails_first(tmp_path: Path, cache: Cache) -> None:
    spec = tmp_path / "calls.yaml"
    spec.write_text(SPEC.read_text().replace("      requestBody:\n", "      requestBody: 5\n      x-was-body:\n"))
    with pytest.raises(SpecError, match="requestBody: 5 is not of type 'object'"):
        generate(options(spec=spec), cache=cache)


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENERATOR_WORKERS", "2")
    if threading.active_count() > 1:
        pytest.skip("another test left a thread running; this process does not fork")
    assert parallel.can_fork()


@pytest.mark.usefixtures("forking")
def test_a_worker_that_dies_has_its_work_done_here() -> None:
    parent = os.getpid()

    def double(number: int) -> int:
        if os.getpid() != parent:
            os._exit(9)
        return number * 2

    assert parallel.Task(double, 21).result() == 42


@pytest.mark.usefixtures("forking")
def test_files_a_dead_worker_took_from_the_queue_are_formatted_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formatting, "PARALLEL_MIN_CHARS", 0)
    parent, real_format_group = os.getpid(), formatting._format_group

    def format_group(texts: dict[str, str]) -> dict[str, str]:
        if os.getpid() != parent and "pkg/b.py" in texts:
            os._exit(9)  # the worker dies holding b.py, which it took from the queue
        if os.getpid() == parent and not texts:
            time.sleep(0.3)  # this process starts late, so the worker takes b.py first
        return real_format_group(texts)

    monkeypatch.setattr(formatting, "_format_group", format_group)
    files = {"pkg/a.py": "a = ( 1 )\n" * 30, "pkg/b.py": "b = ( 1 )\n" * 20, "pkg/c.py": "c = ( 1 )\n" * 10}
    assert format_files(files) == {path: text.replace("( 1 )", "1") for path, text in files.items()}


def test_files_formatted_already_are_left_as_they_are(cache: Cache) -> None:
    files = {"pkg/a.py": "a = ( 1 )\n", "pkg/_base.py": "b = ( 1 )\n"}
    assert format_files(files, cache, formatted_already={"pkg/_base.py"}) == {**files, "pkg/a.py": "a = 1\n"}


@pytest.mark.usefixtures("forking")
def test_invalid_python_formatted_by_a_worker_is_reported_as_a_template_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formatting, "PARALLEL_MIN_CHARS", 0)
    files = {"pkg/fine.py": "x = 1\n", "pkg/broken.py": "def broken(:\n" + "x = 1\n" * 20}  # the worker's
    with pytest.raises(TemplateOutputError, match="pkg/broken.py: the templates produced invalid Python"):
        format_files(files)


def test_the_cached_result_follows_the_history_in_the_output_folder(tmp_path: Path, cache: Cache) -> None:
    out = tmp_path / "out"
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    first = generate(options(), out, cache=cache)  # cached for this history
    assert first == generate(options(), out)
    state = out / ".generator-state.json"
    history = json.loads(state.read_text())
    history["releases"][0]["version"] = "3.1.4"  # the newest release
    state.write_text(json.dumps(history))
    cached = generate(options(), out, cache=cache)
    assert cached == generate(options(), out)
    assert cached != first and 'version = "3.1.' in cached["pyproject.toml"]
