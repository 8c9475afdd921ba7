"""Planning the generated project's row-level tests: per domain, service unit tests that drive
the service class directly (create, get, a missing get, list, filter, page, update, replace,
delete), and the API round trips that sit beside the status-code tests in test_api.py (a list
holds the new row, a filter keeps one row and drops another, a GET after PATCH shows the change,
a GET after DELETE is 404).

Every test is decided here, as source fragments the templates only lay out. A test that cannot
be built honestly (no value for a parameter, no key to tell rows apart, a value the schema or a
check constraint might refuse) is left out rather than generated wrong. The service tests never
commit, so their rows are rolled back when the test's session closes; the API tests commit
theirs, as the request tests beside them do.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import JsonValue

from gen_backend.model import ApiModel, FilterOp, Operation, OperationKind, Schema
from gen_backend.plan.api import FilterPlan, OperationPlan, ParamPlan
from gen_backend.plan.database import ColumnPlan, TablePlan, kept_text
from gen_backend.plan.embeds import LoadPlan
from gen_backend.plan.examples import NoExampleError, example, held, in_order, unique_example
from gen_backend.plan.pytypes import ListOf, LiteralOf, PyType
from gen_backend.plan.schemas import UPLOAD, ClassPlan, FieldPlan
from gen_backend.plan.tests import FactoryColumn, FactoryPlan, OwnedParent, takes_few_keys

# a page size no test session reaches: one call returns every matching row
EVERYTHING = 10_000
# types whose values survive the round trip through SQLite and PostgreSQL unchanged, so a
# response can be compared with what was sent (timestamps lose or gain their time zone)
_COMPARABLE = {"str", "int", "float", "bool", "uuid.UUID", "datetime.date"}
# two ordered values per type (column or parameter), for gt/gte/lt/lte filters
_ORDERED = {
    "int": ("1000", "1001"),
    "float": ("1000.0", "1001.0"),
    "decimal.Decimal": ('decimal.Decimal("1000")', 'decimal.Decimal("1001")'),
    "datetime.date": ("datetime.date(2030, 6, 14)", "datetime.date(2030, 6, 15)"),
    "datetime.datetime": (
        "datetime.datetime(2030, 6, 14, 12, tzinfo=datetime.UTC)",
        "datetime.datetime(2030, 6, 15, 12, tzinfo=datetime.UTC)",
    ),
}
# (column type, parameter type) pairs a filter may compare
_COMPATIBLE = {
    ("decimal.Decimal", "float"),
    ("decimal.Decimal", "int"),
    ("float", "int"),
}


@dataclass(frozen=True)
class Call:
    """`service.<function>(principal=PRINCIPAL, <args>)`."""

    function: str
    args: tuple[tuple[str, str], ...]  # (keyword, Python source)
    unwrap: str | None = None  # the field of the answer that holds the row, if it wraps it
    may_be_none: bool = False  # that field is optional in the answer's class

    @property
    def source(self) -> str:
        args = "".join(f", {name}={value}" for name, value in self.args)
        return f"service.{self.function}(principal=PRINCIPAL{args})"

    @property
    def awaited(self) -> str:
        """The awaited call, unwrapped to the row where the answer wraps it."""
        call = f"await {self.source}"
        return f"({call}).{self.unwrap}" if self.unwrap else call


@dataclass(frozen=True)
class ServiceTest:
    """One service unit test: rows made by the factories and adjusted, a body, the calls in
    order with the variable each result goes to, a call that must answer 404, and assertions.
    """

    name: str
    doc: str
    rows: tuple[tuple[str, str], ...] = ()  # (variable, factory)
    # (variable, factory, how many): a list of rows, each under the first one's parents
    batch: tuple[str, str, int] | None = None
    parents: tuple[str, ...] = ()  # the batch's attributes naming the parents
    sets: tuple[tuple[str, str], ...] = ()  # (target, Python source), flushed before the calls
    before: tuple[tuple[str, str], ...] = ()  # (variable, source) read before the calls
    body: tuple[str, str] | None = None  # (class, Python source of the JSON-like data)
    calls: tuple[tuple[str, Call], ...] = ()  # (result variable or "", call)
    keys: tuple[tuple[str, str], ...] = ()  # (variable, source of the listed keys)
    missing: Call | None = None  # must raise Problem(404)
    checks: tuple[str, ...] = ()  # Python expressions that must hold
    settings: tuple[tuple[str, str], ...] = ()  # (setting, Python source) for this test only

    @property
    def factories(self) -> set[str]:
        uploads = {"example_upload"} if self.body and "example_upload(" in self.body[1] else set()
        batch = {self.batch[1]} if self.batch else set()
        return {factory for _, factory in self.rows} | batch | uploads


@dataclass(frozen=True)
class ServiceTestsPlan:
    """tests/<domain>/test_service.py."""

    module: str
    service_class: str
    tests: tuple[ServiceTest, ...]
    schema_imports: tuple[tuple[str, str], ...]  # (module, class) of the bodies built
    roles: tuple[str, ...] = ()  # the roles the tests act with: an owned table's bypass roles

    @property
    def factories(self) -> tuple[str, ...]:
        return tuple(sorted({f for t in self.tests for f in t.factories}))


@dataclass(frozen=True)
class ApiRoundTrip:
    """One API test in test_api.py beyond the status codes: rows, requests in order, and what
    their answers must show."""

    name: str
    doc: str
    rows: tuple[tuple[str, str], ...]  # (variable, factory), committed before the requests
    sets: tuple[tuple[str, str], ...]
    # (response variable, method, URL f-string source, body keyword argument source such as
    # `json={...}` or None, permissions)
    requests: tuple[tuple[str, str, str, str | None, tuple[str, ...]], ...]
    # (variable, listing) where listing is a ListWalk
    listings: tuple[tuple[str, ListWalk], ...]
    checks: tuple[str, ...]
    # (row variable, its owned parent): the parent is read back after `rows`, before `sets`
    lookup: tuple[str, OwnedParent] | None = None
    # one filter of a list: the trips of a list's filters are one table and one test
    case: FilterCase | None = None


@dataclass(frozen=True)
class FilterCase:
    """One row of a list's filter table: the query parameter (wire), the Python source of its
    value over the rows `kept` and `dropped`, and the values (attribute, source) that make
    `kept` match and `dropped` not."""

    param: str
    query: str
    kept: tuple[tuple[str, str], ...] = ()
    dropped: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class StatementCount:
    """The SQL statements one request runs, over HTTP: a list must run as many for 25 rows as
    for 1 (no query per row), a get no more than a small fixed number."""

    name: str
    doc: str
    function: str  # the operation's
    factory: str
    url: str  # Python f-string source over `first`, the row made first
    params: tuple[tuple[str, str], ...]  # (wire name, Python source of its value)
    permissions: tuple[str, ...]
    # a list's envelope items field, a get's wrapper field (wire); None: a bare array or row
    items: str | None = None
    sets: tuple[tuple[str, str], ...] = ()  # each further row under `first`'s parents (`more`)
    many: bool = True  # a list (25 rows against 1); else a get
    # Python sources over `item`, one answered row: its embedded rows are the related ones
    embeds: tuple[str, ...] = ()
    loads: int = 0  # a get's relationships loaded beside the row, a statement each

    @property
    def names_first(self) -> bool:
        """Whether the request names the row made first (in its path or query)."""
        return "first." in self.url or any("first." in value for _, value in self.params)


@dataclass(frozen=True)
class Paging:
    """How a list answers its rows, as the generated tests' `Paging` walks them."""

    key: str  # the key field of one item (wire)
    items: str | None = None  # the envelope's items field (wire), None for a bare array
    page: str | None = None  # the page-number parameter (wire), to walk pages
    offset: str | None = None  # the offset parameter (wire), to walk offsets
    # (cursor parameter, the path of envelope fields to the next cursor), to walk cursors
    cursor: tuple[str, tuple[str, ...]] | None = None

    @property
    def arguments(self) -> tuple[tuple[str, str | tuple[str, tuple[str, ...]]], ...]:
        """Its fields that are set, as `Paging(...)` keyword arguments."""
        fields = (("items", self.items), ("page", self.page), ("offset", self.offset))
        given = tuple((name, value) for name, value in fields if value is not None)
        return (*given, *((("cursor", self.cursor),) if self.cursor else ()))


