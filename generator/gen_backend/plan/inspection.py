"""Planning the First Article Inspection: the in-scope operations in priority order (written to
`.gen-backend/inspection.json`, which `gen-backend inspect` reads), per operation the probes
`.gen-backend/inspection_probes.py` sends through the app, and per table how the app itself makes
the rows those probes need (its create operation), or why a test factory must (see
docs/inspection.md)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import JsonValue

from gen_backend.model import ApiModel, Operation, OperationKind, Schema, ServiceModel
from gen_backend.plan.api import OperationPlan
from gen_backend.plan.database import TablePlan
from gen_backend.plan.examples import distinct_examples
from gen_backend.plan.pytypes import Keyword, LiteralOf, PyType
from gen_backend.plan.schemas import FLOAT, INT, STR, ClassPlan
from gen_backend.plan.service_tests import StatementCount
from gen_backend.plan.tests import FactoryPlan, TestPlan

# the Python types a value of another JSON type (or a word) can never pass as
_SCALARS = (
    "int",
    "float",
    "bool",
    "uuid.UUID",
    "datetime.date",
    "datetime.datetime",
    "datetime.time",
    "decimal.Decimal",
)
NOT_VALID = "not-valid"  # what a query or path probe sends where a typed value belongs


@dataclass(frozen=True)
class InvalidInput:
    """One input of a valid request made invalid: a body field sent as an array, or a typed
    query or path parameter sent as `not-valid`. The answer must be a 422 naming it."""

    location: str  # body, query or path
    wire: str
    segment: int | None = None  # for a path parameter: its index among the path's segments

    @property
    def pointer(self) -> str:
        return f"/{self.location}/{self.wire}"

    @property
    def change(self) -> tuple[str, str, JsonValue, int | None]:
        """(location, wire name, value, path segment), as the probes take it."""
        value: JsonValue = [] if self.location == "body" else NOT_VALID
        return (self.location, self.wire, value, self.segment)


@dataclass(frozen=True)
class OutOfBounds:
    """One input of a valid request sent just beyond a bound the spec sets (`le=100`: 101;
    `maxLength: 13`: 14 characters). The answer must be a 422 naming it."""

    location: str  # body or query
    wire: str
    value: JsonValue

    @property
    def pointer(self) -> str:
        return f"/{self.location}/{self.wire}"

    @property
    def change(self) -> tuple[str, str, JsonValue, int | None]:
        """(location, wire name, value, path segment), as the probes take it."""
        return (self.location, self.wire, self.value, None)


SEEDED_ROWS = 25  # the rows a list's statement count makes: 1, then 24 more
# the values offered for each unique field of a seeded row, those the table holds left out
SEED_VALUES = 100


@dataclass(frozen=True)
class Seeding:
    """How rows of a table are made through the app itself: the valid request of the table's
    create operation (as its API tests build it, with the parents it needs), sent with every
    unique field given a value of its own; for a list's rows, built once (one parent) and
    sent again for each row."""

    create: OperationPlan
    module: str  # the domain package whose tests build the create's request
    # for each unique field: (the wire names leading to it in the body, its ORM attribute,
    # the values it may take; at the time, those the table holds are left out)
    varied: tuple[tuple[tuple[str, ...], str, tuple[JsonValue, ...]], ...]
    key: tuple[str, ...]  # the wire names leading to the new row's key in the create's answer
    key_type: str  # the Python type of that key (uuid.UUID, int or str)
    table: TablePlan
    parents: frozenset[str] = frozenset()  # the attributes its request sets to rows it makes


@dataclass(frozen=True)
class RowMaker:
    """How the probes make a row of one table wherever its test factory is called: through
    the app, by `seeding`, when its create sets every parent the factory would; else (`why`)
    by the factory."""

    factory: str
    table: TablePlan
    seeding: Seeding | None
    why: str | None


@dataclass(frozen=True)
class ProbePlan:
    """What the probes send to one operation (its request built as its API tests build it)."""

    op: OperationPlan
    module: str  # the domain package: its tests' request builder and its service class
    service_class: str
    test: TestPlan
    invalid: InvalidInput | None
    beyond: OutOfBounds | None
    count: StatementCount | None  # the list's or get's statement count, 1 row against 25
    roles: tuple[str, ...] = ()  # roles that see every row the count makes (owned tables)
    # how the count's rows are made: through the app's create, else (why not) by factories
    seeding: Seeding | None = None
    unseeded: str | None = None

    @property
    def route(self) -> tuple[str, str]:
        return (self.op.method.upper(), self.op.path)


@dataclass(frozen=True)
class ProbeSource:
    """Where an operation's probe comes from: its domain, and the request its tests send."""

    module: str
    service_class: str
    test: TestPlan
    roles: tuple[str, ...] = ()  # roles that see every row of the domain's operations


