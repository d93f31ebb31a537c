"""Stage 6: compare generated files with a directory, and write them there safely.

Writing is all or nothing, even when the run is killed (see `commit`), and never overwrites a
file the generator did not write unless the user asks it to adopt them.

A manifest (`.generated-files`) records provenance: the sha256 of the spec and of the template set
the tree came from, and of every file the generator wrote (in `sha256sum` format, so
`sha256sum -c .generated-files` checks the tree without the generator). A later run removes its own
stale files and never touches anyone else's, and `--check` can tell a changed spec or template set
from a hand edit.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from .cache import read_regular
from .commit import check_confined, commit, recover
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
                  version: str = "", warnings: str = "",
                  overlays: list[tuple[str, str]] | None = None) -> dict[str, str]:
    """The files plus the manifest recording them, the spec, overlays and templates they came from,
    and the client's version (so a vendored copy carrying the manifest can tell it)."""
    lines = ["# Written by `python -m generator`: what it owns (it removes stale files) and each file's sha256.\n",
             "# Check by hand with `sha256sum -c .generated-files`; `python -m generator --check` explains drift.\n"]
    if spec:
        lines.append(f"# spec sha256 {spec} {_one_line(spec_name)}".rstrip() + "\n")
    for overlay, name in overlays or []:
        lines.append(f"# overlay sha256 {overlay} {_one_line(name)}".rstrip() + "\n")
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
    data = read_regular(out / MANIFEST)
    try:
        recorded = parse_manifest(data.decode("utf-8")) if data is not None else None
    except UnicodeDecodeError:
        return None
    if recorded is None:
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
    foreign = foreign_files(out, changes)
    refused = [(f"not written by the generator: {', '.join(foreign)} (generating refuses to overwrite them "
               "unless given --adopt)")] if foreign else []
    if recorded is None or not recorded.spec:
        return [f"{out / MANIFEST} records no provenance (generated by an older generator, or never)", *refused]
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
    for label, paths in (("edited by hand", edited), ("deleted by hand", deleted)):
        if paths:
            reasons.append(f"{label}: {', '.join(sorted(paths))}")
    reasons += refused
    if edited or deleted:
        reasons.append("regenerating discards hand edits; change the spec or the templates (--templates) instead")
    if not reasons:
        reasons.append("same spec and templates, different output: the generator itself changed")
    return reasons


def unowned_in_package(out: Path, files: dict[str, str]) -> list[str]:
    """Files inside the generated package folder that the generator did not write: it keeps them
    (they are the user's) and so `--check` does not count them as drift either, only mentions them."""
    recorded = read_provenance(out)
    owned = set(recorded.files if recorded else ()) | set(files)
    packages = {path.split("/")[0] for path in files if path.count("/") == 1 and path.endswith("/__init__.py")}
    found = {file.relative_to(out).as_posix() for package in packages if (out / package).is_dir()
             for file in (out / package).rglob("*") if file.is_file() and "__pycache__" not in file.parts}
    return sorted(found - owned)


def owned_files(out: Path) -> set[str]:
    """Files in `out` the generator answers for: those its manifest lists."""
    recorded = read_provenance(out)
    return set(recorded.files if recorded else ())


def compare(files: dict[str, str], out: Path) -> list[Change]:
    """Differences between `files` and directory `out`, sorted by path; empty when up to date.

    `files` should include the manifest (see `with_manifest`). Files the generator did not write
    are not differences: it leaves them alone."""
    changes = []
    for path in sorted(set(files) | owned_files(out)):
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


def write(files: dict[str, str], out: Path, *, adopt: bool = False, protected: tuple[Path, ...] = ()) -> list[Change]:
    """Make `out` hold `files` (manifest included, see `with_manifest`); returns what changed.

    All or nothing, and safe against a crash (see `commit`). Files the generator did not write are
    never overwritten (unless `adopt`), and `protected` ones (the spec) never."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    check_confined(out, list(files))
    recover(out)
    changes = compare(files, out)
    if not changes:
        return changes
    _refuse_foreign(out, changes, adopt=adopt, protected=protected)
    commit(out, {c.path: None if c.kind == "extra" else files[c.path] for c in changes})
    return changes


def foreign_files(out: Path, changes: list[Change]) -> list[str]:
    """Paths the run would overwrite although the generator did not write what is there."""
    recorded = read_provenance(out)
    owned = {*recorded.files, MANIFEST} if recorded else set()
    return sorted(c.path for c in changes if c.kind != "extra" and (c.kind == "changed" and c.path not in owned
                  or (out / c.path).exists() and not (out / c.path).is_file()))


def _refuse_foreign(out: Path, changes: list[Change], *, adopt: bool, protected: tuple[Path, ...]) -> None:
    shielded = {path.resolve() for path in protected}
    hit = [c.path for c in changes if (out / c.path).resolve() in shielded]
    if hit:
        raise OutputError(f"{out}: the output would overwrite the spec itself ({', '.join(hit)}); "
                          "choose another --out")
    foreign = foreign_files(out, changes)
    irregular = [path for path in foreign if (out / path).exists() and not (out / path).is_file()]
    if irregular:
        raise OutputError(f"{out}: in the way of generated files, and not files: {', '.join(irregular)}")
    if foreign and not adopt:
        raise OutputError(f"{out}: would overwrite files the generator did not write: {', '.join(foreign)}; "
                          "move them away, or pass --adopt to let the generator take them over")


def unified_diff(changes: list[Change]) -> str:
    return "".join(change.diff for change in changes)


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "<binary file>\n"


def _one_line(text: str) -> str:
    return " ".join(text.encode("utf-8", "replace").decode("utf-8").split())


def _diff(old: str, new: str, path: str) -> str:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
