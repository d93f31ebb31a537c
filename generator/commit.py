"""Putting a generated tree in place: locked, confined to `--out`, and safe against a kill at any instant.

A run first stages every new file in `.generator-commit/` inside the output folder, then writes a
journal listing the swaps (flushed to disk), then swaps each file in with renames, moving the old
one aside. Only the journal's presence decides what a crash means: without it the staged files are
just discarded (the old tree was never touched); with it the next run completes every swap, each of
which is a rename whose progress shows in which files exist. So a run killed at any instant leaves
the old tree, the new one, or a journal that the next run finishes (and that `--check` reports
instead of calling the tree up to date). An error that is not a crash undoes the swaps at once.

One run at a time: the output folder is locked (`flock`) while a run writes it or `--check` reads it.
Symlinks below the output folder are refused, so nothing is written outside it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError

PENDING = ".generator-commit"  # the staging folder; with a journal in it, an unfinished commit
JOURNAL = "journal.json"


@contextlib.contextmanager
def locked(out: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold the output folder's lock (created if needed unless `shared`); waits for another run,
    saying so once."""
    if sys.platform == "win32":  # no flock: one run at a time is the user's affair there
        yield
        return
    import fcntl

    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    if not out.exists() and shared:
        yield
        return
    try:
        if not out.exists():
            out.mkdir(parents=True, exist_ok=True)  # another first run may create it meanwhile
        handle = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise OutputError(f"{out}: cannot use as the output folder: {exc.strerror or exc}") from None
    try:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"{out}: another generator run is using this folder; waiting for it to finish", file=sys.stderr)
            fcntl.flock(handle, mode)
        yield
    finally:
        os.close(handle)  # releases the lock


def interrupted(out: Path) -> bool:
    """Whether a run writing `out` was killed after it began swapping files in."""
    return (out / PENDING / JOURNAL).is_file()


def recover(out: Path) -> bool:
    """Finish a killed run's commit (or discard its staging if it never began); True if there was one."""
    pending = out / PENDING
    if not pending.exists():
        return False
    if pending.is_symlink() or not pending.is_dir():
        raise OutputError(f"{pending}: not the generator's staging folder; remove it")
    journal = _read_journal(pending)
    if journal is not None:
        check_confined(out, [path for path, _ in journal])
        _forward(out, pending, journal)
    shutil.rmtree(pending)
    return journal is not None


def check_confined(out: Path, paths: list[str]) -> None:
    """Refuse paths whose folders (or themselves) are symlinks under `out`: writing there would
    change files outside it."""
    links = sorted({(out / prefix).as_posix() for path in paths for prefix in _prefixes(path)
                    if (out / prefix).is_symlink()})
    if links:
        raise OutputError(f"{out}: refusing to write through symbolic links: {', '.join(links)} "
                          "(the generator only writes inside its output folder)")


def commit(out: Path, texts: dict[str, str | None]) -> None:
    """Make each path hold its text (None: remove it); all or nothing, see the module docstring."""
    check_confined(out, list(texts))
    pending = out / PENDING
    recover(out)
    operations = [(path, texts[path] is not None) for path in sorted(texts)]
    try:
        (pending / "new").mkdir(parents=True)
        (pending / "old").mkdir()
        for index, (path, writes) in enumerate(operations):
            if writes:
                _write_synced(pending / "new" / str(index), str(texts[path]).encode("utf-8"))
        _sync_folder(pending / "new")
        temporary = pending / f"{JOURNAL}.tmp"
        _write_synced(temporary, json.dumps(operations).encode("utf-8"))
        os.replace(temporary, pending / JOURNAL)  # the commit point: from here on the new tree wins
        _sync_folder(pending)
    except OSError as exc:
        shutil.rmtree(pending, ignore_errors=True)
        raise OutputError(f"{out}: writing failed, nothing was changed: {exc.strerror or exc}") from None
    try:
        _forward(out, pending, operations)
    except OSError as exc:
        _backward(out, pending, operations)
        shutil.rmtree(pending, ignore_errors=True)
        raise OutputError(f"{out}: writing failed, nothing was changed: {exc.strerror or exc}") from None
    shutil.rmtree(pending, ignore_errors=True)
    _remove_empty_dirs(out, [path for path, writes in operations if not writes])


Operation = tuple[str, bool]  # a path, and whether a new file goes there (else it is removed)


def _forward(out: Path, pending: Path, operations: list[Operation]) -> None:
    """Do every swap not yet done. Each step is one rename and which files exist shows how far it
    got, so this is safe to repeat after a crash at any point."""
    for index, (path, writes) in enumerate(operations):
        target, old, new = out / path, pending / "old" / str(index), pending / "new" / str(index)
        if (not new.exists()) if writes else old.exists():
            continue  # done
        if (target.exists() or target.is_symlink()) and not old.exists():
            os.replace(target, old)
        if writes:
            for parent in reversed(Path(path).parents[:-1]):
                (out / parent).mkdir(exist_ok=True)
            os.replace(new, target)
    _sync_folder(out)


def _backward(out: Path, pending: Path, operations: list[Operation]) -> None:
    """Undo the swaps done so far (after an error, not a crash)."""
    for index, (path, writes) in reversed(list(enumerate(operations))):
        target, old, new = out / path, pending / "old" / str(index), pending / "new" / str(index)
        if old.exists():
            os.replace(old, target)
        elif writes and not new.exists() and target.exists():
            target.unlink()  # a file this run created
    _remove_empty_dirs(out, [path for path, _ in operations])


def _read_journal(pending: Path) -> list[Operation] | None:
    try:
        operations = json.loads((pending / JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise OutputError(f"{pending / JOURNAL}: unreadable journal of an interrupted run: {exc}") from None
    if not isinstance(operations, list) or not all(
            isinstance(op, list) and len(op) == 2 and isinstance(op[0], str) and isinstance(op[1], bool)
            and ".." not in Path(op[0]).parts and not Path(op[0]).is_absolute() for op in operations):
        raise OutputError(f"{pending / JOURNAL}: not a journal this generator wrote; remove {pending}")
    return [(path, writes) for path, writes in operations]


def _prefixes(path: str) -> list[str]:
    parts = Path(path).parts
    return [Path(*parts[: end + 1]).as_posix() for end in range(len(parts))]


def _write_synced(path: Path, data: bytes) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(handle, data)
        os.fsync(handle)
    finally:
        os.close(handle)


def _sync_folder(folder: Path) -> None:
    if sys.platform == "win32":
        return
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _remove_empty_dirs(out: Path, removed: list[str]) -> None:
    for path in removed:
        for parent in Path(path).parents[:-1]:
            folder = out / parent
            if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
                folder.rmdir()