def plan_probes(
    sources: dict[str, ProbeSource],
    counts: dict[str, StatementCount],
    operations: tuple[OperationPlan, ...],
    classes: dict[str, ClassPlan],
    seeds: dict[str, Seeding | str],
) -> tuple[ProbePlan, ...]:
    """A probe per operation whose API tests build a valid request (`sources`, by operation
    id); `counts` are the statement counts, by function; `seeds` (by table) how the app
    makes rows (see `plan_seeds`)."""
    probes = []
    for op in operations:
        source = sources.get(op.operation_id)
        if source is None:
            continue
        count = counts.get(op.function)
        seeding = _list_seeding(op, seeds) if count and count.many else None
        probes.append(
            ProbePlan(
                op=op,
                module=source.module,
                service_class=source.service_class,
                test=source.test,
                invalid=_invalid_input(op, source.test, classes),
                beyond=_out_of_bounds(op, source.test, classes),
                count=count,
                roles=source.roles,
                seeding=seeding if isinstance(seeding, Seeding) else None,
                unseeded=seeding if isinstance(seeding, str) else None,
            )
        )
    return tuple(probes)


def plan_seeds(
    sources: dict[str, ProbeSource],
    specs: dict[str, Operation],
    api: ApiModel,
    classes: dict[str, ClassPlan],
    tables: tuple[TablePlan, ...],
) -> dict[str, Seeding | str]:
    """By table name: how the app makes its rows, or why it cannot."""
    return {t.name: _table_seed(t, sources, specs, api, classes) for t in tables}


def plan_row_makers(
    seeds: dict[str, Seeding | str], factories: tuple[FactoryPlan, ...]
) -> tuple[RowMaker, ...]:
    """For each test factory: whether the app makes its rows instead. Only where the create
    sets every parent the factory would (a row the factory makes under a parent, the app
    must make under one too, or a request that reads that parent would break)."""
    makers = []
    for factory in factories:
        seed = seeds.get(factory.table.name, "no create")
        if isinstance(seed, Seeding):
            unset = [c.attr for c in factory.columns if c.parent and c.attr not in seed.parents]
            if unset:
                seed = f"`{seed.create.operation_id}` does not set {', '.join(unset)}"
        makers.append(
            RowMaker(
                factory=factory.function,
                table=factory.table,
                seeding=seed if isinstance(seed, Seeding) else None,
                why=seed if isinstance(seed, str) else None,
            )
        )
    return tuple(makers)


def _list_seeding(op: OperationPlan, seeds: dict[str, Seeding | str]) -> Seeding | str:
    """How the app makes the rows a list is counted over: all under the parents the list is
    filtered by, so its create must set them."""
    if op.table is None:
        return "it reads no table"
    seed = seeds.get(op.table.name, f"no operation in scope creates rows of `{op.table.name}`")
    if isinstance(seed, str):
        return seed
    unset = [attr for _, attr in op.parents if attr not in seed.parents]
    if unset:
        return (
            f"`{seed.create.operation_id}` cannot make {SEEDED_ROWS} rows under one parent: "
            f"it does not set {', '.join(unset)}"
        )
    return seed