@dataclass(frozen=True)
class ListWalk:
    """Every key a list operation answers over HTTP, page by page."""

    function: str  # the operation's, which names its `Paging`
    url: str  # Python f-string source
    params: tuple[tuple[str, str], ...]  # (wire name, Python source of its value)
    permissions: tuple[str, ...]
    paging: Paging
    subject: str | None = None  # the Python source of the caller's subject, to list as an owner


@dataclass(frozen=True)
class _Domain:
    """What the planners of one domain share."""

    api_model: ApiModel
    table: TablePlan
    factory: FactoryPlan
    factories: dict[str, FactoryPlan]  # by table name
    tables: dict[str, TablePlan]
    classes: dict[str, ClassPlan]
    operations: tuple[OperationPlan, ...]
    specs: dict[str, Operation]
    owner: str | None = None  # the ownership column's attribute, on an owned table
    owned_parents: Mapping[str, OwnedParent] = dataclasses.field(default_factory=dict)


def plan_row_tests(
    operations: tuple[OperationPlan, ...],
    table: TablePlan | None,
    *,
    module: str,
    service_class: str,
    api_model: ApiModel,
    specs: dict[str, Operation],
    tables: dict[str, TablePlan],
    factories: tuple[FactoryPlan, ...],
    classes: dict[str, ClassPlan],
    bypass_roles: tuple[str, ...] | None = None,
    owner: str | None = None,
    principal_roles: tuple[str, ...] = (),
    unreachable: frozenset[str] = frozenset(),
    owned_parents: Mapping[str, OwnedParent] | None = None,
) -> tuple[ServiceTestsPlan | None, tuple[ApiRoundTrip, ...], tuple[StatementCount, ...]]:
    """The service tests of one domain (None when there are none) and its API round trips.
    On an owned table (`bypass_roles` not None) they act with a bypass role, so they see the
    rows the factories make for other owners; without one they are left out (the ownership
    tests in test_api.py cover such a table). The service tests act with `principal_roles`
    (every bypass role of the service, for owned parents too); an operation under an owned
    parent that no role bypasses (`unreachable`) gets no tests here; `owned_parents` (by
    operation) are the owned parents in operations' paths."""
    if table is None or bypass_roles == ():
        return None, (), ()
    by_table = {f.table.name: f for f in factories}
    if table.name not in by_table:
        return None, (), ()
    domain = _Domain(
        api_model=api_model,
        table=table,
        factory=by_table[table.name],
        factories=by_table,
        tables=tables,
        classes=classes,
        # the tests call with bearer tokens: operations only an API key lets in are left to
        # the per-operation tests
        operations=tuple(
            op for op in operations if op.kind is not OperationKind.CUSTOM and op.bearer_callable
        ),
        specs=specs,
        owner=owner,
        owned_parents=owned_parents or {},
    )
    tests: list[ServiceTest] = []
    trips: list[ApiRoundTrip] = []
    counts: list[StatementCount] = []
    for number, op in enumerate(domain.operations):
        variant = 500 + 7 * number  # apart from the request tests' variants (100 + 7n)
        planner = _OpPlanner(domain, op, variant)
        if op.function in unreachable:
            continue
        tests.extend(planner.service_tests())
        trips.extend(planner.round_trips())
        counts.extend(planner.statement_counts())
    if not tests:
        return None, tuple(trips), tuple(counts)
    imports = sorted(
        {
            (classes[t.body[0]].module, t.body[0])
            for t in tests
            if t.body is not None and t.body[0] in classes
        }
    )
    return (
        ServiceTestsPlan(
            module=module,
            service_class=service_class,
            tests=tuple(tests),
            schema_imports=tuple(imports),
            roles=principal_roles,
        ),
        tuple(trips),
        tuple(counts),
    )


def embed_checks(loads: tuple[LoadPlan, ...]) -> tuple[str, ...]:
    """Checks (sources over `item`, one answered row) that each embedded row is the related
    one: its key is the row's foreign key, or each embedded child's foreign key is the row's."""
    checks: list[str] = []
    for load in loads:
        embedded = repr(load.field)
        for mine, theirs in load.pairs:
            if load.many:
                checks.append(
                    f"all(child[{theirs!r}] == item[{mine!r}] for child in item[{embedded}])"
                )
            else:  # a NULL foreign key embeds nothing
                checks.append(f"(item[{embedded}] or {{}}).get({theirs!r}) == item[{mine!r}]")
    return tuple(checks)


class _SkipError(Exception):
    """This test cannot be built honestly; leave it out."""


def _base(annotation: PyType) -> str:
    """The Python type of `annotation`, without `| None` and wire formats."""
    return str(annotation.plain.bare)


def _literals(annotation: PyType) -> tuple[str, ...] | None:
    """The texts a `Literal[...]` annotation allows; None for any other."""
    bare = annotation.plain.bare
    if not isinstance(bare, LiteralOf):
        return None
    return tuple(v for v in bare.values if isinstance(v, str))


