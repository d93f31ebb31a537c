"""A content-addressed cache of work that is safe to skip when its inputs have not changed.

Each entry is one file named by the SHA-256 of everything its result depends on (the spec's bytes,
the versions of the tools involved, the generator's own code), so a changed input can only miss,
never hit a stale entry. A file starts with a header holding that key and the SHA-256 of the
payload; an entry failing either check is ignored and removed, so a truncated or garbled file can
never change the output. Writes go to a temporary file renamed into place: concurrent runs see a
whole entry or none. The cache is best effort (a folder that cannot be written just means no
caching) and safe to delete at any time.

The folder is `$GENERATOR_CACHE_DIR`, or `slack-openapi-generator/` in the user's cache directory
(`$XDG_CACHE_HOME`, `~/.cache`, `~/Library/Caches` or `%LOCALAPPDATA%`): never inside the user's
project, where `git add -A` would commit it. Keys are content hashes, so projects can share it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ENVIRONMENT = "GENERATOR_CACHE_DIR"
MAGIC = b"generator-cache-1"
# Entries of each kind `prune` keeps, newest first: enough for many versions of a spec, without
# letting whole generated trees pile up.
KEEP = {"output": 16, "format": 512, "verdict": 64}
GENERATOR = Path(__file__).resolve().parent


def digest(*parts: str | bytes) -> str:
    """SHA-256 of the parts, each length-prefixed so ("ab", "c") and ("a", "bc") differ."""
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        sha.update(len(data).to_bytes(8, "big"))
        sha.update(data)
    return sha.hexdigest()


@cache
def versions(*distributions: str) -> str:
    """`name==version` of each installed distribution (or `name absent`), for cache keys."""
    return ";".join(f"{name}=={_version(name) or 'absent'}" for name in distributions)


def _version(name: str) -> str | None:
    """The version `importlib.metadata` would report, read off the `NAME-VERSION.dist-info` folder
    names on `sys.path` (in its order) without the cost of importing `importlib.metadata`."""
    wanted = _normalized(name)
    for entry in sys.path:
        found = _dist_infos(entry or ".").get(wanted)
        if found:
            return found
    from importlib import metadata  # other layouts (eggs, zips): let the standard library look

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@cache
def _dist_infos(folder: str) -> dict[str, str]:
    try:
        names = os.listdir(folder)
    except OSError:
        return {}
    found: dict[str, str] = {}
    for entry in sorted(names):
        if entry.endswith(".dist-info"):
            name, _, version = entry[: -len(".dist-info")].rpartition("-")
            found.setdefault(_normalized(name), version)
    return found


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def folder_digest(folder: Path) -> str:
    """SHA-256 over every file under `folder` (relative path and bytes); caches keyed by it
    miss as soon as any generator module or template changes."""
    files = sorted(path for path in folder.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    return digest(*(part for path in files for part in (path.relative_to(folder).as_posix(), path.read_bytes())))


def user_cache_dir() -> Path:
    """Where the platform keeps per-user caches (the XDG base directory spec on Linux and BSD)."""
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"])
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"  # the spec ignores relative paths


@dataclass(frozen=True)
class Cache:
    """Entries under `folder`, one subfolder per kind; `folder=None` turns caching off."""

    folder: Path | None = None

    @classmethod
    def for_user(cls) -> Cache:
        """The cache in `$GENERATOR_CACHE_DIR`, else in the user's cache directory."""
        override = os.environ.get(ENVIRONMENT)
        return cls(Path(override) if override else user_cache_dir() / "slack-openapi-generator")

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def get(self, kind: str, key: str) -> bytes | None:
        """The payload stored under `key`, or None when absent or damaged."""
        if self.folder is None:
            return None
        path = self.folder / kind / key
        data = read_regular(path)
        if data is None:
            return None
        header, _, payload = data.partition(b"\n")
        if header != _header(key, payload):
            _remove(path)  # damaged (truncated, garbled, hand-edited): a miss, rewritten below
            return None
        return payload

    def put(self, kind: str, key: str, payload: bytes) -> None:
        """Store `payload` under `key`; failures are ignored, as the cache is only an accelerator."""
        if self.folder is None:
            return
        folder = self.folder / kind
        temporary: Path | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            temporary = Path(name)
            with os.fdopen(handle, "wb") as file:
                file.write(_header(key, payload) + b"\n" + payload)
            # rename replaces atomically on POSIX; where it cannot (an existing entry on Windows)
            # that entry holds the same content, or is removed when it is read as damaged
            os.rename(temporary, folder / key)
        except OSError:
            if temporary is not None:
                _remove(temporary)

    def prune(self) -> None:
        """Remove all but the newest entries of each kind (see `KEEP`), so the folder stays small."""
        if self.folder is None:
            return
        try:
            for folder in self.folder.iterdir():
                if folder.is_symlink() or not folder.is_dir():
                    continue  # pruning through a link would delete files that are not the cache's
                entries = sorted(folder.iterdir(), key=_age)
                for path in entries[KEEP.get(folder.name, 64):]:
                    _remove(path)
        except OSError:
            pass


def read_regular(path: Path) -> bytes | None:
    """The bytes of a regular file; None for anything else. Opened without blocking and without
    following a symlink, so a FIFO or device planted in the cache cannot hang or redirect a run."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return None
        with os.fdopen(os.dup(handle), "rb") as file:
            return file.read()
    except OSError:
        return None
    finally:
        os.close(handle)


def _age(path: Path) -> float:
    try:
        return -path.stat().st_mtime
    except OSError:
        return 0.0


def _header(key: str, payload: bytes) -> bytes:
    return b" ".join((MAGIC, key.encode("ascii", "replace"), hashlib.sha256(payload).hexdigest().encode("ascii")))


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