def _table_seed(
    table: TablePlan,
    sources: dict[str, ProbeSource],
    specs: dict[str, Operation],
    api: ApiModel,
    classes: dict[str, ClassPlan],
) -> Seeding | str:
    """How the app itself makes rows of `table`: by its create operation, every unique field
    different each time. Else why the test factories make them instead."""
    create = next(
        (
            s
            for s in sources.values()
            if s.test.op.kind is OperationKind.CREATE
            and s.test.op.table is not None
            and s.test.op.table.name == table.name
        ),
        None,
    )
    if create is None:
        return f"no operation in scope creates rows of `{table.name}`"
    new = create.test.op
    spec = specs[new.operation_id]
    why = f"`{new.operation_id}` cannot make the rows"
    if new.body.media not in ("json", "form", "multipart") or not (
        create.test.body is None or create.test.body.is_object
    ):
        return f"{why}: it takes no object (JSON, or a form's fields)"
    fields, schemas = _body_fields(new, spec, api, classes)
    attrs = dict(new.body.attrs)
    sent = {attrs[name]: path for name, path in fields.items() if name in attrs}
    by_wire = {path[-1]: attr for attr, path in sent.items()}
    # the parents its request makes once: in its path, or named in its body
    parents = {attr for _, attr in new.parents} | {
        by_wire[wire] for wire, _ in create.test.fk_fields if wire in by_wire
    }
    key = _answer_key(new, table, classes)
    if key is None:
        return f"{why}: its answer does not show the new row's key"
    bodies = _bodies(table, sources)
    varied: dict[str, tuple[tuple[str, ...], str, tuple[JsonValue, ...]]] = {}
    for unique in table.unique_keys:
        columns = [c for c in table.columns if c.attr in unique]
        free = [a for a in unique if a in sent and a not in parents]
        if not free:
            if unique == tuple(table.column(n).attr for n in table.primary_key) or any(
                c.nullable and c.attr not in sent for c in columns
            ):
                continue  # the app makes the key (or leaves it empty)
            return f"{why}: each would repeat the unique key ({', '.join(unique)})"
        # the first field of the key that admits a value per row, none the tests send
        pools = (
            (a, _unsent(distinct_examples(schemas[sent[a][-1]], api, SEED_VALUES), sent[a], bodies))
            for a in free
        )
        chosen = next(((a, v) for a, v in pools if len(v) >= SEEDED_ROWS), None)
        if chosen is None:
            wires = ", ".join(f"`{sent[a][-1]}`" for a in free)
            return f"{why}: {SEEDED_ROWS} different values of {wires} cannot be made"
        attr, values = chosen
        varied[attr] = (sent[attr], attr, values)
    key_type = table.column(table.primary_key[0]).py_type
    if key_type not in ("uuid.UUID", "int", "str"):
        return f"{why}: its key is a {key_type}, not read back here"
    return Seeding(
        create=new,
        module=create.module,
        varied=tuple(varied.values()),
        key=key,
        key_type=key_type,
        table=table,
        parents=frozenset(parents),
    )


def _bodies(table: TablePlan, sources: dict[str, ProbeSource]) -> tuple[JsonValue, ...]:
    """The bodies the tests send to write rows of `table` (creates, updates, replaces, and
    the retries of an idempotent create)."""
    writes = (OperationKind.CREATE, OperationKind.UPDATE, OperationKind.REPLACE)
    tests = [
        t
        for s in sources.values()
        if s.test.op.table is not None
        and s.test.op.table.name == table.name
        and s.test.op.kind in writes
        for t in (s.test, *s.test.retries)
    ]
    return tuple(test.body.value for test in tests if test.body is not None)