class _OpPlanner:
    def __init__(self, domain: _Domain, op: OperationPlan, variant: int) -> None:
        self.d = domain
        self.op = op
        self.variant = variant
        self.table = domain.table
        self.params = {p.name: p for p in op.params}
        self.spec = domain.specs.get(op.operation_id)

    # -- shared facts ------------------------------------------------------------------------

    def column(self, attr: str) -> ColumnPlan:
        found = next((c for c in self.table.columns if c.attr == attr), None)
        if found is None:
            raise _SkipError(attr)
        return found

    def factory_column(self, attr: str) -> FactoryColumn | None:
        return next((c for c in self.d.factory.columns if c.attr == attr), None)

    def fk_target(self, attr: str) -> tuple[FactoryPlan, str] | None:
        """The factory of the table a single-column foreign key points at, and its attr."""
        column = self.column(attr)
        key = next((k for k in self.table.foreign_keys if k.columns == (column.name,)), None)
        if key is None or key.target_table not in self.d.factories:
            return None
        target = self.d.tables[key.target_table]
        return self.d.factories[key.target_table], target.column(key.target_columns[0]).attr

    def is_fk(self, attr: str) -> bool:
        column = self.column(attr)
        return any(k.columns == (column.name,) for k in self.table.foreign_keys)

    def is_unique(self, attr: str) -> bool:
        column = self.column(attr)
        return (
            column.primary_key
            or any(c == column.name for _, c in self.table.unique_columns)
            or any(i.unique and i.columns == (column.name,) for i in self.table.indexes)
        )

    def refers(self, attr: str) -> bool:
        """Whether the column is a foreign key (only a row it points at gives it a value)."""
        name = self.column(attr).name
        return any(name in fk.columns for fk in self.table.foreign_keys)

    def checked(self, attr: str) -> bool:
        """Whether a check constraint mentions the column (an arbitrary value may break it)."""
        name = self.column(attr).name
        return any(
            re.search(rf"\b{re.escape(name)}\b", check.postgres) for check in self.table.checks
        )

    def factory_sets(self, attr: str) -> bool:
        """Whether the factory gives the column a value (so a fresh row has it loaded)."""
        return self.factory_column(attr) is not None or self.column(attr).primary_key

    def distinct_per_row(self, attr: str) -> bool:
        """Whether two factory rows surely differ in the column."""
        column = self.factory_column(attr)
        if column is None:
            return False
        if column.parent:
            return True
        if column.value == "uuid.uuid4()":
            return True
        if self.column(attr).py_type == "str" and "{n}" in column.value:
            length = _length(column.value)
            prefix = column.value.split("{n}")[0].removeprefix('f"')
            return length is None or length >= len(prefix) + 6
        return False

    def item_class(self, name: str | None) -> ClassPlan:
        if name is None or name not in self.d.classes:
            raise _SkipError("no item class")
        return self.d.classes[name]

    def item_field(self, cls: ClassPlan, attr: str) -> FieldPlan | None:
        return next((f for f in cls.fields if f.name == attr), None)

    def key_attr(self, cls: ClassPlan) -> str:
        """The attribute telling rows apart in a response: the single-column primary key."""
        if len(self.table.primary_key) != 1:
            raise _SkipError("no single key")
        attr = self.table.column(self.table.primary_key[0]).attr
        if self.item_field(cls, attr) is None:
            raise _SkipError("the key is not in the response")
        return attr

    def comparable(self, attr: str, cls: ClassPlan) -> bool:
        """Whether a response field can be compared with the row's column."""
        field = self.item_field(cls, attr)
        if field is None:
            return False
        column = self.column(attr)
        base = _base(field.annotation)
        if column.enum_name:
            return base == "str" or _literals(field.annotation) is not None
        return column.py_type in _COMPARABLE and base == column.py_type

    def pass_value(self, param: ParamPlan, column: ColumnPlan, source: str) -> str:
        """`source` (a value of `column`) as an argument for `param`, or skip."""
        base = _base(param.annotation)
        if base == column.py_type and not column.nullable:
            return source
        raise _SkipError(f"{param.name}: {param.annotation} from {column.py_type}")

    def other_arg(self, param: ParamPlan) -> str:
        """A parameter the test does not vary: its default, or a valid example."""
        if param.default is not None:
            return param.default
        if param.location == "header" and param.wire.lower() == "idempotency-key":
            return "str(uuid.uuid4())"
        spec_param = next(
            (p for p in (self.spec.parameters if self.spec else ()) if p.name == param.wire), None
        )
        if spec_param is None or _base(param.annotation) not in ("str", "int", "float", "bool"):
            raise _SkipError(param.name)
        try:
            value = example(spec_param.schema_, self.d.api_model, variant=self.variant)
        except NoExampleError:
            raise _SkipError(param.name) from None
        return repr(value)

    def args(self, given: dict[str, str]) -> tuple[tuple[str, str], ...]:
        """Every parameter of the operation (and `body`): those given, the rest by
        `other_arg`; a parameter left at the service's default None is left out."""
        out = [
            (p.name, value)
            for p in self.op.params
            if (value := given[p.name] if p.name in given else self.other_arg(p)) != "None"
            or p.default != "None"
        ]
        if "body" in given:
            out.append(("body", given["body"]))
        if self.op.listing.needs_url:  # the request's URL, for the envelope's page links
            out.append(("url", repr(self.op.path)))
        return tuple(out)

    def row_args(self, row: str, *, key: bool) -> dict[str, str]:
        """The path arguments selecting `row` (its parents, and its key when `key`)."""
        given: dict[str, str] = {}
        for param, attr in self.op.parents:
            given[param] = self.pass_value(self.params[param], self.column(attr), f"{row}.{attr}")
        if key and self.op.key:
            param, attr = self.op.key
            given[param] = self.pass_value(self.params[param], self.column(attr), f"{row}.{attr}")
        return given

    def absent_key(self) -> str:
        if self.op.key is None:
            raise _SkipError("no key")
        column = self.column(self.op.key[1])
        absent = {"uuid.UUID": "uuid.uuid4()", "int": "-1", "str": '"no-such-row"'}
        if column.py_type not in absent or _base(self.params[self.op.key[0]].annotation) != (
            column.py_type
        ):
            raise _SkipError("no absent key")
        return absent[column.py_type]

    def same_parent(self, row: str, first: str) -> tuple[tuple[str, str], ...]:
        """Assignments that put `row` under the same parent rows as `first`."""
        return tuple((f"{row}.{attr}", f"{first}.{attr}") for _, attr in self.op.parents)

    def call(self, args: tuple[tuple[str, str], ...]) -> Call:
        """A call of this operation, its answer unwrapped to the row."""
        wrapper = self.op.response_wrapper
        if wrapper is None:
            return Call(self.op.function, args)
        return Call(
            self.op.function, args, unwrap=wrapper.name, may_be_none=wrapper.annotation.optional
        )

    def get_op(self) -> OperationPlan | None:
        """The domain's GET of one row by the same key, to look at a row after a change."""
        if self.op.key is None:
            return None
        return next(
            (
                o
                for o in self.d.operations
                if o.kind is OperationKind.GET
                and o.key is not None
                and o.key[1] == self.op.key[1]
                and {a for _, a in o.parents} <= {a for _, a in self.op.parents}
            ),
            None,
        )

    # -- bodies ------------------------------------------------------------------------------

    def body_schema(self) -> tuple[ClassPlan, list[tuple[FieldPlan, JsonValue]]]:
        """The body class and an example value per property the example sends."""
        if self.op.body.type is None or self.spec is None or self.spec.request_body is None:
            raise _SkipError("no body")
        schema = self.spec.request_body.body.schema_
        cls = self.d.classes.get(_base(self.op.body.type))
        if schema is None or cls is None or cls.root is not None:
            raise _SkipError("no body class")
        try:
            data = example(schema, self.d.api_model, variant=self.variant)
        except NoExampleError:
            raise _SkipError("no example body") from None
        if not isinstance(data, dict):
            raise _SkipError("not an object")
        sent: list[tuple[FieldPlan, JsonValue]] = []
        schemas = {p.name: p.schema_ for p in self.d.api_model.object_properties(schema)}
        for wire, value in data.items():
            field = next((f for f in cls.fields if f.wire == wire), None)
            if field is None:
                raise _SkipError(wire)
            sent.append((field, self.vary(field, value, schemas.get(wire))))
        return cls, self.in_order(sent)

    def in_order(
        self, sent: list[tuple[FieldPlan, JsonValue]]
    ) -> list[tuple[FieldPlan, JsonValue]]:
        """`sent` with each column a CHECK orders after another sent after it (`in_order`)."""
        names = {c.attr: c.name for c in self.table.columns}
        values = {names[f.name]: value for f, value in sent if f.name in names}
        placed = in_order(values, self.table.orders)
        return [(f, placed.get(names.get(f.name, ""), value)) for f, value in sent]

    def vary(self, field: FieldPlan, value: JsonValue, schema: Schema | None) -> JsonValue:
        """A unique column's example made different per test (`variant`): a format's fixed
        value, or an integer, would repeat; a number one its column holds (see `held`)."""
        columns = {c.attr: c for c in self.table.columns}
        if field.name in columns:
            value = held(value, columns[field.name].holds)
            if isinstance(value, str):
                name = columns[field.name].name
                value = kept_text(self.table.checks, name, value) or value
        if field.name not in columns or not self.is_unique(field.name):
            return value
        if value is None or isinstance(value, dict | list) or schema is None:
            return value
        return unique_example(schema, self.d.api_model, self.variant)

    def body_source(self, sent: list[tuple[FieldPlan, JsonValue]], fks: dict[str, str]) -> str:
        items = [f"{field.wire!r}: {self.value_source(field, value, fks)}" for field, value in sent]
        return "{" + ", ".join(items) + "}"

    @staticmethod
    def value_source(field: FieldPlan, value: JsonValue, fks: dict[str, str]) -> str:
        if field.name in fks:
            return fks[field.name]
        if field.annotation.mentions(UPLOAD):
            return f"example_upload({field.wire!r})"  # a file, as a multipart body carries it
        return repr(value)

    def upload_checks(self, result: str, cls: ClassPlan) -> list[str]:
        """`result` keeps what it was told of each uploaded file (see `example_upload`)."""
        checks = []
        for upload in self.op.body.uploads:
            expected = {
                upload.file_name: f"{upload.field}.txt",
                upload.media_type: "text/plain",
                upload.size: len(f"example {upload.field}"),
            }
            for attr, value in expected.items():
                if attr and self.item_field(cls, attr) is not None:
                    checks.append(f"{result}.{attr} == {value!r}")
        return checks

    def sent_checks(
        self, result: str, sent: list[tuple[FieldPlan, JsonValue]], cls: ClassPlan
    ) -> list[str]:
        """`result` holds every column field that was sent, as the body has it."""
        checks = []
        attrs = {a for _, a in self.op.body.attrs}
        for field, _ in sent:
            item = self.item_field(cls, field.name)
            if (
                field.name in attrs
                and item is not None
                and _base(item.annotation) == _base(field.annotation)
                and (
                    _base(item.annotation) in _COMPARABLE or _literals(item.annotation) is not None
                )
            ):
                checks.append(f"{result}.{field.name} == body.{field.name}")
        return checks

    # -- service tests -----------------------------------------------------------------------

    def service_tests(self) -> list[ServiceTest]:
        builders = {
            OperationKind.CREATE: (self.create,),
            OperationKind.GET: (self.get, self.get_missing),
            OperationKind.LIST: (
                self.listing,
                self.paging,
                self.capping,
                *self.filter_builders(),
            ),
            OperationKind.UPDATE: (self.update,),
            OperationKind.REPLACE: (self.replace,),
            OperationKind.DELETE: (self.delete,),
        }[self.op.kind]
        tests = []
        for build in builders:
            try:
                tests.append(build())
            except _SkipError:
                continue
        return tests

    def create(self) -> ServiceTest:
        cls = self.item_class(self.op.item_class)
        body_cls, sent = self.body_schema()
        rows: list[tuple[str, str]] = []
        given: dict[str, str] = {}
        checks: list[str] = []
        for param, attr in self.op.parents:
            target = self.fk_target(attr)
            if target is None:
                raise _SkipError("parent")
            factory, target_attr = target
            rows.append((f"{attr}_parent", factory.function))
            target_column = factory.table.column(
                next(c.name for c in factory.table.columns if c.attr == target_attr)
            )
            given[param] = self.pass_value(
                self.params[param], target_column, f"{attr}_parent.{target_attr}"
            )
            if self.comparable(attr, cls):
                checks.append(f"created.{attr} == {attr}_parent.{target_attr}")
        fks: dict[str, str] = {}
        for field, _ in sent:
            if field.name in {a for _, a in self.op.body.attrs} and self.is_fk(field.name):
                target = self.fk_target(field.name)
                if target is None:
                    raise _SkipError("body parent")
                factory, target_attr = target
                rows.append((f"{field.name}_parent", factory.function))
                fks[field.name] = f"str({field.name}_parent.{target_attr})"
        checks += self.sent_checks("created", sent, cls) + self.upload_checks("created", cls)
        if not checks:
            raise _SkipError("nothing to compare")
        return ServiceTest(
            name=f"{self.op.function}_stores_the_values_sent",
            doc=f"`{self.op.operation_id}` creates a row holding the values sent.",
            rows=tuple(dict.fromkeys(rows)),
            body=(body_cls.name, self.body_source(sent, fks)),
            calls=(("created", self.call(self.args({**given, "body": "body"}))),),
            checks=tuple(checks),
        )

    def get(self) -> ServiceTest:
        cls = self.item_class(self.op.item_class)
        key = self.key_attr(cls)
        checks = [f"{self.answered('found', key, cls)} == row.{key}"]
        checks += [
            f"found.{c.attr} == row.{c.attr}"
            for c in self.d.factory.columns
            if c.attr != key and self.comparable(c.attr, cls)
        ]
        return ServiceTest(
            name=f"{self.op.function}_returns_the_row",
            doc=f"`{self.op.operation_id}` returns the row its key selects.",
            rows=(("row", self.d.factory.function),),
            calls=(("found", self.call(self.args(self.row_args("row", key=True)))),),
            checks=tuple(checks),
        )

    def get_missing(self) -> ServiceTest:
        assert self.op.key is not None
        given = self.row_args("row", key=False)
        given[self.op.key[0]] = self.absent_key()
        return ServiceTest(
            name=f"{self.op.function}_of_a_missing_row_is_404",
            doc=f"`{self.op.operation_id}` of a key no row has raises a 404 problem.",
            rows=(("row", self.d.factory.function),) if self.op.parents else (),
            missing=self.call(self.args(given)),
        )

    def update(self) -> ServiceTest:
        cls = self.item_class(self.op.item_class)
        change = self.change(cls)
        field, value = change
        kept = [
            c.attr
            for c in self.d.factory.columns
            if c.attr != field.name and self.comparable(c.attr, cls)
        ]
        before = [(f"before_{attr}", f"row.{attr}") for attr in kept]
        checks = [f"updated.{field.name} == body.{field.name}"]
        if self.factory_column(field.name) is not None:
            before.append((f"before_{field.name}", f"row.{field.name}"))
            checks.insert(0, f"before_{field.name} != body.{field.name}")
        checks += [f"updated.{attr} == before_{attr}" for attr in kept]
        body_cls = self.d.classes[self.op.body.class_name or ""]
        sent = [*self.kept_required(body_cls, field), f"{field.wire!r}: {value!r}"]
        return ServiceTest(
            name=f"{self.op.function}_changes_only_the_fields_sent",
            doc=f"`{self.op.operation_id}` sets the field sent and leaves the others.",
            rows=(("row", self.d.factory.function),),
            before=tuple(before),
            body=(body_cls.name, "{" + ", ".join(sent) + "}"),
            calls=(
                (
                    "updated",
                    self.call(
                        self.args({**self.row_args("row", key=True), "body": "body"}),
                    ),
                ),
            ),
            checks=tuple(checks),
        )

    def kept_required(
        self, body_cls: ClassPlan, changed: FieldPlan, *, as_json: bool = False
    ) -> list[str]:
        """The other fields a PATCH body requires (the spec may say so), as entries of a dict
        literal that sends each as the row holds it; `as_json`: only values JSON carries as
        they are (text, numbers, booleans)."""
        attrs = {a for _, a in self.op.body.attrs}
        required = [f for f in body_cls.fields if f.required and f.name != changed.name]
        for f in required:
            if f.name not in attrs:
                raise _SkipError("a required field no column holds")
            if as_json and self.column(f.name).py_type not in ("str", "int", "float", "bool"):
                raise _SkipError("a required field JSON does not carry as it is")
        return [f"{f.wire!r}: row.{f.name}" for f in required]

    def change(self, cls: ClassPlan) -> tuple[FieldPlan, JsonValue]:
        """One body field to PATCH, with a value that surely differs from the factory's: not a
        foreign key, preferably not unique, and comparable in the response."""
        if self.op.body.type is None or self.spec is None or self.spec.request_body is None:
            raise _SkipError("no body")
        schema = self.spec.request_body.body.schema_
        body_cls = self.d.classes.get(_base(self.op.body.type))
        if schema is None or body_cls is None or body_cls.root is not None:
            raise _SkipError("no body class")
        properties = {
            p.name: p
            for p in self.d.api_model.object_properties(schema)
            if not self.d.api_model.is_read_only(p.schema_)
        }
        attrs = {a for _, a in self.op.body.attrs}
        candidates: list[tuple[bool, FieldPlan, JsonValue]] = []
        for field in body_cls.fields:
            prop = properties.get(field.wire)
            shown = self.item_field(cls, field.name)
            if (
                prop is None
                or shown is None
                or field.name not in attrs
                or self.is_fk(field.name)
                or not self.comparable(field.name, cls)
                or _base(field.annotation) != _base(shown.annotation)
            ):
                continue
            value = self.changed_value(field, prop.schema_)
            if value is not None:
                candidates.append((self.is_unique(field.name), field, value))
        if not candidates:
            raise _SkipError("nothing to change")
        _, field, value = min(candidates, key=lambda c: c[0])
        return field, value

    def changed_value(self, field: FieldPlan, schema: Schema) -> JsonValue:
        """A valid value for `field` that no factory row has, or None."""
        column = self.column(field.name)
        made = self.factory_column(field.name)
        resolved = self.d.api_model.resolve(schema)
        if resolved.enum:
            current = made.value.strip("'\"") if made else None
            others = [v for v in resolved.enum if v is not None and v != current]
            return others[0] if others else None
        if column.py_type == "bool":
            return not (made is not None and made.value == "True")
        try:
            value = example(schema, self.d.api_model, variant=self.variant)
        except NoExampleError:
            return None
        if value is None:
            return None
        if made is None or (column.py_type == "str" and "{n}" in made.value):
            # the factory leaves it empty, or numbers it: `<column>-<n>`
            if isinstance(value, str) and re.fullmatch(
                re.escape(column.name.replace("_", "-").lower()) + r"-\d+", value
            ):
                return None
            return self.vary(field, value, schema)
        return None

    def replace(self) -> ServiceTest:
        cls = self.item_class(self.op.item_class)
        body_cls, sent = self.body_schema()
        fks = {
            field.name: f"str(row.{field.name})"
            for field, _ in sent
            if field.name in {a for _, a in self.op.body.attrs} and self.is_fk(field.name)
        }
        checks = self.sent_checks("replaced", sent, cls)
        if not checks:
            raise _SkipError("nothing to compare")
        return ServiceTest(
            name=f"{self.op.function}_stores_the_values_sent",
            doc=f"`{self.op.operation_id}` replaces the row's fields with those sent.",
            rows=(("row", self.d.factory.function),),
            body=(body_cls.name, self.body_source(sent, fks)),
            calls=(
                (
                    "replaced",
                    self.call(
                        self.args({**self.row_args("row", key=True), "body": "body"}),
                    ),
                ),
            ),
            checks=tuple(checks),
        )

    def delete(self) -> ServiceTest:
        call = self.call(self.args(self.row_args("row", key=True)))
        get = self.get_op()
        missing = call
        if get is not None:
            try:
                missing = Call(
                    get.function, _OpPlanner(self.d, get, self.variant).row_call_args("row")
                )
            except _SkipError:
                missing = call
        return ServiceTest(
            name=f"{self.op.function}_removes_the_row",
            doc=f"`{self.op.operation_id}` removes the row: "
            + ("a later get" if missing is not call else "deleting it again")
            + " is 404.",
            rows=(("row", self.d.factory.function),),
            calls=(("", call),),
            missing=missing,
        )

    def row_call_args(self, row: str) -> tuple[tuple[str, str], ...]:
        return self.args(self.row_args(row, key=True))

    # -- lists -------------------------------------------------------------------------------

    def list_shape(self) -> tuple[ClassPlan, str]:
        """The item class and its key; every filter must be off when its parameter is left
        at its default, or the list tests would not see every row."""
        cls = self.item_class(self.op.item_class)
        key = self.key_attr(cls)
        for f in self.op.listing.filters:
            default = self.params[f.param].default
            if default != "None" and not (f.op is FilterOp.TRUE_ONLY and default == "False"):
                raise _SkipError("a filter is on by default")
        for _, attr in self.op.parents:
            if not self.factory_sets(attr) or self.column(attr).nullable:
                raise _SkipError("a parent the factory does not fill")
        return cls, key

    def list_call(
        self, row: str, *, limit: int, page: int, extra: dict[str, str] | None = None
    ) -> Call:
        """A list call under `row`'s parents: page `page` of `limit` rows."""
        given = {**self.row_args(row, key=False), **(extra or {})}
        if self.op.listing.limit:
            if self.echoes_bounded_limit(limit):
                # the answer echoes the page size, held to the spec's maximum: only the API
                # test, which walks the pages, can list every row
                raise _SkipError("a page of every row is past the spec's maximum size")
            given[self.op.listing.limit] = str(limit)
        if self.op.listing.offset:
            given[self.op.listing.offset] = str((page - 1) * limit)
        elif self.op.listing.page:
            given[self.op.listing.page] = str(page)
        elif page != 1:
            raise _SkipError("no way to a later page")
        if (
            limit == EVERYTHING
            and not self.op.listing.limit
            and (self.op.listing.page or self.op.listing.offset)
            and not self.op.parents
        ):
            raise _SkipError("one page cannot hold every row")
        return self.call(self.args(given))

    def echoes_bounded_limit(self, limit: int) -> bool:
        """Whether the list's envelope answers its page size in a field whose maximum is
        below `limit`."""
        parts = [p for part in self.op.listing.envelope_parts for p in (part, *part.fields)]
        return any(
            p.quantity == "limit" and p.maximum is not None and p.maximum < limit for p in parts
        )

    def keys_of(self, result: str, key: str) -> str:
        items = result
        if field := self.op.listing.items_field:
            items = f"{result}.{field.name}"
            if field.annotation.optional:
                items = f"({items} or [])"  # the spec leaves the items out of `required`
        value = self.answered("item", key, self.item_class(self.op.item_class))
        return f"[{value} for item in {items}]"

    def answered(self, variable: str, attr: str, cls: ClassPlan) -> str:
        """The value a response `variable` (of `cls`) answers for `attr`, as a column's:
        a named value's own (`EventId(...)`), where the field is one."""
        field = self.item_field(cls, attr)
        named = self.d.classes.get(_base(field.annotation)) if field else None
        if named is None or named.root is None:
            return f"{variable}.{attr}"
        if field is not None and field.annotation.optional:
            return f"({variable}.{attr}.root if {variable}.{attr} is not None else None)"
        return f"{variable}.{attr}.root"

    def total_of(self, result: str) -> list[tuple[str, str]]:
        """(source, quantity) of the envelope fields counting rows or pages."""
        found = []
        for part in self.op.listing.envelope_parts:
            if part.quantity == "object":
                found += [(f"{result}.{part.field}.{f.field}", f.quantity) for f in part.fields]
            else:
                found.append((f"{result}.{part.field}", part.quantity))
        return [(s, q) for s, q in found if q in ("total", "page", "limit", "offset")]

    def totals_hold(self, result: str, expected: dict[str, str]) -> list[str]:
        """`<count> == <expected>` for each envelope count of a quantity in `expected`, each
        after the check that it (and the object holding it) is there: the spec may leave
        them optional."""
        checks: list[str] = []
        for source, quantity in self.total_of(result):
            if quantity not in expected:
                continue
            path = source.removeprefix(result + ".").split(".")
            cls = self.d.classes.get(self.op.listing.envelope_class or "")
            for depth, name in enumerate(path):
                field = next((f for f in cls.fields if f.name == name), None) if cls else None
                present = ".".join([result, *path[: depth + 1]])
                optional = field is not None and field.annotation.optional
                if optional and f"{present} is not None" not in checks:
                    checks.append(f"{present} is not None")
                nested = field.annotation.class_name if field else None
                cls = self.d.classes.get(nested or "")
            checks.append(f"{source} {expected[quantity]}")
        return checks

    def listing(self) -> ServiceTest:
        _, key = self.list_shape()
        factory = self.d.factory.function
        rows = [("first", factory), ("second", factory)]
        sets = list(self.same_parent("second", "first"))
        checks = [f"first.{key} in listed", f"second.{key} in listed"]
        if self.op.parents:
            rows.append(("elsewhere", factory))  # under parents of its own
            checks += [
                f"elsewhere.{key} not in listed",
                f"sorted(map(str, listed)) == sorted([str(first.{key}), str(second.{key})])",
            ]
        checks += self.totals_hold("result", {"total": "== len(listed)"})
        return ServiceTest(
            name=f"{self.op.function}_lists_the_rows_created",
            doc=f"`{self.op.operation_id}` lists the rows created"
            + (", and only those under the parent in its path." if self.op.parents else "."),
            rows=tuple(rows),
            sets=tuple(sets),
            calls=(("result", self.list_call("first", limit=EVERYTHING, page=1)),),
            keys=(("listed", self.keys_of("result", key)),),
            checks=tuple(checks),
            settings=self.everything_fits(),
        )

    def paging(self) -> ServiceTest:
        _, key = self.list_shape()
        if not self.op.listing.limit:
            raise _SkipError("no page size to set")
        factory = self.d.factory.function
        later = 2 if (self.op.listing.offset or self.op.listing.page) else 1
        start = (later - 1) * 2
        checks = ["len(everything) >= 5", f"paged == everything[{start}:{start + 2}]"]
        if self.op.parents:
            checks.append(f"sorted(map(str, everything)) == sorted(str(row.{key}) for row in rows)")
        else:
            checks.append(f"all(row.{key} in everything for row in rows)")
        expected = {
            "total": "len(everything)",
            "limit": "2",
            "page": str(later),
            "offset": str(start),
        }
        checks += self.totals_hold("page", {q: f"== {value}" for q, value in expected.items()})
        paged_call = self.list_call("rows[0]", limit=2, page=later)
        return ServiceTest(
            name=f"{self.op.function}_pages",
            doc=f"`{self.op.operation_id}` answers the page asked for, and the totals.",
            batch=("rows", factory, 5),
            parents=tuple(attr for _, attr in self.op.parents),
            calls=(
                ("result", self.list_call("rows[0]", limit=EVERYTHING, page=1)),
                ("page", paged_call),
            ),
            keys=(
                ("everything", self.keys_of("result", key)),
                ("paged", self.keys_of("page", key)),
            ),
            checks=tuple(checks),
            settings=self.everything_fits(),
        )

    def everything_fits(self) -> tuple[tuple[str, str], ...]:
        """Where `MAX_PAGE_SIZE` caps the list (the spec sets no maximum), raised for a test
        that asks for every row at once: the table may hold more rows than the cap."""
        if self.op.listing.limit and self.op.listing.max_limit is None:
            return (("max_page_size", f"{EVERYTHING:_}"),)
        return ()

    def capping(self) -> ServiceTest:
        """Where the spec sets no maximum page size, `MAX_PAGE_SIZE` caps what is asked for."""
        _, key = self.list_shape()
        if not self.op.listing.limit or self.op.listing.max_limit is not None:
            raise _SkipError("the spec caps the page size, or there is none to ask for")
        totals = self.totals_hold("page", {"total": ">= 3"})
        return ServiceTest(
            name=f"{self.op.function}_caps_the_page_size",
            doc=f"`{self.op.operation_id}` answers at most MAX_PAGE_SIZE rows, whatever page "
            "size is asked for (the spec sets no maximum).",
            # nested, the rows share the first one's parents; else no row needs a name
            batch=("rows" if self.op.parents else "", self.d.factory.function, 3),
            parents=tuple(attr for _, attr in self.op.parents),
            calls=(("page", self.list_call("rows[0]", limit=EVERYTHING, page=1)),),
            keys=(("paged", self.keys_of("page", key)),),
            checks=("len(paged) == 2", *totals),
            settings=(("max_page_size", "2"),),
        )

    def filter_builders(self) -> list[Callable[[], ServiceTest]]:
        return [functools.partial(self.filtering, f) for f in self.op.listing.filters]

    def filtering(self, f: FilterPlan) -> ServiceTest:
        _, key = self.list_shape()
        case = self.filter_case(f)
        factory = self.d.factory.function
        sets = [*self.same_parent("dropped", "kept"), *case.sets]
        return ServiceTest(
            name=f"{self.op.function}_filters_by_{f.param}",
            doc=f"`{self.op.operation_id}` with `{self.params[f.param].wire}` keeps a row that "
            f"matches ({f.op.value}) and drops one that does not.",
            rows=(("kept", factory), ("dropped", factory)),
            sets=tuple(sets),
            calls=(
                ("unfiltered", self.list_call("kept", limit=EVERYTHING, page=1)),
                (
                    "filtered",
                    self.list_call("kept", limit=EVERYTHING, page=1, extra={f.param: case.value}),
                ),
            ),
            keys=(
                ("every", self.keys_of("unfiltered", key)),
                ("matching", self.keys_of("filtered", key)),
            ),
            checks=(
                f"kept.{key} in every",
                f"dropped.{key} in every",
                f"kept.{key} in matching",
                f"dropped.{key} not in matching",
            ),
            settings=self.everything_fits(),
        )

    def filter_case(self, f: FilterPlan) -> _FilterCase:
        """How `kept` comes to match filter `f` and `dropped` not, and the value to pass."""
        param = self.params[f.param]
        base = _base(param.annotation)
        columns = [self.column(a) for a in f.attrs]
        first = columns[0]
        if f.op in (FilterOp.CONTAINS, FilterOp.PREFIX):
            if base != "str" or not self.distinct_per_row(first.attr) or first.nullable:
                raise _SkipError("no distinct text")
            if any(c.py_type != "str" for c in columns):
                raise _SkipError("not text")
            return _FilterCase(value=f"kept.{first.attr}", sets=(), query=f"kept.{first.attr}")
        if f.op is FilterOp.TRUE_ONLY:
            if base != "bool" or len(columns) != 1 or first.py_type != "bool":
                raise _SkipError("not a flag")
            return _FilterCase(
                value="True",
                sets=((f"kept.{first.attr}", "True"), (f"dropped.{first.attr}", "False")),
                query="True",
            )
        if len(columns) != 1:
            raise _SkipError("several columns")
        if f.op is FilterOp.SAME_DAY:
            if first.py_type not in ("datetime.datetime", "datetime.date") or base not in (
                "datetime.datetime",
                "datetime.date",
            ):
                raise _SkipError("not a day")
            low, high = _ORDERED[first.py_type]
            value = _ORDERED[base][0]
            return _FilterCase(
                value=value,
                sets=((f"kept.{first.attr}", low), (f"dropped.{first.attr}", high)),
                query=f"({value}).isoformat()",
            )
        if f.op in (FilterOp.GT, FilterOp.GTE, FilterOp.LT, FilterOp.LTE):
            return self.ordered_case(f, first, base)
        # eq, ne, in: `match` is the row equal to the value: kept for eq/in, dropped for ne
        match, other = ("dropped", "kept") if f.op is FilterOp.NE else ("kept", "dropped")
        taken = param.annotation.plain.bare
        if f.op is FilterOp.IN:
            if not isinstance(taken, ListOf):
                raise _SkipError("not a list")
            taken = taken.inner.plain
        literals, inner = _literals(taken), str(taken)
        sets: tuple[tuple[str, str], ...] = ()
        if first.enum_values and (literals is not None or inner == "str"):
            choices = [v for v in first.enum_values if literals is None or v in literals]
            if len(choices) < 2 or len(first.enum_values) < 2:
                raise _SkipError("too few values")
            value = repr(choices[0])
            sets = ((f"{match}.{first.attr}", value), (f"{other}.{first.attr}", repr(choices[1])))
            query = value
        elif first.py_type == "bool" and inner == "bool":
            value = "True"
            sets = ((f"{match}.{first.attr}", "True"), (f"{other}.{first.attr}", "False"))
            query = value
        elif (
            inner == first.py_type
            and self.distinct_per_row(first.attr)
            # a nullable column's value types as optional, which a list parameter does not take
            and (not first.nullable or f.op is not FilterOp.IN)
        ):
            value = f"{match}.{first.attr}"
            query = f"str({value})"
        elif first.py_type in _ORDERED and (
            inner == first.py_type or (first.py_type, inner) in _COMPATIBLE
        ):
            if self.checked(first.attr) or self.is_unique(first.attr) or self.refers(first.attr):
                raise _SkipError("constrained")
            value = _ORDERED[inner][0]
            sets = (
                (f"{match}.{first.attr}", _ORDERED[first.py_type][0]),
                (f"{other}.{first.attr}", _ORDERED[first.py_type][1]),
            )
            query = _query(value, inner)
        else:
            raise _SkipError("no value")
        if f.op is FilterOp.IN:
            return _FilterCase(value=f"[{value}]", sets=sets, query=f"[{query}]")
        return _FilterCase(value=value, sets=sets, query=query)

    def ordered_case(self, f: FilterPlan, column: ColumnPlan, base: str) -> _FilterCase:
        if column.py_type not in _ORDERED or not (
            base == column.py_type or (column.py_type, base) in _COMPATIBLE
        ):
            raise _SkipError("not ordered")
        if self.checked(column.attr) or self.is_unique(column.attr) or self.refers(column.attr):
            raise _SkipError("constrained")
        low, high = _ORDERED[column.py_type]
        # (index of the value passed, kept's value, dropped's value)
        index, kept, dropped = {
            FilterOp.GT: (0, high, low),
            FilterOp.GTE: (1, high, low),
            FilterOp.LT: (1, low, high),
            FilterOp.LTE: (0, low, high),
        }[f.op]
        value = _ORDERED[base][index]
        return _FilterCase(
            value=value,
            sets=((f"kept.{column.attr}", kept), (f"dropped.{column.attr}", dropped)),
            query=_query(value, base),
        )

    # -- API round trips ---------------------------------------------------------------------

    def round_trips(self) -> list[ApiRoundTrip]:
        if self.fills_others():
            return []  # a required header or query parameter the request tests fill
        builders = {
            OperationKind.LIST: (
                self.api_listing,
                self.api_owned_listing,
                *self.api_filter_builders(),
            ),
            OperationKind.UPDATE: (self.api_update,),
            OperationKind.DELETE: (self.api_delete,),
        }.get(self.op.kind, ())
        trips = []
        for build in builders:
            try:
                trips.append(build())
            except _SkipError:
                continue
        return trips

    def statement_counts(self) -> list[StatementCount]:
        """A list's statements for 1 row and for 25; a get's, bounded."""
        if self.op.kind not in (OperationKind.LIST, OperationKind.GET):
            return []
        if self.fills_others():
            return []  # a required header or query parameter the request tests fill
        try:
            url = self.url(self.op, "first")
        except _SkipError:
            return []
        factory = self.d.factory.function
        embeds = embed_checks(self.op.loads)
        if self.op.kind is OperationKind.GET:
            return [
                StatementCount(
                    name=f"{self.op.function}_runs_a_bounded_number_of_statements",
                    doc=f"`{self.op.operation_id}` reads a row "
                    "in a fixed, small number of statements.",
                    function=self.op.function,
                    factory=factory,
                    url=self.url(self.op, "first", key_in_query=False),
                    params=self.key_params(self.op, "first"),
                    permissions=self.op.permissions,
                    items=self.wrapper_wire(),
                    many=False,
                    embeds=embeds,
                    loads=len(self.op.loads),
                )
            ]
        try:
            self.list_shape()  # every row listed: no filter on by default
            items = self.items_wire()
        except _SkipError:
            return []
        size = min(25, self.op.listing.max_limit or 25)
        return [
            StatementCount(
                name=f"{self.op.function}_runs_as_many_statements_for_25_rows_as_for_1",
                doc=f"`{self.op.operation_id}` runs the same statements however many rows it "
                "answers: nothing is loaded row by row (N+1).",
                function=self.op.function,
                factory=factory,
                url=url,
                params=((self.op.listing.limit_wire, repr(str(size))),)
                if self.op.listing.limit_wire
                else (),
                permissions=self.op.permissions,
                items=items,
                sets=self.same_parent("more", "first"),
                embeds=embeds,
            )
        ]

    def fills_others(self) -> bool:
        """Whether the operation requires a header or query parameter other than its key."""
        return any(
            p.default is None and p.location != "path" and p is not self.op.key_query
            for p in self.op.params
        )

    def key_params(self, op: OperationPlan, row: str) -> tuple[tuple[str, str], ...]:
        """The query parameter naming `row` where `op` takes its key from the query
        (`GET /animal?uid=`): (wire name, Python source of its value)."""
        if op.key_query is None or op.key is None:
            return ()
        return ((op.key_query.wire, f"str({row}.{op.key[1]})"),)

    def url(self, op: OperationPlan, row: str, *, key_in_query: bool = True) -> str:
        """`op`'s path for `row` (an f-string source), its key and parents from the row; a key
        taken from the query is added to it unless the caller sends it (`key_params`)."""
        path = op.path
        bound = dict((*op.parents, *((op.key,) if op.key else ())))
        spec = self.d.specs.get(op.operation_id)
        schemas = {p.name: p.schema_ for p in (spec.parameters if spec else ())}
        for param in op.params:
            if param is op.key_query and op.key:
                if key_in_query:
                    path += f"?{param.wire}={{{row}.{op.key[1]}}}"
                continue
            if param.location != "path":
                continue
            if param.name not in bound:
                raise _SkipError("a path parameter the row does not give")
            if param.wire in schemas and takes_few_keys(schemas[param.wire], self.d.api_model):
                raise _SkipError("the parameter takes fewer keys than the tests' rows have")
            column = self.column(bound[param.name])
            if column.nullable or _base(param.annotation) not in (column.py_type, "str"):
                raise _SkipError("path type")
            path = path.replace("{" + param.wire + "}", "{" + f"{row}.{bound[param.name]}" + "}")
        return path

    def items_wire(self) -> str | None:
        """The wire name of a list envelope's items field; None for a bare array."""
        if not self.op.listing.envelope_class:
            return None
        if self.op.listing.items_field is None:
            raise _SkipError("no items field")
        return self.op.listing.items_field.wire

    def wrapper_wire(self) -> str | None:
        """The wire name of the field a response wraps its row in (`{"author": {...}}`)."""
        return self.op.response_wrapper.wire if self.op.response_wrapper else None

    def walk(self, row: str, params: tuple[tuple[str, str], ...] = ()) -> ListWalk:
        cls = self.item_class(self.op.item_class)
        key = self.key_attr(cls)
        shown = self.item_field(cls, key)
        if shown is None:
            raise _SkipError("the key is not in the response")
        key_wire = shown.wire
        items = self.items_wire()
        cursor = self.cursor_walk(items)
        if cursor is not None and self.op.listing.limit_wire:
            # one row a page, so the walk follows a cursor for every row after the first
            params = (*params, (self.op.listing.limit_wire, repr("1")))
        if self.op.listing.limit and not (
            self.op.listing.offset_wire or self.op.listing.page_wire or cursor
        ):
            raise _SkipError("no way to a later page")
        if (self.op.listing.page and not self.op.listing.page_wire) or (
            self.op.listing.offset and not self.op.listing.offset_wire
        ):
            raise _SkipError("no paging parameter")
        return ListWalk(
            function=self.op.function,
            url=self.url(self.op, row),
            params=params,
            permissions=self.op.permissions,
            paging=Paging(
                key=key_wire,
                items=items,
                page=self.op.listing.page_wire if self.op.listing.page else None,
                offset=self.op.listing.offset_wire if self.op.listing.offset else None,
                cursor=cursor,
            ),
        )

    def cursor_walk(self, items: str | None) -> tuple[str, tuple[str, ...]] | None:
        """(cursor parameter, path of envelope fields to the next cursor: `("page",
        "endCursor")`) of a cursor-paged list."""
        if not self.op.listing.cursor_wire or items is None or not self.op.listing.envelope_class:
            return None
        for part in self.op.listing.envelope_parts:
            if part.quantity == "next_cursor":
                return (self.op.listing.cursor_wire, (part.wire,))
            for inner in part.fields:
                if inner.quantity == "next_cursor":
                    return (self.op.listing.cursor_wire, (part.wire, inner.wire))
        return None

    def api_listing(self) -> ApiRoundTrip:
        _, key = self.list_shape()
        factory = self.d.factory.function
        rows = [("first", factory), ("second", factory)]
        checks = [f"str(first.{key}) in listed", f"str(second.{key}) in listed"]
        if self.op.parents:
            rows.append(("elsewhere", factory))
            checks += [f"str(elsewhere.{key}) not in listed", "len(listed) == 2"]
        return ApiRoundTrip(
            name=f"{self.op.function}_lists_the_new_rows",
            doc=f"`{self.op.operation_id}` answers the rows just created"
            + (", and only those under the parent in its path." if self.op.parents else "."),
            rows=tuple(rows),
            sets=self.same_parent("second", "first"),
            requests=(),
            listings=(("listed", self.walk("first")),),
            checks=tuple(checks),
        )

    def api_owned_listing(self) -> ApiRoundTrip:
        """On an owned table: a caller lists its own rows and none of another owner's."""
        if self.d.owner is None:
            raise _SkipError("not owned")
        owner = self.d.owner
        if owner in {attr for _, attr in self.op.parents}:
            raise _SkipError("the path names the owner: no other owner's row is under it")
        _, key = self.list_shape()
        factory = self.d.factory.function
        walk = dataclasses.replace(self.walk("mine"), subject=f"mine.{owner}")
        # under an owned parent, the caller must own that too
        parent = self.d.owned_parents.get(self.op.function)
        return ApiRoundTrip(
            name=f"{self.op.function}_lists_only_the_callers_rows",
            doc=f"`{self.op.operation_id}` answers the caller's rows, not another owner's.",
            rows=(("mine", factory), ("theirs", factory)),
            sets=(
                *self.same_parent("theirs", "mine"),
                *(((f"{parent.variable}.{parent.owner}", f"mine.{owner}"),) if parent else ()),
            ),
            requests=(),
            listings=(("listed", walk),),
            checks=(
                f"str(mine.{key}) in listed",
                f"mine.{owner} != theirs.{owner}",
                f"str(theirs.{key}) not in listed",
            ),
            lookup=("mine", parent) if parent else None,
        )

    def api_filter_builders(self) -> list[Callable[[], ApiRoundTrip]]:
        return [functools.partial(self.api_filtering, f) for f in self.op.listing.filters]

    def api_filtering(self, f: FilterPlan) -> ApiRoundTrip:
        _, key = self.list_shape()
        case = self.filter_case(f)
        factory = self.d.factory.function
        sets = {
            row: tuple((t.split(".", 1)[1], v) for t, v in case.sets if t.startswith(row + "."))
            for row in ("kept", "dropped")
        }
        if len(sets["kept"]) + len(sets["dropped"]) != len(case.sets):
            raise _SkipError("a filter case that sets another row")
        return ApiRoundTrip(
            name=f"{self.op.function}_filters",
            doc=f"`{self.op.operation_id}` keeps a row that matches each filter, and drops one "
            "that does not.",
            rows=(("kept", factory), ("dropped", factory)),
            sets=self.same_parent("dropped", "kept"),
            requests=(),
            listings=(("matching", self.walk("kept")),),
            checks=(f"str(kept.{key}) in matching", f"str(dropped.{key}) not in matching"),
            case=FilterCase(self.params[f.param].wire, case.query, sets["kept"], sets["dropped"]),
        )

    def api_update(self) -> ApiRoundTrip:
        get = self.get_op()
        if get is None:
            raise _SkipError("no get")
        cls = self.item_class(self.op.item_class)
        field, value = self.change(cls)
        get_cls = self.item_class(get.item_class)
        shown = self.item_field(get_cls, field.name)
        if shown is None:
            raise _SkipError("not shown")
        if self.op.body.media not in ("json", "form"):
            raise _SkipError("a body of files or bytes")
        if get.response_wrapper or self.op.body.wrapper:
            raise _SkipError("a row wrapped in the body or the answer")
        keyword = "data" if self.op.body.media == "form" else "json"
        body_cls = self.d.classes[self.op.body.class_name or ""]
        sent = [*self.kept_required(body_cls, field, as_json=True), f"{field.wire!r}: {value!r}"]
        body = f"{keyword}={{{', '.join(sent)}}}"
        return ApiRoundTrip(
            name=f"{self.op.function}_shows_in_a_later_get",
            doc=f"After `{self.op.operation_id}`, `{get.operation_id}` answers the new value.",
            rows=(("row", self.d.factory.function),),
            sets=(),
            requests=(
                (
                    "changed",
                    self.op.method.upper(),
                    self.url(self.op, "row"),
                    body,
                    self.op.permissions,
                ),
                ("after", "GET", self.url(get, "row"), None, get.permissions),
            ),
            listings=(),
            checks=(
                f"changed.status_code == {self.op.status}, changed.text",
                "after.status_code == 200, after.text",
                f"after.json()[{shown.wire!r}] == {value!r}",
            ),
        )

    def api_delete(self) -> ApiRoundTrip:
        get = self.get_op()
        again = (
            ("after", "GET", self.url(get, "row"), None, get.permissions)
            if get is not None
            else (
                "after",
                self.op.method.upper(),
                self.url(self.op, "row"),
                None,
                self.op.permissions,
            )
        )
        return ApiRoundTrip(
            name=f"{self.op.function}_then_get_is_404"
            if get is not None
            else f"{self.op.function}_twice_is_404",
            doc=f"After `{self.op.operation_id}`, "
            + (f"`{get.operation_id}`" if get is not None else "deleting again")
            + " answers 404.",
            rows=(("row", self.d.factory.function),),
            sets=(),
            requests=(
                (
                    "deleted",
                    self.op.method.upper(),
                    self.url(self.op, "row"),
                    None,
                    self.op.permissions,
                ),
                again,
            ),
            listings=(),
            checks=(
                f"deleted.status_code == {self.op.status}, deleted.text",
                "after.status_code == 404, after.text",
            ),
        )


@dataclass(frozen=True)
class _FilterCase:
    value: str  # Python source of the argument passed to the service
    sets: tuple[tuple[str, str], ...]  # assignments making `kept` match and `dropped` not
    query: str  # Python source of the query parameter's value over HTTP


def _query(value: str, annotation: str) -> str:
    if annotation in ("datetime.date", "datetime.datetime"):
        return f"({value}).isoformat()"
    if annotation in ("bool", "str"):
        return value
    return f"str({value})"


def _length(value: str) -> int | None:
    found = re.search(r"\[:(\d+)\]$", value)
    return int(found.group(1)) if found else None


__all__ = [
    "ApiRoundTrip",
    "Call",
    "ListWalk",
    "ServiceTest",
    "ServiceTestsPlan",
    "plan_row_tests",
]
