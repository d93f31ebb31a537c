"""The generated package is code a careful person would ship: typed, linted, standard library
only, vendorable by copying and installable with pip."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from conftest import GENERATED, MypyRun


def run(*command: str, cwd: Path = GENERATED) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def test_mypy_strict_passes_on_the_generated_package(mypy_strict: MypyRun) -> None:
    result = mypy_strict("slack_calls", cwd=GENERATED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_passes_on_the_generated_package() -> None:
    result = run(sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "slack_calls")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_vendored_copy_imports_with_nothing_but_the_standard_library(tmp_path: Path) -> None:
    shutil.copytree(GENERATED / "slack_calls", tmp_path / "vendor" / "slack_calls")
    script = ("import json, sys; sys.path.insert(0, sys.argv[1]); import slack_calls; "
              "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} - sys.stdlib_module_names)))")
    result = run(sys.executable, "-I", "-S", "-c", script, str(tmp_path / "vendor"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["__main__", "slack_calls"]


def test_the_models_and_families_load_on_first_use() -> None:
    """Importing the client of the whole Web API must not execute its 18,000-line models module
    (see benchmarks/generate.py); a family, or a model named from the package, loads it then."""
    script = """if True:
        import sys
        import slack_calls
        from slack_calls import Client
        lazy = ("slack_calls.models", "slack_calls.resources.calls")
        assert not any(name in sys.modules for name in lazy), sorted(sys.modules)
        client = Client(token="xoxb-test")
        assert client.calls.participants.add.__self__ is client.calls.participants
        assert all(name in sys.modules for name in lazy)
        from slack_calls import CallResponse
        from slack_calls.models import CallResponse as same
        assert CallResponse is same is slack_calls.CallResponse
        assert "CallResponse" in dir(slack_calls)
        try:
            slack_calls.NoSuchModel
        except AttributeError as exc:
            assert "NoSuchModel" in str(exc)
        else:
            raise AssertionError("a name the package lacks must raise AttributeError")
    """
    result = run(sys.executable, "-c", script)
    assert result.returncode == 0, result.stderr


def tree(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*"))


def test_pip_installs_the_generated_folder_and_leaves_nothing_in_it(tmp_path: Path) -> None:
    project = tmp_path / "project"  # a copy, so a failure could never leave anything in generated/
    shutil.copytree(GENERATED, project, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    before = tree(project)
    result = run(sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                 "--target", str(tmp_path / "site"), str(project), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert tree(project) == before  # no build/ or *.egg-info/ beside the README
    installed = tmp_path / "site" / "slack_calls"
    assert (installed / "py.typed").is_file() and (installed / "resources" / "calls.py").is_file()


def test_the_generator_builds_without_warnings_and_ships_every_template(tmp_path: Path) -> None:
    """setuptools once printed ~200 lines about template folders missing from `packages`."""
    root = GENERATED.parent
    # folders installed inside the package (templates/ as generator.templates, ...)
    mapped = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    for name in ("generator", *mapped.values()):
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, tmp_path / name)
    result = run(sys.executable, "-m", "pip", "wheel", "--verbose", "--no-deps", "--no-build-isolation",
                 "--wheel-dir", str(tmp_path / "dist"), str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "absent from the `packages` configuration" not in result.stdout + result.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"{package.replace('.', '/')}/{path}" for package, folder in mapped.items()
                for path in tree(root / folder) if path.endswith((".jinja", ".py"))}
    assert "generator/templates/package/models.py.jinja" in expected and expected <= shipped


def test_templates_lay_python_out_as_black_would() -> None:
    """Black then confirms each file in one pass instead of rewriting it and checking again, which
    halves the formatting stage (the longest of a cold run); see benchmarks/generate.py."""
    import black
    from black.mode import TargetVersion

    from generator import build_api
    from generator.config import load_options
    from generator.format import LINE_LENGTH
    from generator.render import environment, render

    rendered = render(build_api(load_options({}, GENERATED.parent)), environment())
    mode = black.Mode(target_versions={TargetVersion.PY311}, line_length=LINE_LENGTH)
    unstable = [path for path, text in rendered.items()
                if path.endswith(".py") and black.format_str(text, mode=mode) != text]
    assert unstable == []
