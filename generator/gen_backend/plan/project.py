"""The project plan: every file of the generated service, who owns it, and what it renders."""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from pydantic import JsonValue

from gen_backend.model import (
    ApiModel,
    ColumnType,
    DefaultKind,
    FilterOp,
    OperationKind,
    ParameterLocation,
    Schema,
    SchemaType,
    ServiceModel,
    Table,
)
from gen_backend.model.defaults import sqlite_default
from gen_backend.model.infer import property_column
from gen_backend.model.integrations import ClientNames, client_names
from gen_backend.model.wire import (
    made_keys,
    request_row,
    resource_attributes,
    response_row,
    row_properties,
)
from gen_backend.plan.access import ApiKeySchemePlan, api_key_schemes, bearer_scheme_name
from gen_backend.plan.api import OperationPlan, json_response_class, plan_operations
from gen_backend.plan.api_changes import ApiChange, access_of, api_changes
from gen_backend.plan.contract import OperationContract, operation_contract
from gen_backend.plan.database import (
    ON_DELETE,
    ColumnPlan,
    RevisionPlan,
    TablePlan,
    plan_relationships,
    plan_table,
)
from gen_backend.plan.embeds import row_alias
from gen_backend.plan.examples import NoExampleError, example
from gen_backend.plan.history import History, Notice, revision_record
from gen_backend.plan.inspection import (
    ProbeSource,
    inspection_index,
    plan_probes,
    plan_row_makers,
    plan_seeds,
)
from gen_backend.plan.migrations import MigrationsPlan, ServiceTablePlan, plan_migrations
from gen_backend.plan.names import (
    class_name,
    field_name,
    identifier,
    model_class,
    taken_name,
    unique,
)
from gen_backend.plan.pytypes import ClassRef
from gen_backend.plan.schemas import COMMON, ClassPlan, SchemaPlanner
from gen_backend.plan.service_tests import StatementCount, plan_row_tests
from gen_backend.plan.sprint import SprintPlan, plan_sprint
from gen_backend.plan.test_targets import (
    RlsProbe,
    auth_targets,
    blocked_deletes,
    fault_targets,
    fits,
    key_targets,
    path_methods,
    placeholder_url,
    request_tests,
)
from gen_backend.plan.tests import (
    ColumnRule,
    OwnedParent,
    column_rules,
    enum_values_of,
    factory_name,
    plan_factories,
    schema_rule,
    takes_few_keys,
)
from gen_backend.plan.wire import hold_to_columns
from gen_backend.validate.rfis import Rfi

# the modules and packages of app/ and tests/ that a domain package (app/<domain>/ and
# tests/<domain>/) must not shadow
RESERVED_PACKAGES = {
    "app",
    "common",
    "conftest",
    "contract",
    "core",
    "factories",
    "main",
    "migrations",
    "models",
    "operations",
    "tests",
}


class FileOwner(StrEnum):
    GENERATED = "generated"  # rewritten by every run; a header line says so
    USER = "user"  # written once, then the user's: never overwritten
    MIGRATION = "migration"  # written once: a database may have run it, so never rewritten


@dataclass(frozen=True)
class PlannedFile:
    path: str  # relative to the output directory, POSIX separators
    template: str  # relative to templates/
    owner: FileOwner
    context: dict[str, object] = field(default_factory=dict)
    text: str | None = None  # the file as it is, instead of a template's (a written revision)


@dataclass(frozen=True)
class DomainPlan:
    package: str  # app/<package>/
    table: TablePlan


@dataclass(frozen=True)
class ParentGuard:
    """A parent row named in the path (`/projects/{projectId}/tasks`) that must exist, and be
    the caller's if its table is owned (or the caller holds a bypass role), else the create
    or list is a 404: a list under a parent nobody can see is not an empty list."""

    param: str  # the path parameter (Python name)
    child_attr: str  # the foreign key of the new row it fills
    module: str  # the parent's domain package
    class_name: str
    key: str  # the parent's attribute the parameter selects by
    owner: str | None = None  # the parent's owner attribute, on an owned parent
    owner_type: str = "str"  # its Python type, which the token's subject is read as
    bypass_roles: tuple[str, ...] = ()

    @property
    def alias(self) -> str:
        return f"{self.class_name}Parent"


