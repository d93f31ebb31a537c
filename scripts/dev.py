#!/usr/bin/env python3
"""Set up the project's virtual environment if needed, then run a task in it.

    python3 scripts/dev.py generate [ARGS]   regenerate generated/ (python -m generator ARGS)
    python3 scripts/dev.py test [ARGS]       run every test (pytest ARGS)
    python3 scripts/dev.py check             the golden copy is up to date (--check)

Needs only Python 3.11+. The environment lives in .venv and is reinstalled whenever
pyproject.toml changes, so a fresh clone and a long-lived checkout behave the same.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".installed-from"
TASKS = {
    "generate": ["-m", "generator"],
    "check": ["-m", "generator", "--check"],
    "test": ["-m", "pytest"],
}


def ensure_environment() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        print("creating .venv", file=sys.stderr)
        venv.create(VENV, with_pip=True)
    print("installing the project and its test tools into .venv", file=sys.stderr)
    # --no-compile: modules are compiled when first imported, only those that are (a third of the time)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    # a current pip resolves and installs the rest in about two thirds of the bundled one's time,
    # and with setuptools already here the project builds without a throwaway build environment
    subprocess.run([*pip, "--upgrade", "pip", "setuptools>=70.1"], check=True)
    subprocess.run([*pip, "--no-build-isolation", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this runs under whatever python3 the user has
        print("Python 3.11 or newer is needed", file=sys.stderr)
        return 2
    if not argv or argv[0] not in TASKS:
        print(__doc__, file=sys.stderr)
        return 2
    ensure_environment()
    return subprocess.run([str(PYTHON), *TASKS[argv[0]], *argv[1:]], cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
