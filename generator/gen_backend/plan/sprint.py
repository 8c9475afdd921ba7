"""The phase's sprint plan: the in-scope work in its sequencing rules (issue 22).

Tiers come in order: architecture and schema, data access, services, auth, endpoints; each
tier's items after what they depend on (a table after the tables its foreign keys name), and
otherwise the highest score first: business value x2 + risk if delayed x1.5 + dependencies
blocked, of the FR-IDs whose operations the item serves. The endpoints are the FR-IDs, in
the order `ServiceModel.operations_by_priority` gives, so the inspection's first operation is
the plan's first endpoint. `gen-backend plan` prints it; `from-handoff` writes it as
SPRINT.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import JsonValue

from gen_backend.model import ServiceModel
from gen_backend.model.api import Operation
from gen_backend.model.service import ReleaseMode
from gen_backend.plan.api import OperationPlan


class Tier(StrEnum):
    ARCHITECTURE = "architecture and schema"
    DATA = "data access"
    SERVICES = "services"
    AUTH = "auth"
    ENDPOINTS = "endpoints"


@dataclass(frozen=True)
class SprintItem:
    tier: Tier
    title: str
    score: float
    fr_ids: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()  # operationIds
    left: tuple[tuple[str, str], ...] = ()  # (operationId, why) of those answered by a 501

    @property
    def outcome(self) -> str:
        """What the generator does with it."""
        if not self.left:
            return "generated"
        return "; ".join(f"{op}: 501, {why}" for op, why in self.left)


@dataclass(frozen=True)
class SprintPlan:
    mode: ReleaseMode
    items: tuple[SprintItem, ...]
    deferred: tuple[tuple[str, tuple[str, ...]], ...]  # (FR-ID, its operations) out of scope

    @property
    def first_endpoint(self) -> str | None:
        """The first operation of the endpoints the generator writes (one left to a 501 is
        not built here): the one the inspection probes."""
        for item in (i for i in self.items if i.tier is Tier.ENDPOINTS):
            left = {op for op, _ in item.left}
            built = [op for op in item.operations if op not in left]
            if built:
                return built[0]
        return None

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "release_mode": self.mode.value,
            "first_endpoint": self.first_endpoint,
            "items": [
                {
                    "tier": i.tier.value,
                    "title": i.title,
                    "fr_ids": list(i.fr_ids),
                    "operations": list(i.operations),
                    "score": i.score,
                    "outcome": i.outcome,
                }
                for i in self.items
            ],
            "deferred": [{"fr_id": fr, "operations": list(ops)} for fr, ops in self.deferred],
        }


def plan_sprint(service: ServiceModel, stubbed: Iterable[OperationPlan]) -> SprintPlan:
    """The plan of `service`; `stubbed`: the in-scope operations the generator answers with a
    501, each with why (plan.project.stubs)."""
    left = {op.operation_id: op.why_custom or "" for op in stubbed}
    in_scope = service.in_scope_operations
    by_table: dict[str, list[Operation]] = {}
    for op in in_scope:
        if op.table:
            by_table.setdefault(op.table, []).append(op)

    def serving(table: str) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
        ops = by_table.get(table, [])
        frs = tuple(dict.fromkeys(op.fr_id for op in ops if op.fr_id))
        return (
            max((op.priority for op in ops), default=0.0),
            frs,
            tuple(o.operation_id for o in ops),
        )

    top = max((op.priority for op in in_scope), default=0.0)
    items = [
        SprintItem(
            Tier.ARCHITECTURE, "Project: typed settings, database engine, problem responses", top
        )
    ]
    for table in _ordered_tables(service, {t: serving(t)[0] for t in _table_names(service)}):
        score, frs, ops = serving(table)
        items.append(
            SprintItem(Tier.ARCHITECTURE, f"Table `{table}`: model and migration", score, frs, ops)
        )
    place = {name: n for n, name in enumerate(_table_names(service))}
    domains = sorted(by_table, key=lambda t: (-serving(t)[0], place.get(t, len(place))))
    for tier, what in (
        (Tier.DATA, "repository, relationships loaded in batches"),
        (Tier.SERVICES, "service and its rules"),
    ):
        for table in domains:
            score, frs, ops = serving(table)
            items.append(SprintItem(tier, f"`{table}`: {what}", score, frs, ops))
    items.append(SprintItem(Tier.AUTH, "JWT auth and per-endpoint permissions", top))
    owned_tables = sorted(service.auth.ownership, key=lambda o: -serving(o.table)[0])
    for owned in owned_tables:
        score, frs, ops = serving(owned.table)
        items.append(
            SprintItem(
                Tier.AUTH,
                f"`{owned.table}`: rows owned by `{owned.owner_column}` (row-level security "
                "on PostgreSQL)",
                score,
                frs,
                ops,
            )
        )
    groups: dict[str, list[Operation]] = {}
    for op in service.operations_by_priority:
        groups.setdefault(op.fr_id or op.operation_id, []).append(op)
    for key, group in groups.items():
        fr = (group[0].fr_id,) if group[0].fr_id else ()
        names = tuple(op.operation_id for op in group)
        title = f"{key}: {', '.join(names)}" if fr else names[0]
        items.append(
            SprintItem(
                Tier.ENDPOINTS,
                title,
                group[0].priority,
                fr,
                names,
                tuple((n, left[n]) for n in names if n in left),
            )
        )
    out_of_scope: dict[str, list[str]] = {}
    for op in service.api.operations:
        if not op.in_scope:
            out_of_scope.setdefault(op.fr_id or "(no FR-ID)", []).append(op.operation_id)
    return SprintPlan(
        service.release_mode,
        tuple(items),
        tuple((fr, tuple(ops)) for fr, ops in out_of_scope.items()),
    )


def _table_names(service: ServiceModel) -> list[str]:
    return [t.name for t in service.design.tables]


def _ordered_tables(service: ServiceModel, score: dict[str, float]) -> list[str]:
    """Each table after the tables its foreign keys name; among those ready, the highest
    score first, then the design's order."""
    needs = {
        t.name: {k.target_table for k in t.foreign_keys if k.target_table != t.name}
        for t in service.design.tables
    }
    order = _table_names(service)
    done: list[str] = []
    while len(done) < len(order):
        ready = [
            t for t in order if t not in done and needs[t] <= set(done) | (needs[t] - set(order))
        ]
        if not ready:  # a cycle: the design's order breaks it
            ready = [t for t in order if t not in done]
        done.append(min(ready, key=lambda t: (-score[t], order.index(t))))
    return done
