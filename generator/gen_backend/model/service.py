"""The whole accepted handoff, as later stages see it. Templates read only this model."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property

from gen_backend.model.api import ApiModel, HttpMethod, Operation
from gen_backend.model.base import Frozen
from gen_backend.model.errors import ErrorShape
from gen_backend.model.schema import SchemaDesign

PYTHON_VERSION = "3.11"  # the generated service's


class ReleaseMode(StrEnum):
    FULL = "full"
    MVP = "mvp"

    @property
    def label(self) -> str:
        return "Full Production" if self is ReleaseMode.FULL else "MVP"


class Database(StrEnum):
    POSTGRES = "postgres"
    SQLITE = "sqlite"

    @property
    def label(self) -> str:
        return "PostgreSQL" if self is Database.POSTGRES else "SQLite"


class Decision(Frozen):
    decision: str
    intent: str | None = None


class Assumption(Frozen):
    id: str
    text: str
    affects: tuple[str, ...] = ()  # table, table.column, operationId or FR-ID names


class Priority(Frozen):
    fr_id: str
    business_value: int
    risk_if_delayed: int
    deps_blocked: int

    @property
    def score(self) -> float:
        """The sprint scoring matrix: value x 2 + risk if delayed x 1.5 + deps blocked."""
        return self.business_value * 2 + self.risk_if_delayed * 1.5 + self.deps_blocked


class JwtSettings(Frozen):
    algorithms: tuple[str, ...]
    secret_env: str | None = None
    jwks_url_env: str | None = None
    issuer: str | None = None
    audience: str | None = None
    subject_claim: str = "sub"
    roles_claim: str = "roles"
    scopes_claim: str = "scope"
    leeway_s: int = 0


class Role(Frozen):
    name: str
    permissions: tuple[str, ...]  # "*" is every permission


class Ownership(Frozen):
    table: str
    owner_column: str
    bypass_roles: tuple[str, ...] = ()


class AuthModel(Frozen):
    scheme: str
    jwt: JwtSettings
    roles: tuple[Role, ...] = ()
    ownership: tuple[Ownership, ...] = ()

    def ownership_of(self, table: str) -> Ownership | None:
        return next((o for o in self.ownership if o.table == table), None)

    def grants(self, permission: str) -> bool:
        """True when some role holds the permission (or holds every permission)."""
        return any(permission in r.permissions or "*" in r.permissions for r in self.roles)


class DataDecision(Frozen):
    """How a migration step treats the data a destructive design change would lose."""

    change: str  # the table or `table.column` the change touches
    data: str  # what happens to its data, in a person's words
    fill: str | int | float | bool | None = None  # the value existing rows get (NOT NULL)
    rename_to: str | None = None  # the column's new name: a rename, not a drop and an add


class MigrationStep(Frozen):
    id: str
    description: str
    tables: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    decisions: tuple[DataDecision, ...] = ()


class MigrationPlan(Frozen):
    rollback_strategy: str
    steps: tuple[MigrationStep, ...]


class IntegrationOperation(Frozen):
    name: str
    method: HttpMethod
    path: str


class Integration(Frozen):
    """A service this one calls (integrations.yaml)."""

    name: str
    kind: str
    base_url_env: str | None = None
    credential_env: str | None = None
    credential_header: str = "Authorization"  # `Authorization`: sent as a bearer token
    timeout_s: float | None = None
    retries: int = 0
    operations: tuple[IntegrationOperation, ...] = ()


class Intervention(Frozen):
    """A person's request to a phase (human-interventions/), from its front matter."""

    file: str  # relative to the handoff folder
    name: str  # the file's stem, or its folder's name for <name>/content.md
    phase: str  # `06`, `06-backend-implementation`, another phase's, or `all`
    urgency: str  # `immediate` stops the phase; `end-of-phase` is folded in before review
    title: str
    body: str
    active: bool
    date: str | None = None

    @property
    def for_this_phase(self) -> bool:
        """Whether it asks this phase (06, backend implementation) or every phase."""
        return self.phase == "all" or self.phase.split("-", 1)[0].lstrip("0") == "6"

    @property
    def waiting(self) -> bool:
        """Active and for this phase: to be processed here."""
        return self.active and self.for_this_phase

    @property
    def immediate(self) -> bool:
        return self.urgency == "immediate"


class ServiceModel(Frozen):
    handoff_version: int
    product: str
    service: str  # the slug
    package: str  # a Python identifier derived from the slug
    release_mode: ReleaseMode
    mvp_scope: tuple[str, ...]
    database: Database
    error_format: str
    # the spec's own error shape, where the answers take it (None: RFC 9457 problem details)
    error_shape: ErrorShape | None = None
    error_shape_unfit: str | None = None  # why the spec's own shape is not taken
    decisions: tuple[Decision, ...] = ()
    constraints: tuple[str, ...] = ()
    assumptions: tuple[Assumption, ...] = ()
    priorities: tuple[Priority, ...] = ()
    api: ApiModel
    design: SchemaDesign
    auth: AuthModel
    migrations: MigrationPlan
    integrations: tuple[Integration, ...] = ()
    interventions: tuple[Intervention, ...] = ()

    @property
    def operations(self) -> tuple[Operation, ...]:
        return self.api.operations

    @property
    def in_scope_operations(self) -> tuple[Operation, ...]:
        return tuple(op for op in self.api.operations if op.in_scope)

    @cached_property
    def operations_by_priority(self) -> tuple[Operation, ...]:
        """In-scope operations, highest sprint score first, each FR-ID's together (the sprint
        plan's endpoints, plan.sprint); ties keep the spec's order."""
        ops = self.in_scope_operations
        first: dict[str, int] = {}
        for n, op in enumerate(ops):
            first.setdefault(op.fr_id or op.operation_id, n)
        return tuple(sorted(ops, key=lambda op: (-op.priority, first[op.fr_id or op.operation_id])))

    @property
    def read_back(self) -> str:
        """The restatement of what will be built, in the words the implementation standard
        uses: what `check` and `from-handoff` print and `GENERATION.md` opens with."""
        total = len(self.operations)
        in_scope = len(self.in_scope_operations)
        constraints = [d.decision + (f" ({d.intent})" if d.intent else "") for d in self.decisions]
        constraints += list(self.constraints)
        return (
            f"We are implementing {self.product} backend using Python {PYTHON_VERSION} / "
            f"FastAPI / SQLAlchemy 2 / Alembic. Release Mode: {self.release_mode.label}. "
            f"The API has {total} endpoint{'s' if total != 1 else ''} ({in_scope} in scope). "
            f"The database is {self.database.label}. "
            f"Key constraints: {'; '.join(constraints) if constraints else 'none stated'}."
        )
