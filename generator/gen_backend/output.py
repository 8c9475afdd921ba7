"""Writing a rendered project to disk: the command layer's job, and the only writer.

Every generated file is recorded with its hash in `.gen-backend/manifest.json`. A later run
overwrites a generated file only if it is unchanged since it was written; a file edited by hand
is a conflict, and nothing is written until the user decides (`--force` keeps a `.orig` copy).
User-owned files are written once and never again. `plan_writes` decides all of that before
anything is written, so a run can stop there and only report (`--dry-run`, `--diff`,
`--check`).
"""

from __future__ import annotations

import ast
import datetime
import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import JsonValue

from gen_backend import __version__
from gen_backend.accept import Accepted, Halted
from gen_backend.gate import Gate, ServiceFacts
from gen_backend.plan import FileOwner
from gen_backend.plan.history import (
    History,
    design_of,
    notices_of,
    ownership_of,
    recorded_revisions,
)
from gen_backend.render import RenderedFile

MANIFEST = Path(".gen-backend") / "manifest.json"
RECORD = Path(".gen-backend") / "revisions.json"  # plan.history
CONTRACT = Path("tests") / "openapi_contract.json"  # plan.contract
INDEX = Path(".gen-backend") / "inspection.json"  # plan.inspection


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


@dataclass(frozen=True)
class WritePlan:
    """What writing a rendered project over `out` would do, decided before anything is
    written (`--dry-run`, `--diff` and `--check` stop here). Paths are relative to `out`."""

    added: tuple[str, ...] = ()  # files that do not exist yet
    changed: tuple[str, ...] = ()  # generated files whose text would change
    removed: tuple[str, ...] = ()  # generated before, no longer planned, untouched since
    unchanged: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()  # user-owned files and revisions that exist: never written again
    edited: tuple[str, ...] = ()  # generated files a person changed: a conflict

    @property
    def differs(self) -> bool:
        """Whether the tree is not what the handoff generates (user-owned files aside)."""
        return bool(self.added or self.changed or self.removed)

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "kept": list(self.kept),
            "edited": list(self.edited),
            "unchanged": list(self.unchanged),
        }


def _read_json(path: Path) -> JsonValue:
    """A JSON file an earlier run wrote, None if there is none or it does not parse."""
    try:
        found: JsonValue = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found


def _read_manifest(out: Path) -> dict[str, dict[str, str]]:
    path = out / MANIFEST
    if not path.is_file():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError):
        return {}
    return files if isinstance(files, dict) else {}


def read_record(out: Path) -> JsonValue:
    """The previous run's record of its revisions and design, None if none."""
    return _read_json(out / RECORD)


class MissingRevisionsError(Exception):
    """Revisions the record lists whose files are gone: what a database ran is unknown."""

    def __init__(self, paths: list[str]) -> None:
        super().__init__(", ".join(paths))
        self.paths = paths


def read_history(out: Path, record: JsonValue) -> History:
    """The revisions an earlier run wrote into `out` (its `record`), each with its file's
    text as it is now, and the design and ownership they were made from."""
    entries = recorded_revisions(record)
    files = {e.revision: out / "migrations" / "versions" / f"{e.file_stem}.py" for e in entries}
    missing = [str(p.relative_to(out)) for p in files.values() if not p.is_file()]
    if missing:
        raise MissingRevisionsError(missing)
    return History(
        revisions=entries,
        texts={r: p.read_text(encoding="utf-8") for r, p in files.items()},
        design=design_of(record),
        ownership=ownership_of(record),
        contract=_read_json(out / CONTRACT),
        index=_read_json(out / INDEX),
        notices=notices_of(record),
    )


def write_notice(handoff: Path, path: str, text: str) -> Path:
    """Write the API-change notice at `path` in the handoff folder, for the next phase."""
    notice = handoff / path
    notice.parent.mkdir(parents=True, exist_ok=True)
    notice.write_text(text, encoding="utf-8")
    return notice


class NoSuchInterventionError(Exception):
    def __init__(self, waiting: list[str]) -> None:
        super().__init__(", ".join(waiting))
        self.waiting = waiting  # the names of the active interventions


def process_intervention(handoff: Path, name: str, note: str, day: datetime.date) -> Path:
    """Move the active intervention `name` (`<name>.md` or `<name>/content.md`) to
    human-interventions/processed/, with the day and `note` added to its front matter; its
    new path."""
    active = handoff / "human-interventions" / "active"
    candidates = [active / f"{name}.md", active / name / "content.md"]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        waiting = sorted(
            p.parent.name if p.name == "content.md" else p.stem
            for p in [*active.glob("*.md"), *active.glob("*/content.md")]
        )
        raise NoSuchInterventionError(waiting)
    added = yaml.safe_dump(
        {"processed": day.isoformat(), "note": note}, sort_keys=False, allow_unicode=True
    )
    text = found.read_text(encoding="utf-8")
    if text.startswith("---"):
        header, sep, body = text[3:].partition("\n---")
        text = f"---{header.rstrip()}\n{added}---{body}" if sep else f"---\n{added}---\n{text}"
    else:
        text = f"---\n{added}---\n{text}"
    moved = found.parent if found.name == "content.md" else found
    target = handoff / "human-interventions" / "processed" / moved.name
    target.parent.mkdir(parents=True, exist_ok=True)
    found.write_text(text, encoding="utf-8")
    moved.rename(target)
    return target / "content.md" if moved is not found else target


GATE = Path(".gen-backend") / "gate.json"


