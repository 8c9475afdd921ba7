"""Writing a rendered project to disk: the command layer's job, and the only writer.

Every generated file is recorded with its hash in `.gen-backend/manifest.json`. A later run
overwrites a generated file only if it is unchanged since it was written; a file edited by hand
is a conflict, and nothing is written until the user decides (`--force` keeps a `.orig` copy).
User-owned files are written once and never again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from gen_backend import __version__
from gen_backend.plan import FileOwner
from gen_backend.render import RenderedFile

MANIFEST = Path(".gen-backend") / "manifest.json"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # user-owned files that already existed
    removed: list[str] = field(default_factory=list)
    backed_up: list[str] = field(default_factory=list)


class EditedFilesError(Exception):
    def __init__(self, paths: list[str]) -> None:
        super().__init__(", ".join(paths))
        self.paths = paths


def _read_manifest(out: Path) -> dict[str, dict[str, str]]:
    path = out / MANIFEST
    if not path.is_file():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError):
        return {}
    return files if isinstance(files, dict) else {}


def conflicts(files: dict[str, RenderedFile], out: Path) -> list[str]:
    """Generated files on disk that a person changed (or that the manifest does not know)."""
    previous = _read_manifest(out)
    edited = []
    for path, file in sorted(files.items()):
        target = out / path
        if file.owner is not FileOwner.GENERATED or not target.is_file():
            continue
        current = sha256(target.read_text(encoding="utf-8"))
        recorded = previous.get(path, {}).get("sha256")
        if current != sha256(file.text) and current != recorded:
            edited.append(path)
    return edited


def write_project(files: dict[str, RenderedFile], out: Path, *, force: bool = False) -> WriteReport:
    edited = conflicts(files, out)
    if edited and not force:
        raise EditedFilesError(edited)
    report = WriteReport()
    previous = _read_manifest(out)
    for path in edited:
        target = out / path
        backup = target.with_name(target.name + ".orig")
        backup.write_text(target.read_text(encoding="utf-8"), encoding="utf-8")
        report.backed_up.append(str(backup.relative_to(out)))
    for path, file in sorted(files.items()):
        target = out / path
        if file.owner is FileOwner.USER and target.exists():
            report.kept.append(path)
            continue
        if target.is_file() and target.read_text(encoding="utf-8") == file.text:
            report.unchanged.append(path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.text, encoding="utf-8")
        report.written.append(path)
    for path, entry in sorted(previous.items()):
        target = out / path
        if path in files or entry.get("owner") != FileOwner.GENERATED or not target.is_file():
            continue
        if sha256(target.read_text(encoding="utf-8")) == entry.get("sha256"):
            target.unlink()  # generated before, no longer planned, and untouched since
            report.removed.append(path)
    manifest = {
        "generator": "gen-backend",
        "version": __version__,
        "files": {
            path: {"owner": file.owner.value, "sha256": sha256(file.text)}
            for path, file in sorted(files.items())
        },
    }
    (out / MANIFEST).parent.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return report
