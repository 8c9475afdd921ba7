"""The raw formats of the handoff's YAML files, as docs/handoff.md describes them.

These models only check shapes and types. Keys the format does not know are accepted (the
contract says a loader may accept more, never less) and reported as RFIs, so a typo such as
`nulable:` does not pass silently. Keys the No-Go checks look for are optional here, so their
absence becomes a HALT report instead of a parse error.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from gen_backend.model.api import FilterOp, HttpMethod, OperationKind
from gen_backend.model.schema import ColumnType


class Raw(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


def _text_id(value: object) -> object:
    """IDs such as `0001` or `FR-1` may arrive as YAML numbers; keep them as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


TextId = Annotated[str, BeforeValidator(_text_id)]


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


# ---- handoff.yaml -----------------------------------------------------------------------------

_RELEASE_MODES = {
    "full": "full",
    "full production": "full",
    "full-production": "full",
    "production": "full",
    "mvp": "mvp",
}
_DATABASES = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "pg": "postgres",
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
}


def _release_mode(value: object) -> object:
    return _RELEASE_MODES.get(str(_lower(value)), value) if isinstance(value, str) else value


def _database(value: object) -> object:
    return _DATABASES.get(str(_lower(value)), value) if isinstance(value, str) else value


class RawArtifacts(Raw):
    openapi: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    auth: str | None = None
    migrations: str | None = None
    integrations: str | None = None
    rfis: str | None = None


class RawDecision(Raw):
    decision: str
    intent: str | None = None


class RawAssumption(Raw):
    id: TextId
    text: str
    affects: list[str] = []


class RawPriority(Raw):
    business_value: int = Field(ge=0, le=5)
    risk_if_delayed: int = Field(ge=0, le=5)
    deps_blocked: int = Field(default=0, ge=0)


class RawFilter(Raw):
    column: str | None = None
    columns: list[str] | None = None
    op: Annotated[FilterOp, BeforeValidator(_lower)] = FilterOp.EQ

    @model_validator(mode="after")
    def _names_a_column(self) -> RawFilter:
        if not self.column and not self.columns:
            raise ValueError("a filter needs `column` or `columns`")
        return self

    @property
    def column_names(self) -> list[str]:
        return self.columns or ([self.column] if self.column else [])


Permissions = list[str] | Literal["public"]


class RawOperationIntent(Raw):
    """Design intent for one operationId; the same meaning as the x- extensions."""

    fr_id: TextId | None = None
    table: str | None = None
    # what the operation does with its table, where inference from path and method is wrong
    kind: Annotated[OperationKind, BeforeValidator(_lower)] | None = None
    # a path parameter -> the columns it may name a row by, tried in order
    lookup: dict[str, list[str]] | None = None
    permissions: Permissions | None = None
    idempotent: bool | None = None
    filters: dict[str, RawFilter] | None = None


class RawManifest(Raw):
    handoff_version: Literal[1] = 1
    product: str
    service: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    release_mode: Annotated[Literal["full", "mvp"], BeforeValidator(_release_mode)] = "full"
    mvp_scope: list[TextId] = []
    database: Annotated[Literal["postgres", "sqlite"], BeforeValidator(_database)] = "postgres"
    artifacts: RawArtifacts = RawArtifacts()
    error_format: str = "rfc9457"
    decisions: list[RawDecision | str] = []
    constraints: list[str] = []
    assumptions: list[RawAssumption | str] = []
    priorities: dict[str, RawPriority] = {}
    operations: dict[str, RawOperationIntent] = {}


# ---- schema.yaml ------------------------------------------------------------------------------


class RawColumn(Raw):
    type: Annotated[ColumnType, BeforeValidator(_lower)]
    primary_key: bool = False
    nullable: bool = False
    unique: bool = False
    autoincrement: bool = False
    default: str | int | float | bool | None = None
    max_length: int | None = Field(default=None, ge=1)
    precision: int | None = Field(default=None, ge=1)
    scale: int | None = Field(default=None, ge=0)
    values: list[str] | None = None
    enum_name: str | None = None
    references: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w]*\.[A-Za-z_][\w]*$")
    on_delete: (
        Annotated[
            Literal["cascade", "restrict", "set_null", "no_action", "set_default"],
            BeforeValidator(lambda v: _lower(v).replace(" ", "_") if isinstance(v, str) else v),
        ]
        | None
    ) = None
    comment: str | None = None


