"""What the migrations already written were generated from, and how a design differs from it.

Every run records the design, the migration plan and the row ownership its revisions were
generated from, with the revisions themselves, in `.gen-backend/revisions.json`. The next run
reads it back (`read_record`, in the output layer) and says what changed in the design
(`design_changes`): the difference a new revision has to carry (issue 21).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from pydantic import JsonValue, ValidationError

from gen_backend.model import ServiceModel
from gen_backend.model.schema import Column, ColumnDefault, ColumnType, SchemaDesign, Table
from gen_backend.model.service import MigrationStep, Ownership
from gen_backend.validate.rfis import Code, Rfi, Severity

RECORD_VERSION = 1


@dataclass(frozen=True)
class RevisionEntry:
    """One revision of the chain: its id, the one before it, its file's stem and the tables it
    creates."""

    revision: str
    down_revision: str | None
    file_stem: str
    tables: tuple[str, ...]
    description: str = ""


def revision_record(
    service: ServiceModel, log: tuple[RevisionEntry, ...], notices: tuple[Notice, ...] = ()
) -> JsonValue:
    """The record of one run: each revision written, in its chain's order, and the design,
    migration plan and row ownership they were generated from; the API-change notices left
    so far."""
    return {
        "record_version": RECORD_VERSION,
        "database": service.database.value,
        "revisions": [
            {
                "revision": e.revision,
                "down_revision": e.down_revision,
                "file": f"migrations/versions/{e.file_stem}.py",
                "tables": list(e.tables),
                "description": e.description,
            }
            for e in log
        ],
        "design": service.design.model_dump(mode="json", by_alias=True, exclude={"relationships"}),
        "migration_plan": service.migrations.model_dump(mode="json", by_alias=True),
        "ownership": [o.model_dump(mode="json", by_alias=True) for o in service.auth.ownership],
        "notices": [
            {"date": n.date, "breaking": n.breaking, "compatible": n.compatible} for n in notices
        ],
    }


def _readable(record: JsonValue) -> dict[str, JsonValue] | None:
    """The record, if this version can read it."""
    if isinstance(record, dict) and record.get("record_version") == RECORD_VERSION:
        return record
    return None


def recorded_revisions(record: JsonValue) -> tuple[RevisionEntry, ...]:
    """The revisions a record lists, in its chain's order; none for a record this version
    cannot read."""
    readable = _readable(record)
    entries = readable.get("revisions") if readable else None
    found = []
    for e in entries if isinstance(entries, list) else []:
        if not isinstance(e, dict):
            continue
        revision, down, file, tables, words = (
            e.get(k) for k in ("revision", "down_revision", "file", "tables", "description")
        )
        if isinstance(revision, str) and isinstance(file, str):
            found.append(
                RevisionEntry(
                    revision,
                    down if isinstance(down, str) else None,
                    PurePosixPath(file).stem,
                    tuple(str(t) for t in tables) if isinstance(tables, list) else (),
                    words if isinstance(words, str) else "",
                )
            )
    return tuple(found)


@dataclass(frozen=True)
class Notice:
    """An API-change notice a run left for the next phase in the handoff folder."""

    date: str  # ISO date: the notice's folder is named after it
    breaking: int
    compatible: int

    @property
    def path(self) -> str:
        """Where in the handoff folder."""
        return f"human-interventions/active/{self.date}-06-api-update/content.md"


def notices_of(record: JsonValue) -> tuple[Notice, ...]:
    """The notices a record lists; none for a record this version cannot read."""
    readable = _readable(record)
    found = readable.get("notices") if readable else None
    notices = []
    for n in found if isinstance(found, list) else []:
        if isinstance(n, dict):
            date, breaking, compatible = n.get("date"), n.get("breaking"), n.get("compatible")
            if isinstance(date, str) and isinstance(breaking, int) and isinstance(compatible, int):
                notices.append(Notice(date, breaking, compatible))
    return tuple(notices)


@dataclass(frozen=True)
class History:
    """What earlier runs left in a service: the revisions already written (in the chain's
    order) with each file's text as it is on disk, which a run keeps byte for byte; the
    design and row ownership the last run generated from, which a new revision starts from;
    and the API it served, which the new one is compared with."""

    revisions: tuple[RevisionEntry, ...] = ()
    texts: Mapping[str, str] = field(default_factory=dict)  # revision id -> its file's text
    design: SchemaDesign | None = None
    ownership: tuple[Ownership, ...] = ()
    contract: JsonValue = None  # the API contract the last run wrote (plan.contract)
    index: JsonValue = None  # its inspection index: who may call each operation
    notices: tuple[Notice, ...] = ()  # the API-change notices earlier runs left

    @property
    def head(self) -> str | None:
        return self.revisions[-1].revision if self.revisions else None


def ownership_of(record: JsonValue) -> tuple[Ownership, ...]:
    """The row ownership a record holds; none for a record this version cannot read."""
    readable = _readable(record)
    owned = readable.get("ownership") if readable else None
    try:
        return tuple(Ownership.model_validate(o) for o in owned) if isinstance(owned, list) else ()
    except ValidationError:  # edited by hand
        return ()


def design_of(record: JsonValue) -> SchemaDesign | None:
    """The design a record holds; None for a record this version cannot read."""
    readable = _readable(record)
    if readable is None:
        return None
    try:
        return SchemaDesign.model_validate(readable.get("design"))
    except ValidationError:  # edited by hand: no design to compare with
        return None


_COLUMN_FACTS = (
    "type",
    "nullable",
    "primary_key",
    "unique",
    "autoincrement",
    "default",
    "max_length",
    "precision",
    "scale",
    "values",
)


@dataclass(frozen=True)
class DesignChange:
    """One change of the schema design. `destructive`: applied to a table with rows, it would
    lose data or fail (a table or column removed, a type or length narrowed, NOT NULL where
    existing rows have no value), so it waits for a decision."""

    text: str
    destructive: bool = False
    why: str | None = None  # what would be lost, for a destructive change
    subject: str = ""  # the table or `table.column` it touches, as a decision names it
    decision: str | None = None  # what the migration plan says happens to the data

    def __str__(self) -> str:
        return self.text


# (before, after) column types a value always survives
_WIDENING = {
    (ColumnType.SMALLINT, ColumnType.INTEGER),
    (ColumnType.SMALLINT, ColumnType.BIGINT),
    (ColumnType.INTEGER, ColumnType.BIGINT),
    (ColumnType.STRING, ColumnType.TEXT),
    (ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ),
}


def design_changes(before: SchemaDesign, after: SchemaDesign) -> list[DesignChange]:
    """What changed from `before` to `after`: each table or column added, removed or changed,
    and each table whose indexes, foreign keys or checks changed."""
    old = {t.name: t for t in before.tables}
    new = {t.name: t for t in after.tables}
    changes = [
        DesignChange(f"table `{name}` added", subject=name) for name in new if name not in old
    ]
    added = [n for n in new if n not in old]
    for name in (n for n in old if n not in new):
        columns = set(old[name].columns_by_name)
        # more than a key alike: a table of the same columns under another name
        twins = [a for a in added if len(columns) > 1 and set(new[a].columns_by_name) == columns]
        guess = (
            f" (renamed to `{twins[0]}`? a table is not renamed: keep its name, or decide "
            "what happens to its rows)"
            if twins
            else ""
        )
        changes.append(DesignChange(f"table `{name}` removed{guess}", True, "its rows", name))
    for name in (n for n in new if n in old):
        changes += _table_changes(old[name], new[name])
    return changes


def _table_changes(before: Table, after: Table) -> list[DesignChange]:
    old = before.columns_by_name
    new = after.columns_by_name
    where = after.name
    added = [c for c in new if c not in old]
    removed = [c for c in old if c not in new]
    changes = []
    for name in added:
        column = new[name]
        unfilled = not column.server_filled
        changes.append(
            DesignChange(
                f"column `{where}.{name}` added",
                unfilled,
                "existing rows have no value for a NOT NULL column without a default"
                if unfilled
                else None,
                f"{where}.{name}",
            )
        )
    for name in removed:
        renamed = [a for a in added if new[a].type is old[name].type]
        guess = f" (renamed to `{renamed[0]}`? say so in the migration plan)" if renamed else ""
        changes.append(
            DesignChange(
                f"column `{where}.{name}` removed{guess}", True, "its values", f"{where}.{name}"
            )
        )
    for name in (c for c in new if c in old):
        facts = _changed_facts(old[name], new[name])
        if facts:
            why = _narrowing(old[name], new[name])
            changes.append(
                DesignChange(
                    f"column `{where}.{name}` changed: {', '.join(facts)}",
                    why is not None,
                    why,
                    f"{where}.{name}",
                )
            )
    for part in ("indexes", "foreign_keys", "checks"):
        if set(getattr(before, part)) != set(getattr(after, part)):
            changes.append(
                DesignChange(
                    f"table `{where}`: its {part.replace('_', ' ')} changed", subject=where
                )
            )
    return changes


def _narrowing(before: Column, after: Column) -> str | None:
    """What existing values a column change could lose or refuse, if any."""
    if before.type is not after.type and (before.type, after.type) not in _WIDENING:
        return f"values of {before.type} read as {after.type}"
    if _tighter(before.max_length, after.max_length):
        return f"text longer than {after.max_length}"
    if _tighter(before.precision, after.precision) or _tighter(before.scale, after.scale):
        return "digits beyond the new precision or scale"
    if set(before.values) - set(after.values):
        return "rows holding the enum values removed"
    if before.nullable and not after.nullable and after.default is None:
        return "rows holding null, which a NOT NULL column without a default cannot keep"
    if not before.unique and after.unique:
        return "rows repeating a value that must now be unique"
    return None


def _tighter(before: int | None, after: int | None) -> bool:
    """Whether a bound (a length, a precision, a scale; None: none) holds fewer values now."""
    return after is not None and (before is None or after < before)


def _changed_facts(before: Column, after: Column) -> list[str]:
    changed = []
    for fact in _COLUMN_FACTS:
        old, new = getattr(before, fact), getattr(after, fact)
        if old != new:
            changed.append(f"{fact} {_shown(old)} -> {_shown(new)}")
    return changed


def _shown(value: object) -> str:
    if isinstance(value, ColumnDefault):
        return str(value.kind) if value.value is None else repr(value.value)
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return "none" if value is None else str(value)


def decided(
    changes: Sequence[DesignChange], steps: Sequence[MigrationStep], recorded: Collection[str]
) -> list[DesignChange]:
    """`changes`, each destructive one with the decision about its data that a migration
    step new to this run (not in `recorded`) gives, if any. One without a decision stops a
    run that would write."""
    decisions = {}
    for decision in (d for s in steps if s.id not in recorded for d in s.decisions):
        decisions[decision.change] = decision.data
        if decision.rename_to:  # the new name's column is the old one's
            table = decision.change.partition(".")[0]
            decisions[f"{table}.{decision.rename_to}"] = decision.data
    return [
        dataclasses.replace(c, decision=decisions[c.subject])
        if c.destructive and c.subject in decisions
        else c
        for c in changes
    ]


def design_since(record: JsonValue, service: ServiceModel) -> list[DesignChange]:
    """What changed in the design since the run that left `record` (none without one), each
    destructive change with the decision a migration step new since then gives, if any."""
    previous = design_of(record)
    if previous is None:
        return []
    written = {e.revision for e in recorded_revisions(record)}
    return decided(design_changes(previous, service.design), service.migrations.steps, written)


def change_rfis(changes: Sequence[DesignChange]) -> tuple[Rfi, ...]:
    """An error RFI for each destructive change no migration step decides about: what
    `check --service` and `from-handoff` both report, and what stops a writing run."""
    return tuple(
        Rfi(
            code=Code.DESIGN_CHANGE_LOSES_DATA,
            severity=Severity.ERROR,
            artifact="schema",
            location=c.subject,
            question=f"The {c.text} since the service was generated: in a database that "
            f"holds rows it loses {c.why}. What happens to that data?",
            suggestion="add a migration step without tables whose `decisions:` name "
            f"`{c.subject}` and say what happens to the data (a `fill`, a `rename_to`, or "
            "words on a copy), keep the design as it was, or run with --allow-destructive",
        )
        for c in changes
        if c.destructive and c.decision is None
    )


def written_steps_kept(
    rfis: Sequence[Rfi], steps: Sequence[MigrationStep], written: Collection[str]
) -> tuple[Rfi, ...]:
    """`rfis` without those about the creation order of a step whose revision is written
    already: it is kept as it was, and a foreign key the design added since, to a table a
    later step makes, comes in the change's revision after that step."""
    done = {f"/steps/{n}/tables" for n, step in enumerate(steps) if step.id in written}
    return tuple(r for r in rfis if not (r.code is Code.MIGRATION_ORDER and r.location in done))
