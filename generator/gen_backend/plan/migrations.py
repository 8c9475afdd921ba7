"""The Alembic revisions of a service, as one chain that only grows (issue 21).

A first run writes one revision per migration step, then the service's own tables'. A later
run keeps every revision the previous ones wrote (`History`, from `.gen-backend/revisions.json`
and the files on disk) byte for byte, in their order, and appends what is new: the migration
plan's new steps, one revision for the design's changes to the tables already made
(plan.evolution), and a service table that appears. A database at the old head sees exactly
those as pending.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from gen_backend.model import ServiceModel
from gen_backend.model.schema import SchemaDesign
from gen_backend.model.service import MigrationStep, Ownership
from gen_backend.plan.database import (
    RevisionPlan,
    RowSecurityPlan,
    TablePlan,
    plan_revisions,
    slug,
)
from gen_backend.plan.evolution import ChangeRevisionPlan, next_number, plan_change
from gen_backend.plan.history import History, RevisionEntry

REVISION_ID = 32  # the longest revision id alembic_version.version_num holds


@dataclass(frozen=True)
class ServiceTablePlan:
    """A table the service keeps for itself (not the design's), and the revision that creates
    it, after the plan's own."""

    table: str
    revision: str
    down_revision: str | None


@dataclass(frozen=True)
class MigrationsPlan:
    """`steps`: a revision per migration step (those already written are kept as they are,
    not rendered); `change`: the revision for the design's changes, if any; `log`: every
    revision in the chain's order, with what it does."""

    steps: tuple[RevisionPlan, ...]
    idempotency: ServiceTablePlan | None
    rate_limits: ServiceTablePlan
    change: ChangeRevisionPlan | None
    log: tuple[RevisionEntry, ...]
    owned: tuple[RowSecurityPlan, ...]  # the tables whose rows belong to a caller
    written: Mapping[str, str]  # revision id -> its file's text: revisions kept as they are


def row_security(
    ownership: Sequence[Ownership], design: SchemaDesign
) -> dict[str, RowSecurityPlan]:
    """Each owned table's row-level security, where the design has its owner column."""
    return {
        o.table: RowSecurityPlan(o.table, o.owner_column, tuple(o.bypass_roles))
        for o in ownership
        if (table := design.table(o.table)) is not None
        and any(c.name == o.owner_column for c in table.columns)
    }


def plan_migrations(
    service: ServiceModel,
    tables: dict[str, TablePlan],
    idempotent: bool,
    history: History,
) -> MigrationsPlan:
    """The chain: `history`'s revisions, then what this run adds. `idempotent`: whether an
    operation keeps Idempotency-Keys (a table of the service's own)."""
    owners = row_security(service.auth.ownership, service.design)
    steps = plan_revisions(service.design, service.migrations.steps, tables, owners)
    recorded = [e.revision for e in history.revisions]
    fresh = [s for s in steps if s.revision not in recorded]
    change = _change(service, history, fresh, owners)
    if change is not None:  # a new step without tables is the change's name, not a revision
        steps = tuple(s for s in steps if s.revision != change.revision)
        fresh = [s for s in fresh if s.revision != change.revision]
    ids = [s.revision for s in steps] + ([change.revision] if change else [])
    idempotency = _service_table("idempotency_keys", tables, ids) if idempotent else None
    rate_limits = _service_table(
        "rate_limits", tables, ids + ([idempotency.revision] if idempotency else [])
    )
    added = [s.revision for s in fresh] + ([change.revision] if change else [])
    added += [t.revision for t in (idempotency, rate_limits) if t and t.revision not in recorded]
    chain = recorded + added
    down = dict(zip(chain, [None, *chain[:-1]], strict=True))
    steps = tuple(dataclasses.replace(s, down_revision=down[s.revision]) for s in steps)
    if change is not None:
        change = dataclasses.replace(change, down_revision=down[change.revision])
    if idempotency is not None:
        idempotency = dataclasses.replace(idempotency, down_revision=down[idempotency.revision])
    rate_limits = dataclasses.replace(rate_limits, down_revision=down[rate_limits.revision])
    made = {s.revision: s for s in steps} | ({change.revision: change} if change else {})
    log = list(history.revisions)
    for revision in chain[len(recorded) :]:
        if revision in made:
            r = made[revision]
            names = tuple(t.name for t in r.tables)
            log.append(RevisionEntry(revision, down[revision], r.file_stem, names, r.description))
        else:
            table = next(t for t in (idempotency, rate_limits) if t and t.revision == revision)
            words = f"the service's own `{table.table}` table"
            log.append(RevisionEntry(revision, down[revision], revision, (table.table,), words))
    return MigrationsPlan(
        steps=steps,
        idempotency=idempotency,
        rate_limits=rate_limits,
        change=change,
        log=tuple(log),
        owned=tuple(owners.values()),
        written=dict(history.texts),
    )


def _change(
    service: ServiceModel,
    history: History,
    fresh: Sequence[RevisionPlan],
    owners: Mapping[str, RowSecurityPlan],
) -> ChangeRevisionPlan | None:
    """The revision for the design's changes since `history`'s design, after the new steps
    (`fresh`); numbered after the chain, or named by a new step without tables."""
    if history.design is None:
        return None
    made = {t.name for s in fresh for t in s.tables}
    new_ids = {s.revision for s in fresh}
    new_steps = [s for s in service.migrations.steps if s.id in new_ids]
    naming_step = next((s for s in new_steps if not s.tables), None)
    decided = MigrationStep(
        id=naming_step.id if naming_step else "",
        description=naming_step.description if naming_step else "",
        tables=(),
        decisions=tuple(d for s in new_steps for d in s.decisions),
    )
    change = plan_change(
        history.design,
        service.design,
        made,
        (row_security(history.ownership, history.design), owners),
        decided,
    )
    if change is None:
        return None
    if naming_step is not None:
        stem = next(s.file_stem for s in fresh if s.revision == naming_step.id)
        return dataclasses.replace(change, revision=naming_step.id, file_stem=stem)
    taken = [e.revision for e in history.revisions] + [s.id for s in service.migrations.steps]
    number = next_number(taken)
    stem = f"{number}_{change.file_stem}".rstrip("_")
    # Alembic keeps the head's id in a VARCHAR(32); the words keep it apart from a step's id
    revision = f"{number}_{slug(change.description, REVISION_ID - len(number) - 1)}".rstrip("_")
    return dataclasses.replace(change, revision=revision, file_stem=stem)


def _service_table(
    name: str, tables: Collection[str], revisions: Sequence[str]
) -> ServiceTablePlan:
    """The service's own table `name` and its revision, after `revisions`; each renamed
    (`app_`, `gen_`) where the design has one of that name."""

    def free(taken: Collection[str]) -> str:
        return next(n for n in (name, f"app_{name}", f"gen_{name}") if n not in taken)

    return ServiceTablePlan(
        table=free(tables),
        revision=free(revisions),
        down_revision=revisions[-1] if revisions else None,
    )
