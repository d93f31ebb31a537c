"""Read a spec as it was at a git revision, for `python -m generator diff`.

Git is run as a subprocess (`git cat-file blob REV:PATH`, which prints the file's bytes exactly);
a missing git, a folder outside a repository, an unknown revision or path all become one usage
error naming the spec.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .errors import UsageError
from .load import Document, parse


def read_revision(spec: str) -> Document:
    """`REV:PATH`, PATH relative to the repository root (or `./PATH` to the current folder)."""
    return _cat_file(spec, Path.cwd(), spec)


def revision_of(path: Path, rev: str, name: str) -> Document:
    """The file at `path` as of revision `rev`, named `REV:NAME` in messages."""
    return _cat_file(f"{rev}:./{path.name}", path.parent, f"{rev}:{name}")


def _cat_file(obj: str, cwd: Path, name: str) -> Document:
    if obj.startswith("-"):
        raise UsageError(f"{name}: a git revision cannot start with '-'")
    try:
        done = subprocess.run(["git", "cat-file", "blob", obj], cwd=cwd, capture_output=True, timeout=60, check=False)
    except FileNotFoundError:
        raise UsageError(f"{name}: git is not installed, so a spec cannot be read from a revision") from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"{name}: cannot run git: {exc}") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[0].removeprefix("fatal: ") if lines else f"git exited with {done.returncode}"
        raise UsageError(f"{name}: cannot read it from git: {reason}")
    return parse(done.stdout, name)