def _unsent(
    values: tuple[JsonValue, ...], where: tuple[str, ...], bodies: tuple[JsonValue, ...]
) -> tuple[JsonValue, ...]:
    """`values` without those a test's body sends at `where` (a row seeded with one would
    make that test's request repeat a unique value)."""
    sent = set()
    for body in bodies:
        for wire in where:
            body = body.get(wire) if isinstance(body, dict) else None
        sent.add(repr(body))
    return tuple(v for v in values if repr(v) not in sent)


def _body_fields(
    op: OperationPlan, spec: Operation, api: ApiModel, classes: dict[str, ClassPlan]
) -> tuple[dict[str, tuple[str, ...]], dict[str, Schema]]:
    """The fields of a create's JSON body: Python name -> the wire names leading to it (inside
    the wrapping field of a wrapped body), and each wire name's schema in the spec."""
    body = classes.get(op.body.class_name or "")
    schema = spec.request_body.body.schema_ if spec.request_body else None
    if body is None or schema is None:
        return {}, {}
    prefix: tuple[str, ...] = ()
    if op.body.wrapper:
        wrapper = next((f for f in body.fields if f.name == op.body.wrapper), None)
        if wrapper is None:
            return {}, {}
        body = classes.get(wrapper.annotation.class_name or "")
        prefix = (wrapper.wire,)
        inner = next((p for p in api.object_properties(schema) if p.name == wrapper.wire), None)
        if body is None or inner is None:
            return {}, {}
        schema = inner.schema_
    properties = {p.name: p.schema_ for p in api.object_properties(schema)}
    return {f.name: (*prefix, f.wire) for f in body.fields if f.wire in properties}, properties


def _answer_key(
    op: OperationPlan, table: TablePlan, classes: dict[str, ClassPlan]
) -> tuple[str, ...] | None:
    """The wire names leading to the new row's key in a create's answer (inside the wrapping
    field of a wrapped answer); None without a one-column key it shows."""
    if len(table.primary_key) != 1 or op.raw_response:
        return None
    key = table.column(table.primary_key[0]).attr
    prefix = (op.response_wrapper.wire,) if op.response_wrapper else ()
    item = classes.get(op.item_class or "")
    shown = (
        next((f.wire for f in item.fields if table.attr_of(f.name) == key), None) if item else None
    )
    return (*prefix, shown) if shown else None


PROBLEM_JSON = "application/problem+json"


def inspection_index(
    service: ServiceModel, operations: tuple[OperationPlan, ...], probes: tuple[ProbePlan, ...]
) -> dict[str, JsonValue]:
    """`.gen-backend/inspection.json`: every in-scope operation, highest sprint score first
    (ties in the spec's order), as planned (a `custom` kind: a 501 stub), and whether the
    probes can reach it."""
    planned = {op.operation_id: op for op in operations}
    probed = {p.op.operation_id: p for p in probes}
    shape = service.error_shape
    entries: list[JsonValue] = []
    for op in service.operations_by_priority:
        plan = planned.get(op.operation_id)
        probe = probed.get(op.operation_id)
        entries.append(
            {
                "operation_id": op.operation_id,
                "method": op.method.value.upper(),
                "path": op.path,
                "fr_id": op.fr_id,
                "score": op.priority,
                "kind": plan.kind.value if plan else None,
                "left_to_you_because": plan.why_custom if plan else None,  # a 501 stub's reason
                # where a person writes it: the method of the domain's rules
                "rules": f"app/{plan.module}/rules.py:{plan.function}" if plan else None,
                "status": plan.status if plan else None,
                "public": op.public,
                "permissions": list(plan.permissions) if plan else [],
                "probed": probe is not None,
                "invalid_input": probe.invalid.pointer if probe and probe.invalid else None,
                "out_of_bounds": probe.beyond.pointer if probe and probe.beyond else None,
                "list": bool(probe and probe.count and probe.count.many),
                "get": bool(probe and probe.count and not probe.count.many),
                # how errors are answered: RFC 9457, or the spec's own shape
                "errors": {
                    "media_type": shape.media_type if shape else PROBLEM_JSON,
                    "shape": shape.schema_name if shape else None,
                },
            }
        )
    return {"service": service.service, "format": 1, "operations": entries}