class RawIndex(Raw):
    columns: list[str] = Field(min_length=1)
    unique: bool = False
    name: str | None = None
    where: str | None = None  # a partial index's condition (SQL)


class RawCheck(Raw):
    expr: str
    name: str | None = None


class RawTable(Raw):
    columns: dict[str, RawColumn] | None = None
    indexes: list[RawIndex] = []
    checks: list[RawCheck] = []
    comment: str | None = None


class RawSchemaYaml(Raw):
    tables: dict[str, RawTable | None] | None = None


# ---- auth.yaml --------------------------------------------------------------------------------


def _algorithm(value: object) -> object:
    """`hs256` -> `HS256`; EdDSA keeps its own spelling."""
    if isinstance(value, str):
        return "EdDSA" if value.lower() == "eddsa" else value.upper()
    return value


class RawJwt(Raw):
    algorithms: list[Annotated[str, BeforeValidator(_algorithm)]] = []
    secret_env: str | None = None
    jwks_url_env: str | None = None
    issuer: str | None = None
    audience: str | None = None
    subject_claim: str = "sub"
    roles_claim: str = "roles"
    scopes_claim: str = "scope"
    leeway_s: int = Field(default=0, ge=0)


class RawOwnership(Raw):
    owner_column: str
    bypass_roles: list[str] = []


class RawPermissionDefaults(Raw):
    """Permissions of the operations nothing else names: by method class, or one for all."""

    read: list[str] | None = None  # GET and HEAD
    write: list[str] | None = None  # POST, PUT, PATCH, DELETE
    all: list[str] | None = None

    @model_validator(mode="after")
    def _one_way(self) -> RawPermissionDefaults:
        if self.all is not None and (self.read is not None or self.write is not None):
            raise ValueError("give `all`, or `read` and `write`, not both")
        return self


class RawAuth(Raw):
    scheme: str | None = None
    jwt: RawJwt | None = None
    roles: dict[str, list[str]] = {}
    operations: dict[str, Permissions] = {}
    defaults: RawPermissionDefaults | None = None
    ownership: dict[str, RawOwnership] = {}


# ---- migrations.yaml --------------------------------------------------------------------------


class RawDataDecision(Raw):
    change: str  # the table or `table.column` a destructive change touches
    data: str  # what happens to the data it holds
    fill: str | int | float | bool | None = None  # the value existing rows get
    rename_to: str | None = None  # the column's new name


class RawStep(Raw):
    id: TextId
    description: str = ""
    tables: list[str] = []
    depends_on: list[TextId] = []
    decisions: list[RawDataDecision] = []


class RawMigrations(Raw):
    rollback_strategy: str | None = None
    steps: list[RawStep] | None = None


# ---- rfis.yaml --------------------------------------------------------------------------------


class RawRfiAnswer(Raw):
    code: str
    location: str
    answer: Literal["accepted", "resolved", "deferred"]
    note: str = ""
    change: str | None = None  # resolved: what was changed


class RawRfiAnswers(Raw):
    answers: list[RawRfiAnswer] = []


# ---- integrations.yaml ------------------------------------------------------------------------


class RawIntegrationOperation(Raw):
    name: str
    method: Annotated[HttpMethod, BeforeValidator(_lower)]
    path: str


class RawIntegration(Raw):
    name: str
    kind: str = "http"
    base_url_env: str | None = None
    # gen-backend's (docs/handoff.md): the variable holding the credential, and its header
    credential_env: str | None = Field(
        default=None,
        validation_alias=AliasChoices("credential_env", "api_key_env", "token_env", "secret_env"),
    )
    credential_header: str = "Authorization"
    timeout_s: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    retries: int = Field(default=0, ge=0)
    operations: list[RawIntegrationOperation] = []


class RawIntegrations(Raw):
    integrations: list[RawIntegration] = []