def recorded_handoff(out: Path) -> Path | None:
    """The handoff folder the service in `out` was last generated from (its manifest's)."""
    manifest = _read_json(out / MANIFEST)
    handoff = manifest.get("handoff") if isinstance(manifest, dict) else None
    return Path(handoff) if isinstance(handoff, str) else None


def read_gate(out: Path) -> JsonValue:
    return _read_json(out / GATE)


def service_facts(
    out: Path, handoff: Path | None, acceptance: Accepted | Halted | None
) -> ServiceFacts:
    """What the gate reads of the service in `out` and of `handoff`, accepted again."""
    rules = {str(p.relative_to(out)): _methods(p) for p in sorted(out.glob("app/*/rules.py"))}
    notices = notices_of(read_record(out))
    return ServiceFacts(
        index=_read_json(out / INDEX),
        rules=rules,
        inspection=_read_json(out / "inspection.json"),
        acceptance=acceptance,
        notices=[n.path for n in notices],
        handoff=handoff,
        app_sources={
            str(p.relative_to(out)): p.read_text(encoding="utf-8")
            for p in sorted(out.glob("app/**/*.py"))
        },
    )


def write_gate(out: Path, gate: Gate, text: str) -> None:
    """The gate package: GATE.md and .gen-backend/gate.json."""
    (out / GATE).parent.mkdir(parents=True, exist_ok=True)
    (out / GATE).write_text(json.dumps(gate.to_json(), indent=2) + "\n", encoding="utf-8")
    (out / "GATE.md").write_text(text, encoding="utf-8")


def _methods(path: Path) -> set[str]:
    """The methods the classes of a Python file define (none if it does not parse)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return set()
    return {
        item.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def stale_rules(out: Path, operations: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(rules file, method) for each rule of a person's `app/<domain>/rules.py` that overrides
    an operation the generated service had (its `service.py` on disk) and the new one, by
    domain in `operations`, does not: kept as written, and to be reported."""
    stale = []
    for rules in sorted(out.glob("app/*/rules.py")):
        domain = rules.parent.name
        had = _methods(rules.parent / "service.py")
        gone = had - operations.get(domain, set())
        for method in sorted(_methods(rules) & gone):
            if not method.startswith("_"):
                stale.append((str(rules.relative_to(out)), method))
    return stale


def plan_writes(files: dict[str, RenderedFile], out: Path) -> WritePlan:
    """Compare the rendered `files` with the tree at `out` and its manifest."""
    previous = _read_manifest(out)
    added, changed, unchanged, kept, edited = [], [], [], [], []
    for path, file in sorted(files.items()):
        target = out / path
        if not target.is_file():
            added.append(path)
            continue
        if file.owner is FileOwner.USER:
            kept.append(path)
            continue
        current = sha256(target.read_text(encoding="utf-8"))
        if current == sha256(file.text):
            unchanged.append(path)
            continue
        if file.owner is FileOwner.MIGRATION:  # a database may have run it as it is
            kept.append(path)
            continue
        changed.append(path)
        if current != previous.get(path, {}).get("sha256"):
            edited.append(path)
    removed = [
        path
        for path, entry in sorted(previous.items())
        if path not in files
        and entry.get("owner") == FileOwner.GENERATED
        and (out / path).is_file()
        and sha256((out / path).read_text(encoding="utf-8")) == entry.get("sha256")
    ]
    return WritePlan(
        tuple(added), tuple(changed), tuple(removed), tuple(unchanged), tuple(kept), tuple(edited)
    )


def unified_diff(files: dict[str, RenderedFile], out: Path, plan: WritePlan) -> str:
    """The changes `plan` would make, as one unified diff (`a/` the tree, `b/` the new)."""
    chunks: list[str] = []
    for path in sorted({*plan.added, *plan.changed, *plan.removed}):
        target = out / path
        before = target.read_text(encoding="utf-8") if target.is_file() else ""
        after = files[path].text if path in files else ""
        chunks.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile="/dev/null" if path in plan.added else f"a/{path}",
                tofile="/dev/null" if path in plan.removed else f"b/{path}",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)


def write_project(
    files: dict[str, RenderedFile],
    out: Path,
    *,
    force: bool = False,
    plan: WritePlan | None = None,
    handoff: Path | None = None,
) -> WriteReport:
    """Write `files` as `plan` (by default `plan_writes(files, out)`) says."""
    plan = plan or plan_writes(files, out)
    if plan.edited and not force:
        raise EditedFilesError(list(plan.edited))
    report = WriteReport()
    for path in plan.edited:
        target = out / path
        backup = target.with_name(target.name + ".orig")
        backup.write_text(target.read_text(encoding="utf-8"), encoding="utf-8")
        report.backed_up.append(str(backup.relative_to(out)))
    report.kept.extend(plan.kept)
    report.unchanged.extend(plan.unchanged)
    for path in sorted((*plan.added, *plan.changed)):
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(files[path].text, encoding="utf-8")
        report.written.append(path)
    for path in plan.removed:
        (out / path).unlink()  # generated before, no longer planned, and untouched since
        report.removed.append(path)
    manifest = {
        "generator": "gen-backend",
        "version": __version__,
        "handoff": str(handoff.resolve()) if handoff else None,  # what the gate reads again
        "files": {
            path: {"owner": file.owner.value, "sha256": sha256(file.text)}
            for path, file in sorted(files.items())
        },
    }
    (out / MANIFEST).parent.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return report