@dataclass(frozen=True)
class ModuleApi:
    """What one domain package exposes: its schemas, and its operations if it has any."""

    module: str
    table: TablePlan | None
    classes: tuple[ClassPlan, ...]
    operations: tuple[OperationPlan, ...]
    schema_imports: tuple[str, ...]  # classes of its own that service and router use
    # classes of other schema modules that it uses: (module, class names)
    imports: tuple[tuple[str, tuple[str, ...]], ...]
    owner: ColumnPlan | None  # the ownership column, filled from the caller on create
    bypass_roles: tuple[str, ...] = ()  # roles that see every row despite the ownership
    # per create or list (its function): the parent rows in its path the caller must see
    guards: tuple[tuple[str, tuple[ParentGuard, ...]], ...] = ()

    @property
    def rebuilt(self) -> tuple[str, ...]:
        """The classes pydantic cannot complete where they are declared, rebuilt at the end
        of the module: each that refers to itself, to a class declared after it, or to a
        class so rebuilt."""
        position = {cls.name: index for index, cls in enumerate(self.classes)}
        found: list[str] = []
        for index, cls in enumerate(self.classes):
            types = [f.annotation for f in cls.fields] + ([cls.root] if cls.root else [])
            named = {name for t in types for name in t.classes}
            if any(position.get(name, -1) >= index for name in named) or named & set(found):
                found.append(cls.name)
        return tuple(found)

    @property
    def routes(self) -> tuple[OperationPlan, ...]:
        """The operations in the order the router declares them (see `route_order`)."""
        return route_order(list(self.operations), lambda op: (op,))

    @property
    def permission_dependencies(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(name, permissions) of the router's `Annotated` dependency for each set of
        permissions a route asks a bearer token for: `RequireBooksRead`."""
        taken = {*self.schema_imports, *(n for _, names in self.imports for n in names)}
        found: dict[tuple[str, ...], str] = {}
        for op in self.routes:
            if op.plain_bearer and not op.public and op.permissions not in found:
                words = " ".join(op.permissions) or "caller"
                found[op.permissions] = unique(class_name(f"require {words}"), taken)
        return tuple((name, permissions) for permissions, name in found.items())

    def permission_dependency(self, op: OperationPlan) -> str:
        return next(name for name, p in self.permission_dependencies if p == op.permissions)

    @property
    def path_types(self) -> dict[str, str]:
        """The router's `Annotated` alias (`BookId`) of each path parameter that more than one
        route reads the same way, by its annotation's source."""
        taken = {*self.schema_imports, *(n for _, names in self.imports for n in names)}
        taken |= {name for name, _ in self.permission_dependencies}
        declared = [
            (p.wire, f"Annotated[{p.annotation}, {p.declaration}]")
            for op in self.routes
            for p in op.params
            if p.location == "path"
        ]
        shared = sorted({d for d in declared if declared.count(d) > 1})
        return {source: unique(class_name(wire), taken) for wire, source in shared}

    def guards_of(self, function: str) -> tuple[ParentGuard, ...]:
        return dict(self.guards).get(function, ())

    def owned_parent_of(self, function: str) -> OwnedParent | None:
        """The first owned parent row in the operation's path, for its tests."""
        return next(
            (
                OwnedParent(g.child_attr, g.owner, g.module, g.class_name, g.key)
                for g in self.guards_of(function)
                if g.owner
            ),
            None,
        )

    def bypass_role_of(self, function: str) -> str | None:
        """A role that sees every row the operation touches: its table's and its owned
        parents' (None when no role does, or nothing is owned)."""
        ranks: list[tuple[str, ...]] = [self.bypass_roles] if self.owner else []
        ranks += [g.bypass_roles for g in self.guards_of(function) if g.owner]
        if not ranks:
            return None
        return next((r for r in ranks[0] if all(r in roles for roles in ranks[1:])), None)

    @property
    def sees_every_row(self) -> tuple[str, ...]:
        """Roles that, held together, see every row of the domain's operations: its table's
        bypass roles and its owned parents'."""
        found = list(self.bypass_roles) if self.owner else []
        found += [r for _, gs in self.guards for g in gs if g.owner for r in g.bypass_roles]
        return tuple(dict.fromkeys(found))

    @property
    def guard_models(self) -> tuple[tuple[str, str, str], ...]:
        """(module, class, alias) of the parent models the guards read."""
        return tuple(
            sorted({(g.module, g.class_name, g.alias) for _, gs in self.guards for g in gs})
        )

    @property
    def embeds(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(constant, loader options) per response class whose rows embed related rows."""
        found = {op.embeds: tuple(load.option for load in op.loads) for op in self.operations}
        return tuple((name, options) for name, options in found.items() if name)

    @property
    def embedded_models(self) -> tuple[tuple[str, str], ...]:
        """(class, alias) of the other tables' ORM classes the loader options name."""
        own = self.table.class_name if self.table else None
        return tuple(
            sorted(
                {
                    (name, row_alias(name))
                    for op in self.operations
                    for load in op.loads
                    for name in load.classes
                    if name != own
                }
            )
        )

    @property
    def service_class(self) -> str:
        return f"{class_name(self.module)}Service"

    @property
    def service_base(self) -> str:
        return f"{self.service_class}Base"

    @property
    def json_responses(self) -> tuple[tuple[str, str], ...]:
        """(class, media type) of the JSON responses whose media type is not the plain one."""
        found = {
            json_response_class(op.json_response): op.json_response
            for op in self.operations
            if op.json_response
        }
        return tuple(sorted(found.items()))

    @property
    def row(self) -> str:
        return row_alias(self.table.class_name) if self.table else "Row"


@dataclass(frozen=True)
class HealthPlan:
    """The service's own liveness and readiness paths (outside its OpenAPI document)."""

    live: str = "/healthz"
    ready: str = "/readyz"


def plan_health(paths: Collection[str]) -> HealthPlan:
    """`/healthz` and `/readyz`, unless the spec serves either: then under `/_service`."""
    plain = HealthPlan()
    if plain.live in paths or plain.ready in paths:
        return HealthPlan("/_service/healthz", "/_service/readyz")
    return plain


@dataclass(frozen=True)
class ProjectPlan:
    service: ServiceModel
    domains: tuple[DomainPlan, ...]
    migrations: MigrationsPlan
    apis: tuple[ModuleApi, ...]
    files: tuple[PlannedFile, ...]
    # what changed in the served API since the last run, and the notices to the next phase
    # about such changes (this run's last, if it has one)
    api_changes: tuple[ApiChange, ...] = ()
    notices: tuple[Notice, ...] = ()
    open_rfis_accepted: bool = False  # error RFIs without an answer, let through on purpose
    sprint: SprintPlan | None = None  # the phase's plan of the work (SPRINT.md)
    rfis: tuple[Rfi, ...] = ()  # the questions acceptance left open, for GENERATION.md
    api_keys: tuple[ApiKeySchemePlan, ...] = ()  # the API key schemes the routes check
    bearer_scheme: str = "HTTPBearer"  # the bearer token's scheme name in the served OpenAPI
    health: HealthPlan = HealthPlan()
    # (spec or design name, its name here) where the project uses the name itself
    renamed: tuple[tuple[str, str], ...] = ()
    # (module, class) of the spec's own error schema, where the errors take its shape
    error_class: tuple[str, str] | None = None
    integrations: tuple[ClientNames, ...] = ()  # the services it calls (app/integrations/)

    @property
    def column_helpers(self) -> frozenset[str]:
        return column_helpers(self.domains)

    @property
    def revisions(self) -> tuple[RevisionPlan, ...]:
        """A revision per migration step."""
        return self.migrations.steps

    @property
    def idempotency(self) -> ServiceTablePlan | None:
        """Where Idempotency-Keys are kept, if any operation takes one."""
        return self.migrations.idempotency

    @property
    def rate_limits(self) -> ServiceTablePlan:
        """Where each caller's requests are counted for the rate limit (a setting, off by
        default)."""
        return self.migrations.rate_limits

    @property
    def service_tables(self) -> tuple[str, ...]:
        """The tables the service keeps besides the design's."""
        return tuple(t.table for t in (self.idempotency, self.rate_limits) if t is not None)

    @property
    def max_body_bytes(self) -> int:
        """The default request body limit: 10 MiB where files are uploaded, else 1 MiB."""
        uploads = any(op.body.media in ("multipart", "raw") for op in self.operations)
        return (10 if uploads else 1) * 1024 * 1024

    @property
    def operations(self) -> tuple[OperationPlan, ...]:
        return tuple(op for api in self.apis for op in api.operations)

    @property
    def checks_tokens(self) -> bool:
        return reads_tokens(self.apis)

    @property
    def alternatives(self) -> bool:
        """Whether a route admits more than a bearer token (`require_any`)."""
        return any(not op.public and not op.plain_bearer for op in self.operations)

    @property
    def public_callers(self) -> bool:
        """Whether a public route reads its caller's token, if any (on an owned table)."""
        return any(op.public and api.owner for api in self.apis for op in api.operations)

    @property
    def key_set(self) -> bool:
        """Whether tokens are checked with the signers' public keys (RS*, ES*, EdDSA: a fixed
        key or their key set, app/core/jwks.py), not a shared secret (HS*)."""
        return checks_with_public_keys(self.service)

    @property
    def error_media_type(self) -> str:
        """The media type of every error answer: RFC 9457's, or the spec's own errors'."""
        shape = self.service.error_shape
        return shape.media_type if shape else "application/problem+json"

    @property
    def shadowed_paths(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return shadowed_paths(self.operations)

    @property
    def wire_formats(self) -> frozenset[str]:
        """The wire formats of app/core/formats.py the project uses (`IsoFormat`)."""
        return wire_formats(self.apis, self.operations)

    @property
    def needs_formats(self) -> bool:
        """Whether app/core/formats.py has anything to hold: a wire format, or the
        documentation of a field that may be left out but never null."""
        return bool(self.wire_formats) or any(c.not_null for a in self.apis for c in a.classes)

    @property
    def first_path(self) -> str:
        """A path to try the API on: the first list or read without path parameters."""
        reads = [op.path for op in self.operations if op.method == "get"]
        return next((path for path in reads if "{" not in path), reads[0] if reads else "/")

    @property
    def routed(self) -> tuple[ModuleApi, ...]:
        """The modules with routes, in the order their routers are included (see
        `route_order`)."""
        return route_order([api for api in self.apis if api.operations], lambda api: api.operations)

    def domain_of(self, table: str) -> DomainPlan:
        return next(d for d in self.domains if d.table.name == table)


def _schema_design(service: ServiceModel, tables: dict[str, TablePlan]) -> JsonValue:
    """The design's tables as `tests/test_schema.py` reads them back from the migrated
    database (`tests/schema_design.json`): per column only what differs from its defaults."""
    design: dict[str, JsonValue] = {}
    for table in service.design.tables:
        columns: dict[str, JsonValue] = {}
        for c in table.columns:
            column: dict[str, JsonValue] = {"type": c.type.value, "nullable": c.nullable}
            if c.max_length:
                column["length"] = c.max_length
            if c.precision is not None:
                column["precision"] = c.precision
            if c.scale is not None:
                column["scale"] = c.scale
            default = c.default
            if default is not None and default.kind is not DefaultKind.UUID:
                expression_only = (
                    default.kind is DefaultKind.EXPRESSION
                    and sqlite_default(str(default.value)) is None
                )
                column["default"] = "postgresql" if expression_only else default.kind.value
                if default.kind is DefaultKind.LITERAL and not isinstance(default.value, bool):
                    column["literal"] = str(default.value)
            if c.values:
                column["values"] = list(c.values)
            if c.enum_name:
                column["enum"] = c.enum_name
            if c.autoincrement:
                column["autoincrement"] = True
            columns[c.name] = column
        # unique columns and whole unique indexes (a partial one is an index, not a key)
        unique: list[JsonValue] = [
            [c.name] for c in table.columns if c.unique and not c.primary_key
        ]
        unique += [list(i.columns) for i in table.indexes if i.unique and i.where is None]
        design[table.name] = {
            "columns": columns,
            "primary_key": [c.name for c in table.columns if c.primary_key],
            "unique": unique,
            "indexes": {i.name: [list(i.columns), i.unique] for i in table.indexes},
            "checks": {c.name: c.sqlite is not None for c in tables[table.name].checks},
            "foreign_keys": {
                key.name: {
                    "columns": list(key.columns),
                    "target": key.target_table,
                    "target_columns": list(key.target_columns),
                    "on_delete": ON_DELETE.get(key.on_delete),
                }
                for key in table.foreign_keys
            },
        }
    return design


def _error_class(service: ServiceModel, planner: SchemaPlanner) -> tuple[str, str] | None:
    """Where the class of the spec's own error schema is, if the errors take its shape."""
    shape = service.error_shape
    name = planner.names.get(shape.schema_name) if shape else None
    return (planner.module_of(name), name) if name else None


def _served_rows(
    service: ServiceModel, tables: dict[str, TablePlan]
) -> Iterator[tuple[Table, TablePlan, set[str], Schema]]:
    """Each row an in-scope CRUD operation sends or answers: its table, the table's plan,
    the attributes the plan's columns and relationships take, and the row's schema."""
    for op in service.in_scope_operations:
        table = service.design.table(op.table) if op.table else None
        if table is None or op.kind is OperationKind.CUSTOM:
            continue
        plan = tables[table.name]
        taken = {c.attr for c in plan.columns} | {r.name for r in plan.relationships}
        rows = [request_row(op, table, service.api), response_row(op, table, service.api)]
        for row in (r for r in rows if r is not None):
            yield table, plan, taken, row


def _synonyms(
    service: ServiceModel, tables: dict[str, TablePlan]
) -> dict[str, tuple[tuple[str, str], ...]]:
    """By table: (attribute, column attribute) of each property that stands for a column
    under another name (`eventId` for `special_events.id`, see `infer.property_column`)."""
    found: dict[str, dict[str, str]] = {}
    for table, plan, taken, row in _served_rows(service, tables):
        for prop in row_properties(row, service.api):
            column = property_column(prop.name, table)
            name = field_name(prop.name)
            if column is not None and name not in taken:
                found.setdefault(table.name, {})[name] = plan.column(column.name).attr
    return {name: tuple(sorted(synonyms.items())) for name, synonyms in found.items()}


def _groups(service: ServiceModel, tables: dict[str, TablePlan]) -> dict[str, tuple[str, ...]]:
    """By table: the attributes a row answers as itself, an object of its own columns (a
    JSON:API resource's `attributes`), where no column or relationship has the name."""
    found: dict[str, set[str]] = {}
    for table, _, taken, row in _served_rows(service, tables):
        attributes = resource_attributes(row, service.api)
        if attributes is not None and field_name(attributes.name) not in taken:
            found.setdefault(table.name, set()).add(field_name(attributes.name))
    return {name: tuple(sorted(groups)) for name, groups in found.items()}


_ITEM_KINDS = {
    OperationKind.GET,
    OperationKind.REPLACE,
    OperationKind.UPDATE,
    OperationKind.DELETE,
}


def _key_links(
    operations: tuple[OperationPlan, ...], classes: dict[str, ClassPlan]
) -> dict[tuple[str, str, str], dict[str, dict[str, str]]]:
    """By create (path, method, status): the links to each operation naming one of its rows
    by a key the create answers where schemathesis would not look for it (a JSON:API
    resource's `attributes.token` for `{token}`), as {operationId: {parameter: expression}}.
    Schemathesis takes the created row's `id` otherwise, or a field named as the parameter."""
    links: dict[tuple[str, str, str], dict[str, dict[str, str]]] = {}
    creates = [op for op in operations if op.kind is OperationKind.CREATE and op.table]
    for create in creates:
        for target in operations:
            if (
                target.kind not in _ITEM_KINDS
                or target.table != create.table
                or target.key is None
                or target.parents
            ):
                continue
            param = next(p for p in target.params if p.name == target.key[0])
            pointer = _answered_at(create, target.key[1], classes)
            if pointer is None or pointer in (("id",), (param.wire,)) or param.location != "path":
                continue
            where = (create.path, create.method, str(create.status))
            expression = "$response.body#/" + "/".join(pointer)
            links.setdefault(where, {})[target.operation_id] = {param.wire: expression}
    return links


def _answered_at(
    op: OperationPlan, attr: str, classes: dict[str, ClassPlan]
) -> tuple[str, ...] | None:
    """The wire path to the field answering column `attr` of the row `op` answers: under
    its wrapper (`data`), in a group of the row's own columns (`attributes`), or at the top."""
    row = classes.get(op.item_class or "")
    if row is None:
        return None
    outer = (op.response_wrapper.wire,) if op.response_wrapper else ()
    groups = op.table.groups if op.table else ()
    for field_plan in row.fields:
        if field_plan.name == attr:
            return (*outer, field_plan.wire)
        annotation = field_plan.annotation
        inner = None
        if field_plan.name in groups and isinstance(annotation, ClassRef):
            inner = classes.get(annotation.name)
        found = next((f.wire for f in inner.fields if f.name == attr), None) if inner else None
        if found is not None:
            return (*outer, field_plan.wire, found)
    return None


def _chosen_by_service(
    operations: tuple[OperationPlan, ...], service: ServiceModel
) -> dict[str, tuple[str, ...]]:
    """By operation, the query parameters whose values the service names, not the spec: a
    cursor it issued, a sort by a column where the spec lists no values."""
    spec = {op.operation_id: op for op in service.in_scope_operations}
    chosen: dict[str, tuple[str, ...]] = {}
    for op in operations:
        names = [op.listing.cursor_wire] if op.listing.cursor_wire else []
        model = spec[op.operation_id]
        if op.listing.sort and model.sort_params:
            sort = next(p for p in model.parameters if p.name == model.sort_params[0])
            if service.api.resolve(sort.schema_).enum is None:
                names.append(sort.name)
        if names:
            chosen[f"{op.method.upper()} {op.path}"] = tuple(names)
    return chosen


def _cascades(
    operations: tuple[OperationPlan, ...], tables: dict[str, TablePlan]
) -> dict[str, tuple[str, ...]]:
    """By the label of each operation on one row: the deletes (labels) of the rows it refers
    to, through each ON DELETE CASCADE step, which take it along."""
    deletes: dict[str, set[str]] = {}
    for op in operations:
        if op.kind is OperationKind.DELETE and op.table is not None:
            deletes.setdefault(op.table.name, set()).add(f"{op.method.upper()} {op.path}")

    def taken_by(table: str, seen: frozenset[str]) -> set[str]:
        found: set[str] = set()
        for key in tables[table].foreign_keys:
            if key.ondelete == "CASCADE" and key.target_table not in seen:
                found |= deletes.get(key.target_table, set())
                found |= taken_by(key.target_table, seen | {key.target_table})
        return found

    return {
        f"{op.method.upper()} {op.path}": tuple(sorted(labels))
        for op in operations
        if op.key and op.table is not None and (labels := taken_by(op.table.name, frozenset()))
    }


def _free_text(schema: Schema, api: ApiModel) -> bool:
    """Whether any text (or list of texts) is a valid value of `schema`: then a value of
    another type, sent in a query string, arrives as a valid text."""
    schema = api.resolve(schema)
    if schema.items is not None:
        schema = api.resolve(schema.items)
    return (
        schema.primary_type is SchemaType.STRING
        and not (schema.enum or schema.pattern or schema.format or schema.min_length)
        and schema.max_length is None
    )


def _row_classes(api: ModuleApi) -> set[str]:
    """The classes `api`'s operations take and answer as one row of its table."""
    names = {op.item_class for op in api.operations if op.item_class}
    for op in api.operations:
        body = op.body.class_name
        if body is not None:
            names.add(body)
        wrapper = next(
            (
                f
                for c in api.classes
                if c.name == body
                for f in c.fields
                if f.name == op.body.wrapper
            ),
            None,
        )
        if wrapper is not None and wrapper.annotation.class_name is not None:
            names.add(wrapper.annotation.class_name)
    return names


def _known_rules(service: ServiceModel) -> dict[str, ColumnRule]:
    """By `table.column`, what the tests' rows must keep beside their classes' fields: a
    path parameter's pattern and lengths (a row's key must be one its path takes), and a
    JSON column's value as the spec's answers shape it (a list of texts for `photoUrls:
    {type: array}`)."""
    found: dict[str, ColumnRule] = {}
    for op in service.in_scope_operations:
        table = service.design.table(op.table) if op.table else None
        if table is None:
            continue
        parameters = {p.name: p for p in op.parameters}
        for binding in op.path_bindings:
            schema = service.api.resolve(parameters[binding.param].schema_)
            rule = schema_rule(schema)
            if schema.primary_type is SchemaType.STRING and rule != ColumnRule():
                key = f"{table.name}.{binding.column}"
                found[key] = found.get(key, ColumnRule()).joined(rule)
        row = response_row(op, table, service.api)
        if row is None or op.kind is OperationKind.CUSTOM:
            continue
        for prop in row_properties(row, service.api):
            column = property_column(prop.name, table)
            key = f"{table.name}.{column.name}" if column else ""
            if column is None or column.type is not ColumnType.JSON or key in found:
                continue
            try:
                found[key] = ColumnRule(example=example(prop.schema_, service.api))
            except NoExampleError:
                continue
    return found


_METHODS = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}


_T = TypeVar("_T")


def route_order(
    waiting: list[_T], routes: Callable[[_T], Sequence[OperationPlan]]
) -> tuple[_T, ...]:
    """`waiting` (routers, or a router's operations) in the order they are to be routed: one
    serving a path with a literal segment (`/pet/findByStatus`) before one whose parameter
    would take that segment (`/pet/{petId}`), since the first route that matches answers.
    Otherwise (and in a cycle) the planned order stays."""

    def before(first: _T, then: _T) -> bool:
        return any(
            fits(mine.path, theirs.path) and not fits(theirs.path, mine.path)
            for mine in routes(first)
            for theirs in routes(then)
        )

    ordered: list[_T] = []
    while waiting:
        ready = [a for a in waiting if not any(before(b, a) for b in waiting if b is not a)]
        chosen = ready[0] if ready else waiting[0]
        ordered.append(chosen)
        waiting.remove(chosen)
    return tuple(ordered)


def checks_with_public_keys(service: ServiceModel) -> bool:
    """Whether tokens are signed with a private key (RS*, ES*, EdDSA), not a shared secret."""
    return not service.auth.jwt.algorithms[0].startswith("HS")


def reads_tokens(apis: Sequence[ModuleApi]) -> bool:
    """Whether some operation reads a bearer token (one that asks for it, or a public one on
    an owned table): the service then needs the key to check it with."""
    return any(
        any(access.bearer for access in op.access) or (op.public and api.owner)
        for api in apis
        for op in api.operations
    )


def _package(table: str, taken: set[str]) -> str:
    name = identifier(table).rstrip("_").lstrip("_") or "rows"
    if name in RESERVED_PACKAGES:
        name += "_domain"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate


@dataclass(frozen=True)
class _PlannedApi:
    service: ServiceModel  # its schemas held to their columns (see plan.wire)
    tables: dict[str, TablePlan]
    packages: dict[str, str]  # table -> its domain package
    operations: tuple[OperationPlan, ...]
    planner: SchemaPlanner
    # (name, its name here) where the project uses a design's or spec's name itself
    renamed: tuple[tuple[str, str], ...]


def _plan_api(service: ServiceModel) -> _PlannedApi:
    """The tables, domains and operations: what `plan_project` builds everything else on,
    and what `stubs` asks."""
    held = hold_to_columns(service)
    service = held.service
    taken: set[str] = set()
    classes: set[str] = set()
    renamed: dict[str, str] = {}  # a design or spec name the project uses itself -> its new one
    tables: dict[str, TablePlan] = {}
    packages: dict[str, str] = {}
    made = made_keys(service)
    for table in service.design.tables:
        packages[table.name] = _package(table.name, taken)
        orm_class = taken_name(model_class(table.name), classes, "Model", renamed)
        tables[table.name] = plan_table(
            table,
            f"app.{packages[table.name]}.models",
            orm_class,
            {column: form for (name, column), form in made.items() if name == table.name},
        )
    for name, relationships in plan_relationships(service.design, tables).items():
        tables[name] = dataclasses.replace(tables[name], relationships=relationships)
    for name, synonyms in _synonyms(service, tables).items():
        tables[name] = dataclasses.replace(tables[name], synonyms=synonyms)
    for name, groups in _groups(service, tables).items():
        tables[name] = dataclasses.replace(tables[name], groups=groups)
    operations, planner = plan_operations(service, tables, packages, held.refused)
    return _PlannedApi(
        service,
        tables,
        packages,
        operations,
        planner,
        (*renamed.items(), *planner.renamed.items()),
    )


def stubs(service: ServiceModel) -> tuple[OperationPlan, ...]:
    """The in-scope operations `from-handoff` leaves to hand-written code (501 until then),
    each with why (`why_custom`): planned exactly as the project plans them, for `check`."""
    return tuple(op for op in _plan_api(service).operations if op.kind is OperationKind.CUSTOM)


def shadowed_paths(operations: Iterable[OperationPlan]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(path, methods refused) of each literal path (`/pet/findByStatus`) that a path
    with a parameter in its place (`/pet/{petId}`) would also take: the methods only
    that other path has must answer 405 on it, not 422 for a parameter's bad value, and
    so must the rest (app/core/refused.py)."""
    methods: dict[str, set[str]] = {}
    for op in operations:
        methods.setdefault(op.path, set()).add(op.method.upper())
    found = []
    for path, own in methods.items():
        if "{" in path:
            continue
        others = {
            method
            for template, theirs in methods.items()
            if "{" in template and fits(path, template)
            for method in theirs
        } - own
        if others:
            refused = _METHODS - own - ({"HEAD"} if "GET" in own else set())
            found.append((path, tuple(sorted(refused))))
    return tuple(found)


def plan_project(
    service: ServiceModel,
    rfis: tuple[Rfi, ...] = (),
    history: History | None = None,
    today: datetime.date | None = None,
    *,
    open_rfis_accepted: bool = False,
) -> ProjectPlan:
    """The whole project. `history`: what earlier runs left in the output (plan.history):
    the revisions they wrote, kept as they are with what is new after them, and the API they
    served, compared with this one; `today` dates a notice about an API that changed;
    `open_rfis_accepted`: error RFIs without an answer were let through (--accept-open-rfis)."""
    planned = _plan_api(service)
    service, tables, packages = planned.service, planned.tables, planned.packages
    operations, planner = planned.operations, planned.planner
    domains = [
        DomainPlan(package=packages[t.name], table=tables[t.name]) for t in service.design.tables
    ]
    idempotent = any(op.idempotent for op in operations)
    migrations = plan_migrations(service, tables, idempotent, history or History())
    apis = tuple(
        dataclasses.replace(api, guards=_guards(api, service, tables, packages))
        for api in _module_apis(service, domains, operations, planner.modules())
    )

    schemes = {s.name: s for s in service.api.security_schemes}
    api_keys = api_key_schemes(service.in_scope_operations, schemes)
    revisions, idempotency, rate_limits = (
        migrations.steps,
        migrations.idempotency,
        migrations.rate_limits,
    )
    files: list[PlannedFile] = []

    def add(
        path: str,
        template: str | None = None,
        owner: FileOwner = FileOwner.GENERATED,
        **context: object,
    ) -> None:
        files.append(
            PlannedFile(path=path, template=template or path + ".j2", owner=owner, context=context)
        )

    def copy(path: str) -> None:
        """A runtime module: real Python in the generator, copied as it is."""
        files.append(PlannedFile(path=path, template=path, owner=FileOwner.GENERATED, context={}))

    add("pyproject.toml")
    add("GENERATION.md")
    add("SPRINT.md")
    add("README.md")
    add(".env.example")
    add("Dockerfile")
    add(".dockerignore")
    add("alembic.ini")
    add("migrations/env.py")
    add("migrations/script.py.mako")
    for entry in migrations.log:
        path = f"migrations/versions/{entry.file_stem}.py"
        if entry.revision in migrations.written:
            files.append(
                PlannedFile(
                    path, path, FileOwner.MIGRATION, text=migrations.written[entry.revision]
                )
            )
        elif migrations.change and entry.revision == migrations.change.revision:
            add(
                path,
                "migrations/versions/change.py.j2",
                FileOwner.MIGRATION,
                change=migrations.change,
            )
        elif idempotency and entry.revision == idempotency.revision:
            add(path, "migrations/versions/idempotency_keys.py.j2", FileOwner.MIGRATION)
        elif entry.revision == rate_limits.revision:
            add(path, "migrations/versions/rate_limits.py.j2", FileOwner.MIGRATION)
        else:
            revision = next(r for r in revisions if r.revision == entry.revision)
            add(path, "migrations/versions/revision.py.j2", FileOwner.MIGRATION, revision=revision)
    add("app/__init__.py")
    add("app/main.py")
    add("app/models.py")
    add("scripts/__init__.py")
    add("scripts/dev_token.py")
    add("app/core/__init__.py")
    add("app/core/config.py")
    copy("app/core/db.py")
    if column_helpers(domains):
        add("app/core/columns.py")
    add("app/core/security.py")
    copy("app/core/principal.py")
    if scopes_rows(apis):
        copy("app/core/owners.py")
    copy("app/core/repository.py")
    if any(op.key_lookup for op in operations):
        copy("app/core/lookups.py")
    if any(
        f.op is FilterOp.CONTAINS and api.table.column_by_attr(attr).sa_type == "sa.JSON()"
        for api in apis
        if api.table
        for op in api.operations
        for f in op.listing.filters
        for attr in f.attrs
    ):
        copy("app/core/json_items.py")  # a list filters a JSON array by an item it holds
    if wire_formats(apis, operations) or any(c.not_null for a in apis for c in a.classes):
        add("app/core/formats.py")
    for module in ("problem", "errors", "body_size", "openapi", "responses", "schema"):
        copy(f"app/core/{module}.py")
    if shadowed_paths(operations):
        copy("app/core/refused.py")
    if checks_with_public_keys(service):
        copy("app/core/jwks.py")
    integrations = tuple(client_names(service)[0])
    if integrations:
        copy("app/core/integration.py")
        add("app/integrations/__init__.py")
        for names in integrations:
            add(f"app/integrations/{names.module}.py", "app/integrations/client.py.j2", names=names)
    if service.error_shape:
        add("app/core/error_shape.py")
    else:
        copy("app/core/error_shape.py")
    if any(op.body.media_types for op in operations):
        copy("app/core/media.py")
    if any(
        op.kind is OperationKind.LIST and (op.listing.cursor or op.listing.needs_page)
        for op in operations
    ):
        copy("app/core/pagination.py")  # page links and numbers, cursors
    if idempotency is not None:
        copy("app/core/idempotency.py")
    copy("app/core/rate_limit.py")
    copy("app/core/health.py")
    add("app/core/names.py")
    for domain in domains:
        add(f"app/{domain.package}/__init__.py", "app/domain/__init__.py.j2", domain=domain)
        add(f"app/{domain.package}/models.py", "app/domain/models.py.j2", domain=domain)
    for api in apis:
        base = f"app/{api.module}"
        if api.module == COMMON:
            add(f"{base}/__init__.py", "app/common/__init__.py.j2")
        if api.classes:
            add(f"{base}/schemas.py", "app/domain/schemas.py.j2", api=api)
        if api.operations:
            add(f"{base}/service.py", "app/domain/service.py.j2", api=api)
            add(f"{base}/rules.py", "app/domain/rules.py.j2", FileOwner.USER, api=api)
            add(f"{base}/router.py", "app/domain/router.py.j2", api=api)
    add("tests/__init__.py")
    add("tests/conftest.py")
    enum_values = enum_values_of(tables)
    # the rules of each table's columns: its CHECKs, its domain's fields and those of the
    # shared classes its operations take or answer as rows (another table's `id` is no rule)
    shared = {c.name: c for api in apis if api.module == COMMON for c in api.classes}
    rules = column_rules(
        [
            (api.table, api.classes + tuple(shared[n] for n in _row_classes(api) if n in shared))
            for api in apis
            if api.table
        ],
        _known_rules(service),
    )
    factories = plan_factories(tables, enum_values, packages, rules)
    add("tests/factories.py", factories=factories)
    specs = {op.operation_id: op for op in service.operations}
    factory_of = {d.package: factory_name(d.table) for d in domains}
    classes = {c.name: c for api in apis for c in api.classes}
    # what the inspection probes reuse: each operation's request, and its statement count
    sources: dict[str, ProbeSource] = {}
    tested: list[str] = []  # the domains whose API tests call their operations
    # what their tests need of tests/operations.py: list walks, Idempotency-Key retries,
    # statement counts
    helpers: set[str] = set()
    counts: dict[str, StatementCount] = {}
    for api in apis:
        if not api.operations:
            continue
        service_tests, trips, statement_counts = plan_row_tests(
            api.operations,
            api.table,
            module=api.module,
            service_class=api.service_class,
            api_model=service.api,
            specs=specs,
            tables=tables,
            factories=factories,
            classes=classes,
            bypass_roles=api.bypass_roles if api.owner else None,
            principal_roles=tuple(
                sorted({r for o in service.auth.ownership for r in o.bypass_roles})
            ),
            unreachable=frozenset(
                function
                for function, gs in api.guards
                if any(g.owner and not g.bypass_roles for g in gs)
            ),
            owned_parents={
                function: parent
                for function, _ in api.guards
                if (parent := api.owned_parent_of(function)) is not None
            },
            owner=api.owner.attr if api.owner else None,
        )

        tests = request_tests(api, service, specs, tables, packages, classes)
        if not tests:
            continue
        sources |= {
            t.op.operation_id: ProbeSource(api.module, api.service_class, t, api.sees_every_row)
            for t in tests
        }
        counts |= {count.function: count for count in statement_counts}
        tested.append(api.module)
        helpers |= {"walks"} if any(trip.listings for trip in trips) else set()
        helpers |= {"retries"} if any(t.op.idempotent for t in tests) else set()
        helpers |= {"counts"} if statement_counts else set()
        add(f"tests/{api.module}/__init__.py", "tests/__init__.py.j2")
        blocked = blocked_deletes(api, tests, tables, packages)
        add(
            f"tests/{api.module}/test_api.py",
            "tests/domain/test_api.py.j2",
            api=api,
            tests=tests,
            factory_of=factory_of,
            factories=sorted(
                {factory for t in tests for _, factory in t.setup}
                | {factory for trip in trips for _, factory in trip.rows}
                | {count.factory for count in statement_counts}
                | {b.factory for b in blocked}
            ),
            trips=trips,
            statement_counts=statement_counts,
            blocked_deletes=blocked,
        )
        if service_tests is not None:
            add(
                f"tests/{api.module}/test_service.py",
                "tests/domain/test_service.py.j2",
                suite=service_tests,
            )
    if tested:
        add(
            "tests/operations.py",
            walks="walks" in helpers,
            retries="retries" in helpers,
            counts="counts" in helpers,
        )
        add("tests/test_operations.py", modules=tested)
    add("tests/test_config.py")
    add("tests/test_health.py")
    owned = next((a for a in apis if a.owner and a.table and a.table.mapper_key), None)
    if owned is not None and owned.owner is not None and owned.table is not None:
        add(
            "tests/test_row_level_security.py",
            rls=RlsProbe(
                table=owned.table.name,
                key=owned.table.mapper_key[0],
                key_column=next(
                    c.name for c in owned.table.columns if c.attr == owned.table.mapper_key[0]
                ),
                owner=owned.owner.attr,
                factory=factory_name(owned.table),
                bypass_roles=owned.bypass_roles,
            ),
        )
    targets = auth_targets(operations)
    keyed = key_targets(operations)
    if targets or keyed:
        pinned = service.auth.jwt.algorithms
        add(
            "tests/test_auth.py",
            targets=targets,
            key_targets=keyed,
            unpinned=next(a for a in ("HS256", "HS384", "HS512") if a not in pinned),
        )
        if targets and not pinned[0].startswith("HS") and targets[0].method == "get":
            add("tests/test_jwks.py", target=targets[0])
    add("tests/test_migrations.py")
    add("tests/test_schema.py")
    add("tests/schema_design.json", design=_schema_design(service, tables))
    failing, json_target = fault_targets(apis, service.api)
    add(
        "tests/test_errors.py",
        failing=failing,
        json_target=json_target,
        paths=path_methods(operations),
    )
    if idempotency is not None:
        add("tests/test_idempotency.py")
    if integrations:
        add("tests/test_integrations.py")
    add(
        "tests/test_rate_limit.py",
        protected=targets[0] if targets else None,
        public=next(
            (
                (op.method, placeholder_url(op.path))
                for op in operations
                if op.public and not op.body.media_types
            ),
            None,
        ),
    )
    add("tests/contract/__init__.py", "tests/__init__.py.j2")
    add(
        "tests/contract/test_schemathesis.py",
        chosen=_chosen_by_service(operations, service),
        key_links=_key_links(operations, classes),
        cascades=_cascades(operations, tables),
        free_text=sorted(
            f"{op.method.upper()} {op.path}"
            for op in service.in_scope_operations
            if any(
                _free_text(p.schema_, service.api)
                for p in op.parameters_in(ParameterLocation.QUERY)
            )
        ),
        narrow_keys=sorted(
            f"{op.method.upper()} {op.path}"
            for op in service.in_scope_operations
            if any(
                takes_few_keys(p.schema_, service.api)
                for p in op.parameters
                if any(b.is_key and b.param == p.name for b in op.path_bindings)
            )
        ),
    )
    seeds = plan_seeds(sources, specs, service.api, classes, tuple(tables.values()))
    probes = plan_probes(sources, counts, operations, classes, seeds)
    add(
        ".gen-backend/inspection_probes.py",
        "tests/inspection_probes.py.j2",
        probes=probes,
        makers=plan_row_makers(seeds, factories),
        services=sorted({(p.module, p.service_class) for p in probes}),
        json_target=json_target,
    )
    index = inspection_index(service, operations, probes)
    add(".gen-backend/inspection.json", index=index)
    contracts = [
        operation_contract(
            specs[op.operation_id],
            service.api,
            op.status,
            frozenset(p.wire for p in op.params if p.raw),
            op.links,
        )
        for op in operations
    ]
    add("tests/test_openapi.py")
    add("tests/openapi_contract.json", contracts=[dataclasses.asdict(c) for c in contracts])
    api_changes, notices = _api_since(history or History(), contracts, index, today)
    stubbed = [op for op in operations if op.kind is OperationKind.CUSTOM]
    add(".gen-backend/revisions.json", record=revision_record(service, migrations.log, notices))
    return ProjectPlan(
        service=service,
        domains=tuple(domains),
        migrations=migrations,
        apis=apis,
        files=tuple(files),
        api_changes=tuple(api_changes),
        notices=notices,
        open_rfis_accepted=open_rfis_accepted,
        sprint=plan_sprint(service, stubbed),
        rfis=rfis,
        api_keys=api_keys,
        bearer_scheme=bearer_scheme_name(schemes),
        health=plan_health({op.path for op in service.operations}),
        renamed=tuple(sorted(planned.renamed)),
        error_class=_error_class(service, planner),
        integrations=integrations,
    )


def _api_since(
    history: History,
    contracts: Sequence[OperationContract],
    index: JsonValue,
    today: datetime.date | None,
) -> tuple[list[ApiChange], tuple[Notice, ...]]:
    """What changed in the API since the run `history` tells of, and the notices so far: a
    change is told in a notice dated `today`, one per day."""
    if history.contract is None:
        return [], history.notices
    served = json.loads(json.dumps([dataclasses.asdict(c) for c in contracts]))
    changes = api_changes(history.contract, served, (access_of(history.index), access_of(index)))
    if not changes:
        return changes, history.notices
    day = (today or datetime.date.today()).isoformat()
    breaking = sum(c.breaking for c in changes)
    notice = Notice(day, breaking, len(changes) - breaking)
    return changes, (*(n for n in history.notices if n.date != day), notice)


def wire_formats(apis: Sequence[ModuleApi], operations: Sequence[OperationPlan]) -> frozenset[str]:
    """The wire formats of app/core/formats.py that the annotations of `apis`' classes and of
    `operations` use."""
    annotations = [f.annotation for api in apis for c in api.classes for f in c.fields]
    annotations += [c.root for api in apis for c in api.classes if c.root]
    for op in operations:
        annotations += [p.annotation for p in op.params]
        annotations += [t for t in (op.body.type, op.response) if t is not None]
    return frozenset().union(*(a.formats for a in annotations))


def _module_apis(
    service: ServiceModel,
    domains: list[DomainPlan],
    operations: tuple[OperationPlan, ...],
    classes: dict[str, list[ClassPlan]],
) -> tuple[ModuleApi, ...]:
    module_of = {c.name: module for module, own in classes.items() for c in own}
    tables = {d.package: d.table for d in domains}
    modules = list(dict.fromkeys([*classes, *(op.module for op in operations)]))
    apis = []
    for module in sorted(modules, key=lambda m: (m == COMMON, m)):
        own = tuple(classes.get(module, []))
        ops = tuple(op for op in operations if op.module == module)
        used: set[str] = set()
        for op in ops:
            types = (op.body.type, op.response, *(p.annotation for p in op.params))
            used |= {name for t in types if t is not None for name in t.classes}
            used |= {name for name in (op.listing.envelope_class, op.item_class) if name}
        for cls in own:
            for field_plan in cls.fields:
                used |= field_plan.annotation.classes
            used |= cls.root.classes if cls.root else set()
        own_names = {c.name for c in own}
        table = tables.get(module)
        ownership = service.auth.ownership_of(table.name) if table else None
        apis.append(
            ModuleApi(
                module=module,
                table=table,
                classes=own,
                operations=ops,
                schema_imports=tuple(sorted(n for n in used if n in own_names)),
                imports=_imports_of(module, used, module_of),
                bypass_roles=ownership.bypass_roles if ownership else (),
                owner=table.column(ownership.owner_column)
                if table
                and ownership
                and any(c.name == ownership.owner_column for c in table.columns)
                else None,
            )
        )
    return tuple(apis)


def column_helpers(domains: Sequence[DomainPlan]) -> frozenset[str]:
    """What the models need of `app/core/columns.py`, the column types and defaults beyond
    `app/core/db.py`'s: `UtcNaiveDateTime`, `TextBytes`, `uuid_text`, `text_key`."""
    named = {c.model_type.removesuffix("()") for d in domains for c in d.table.columns}
    named |= {(c.python_default or "").split("(")[0] for d in domains for c in d.table.columns}
    return frozenset(named & {"UtcNaiveDateTime", "TextBytes", "uuid_text", "text_key"})


def scopes_rows(apis: Sequence[ModuleApi]) -> bool:
    """Whether a service keeps a caller to the rows it owns (app/core/owners.py): it serves
    an owned table, or rows under an owned parent."""
    return any(
        api.operations and (api.owner or any(g.owner for _, guards in api.guards for g in guards))
        for api in apis
    )


def _imports_of(
    module: str, used: set[str], module_of: dict[str, str]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The classes `module` uses from other schema modules, by module."""
    found: dict[str, list[str]] = {}
    for name in sorted(used):
        if (other := module_of.get(name, module)) != module:
            found.setdefault(other, []).append(name)
    return tuple((other, tuple(found[other])) for other in sorted(found))


def _guards(
    api: ModuleApi, service: ServiceModel, tables: dict[str, TablePlan], packages: dict[str, str]
) -> tuple[tuple[str, tuple[ParentGuard, ...]], ...]:
    """The parent guards of `api`'s operations: for each create, its owned parent rows; for
    each list, every parent row in its path (owned ones must be the caller's)."""
    if api.table is None:
        return ()
    found = []
    for op in api.operations:
        if op.kind not in (OperationKind.CREATE, OperationKind.LIST):
            continue
        guards = []
        for param, attr in op.parents:
            column = next(c for c in api.table.columns if c.attr == attr)
            key = next((k for k in api.table.foreign_keys if k.columns == (column.name,)), None)
            if key is None or key.target_table not in tables:
                continue
            ownership = service.auth.ownership_of(key.target_table)
            parent = tables[key.target_table]
            owner = (
                next((c for c in parent.columns if c.name == ownership.owner_column), None)
                if ownership
                else None
            )
            if op.kind is OperationKind.CREATE and owner is None:
                continue  # a create under a missing parent fails on its foreign key (409)
            guards.append(
                ParentGuard(
                    param=param,
                    child_attr=attr,
                    module=packages[key.target_table],
                    class_name=parent.class_name,
                    key=parent.column(key.target_columns[0]).attr,
                    owner=owner.attr if owner else None,
                    owner_type=owner.py_type if owner else "str",
                    bypass_roles=ownership.bypass_roles if ownership and owner else (),
                )
            )
        if guards:
            found.append((op.function, tuple(guards)))
    return tuple(found)
