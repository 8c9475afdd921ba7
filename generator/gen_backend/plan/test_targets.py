"""What the project-wide generated tests aim at: each domain's request tests, the protected
routes the token attacks call (by bearer token and by API key), the deletes a reference
blocks, the routes the fault tests break, the owned table row-level security is probed on,
and the methods each path serves."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from gen_backend.model import (
    ApiModel,
    Operation,
    OperationKind,
    Schema,
    SchemaType,
    ServiceModel,
)
from gen_backend.plan.api import OperationPlan
from gen_backend.plan.database import TablePlan
from gen_backend.plan.examples import pattern_example
from gen_backend.plan.schemas import ClassPlan
from gen_backend.plan.tests import ABSENT_UUID, OwnedParent, TestPlan, factory_name, plan_tests

if TYPE_CHECKING:
    from gen_backend.plan.project import ModuleApi


@dataclass(frozen=True)
class AuthTarget:
    """The protected route the token-attack tests call (a GET where there is one)."""

    method: str
    path: str
    url: str  # the path with every parameter filled with a placeholder
    permissions: tuple[str, ...]
    refuses_keys: bool = False  # every way in needs a bearer token: an API key alone is refused


def placeholder_url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", ABSENT_UUID, path)


def auth_targets(operations: tuple[OperationPlan, ...]) -> tuple[AuthTarget, ...]:
    """Every operation a bearer token alone lets in, GETs first (the key-set tests call the
    first one), with the permissions that token needs."""
    protected = sorted(
        (op for op in operations if op.bearer_callable and not op.public),
        key=lambda op: op.method != "get",
    )
    return tuple(
        AuthTarget(
            method=op.method,
            path=op.path,
            url=placeholder_url(op.path),
            permissions=op.permissions,
            refuses_keys=bool(op.access) and all(a.bearer for a in op.access),
        )
        for op in protected
    )


@dataclass(frozen=True)
class KeyTarget:
    """A protected route an API key alone lets in, for the API key tests."""

    method: str
    url: str  # the path with every parameter filled with a placeholder
    scheme: str  # the API key scheme
    permissions: tuple[str, ...]


def key_targets(operations: tuple[OperationPlan, ...]) -> tuple[KeyTarget, ...]:
    """Every operation an API key alone lets in, with the first such key's permissions."""
    found = []
    for op in operations:
        access = next((a for a in op.access if not a.bearer and len(a.api_keys) == 1), None)
        if access is not None:
            found.append(
                KeyTarget(
                    op.method, placeholder_url(op.path), access.api_keys[0], access.permissions
                )
            )
    return tuple(found)


@dataclass(frozen=True)
class RlsProbe:
    """The owned table the row-level security test probes."""

    table: str
    key: str  # its key attribute
    key_column: str  # ... and that key's column
    owner: str  # its owner attribute
    factory: str  # the test factory that makes its rows
    bypass_roles: tuple[str, ...] = ()  # the roles that see all its rows


@dataclass(frozen=True)
class BlockedDelete:
    """A delete of a row that a row of another table still refers to, by a foreign key that
    neither cascades nor clears: the database refuses it, and the answer must be a 409."""

    test: TestPlan
    factory: str  # makes the referring row, and the row it refers to first
    url: str  # the delete's URL as an f-string over `child`, the referring row
    # on an owned table: the row to delete, read back so that its owner can be the caller
    lookup: OwnedParent | None = None


def blocked_deletes(
    api: ModuleApi,
    tests: tuple[TestPlan, ...],
    tables: dict[str, TablePlan],
    packages: dict[str, str],
) -> tuple[BlockedDelete, ...]:
    """One blocked delete per generated delete of a row selected by its key alone, where
    another table's factory makes a referring row (on an owned table, the caller is the
    owner of the row it deletes)."""
    table = api.table
    if table is None:
        return ()
    found = []
    for test in tests:
        op = test.op
        path = [p for p in op.params if p.location == "path"]
        if op.kind is not OperationKind.DELETE or test.expected == 501 or op.key is None:
            continue
        if len(path) != 1 or path[0].name != op.key[0]:
            continue
        for child in tables.values():
            blocker = next(
                (
                    child.column(fk.columns[0])
                    for fk in child.foreign_keys
                    if fk.target_table == table.name
                    and len(fk.columns) == 1
                    and table.column(fk.target_columns[0]).attr == op.key[1]
                    and (fk.ondelete or "").upper() not in ("CASCADE", "SET NULL")
                    and not child.column(fk.columns[0]).nullable
                ),
                None,
            )
            if blocker is not None and child.name != table.name and child.name in packages:
                url = op.path.replace("{" + path[0].wire + "}", "{child." + blocker.attr + "}")
                lookup = (
                    OwnedParent(
                        blocker.attr, api.owner.attr, api.module, table.class_name, op.key[1]
                    )
                    if api.owner is not None
                    else None
                )
                found.append(
                    BlockedDelete(test, factory_name(tables[child.name]), f'f"{url}"', lookup)
                )
                break
    return tuple(found)


