"""What the migrations already written were generated from, and how a design differs from it.

Every run records the design, the migration plan and the row ownership its revisions were
generated from, with the revisions themselves, in `.gen-backend/revisions.json`. The next run
reads it back (`read_record`, in the output layer) and says what changed in the design
(`design_changes`): the difference a new revision has to carry (issue 21).
"""

from __future__ import annotations

from pydantic import JsonValue, ValidationError

from gen_backend.model import ServiceModel
from gen_backend.model.schema import Column, ColumnDefault, SchemaDesign, Table
from gen_backend.plan.database import RevisionPlan

RECORD_VERSION = 1


def revision_record(
    service: ServiceModel,
    revisions: tuple[RevisionPlan, ...],
    service_revisions: tuple[tuple[str, str], ...],
) -> JsonValue:
    """The record of one run: each revision written (the design's steps, then the service's
    own tables as (revision, file stem)), and the design they were generated from."""
    written: list[JsonValue] = [
        {
            "revision": r.revision,
            "down_revision": r.down_revision,
            "file": f"migrations/versions/{r.file_stem}.py",
            "tables": [t.name for t in r.tables],
        }
        for r in revisions
    ]
    written += [
        {"revision": revision, "file": f"migrations/versions/{stem}.py"}
        for revision, stem in service_revisions
    ]
    return {
        "record_version": RECORD_VERSION,
        "database": service.database.value,
        "revisions": written,
        "design": service.design.model_dump(mode="json", by_alias=True, exclude={"relationships"}),
        "migration_plan": service.migrations.model_dump(mode="json", by_alias=True),
        "ownership": [o.model_dump(mode="json", by_alias=True) for o in service.auth.ownership],
    }


def design_of(record: JsonValue) -> SchemaDesign | None:
    """The design a record holds; None for a record this version cannot read."""
    if not isinstance(record, dict) or record.get("record_version") != RECORD_VERSION:
        return None
    try:
        return SchemaDesign.model_validate(record.get("design"))
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


def design_changes(before: SchemaDesign, after: SchemaDesign) -> list[str]:
    """What changed from `before` to `after`, one line per table or column added, removed or
    changed, and per table whose indexes, foreign keys or checks changed."""
    old = {t.name: t for t in before.tables}
    new = {t.name: t for t in after.tables}
    changes = [f"table `{name}` added" for name in new if name not in old]
    changes += [f"table `{name}` removed" for name in old if name not in new]
    for name in (n for n in new if n in old):
        changes += _table_changes(old[name], new[name])
    return changes


def _table_changes(before: Table, after: Table) -> list[str]:
    old = before.columns_by_name
    new = after.columns_by_name
    where = after.name
    changes = [f"column `{where}.{c}` added" for c in new if c not in old]
    changes += [f"column `{where}.{c}` removed" for c in old if c not in new]
    for name in (c for c in new if c in old):
        facts = _changed_facts(old[name], new[name])
        if facts:
            changes.append(f"column `{where}.{name}` changed: {', '.join(facts)}")
    for part in ("indexes", "foreign_keys", "checks"):
        if set(getattr(before, part)) != set(getattr(after, part)):
            changes.append(f"table `{where}`: its {part.replace('_', ' ')} changed")
    return changes


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
