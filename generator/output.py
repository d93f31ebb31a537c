"""Stage 6: compare generated files with a directory, and write them there safely.

Writing is all or nothing. New files are staged beside the target first; then each changed file
is swapped in with `os.replace`, keeping the old one, and on any failure every swap is undone, so
the directory is byte-identical to before.

A manifest (`.generated-files`) records provenance: the sha256 of the spec and of the template set
the tree came from, and of every file the generator wrote (in `sha256sum` format, so
`sha256sum -c .generated-files` checks the tree without the generator). A later run removes its own
stale files and never touches anyone else's, and `--check` can tell a changed spec or template set
from a hand edit.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import OutputError, Problem

MANIFEST = ".generated-files"


@dataclass(frozen=True)
class Change:
    """How one file in the directory differs from what the generator would write."""

    path: str
    kind: str  # "changed", "missing" (would be created) or "extra" (would be removed)
    diff: str


@dataclass(frozen=True)
class Provenance:
    """What a generated tree came from, as its manifest records it."""

    spec: str  # sha256 of the spec file's bytes; "" when not recorded
    spec_name: str  # as generated headers name it
    templates: str  # sha256 of the template set (see `render.template_digest`)
    files: dict[str, str]  # path -> sha256 of the text written there ("" for an old manifest)
    warnings: str = ""  # sha256 of the generation's warnings (see `warnings_digest`); "" when none


def with_manifest(files: dict[str, str], spec: str = "", spec_name: str = "", templates: str = "",
                  version: str = "", warnings: str = "") -> dict[str, str]:
    """The files plus the manifest recording them, the spec and templates they came from, and the
    client's version (so a vendored copy carrying the manifest can tell it)."""
    lines = ["# Written by `python -m generator`: what it owns (it removes stale files) and each file's sha256.\n",
             "# Check by hand with `sha256sum -c .generated-files`; `python -m generator --check` explains drift.\n"]
    if spec:
        lines.append(f"# spec sha256 {spec} {_one_line(spec_name)}".rstrip() + "\n")
    if templates:
        lines.append(f"# templates sha256 {templates}\n")
    if version:
        lines.append(f"# version {_one_line(version)}\n")
    if warnings:
        lines.append(f"# warnings sha256 {warnings}\n")
    lines += [f"{sha256(files[path])}  {path}\n" for path in sorted(files)]
    return {**files, MANIFEST: "".join(lines)}


def read_provenance(out: Path) -> Provenance | None:
    """The provenance recorded in `out`'s manifest, ignoring paths that lead outside `out`; None
    without a manifest."""
    try:
        recorded = parse_manifest((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    root = out.resolve()
    safe = {path: digest for path, digest in recorded.files.items() if (out / path).resolve().is_relative_to(root)}
    return replace(recorded, files=safe)


def parse_manifest(text: str) -> Provenance:
    recorded = {"spec": "", "templates": "", "warnings": ""}
    spec_name = ""
    files: dict[str, str] = {}
    for line in text.splitlines():
        words = line.split(" ")
        if line.startswith("#"):
            if len(words) >= 4 and words[1] in recorded and words[2] == "sha256":
                recorded[words[1]] = words[3]
                spec_name = " ".join(words[4:]) if words[1] == "spec" else spec_name
        elif line:
            digest, _, path = line.partition("  ")  # the sha256sum format; a bare path in old manifests
            files[path or digest] = digest if path else ""
    return Provenance(recorded["spec"], spec_name, recorded["templates"], files, recorded["warnings"])


def warnings_digest(problems: list[Problem]) -> str:
    """sha256 of what was approximated and where (not how the spec's path was typed); "" for none,
    so `--check` can stay quiet about warnings the last generation already showed."""
    if not problems:
        return ""
    return sha256("".join(sorted(f"{p.pointer}\0{p.message}\n" for p in problems)))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def changed_since(files: dict[str, str], recorded: Provenance | None, ignore: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Paths whose generated text differs from what the recorded generation wrote (hand edits to
    the directory do not count), created or no longer generated; empty without a record."""
    if recorded is None or not all(recorded.files.values()):
        return ()
    paths = sorted((set(files) | set(recorded.files)) - {MANIFEST, *ignore})
    return tuple(p for p in paths if p not in files or sha256(files[p]) != recorded.files.get(p))


def explain(changes: list[Change], files: dict[str, str], out: Path) -> list[str]:
    """Why `out` differs from `files` (which include the manifest): the spec or the templates
    changed, files were edited, deleted or added by hand, or else the generator itself changed."""
    recorded = read_provenance(out)
    if recorded is None or not recorded.spec:
        return [f"{out / MANIFEST} records no provenance (generated by an older generator, or never)"]
    expected = parse_manifest(files[MANIFEST])
    reasons = []
    if recorded.spec != expected.spec:
        reasons.append("the spec changed since the last generation")
    if recorded.spec_name != expected.spec_name:
        reasons.append(f"the spec is named {expected.spec_name} now, {recorded.spec_name} in the last generation")
    if recorded.templates != expected.templates:
        reasons.append("the templates changed since the last generation")
    edited = [p for p, digest in recorded.files.items()
              if (out / p).is_file() and hashlib.sha256((out / p).read_bytes()).hexdigest() != digest]
    deleted = [p for p in recorded.files if not (out / p).is_file()]
    added = [c.path for c in changes if c.kind == "extra" and c.path not in recorded.files]
    for label, paths in (("edited by hand", edited), ("deleted by hand", deleted), ("added by hand", added)):
        if paths:
            reasons.append(f"{label}: {', '.join(sorted(paths))}")
    if edited or deleted or added:
        reasons.append("regenerating discards hand edits; change the spec or the templates (--templates) instead")
    if not reasons:
        reasons.append("same spec and templates, different output: the generator itself changed")
    return reasons


def owned_files(out: Path, files: dict[str, str], *, hand_added: bool) -> set[str]:
    """Files in `out` the generator answers for: those its manifest lists and, with `hand_added`,
    anything else inside the package folder (so a file added there by hand shows up as extra)."""
    recorded = read_provenance(out)
    owned = set(recorded.files if recorded else ())
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


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "<binary file>\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _diff(old: str, new: str, path: str) -> str:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
