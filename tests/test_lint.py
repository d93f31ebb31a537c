"""The generator itself stays typed and linted, as its users' generated code must be."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, MypyRun


def test_generator_passes_mypy_strict(mypy_strict: MypyRun) -> None:
    result = mypy_strict(cwd=ROOT)  # the files and settings of [tool.mypy] in pyproject.toml
    assert result.returncode == 0, result.stdout + result.stderr


def test_project_passes_ruff() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
