"""Stage 6: compare generated files with a directory, and write them there safely.

Writing is all or nothing. New files are staged beside the target first; then each changed file
is swapped in with `os.replace`, keeping the old one, and on any failure every swap is undone, so
the directory is byte-identical to before. A manifest (`.generated-files`) lists what the
generator wrote, so a later run removes its own stale files and never touches anyone else's.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError

MANIFEST = ".generated-files"


@dataclass(frozen=True)
class Change:
    """How one file in the directory differs from what the generator would write."""

    path: str
    kind: str  # "changed", "missing" (would be created) or "extra" (would be removed)
    diff: str


def with_manifest(files: dict[str, str]) -> dict[str, str]:
    """The files plus the manifest that lists them."""
    listing = "".join(f"{path}\n" for path in sorted(files))
    return {**files, MANIFEST: "# Files written by `python -m generator`; it removes stale ones.\n" + listing}


def owned_files(out: Path, files: dict[str, str], *, hand_added: bool) -> set[str]:
    """Files in `out` the generator answers for: those its manifest lists and, with `hand_added`,
    anything else inside the package folder (so a file added there by hand shows up as extra)."""
    owned = set(_read_manifest(out))
    if hand_added:
        packages = {path.split("/")[0] for path in files if path.count("/") == 1 and path.endswith("/__init__.py")}
        for package in packages:
            if (out / package).is_dir():
                owned.update(
                    file.relative_to(out).as_posix() for file in (out / package).rglob("*")
                    if file.is_file() and "__pycache__" not in file.parts
                )
    return owned


def compare(files: dict[str, str], out: Path, *, hand_added: bool = True) -> list[Change]:
    """Differences between `files` and directory `out`, sorted by path; empty when up to date.

    `files` should include the manifest (see `with_manifest`)."""
    changes = []
    for path in sorted(set(files) | owned_files(out, files, hand_added=hand_added)):
        target = out / path
        if path not in files:
            if target.is_file():
                changes.append(Change(path, "extra", _diff(_read(target), "", path)))
            continue
        if not target.is_file():
            changes.append(Change(path, "missing", _diff("", files[path], path)))
        else:
            current = _read(target)
            if current != files[path]:
                changes.append(Change(path, "changed", _diff(current, files[path], path)))
    return changes


def write(files: dict[str, str], out: Path) -> list[Change]:
    """Make `out` hold `files` (manifest included, see `with_manifest`); returns what changed.

    All or nothing."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    changes = compare(files, out, hand_added=False)  # never remove what someone else put there
    if not changes:
        return changes
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".generator-", dir=out))
    except OSError as exc:
        raise OutputError(f"{out}: cannot write here: {exc.strerror or exc}") from None
    done: list[tuple[Path, Path | None]] = []  # (target, backup of the old file or None)
    created_dirs: list[Path] = []
    try:
        for index, change in enumerate(changes):
            target = out / change.path
            backup = None
            if target.exists():
                backup = staging / f"old-{index}"
                os.replace(target, backup)
            done.append((target, backup))
            if change.kind == "extra":
                continue
            for parent in reversed(target.relative_to(out).parents[:-1]):
                if not (out / parent).is_dir():
                    (out / parent).mkdir()
                    created_dirs.append(out / parent)
            new = staging / f"new-{index}"
            new.write_bytes(files[change.path].encode("utf-8"))
            os.replace(new, target)
    except BaseException as exc:
        _undo(done, created_dirs)
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{out}: writing failed, nothing was changed: {exc.strerror or exc}") from None
        raise
    shutil.rmtree(staging, ignore_errors=True)
    _remove_empty_dirs(out, [c.path for c in changes if c.kind == "extra"])
    return changes


def unified_diff(changes: list[Change]) -> str:
    return "".join(change.diff for change in changes)


def _undo(done: list[tuple[Path, Path | None]], created_dirs: list[Path]) -> None:
    for target, backup in reversed(done):
        if backup is not None:
            os.replace(backup, target)
        elif target.exists():
            target.unlink()
    for folder in reversed(created_dirs):
        folder.rmdir()


def _remove_empty_dirs(out: Path, removed: list[str]) -> None:
    for path in removed:
        for parent in (out / path).relative_to(out).parents[:-1]:
            folder = out / parent
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


def _read_manifest(out: Path) -> list[str]:
    try:
        lines = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    root = out.resolve()
    safe = []
    for line in lines:
        if line and not line.startswith("#") and (out / line).resolve().is_relative_to(root):
            safe.append(line)
    return safe


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "<binary file>\n"


def _diff(old: str, new: str, path: str) -> str:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