def request_tests(
    api: ModuleApi,
    service: ServiceModel,
    specs: dict[str, Operation],
    tables: dict[str, TablePlan],
    packages: dict[str, str],
    classes: dict[str, ClassPlan],
) -> tuple[TestPlan, ...]:
    """The request each operation's tests send; an idempotent operation's retry tests each
    create a row, so they get requests of their own (other unique values), as does the
    owner test of a create whose request fills a unique key."""

    def request(op: OperationPlan, variant: int) -> TestPlan | None:
        guards = api.guards_of(op.function)
        return plan_tests(
            op,
            specs[op.operation_id],
            service.api,
            variant,
            tables,
            packages,
            owner=api.owner,
            owned_parent=api.owned_parent_of(op.function),
            classes=classes,
            list_parents=tuple(g.child_attr for g in guards)
            if op.kind is OperationKind.LIST
            else (),
            bypass_role=api.bypass_role_of(op.function),
        )

    tests = []
    for number, op in enumerate(api.operations):
        test = request(op, 100 + 7 * number)
        if test is None:
            continue
        if op.idempotent:
            retries = (request(op, base + 7 * number) for base in (3000, 5000))
            test = dataclasses.replace(test, retries=tuple(r for r in retries if r is not None))
        if test.repeats_a_unique_key and test.owner_field:
            # the test that a body naming another owner is ignored makes a row as well
            test = dataclasses.replace(test, second=request(op, 7000 + 7 * number))
        if test.repeats_a_unique_key:  # so does the test of a create sent twice
            test = dataclasses.replace(test, repeated=request(op, 9000 + 7 * number))
        tests.append(test)
    return tuple(tests)


@dataclass(frozen=True)
class FaultTarget:
    """An operation the error tests call: made to fail inside its service, or sent a body
    that is not JSON or too large."""

    op: OperationPlan
    module: str
    service_class: str
    url: str  # the path with every parameter filled with a placeholder


def fault_targets(
    apis: tuple[ModuleApi, ...], spec: ApiModel
) -> tuple[FaultTarget | None, FaultTarget | None]:
    """A GET whose service the tests make fail (500), and an operation with a JSON body;
    both reachable with a bearer token (or public) and a URL whose parameters each take."""
    parameters = {
        op.operation_id: {p.name: spec.resolve(p.schema_) for p in op.parameters}
        for op in spec.operations
    }

    def url(op: OperationPlan) -> str | None:
        """The path, each parameter a value it takes; None where one has none."""
        path = op.path
        for p in (p for p in op.params if p.location == "path"):
            schema = parameters[op.operation_id].get(p.wire)
            value = _placeholder(schema) if schema is not None and not p.raw else ABSENT_UUID
            if value is None:
                return None
            path = path.replace("{" + p.wire + "}", value)
        return path

    def reachable(op: OperationPlan, *, with_body: bool) -> bool:
        """Callable with a bearer token (or none) and the path, and a body where `with_body`;
        nothing else (a GET may take a body too)."""
        needs_nothing_else = not any(
            p.default is None for p in op.params if p.location in ("query", "header", "cookie")
        )
        takes_no_body = with_body or not op.body.media_types
        return needs_nothing_else and takes_no_body and op.bearer_callable

    found: dict[str, FaultTarget | None] = {"get": None, "json": None}
    for api in apis:
        for op in api.operations:
            filled = url(op)
            if filled is None:
                continue
            target = FaultTarget(op, api.module, api.service_class, filled)
            if found["get"] is None and op.method == "get" and reachable(op, with_body=False):
                found["get"] = target
            if (
                found["json"] is None
                and op.body.type
                and op.body.media == "json"
                and reachable(op, with_body=True)
            ):
                found["json"] = target
    return found["get"], found["json"]


def _placeholder(schema: Schema) -> str | None:
    """A path value `schema` takes, of no row: a UUID where text of any form is taken, an
    expansion of its pattern, else None (numbers and bounded text are left alone)."""
    if schema.primary_type is not SchemaType.STRING or schema.enum:
        return None
    if schema.pattern:
        return quote(pattern_example(schema.pattern, variant=7919), safe="")
    if schema.format not in (None, "uuid") or (schema.max_length or 36) < len(ABSENT_UUID):
        return None
    return ABSENT_UUID


def path_methods(operations: tuple[OperationPlan, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each path (parameters filled with placeholders) and the methods served there: a
    literal path's own (`/pet/findByStatus` refuses what `/pet/{petId}` alone serves, see
    `ProjectPlan.shadowed_paths`); a templated path's, and those of any other it matches."""
    urls: dict[str, set[str]] = {}
    for op in operations:
        urls.setdefault(placeholder_url(op.path), set())
    for url, methods in urls.items():
        literal = [op for op in operations if op.path == url]
        matching = literal or [op for op in operations if fits(url, op.path)]
        methods |= {op.method.upper() for op in matching}
    return tuple((url, tuple(sorted(methods))) for url, methods in urls.items())


def fits(path: str, template: str) -> bool:
    """Whether a route for `template` (`/pet/{petId}`) also matches `path` (`/pet/x`)."""
    pattern = re.sub(r"\\\{[^}/]+\\\}", "[^/]+", re.escape(template))
    return re.fullmatch(pattern, path) is not None