def _invalid_input(
    op: OperationPlan, test: TestPlan, classes: dict[str, ClassPlan]
) -> InvalidInput | None:
    """The input to break: a typed field of a JSON object body, else a typed query
    parameter, else a typed path parameter; None when every input takes any text."""
    if _object_body(op, test):
        body = classes.get(op.body.class_name or "")
        fields = sorted(body.fields if body else (), key=lambda f: not f.required)
        field = next((f for f in fields if _typed(f.annotation, text=True)), None)
        if field is not None:
            return InvalidInput("body", field.wire)
    for param in op.params:
        if param.location == "query" and not param.raw and _typed(param.annotation):
            return InvalidInput("query", param.wire)
    segments = op.path.split("/")
    for param in op.params:
        if param.location == "path" and not param.raw and _typed(param.annotation):
            placeholder = "{" + param.wire + "}"
            if placeholder in segments:
                return InvalidInput("path", param.wire, segments.index(placeholder))
    return None


def _out_of_bounds(
    op: OperationPlan, test: TestPlan, classes: dict[str, ClassPlan]
) -> OutOfBounds | None:
    """A bounded field of a JSON object body (required ones first), else a bounded query
    parameter, with a value just beyond its first bound; None when nothing is bounded."""
    candidates: list[tuple[str, str, PyType, tuple[Keyword, ...]]] = []
    if _object_body(op, test):
        body = classes.get(op.body.class_name or "")
        for field in sorted(body.fields if body else (), key=lambda f: not f.required):
            candidates.append(("body", field.wire, field.annotation, field.constraints))
    for param in op.params:
        if param.location == "query" and not param.raw:
            candidates.append(("query", param.wire, param.annotation, param.arguments))
    for location, wire, annotation, constraints in candidates:
        value = _beyond(_base(annotation), constraints)
        if value is not None:
            return OutOfBounds(location, wire, value)
    return None


_LONGEST = 10_000  # a text bound beyond this is not probed (the request would be too large)


def _beyond(base: PyType, constraints: tuple[Keyword, ...]) -> JsonValue:
    """A value just beyond the first bound among `constraints` (the spec's, not the
    generator's own range) of a number (`base` int or float) or a text (`base` str)."""
    number, text = base in (INT, FLOAT), base == STR
    for keyword in constraints:
        key, value = keyword.key, keyword.value
        if keyword.implied or isinstance(value, bool) or not isinstance(value, int | Decimal):
            continue
        bound = float(value) if isinstance(value, Decimal) else value
        if number and key in ("le", "lt"):
            return bound + 1 if key == "le" else bound
        if number and key in ("ge", "gt"):
            return bound - 1 if key == "ge" else bound
        if text and key == "max_length" and isinstance(bound, int) and bound < _LONGEST:
            return "x" * (bound + 1)
        if text and key == "min_length" and isinstance(bound, int) and bound >= 1:
            return "x" * (bound - 1)
    return None


def _base(annotation: PyType) -> PyType:
    """The bare type of an annotation (`int` of `Annotated[int, ...] | None`)."""
    return annotation.plain.bare


def _object_body(op: OperationPlan, test: TestPlan) -> bool:
    """Whether the valid request sends a JSON object body (not wrapped in a field)."""
    return (
        op.body.media == "json"
        and not op.body.wrapper
        and test.body is not None
        and test.body.is_object
    )


def _typed(annotation: PyType, *, text: bool = False) -> bool:
    """Whether a value of this annotation rejects the word `not-valid` (or, with `text`,
    a JSON array, which a text field rejects too)."""
    bare = _base(annotation)
    return str(bare) in _SCALARS or isinstance(bare, LiteralOf) or (text and bare == STR)
