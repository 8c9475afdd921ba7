"""Planning the API layers: per operation, the router signature and what the service does."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from pydantic import JsonValue

from gen_backend.model import (
    ApiModel,
    EnvelopeShape,
    FilterOp,
    Operation,
    OperationKind,
    PaginationStyle,
    ParameterLocation,
    Schema,
    ServiceModel,
)
from gen_backend.model.api import JsonScalar
from gen_backend.model.bounds import Bound, Range
from gen_backend.model.infer import sort_values
from gen_backend.model.naming import snake
from gen_backend.model.uploads import MULTIPART, upload_columns
from gen_backend.model.wire import allowed_values, filter_misfit, wraps_row
from gen_backend.plan.access import AccessPlan, plan_access
from gen_backend.plan.database import TablePlan
from gen_backend.plan.embeds import LoadPlan, plan_embedding
from gen_backend.plan.links import served_links
from gen_backend.plan.names import camel, class_name, field_name, identifier, taken_name, unique
from gen_backend.plan.pytypes import (
    ClassRef,
    Keyword,
    ListOf,
    LiteralOf,
    Name,
    PyType,
    Scalar,
    arguments,
)
from gen_backend.plan.schemas import (
    BYTES,
    COMMON,
    FLOAT,
    INT,
    STR,
    UPLOAD,
    ClassPlan,
    FieldPlan,
    SchemaPlanner,
    field_constraints,
)

FORM = "application/x-www-form-urlencoded"
_CRUD = {
    OperationKind.LIST,
    OperationKind.GET,
    OperationKind.CREATE,
    OperationKind.REPLACE,
    OperationKind.UPDATE,
    OperationKind.DELETE,
}


@dataclass(frozen=True)
class ParamPlan:
    name: str  # Python parameter
    wire: str
    location: str  # path, query, header, cookie
    annotation: PyType
    marker: str  # Path, Query, Header
    arguments: tuple[Keyword, ...]  # the marker's: its alias, its bounds
    default: str | None  # source text of the default, None when required
    # taken as text: a structured value FastAPI cannot take in this place (an array in the
    # path, an object in the query), which the service parses itself
    raw: bool = False

    @property
    def declaration(self) -> str:
        """`Query(alias="page-size", ge=1)`: what FastAPI reads the parameter with."""
        return f"{self.marker}({arguments(self.arguments)})"

    @property
    def implicit(self) -> bool:
        """A query parameter FastAPI reads as one by its type alone: `q: str | None = None`."""
        bare = self.annotation.bare
        return (
            self.marker == "Query"
            and not self.arguments
            and self.annotation.plain == self.annotation
            and _is_scalar(bare)
        )

    @property
    def python_type(self) -> PyType:
        """The annotation without its wire format: what the service is handed."""
        return self.annotation.plain


@dataclass(frozen=True)
class FilterPlan:
    param: str  # Python parameter name
    attrs: tuple[str, ...]  # ORM attributes
    op: FilterOp


@dataclass(frozen=True)
class UploadPlan:
    """A file sent in a multipart body, and the columns of the new row it fills: its bytes,
    file name, media type and size (each None when the table has no such column)."""

    field: str
    required: bool
    content: str | None = None
    file_name: str | None = None
    media_type: str | None = None
    size: str | None = None

    @property
    def attrs(self) -> tuple[str, ...]:
        return tuple(a for a in (self.content, self.file_name, self.media_type, self.size) if a)


@dataclass(frozen=True)
class EnvelopePart:
    """One field of a list envelope besides its items: a quantity the service knows (`total`,
    `page`, `limit`, `offset`, a cursor, whether a page comes before or after, or a page URL:
    `self`, `first`, `prev`, `next`, `last`), the one value the spec allows it (`constant`:
    `"object": {"const": "list"}`), or an object of such fields."""

    field: str  # its Python name
    wire: str  # its name on the wire, the schema's constructor keyword
    quantity: str  # one of the above, or `object`
    class_name: str | None = None
    fields: tuple[EnvelopePart, ...] = ()  # an object's
    constant: JsonScalar = None
    maximum: float | None = None  # the spec's, for a number

    @property
    def quantities(self) -> set[str]:
        """Its own quantity and those of an object's fields."""
        return {self.quantity, *(q for part in self.fields for q in part.quantities)}

    @property
    def needs_url(self) -> bool:
        return bool(self.quantities & {"self", "first", "prev", "next", "last"})


@dataclass(frozen=True)
class ListPlan:
    """How a list operation narrows, orders and pages its rows, and what its envelope holds
    (empty for every other kind of operation). Parameters by their Python names, `*_wire`
    by their names in the query."""

    filters: tuple[FilterPlan, ...] = ()
    limit: str | None = None  # page-size parameter
    offset: str | None = None  # offset parameter
    page: str | None = None  # page-number parameter
    default_limit: int = 20
    max_limit: int | None = None  # the spec's maximum page size; None: the setting caps it
    cursor: str | None = None  # the cursor parameter of keyset paging
    page_wire: str | None = None  # the paging parameters' wire names, for page links
    limit_wire: str | None = None
    offset_wire: str | None = None
    cursor_wire: str | None = None
    # the sort parameter and its allowlist: (value, ORM attr, descending)
    sort: tuple[str, tuple[tuple[str, str, bool], ...]] | None = None
    # the order after any sort asked for: (ORM attr, descending), the key last
    order: tuple[tuple[str, bool], ...] = ()
    envelope_class: str | None = None  # the list response class, None for a bare array
    items_field: FieldPlan | None = None  # its field of the rows
    # the envelope's other fields and what fills them (see EnvelopePart)
    envelope_parts: tuple[EnvelopePart, ...] = ()

    @property
    def needs_url(self) -> bool:
        return any(part.needs_url for part in self.envelope_parts)

    @property
    def envelope_quantities(self) -> set[str]:
        return {q for part in self.envelope_parts for q in part.quantities}

    @property
    def needs_page(self) -> bool:
        """Whether the envelope needs the page's place (links, page numbers, cursors), not
        only the total and constants."""
        return bool(self.envelope_quantities - {"total", "constant"})


@dataclass(frozen=True)
class BodyPlan:
    """What an operation takes as its request body, and what it writes of it."""

    type: PyType | None = None  # the body's annotation; None: no body, or raw bytes
    # how it is sent: `json`, `form` (urlencoded), `multipart`, or `raw`: bytes of another
    # media type (`content_type`) that the service reads itself
    media: str = "json"
    content_type: str | None = None  # a raw body's, or a JSON body's other than plain
    attrs: tuple[tuple[str, str], ...] = ()  # (body field, ORM attr) written by create/update
    # every field of the body is written: the service dumps the body without naming them
    writes_whole: bool = False
    # a body that wraps the row in one field (`{"user": {...}}`): that field's Python name
    wrapper: str | None = None
    uploads: tuple[UploadPlan, ...] = ()  # files of a multipart create, and where they go

    @property
    def class_name(self) -> str | None:
        """The class the body is, without its `| None`."""
        return self.type.class_name if self.type else None

    @property
    def media_types(self) -> tuple[str, ...]:
        """The media types the route takes a body as (any JSON type where JSON is taken)."""
        if self.type is None and self.media != "raw":
            return ()
        return {
            "json": (self.content_type or "application/json",),
            "form": (FORM,),
            "multipart": ("multipart/form-data",),
        }.get(self.media, (self.content_type or "*/*",))

    @property
    def raw_sample(self) -> tuple[str, str]:
        """A body of a raw media type that parses as one, for the tests: (Content-Type, the
        bytes as source). A multipart body needs a boundary, a form a field."""
        media = (self.content_type or "").split(";")[0].strip().lower()
        if media == MULTIPART:
            part = 'Content-Disposition: form-data; name="example"'
            body = f"--sample\r\n{part}\r\n\r\nexample\r\n--sample--\r\n"
            return f"{MULTIPART}; boundary=sample", "b" + repr(body)
        if media == FORM:
            return FORM, 'b"example=example"'
        return self.content_type or "application/octet-stream", 'b"example"'


@dataclass(frozen=True)
class OperationPlan:
    operation_id: str
    function: str
    method: str
    path: str
    summary: str | None
    kind: OperationKind  # CUSTOM for everything the service cannot do by itself
    module: str  # the domain package (or `common`)
    table: TablePlan | None
    params: tuple[ParamPlan, ...]
    body: BodyPlan  # what it takes as its request body
    status: int
    response: PyType | None  # the success body's annotation
    other_responses: tuple[tuple[int | str, str], ...]  # (status, description)
    public: bool
    permissions: tuple[str, ...]  # those of `primary_access`, the way in the tests use
    key: tuple[str, str] | None  # (param, ORM attr) selecting one row
    parents: tuple[tuple[str, str], ...]  # (param, ORM attr) set from / filtered by the path
    item_class: str | None  # the class of one row in a response
    why_custom: str | None  # why a CRUD-looking operation is left to hand-written code
    listing: ListPlan = ListPlan()  # a list's filters, order, paging and envelope
    loads: tuple[LoadPlan, ...] = ()  # the relationships its response embeds

    @property
    def embeds(self) -> str | None:
        """The service module's constant holding the loader options of what the response
        embeds (one per response class), if it embeds anything."""
        if not self.loads or not self.item_class:
            return None
        return f"{snake(self.item_class).upper()}_EMBEDS"

    @property
    def key_query(self) -> ParamPlan | None:
        """The query parameter the row's key is read from (`GET /animal?uid=`), if any."""
        key = self.key[0] if self.key else None
        return next((p for p in self.params if p.location == "query" and p.name == key), None)

    def may_be_absent(self, name: str | None) -> bool:
        """Whether parameter `name` may come as None (the spec gives it no default)."""
        return any(p.name == name and p.default == "None" for p in self.params)

    @property
    def sort_checked(self) -> bool:
        """Whether the route already holds the sort parameter to the allowlist: its type is a
        `Literal` of allowed values, so the service need not look again."""
        sort = self.listing.sort
        if sort is None:
            return False
        param = next(p for p in self.params if p.name == sort[0])
        bare = param.annotation.plain.bare
        allowed = {value for value, _, _ in sort[1]}
        return isinstance(bare, LiteralOf) and {str(v) for v in bare.values} <= allowed

    spec_parameters: tuple[tuple[str, str], ...] = ()  # (name, in) as the spec declares them
    spec_statuses: tuple[str, ...] = ()  # every status the spec declares
    description: str | None = None  # the spec's description of the operation
    # a response that wraps the row in one field (the response class is `response`, the
    # row's `item_class`)
    response_wrapper: FieldPlan | None = None
    # a lookup: (ORM attr, how the path's text is read for it) per column the key parameter
    # may name the row by, in order (`("id", "uuid.UUID"), ("name", "str")`)
    key_lookup: tuple[tuple[str, str], ...] = ()
    raw_response: str | None = None  # the media type of a success body that is not JSON
    status_description: str | None = None  # the spec's description of the success response
    json_response: str | None = None  # a JSON media type other than application/json
    access: tuple[AccessPlan, ...] = ()  # the ways in (any one suffices); none when public
    idempotent: bool = False  # a retry with the same Idempotency-Key replays the first answer
    # the spec's OpenAPI links on the success response, to operations served (see plan.links)
    links: JsonValue = None

    @property
    def produced_statuses(self) -> tuple[int, ...]:
        """The error statuses the generated code may answer where the spec is silent, for the
        route's OpenAPI `responses` (described in app/core/responses.py), so a contract test
        finds each answer documented."""
        declared = {str(status) for status, _ in self.other_responses}
        produced = (
            400 if self.body.media_types or self.idempotent else None,
            401 if not self.public else None,
            403 if any(a.permissions for a in self.access) else None,
            404 if any(p.location == "path" for p in self.params) else None,
            409 if self.method in ("post", "put", "patch", "delete") else None,
            413 if self.body.media_types else None,
            415 if self.body.media_types else None,
            422 if self.params or self.body.media_types else None,
            429,
            500,
        )
        return tuple(s for s in produced if s is not None and str(s) not in declared)

    @property
    def problem_responses(self) -> tuple[int | str, ...]:
        """Every error status the route documents: the spec's own, then those produced."""
        return (*(status for status, _ in self.other_responses), *self.produced_statuses)

    @property
    def primary_access(self) -> AccessPlan | None:
        """The way in the tests use: a bearer token alone where the spec allows it."""
        return next(
            (a for a in self.access if a.bearer_only), self.access[0] if self.access else None
        )

    @property
    def bearer_callable(self) -> bool:
        """Whether a bearer token alone (or no credential, when public) lets the caller in:
        how the generated tests call."""
        return self.public or (self.primary_access is not None and self.primary_access.bearer_only)

    @property
    def plain_bearer(self) -> bool:
        """Whether a bearer token with the permissions is the only way in."""
        return len(self.access) == 1 and self.access[0].bearer_only

    @property
    def credential_call(self) -> str:
        """The opening of the test helper call that makes the caller's credentials."""
        primary = self.primary_access
        if primary is None or primary.bearer_only or not primary.api_keys:
            return "token("
        return f"api_key({primary.api_keys[0]!r}, "

    @property
    def challenge(self) -> str:
        """The first scheme of the 401's `WWW-Authenticate`."""
        return "Bearer" if any(a.bearer for a in self.access) or not self.access else "ApiKey"

    @property
    def response_class(self) -> str | None:
        """The route's `response_class`, when not FastAPI's JSON one (a success without a
        body is documented with none, not as an empty JSON schema)."""
        if self.status == 204 or self.raw_response or self.response is None:
            return "Response"
        return json_response_class(self.json_response) if self.json_response else None

    @property
    def body_row(self) -> str:
        """The expression holding the row's fields in the body."""
        return f"body.{self.body.wrapper}" if self.body.wrapper else "body"

    @property
    def doc(self) -> str:
        """The operation's docstring: its summary, then the spec's description."""
        parts = [self.summary or self.operation_id]
        if self.description and self.description.strip() != (self.summary or "").strip():
            parts.append(self.description.strip())
        return "\n\n".join(parts)


def plan_operations(
    service: ServiceModel,
    tables: dict[str, TablePlan],
    packages: dict[str, str],
    refused: Mapping[str, str] | None = None,
) -> tuple[tuple[OperationPlan, ...], SchemaPlanner]:
    """Every in-scope operation's plan. `refused`: operationId -> why a value it carries
    cannot cross to its column (see plan.wire); such an operation is a stub."""
    ops_by_module: dict[str, list[Operation]] = {}
    for op in service.in_scope_operations:
        module = packages.get(op.table or "", COMMON)
        ops_by_module.setdefault(module, []).append(op)
    planner = SchemaPlanner(service.api)
    planner.assign(ops_by_module)
    planner.build()
    schemes = {scheme.name: scheme for scheme in service.api.security_schemes}
    plans = []
    functions: set[str] = set()
    by_class = {t.class_name: t for t in tables.values()}
    for module, ops in ops_by_module.items():
        for op in ops:
            owner = service.auth.ownership_of(op.table or "")
            design = service.design.table(op.table) if op.table else None
            by_name = {p.name: p for p in op.parameters}
            misfits = frozenset(
                f.param
                for f in op.filters
                if design and filter_misfit(f, by_name.get(f.param), design, service.api)
            )
            plan = _operation(
                op,
                module,
                tables.get(op.table or ""),
                planner,
                functions,
                owner.owner_column if owner else None,
                by_class,
                (refused or {}).get(op.operation_id),
                misfits,
            )
            plan = dataclasses.replace(
                plan,
                access=plan_access(op, schemes),
                links=served_links(op, service.in_scope_operations) or None,
                params=_paging_from_zero(
                    dataclasses.replace(plan, params=_params_within_columns(plan))
                ),
            )
            _body_within_columns(plan, planner)
            if plan.primary_access is not None:
                plan = dataclasses.replace(plan, permissions=plan.primary_access.permissions)
            plans.append(plan)
    return tuple(plans), planner


def unbound_reason(op: Operation) -> str:
    """Why an operation whose path names what its table cannot bind is left to hand-written
    code (check's PATH_PARAM_UNBOUND says the same)."""
    names = ", ".join(f"`{name}`" for name in op.unbound_path_params)
    return f"path parameter {names} selects nothing in `{op.table}`"


# how a lookup's path text is read as a column's value; any other type is matched as text
_READERS = {"uuid.UUID": "uuid.UUID", "int": "int"}


def _paging_from_zero(plan: OperationPlan) -> tuple[ParamPlan, ...]:
    """`plan`'s parameters, a page size or offset held to 0 and up and a page number to 1 and
    up where the spec sets no lower bound (a negative one is no page: SQLite would answer
    every row, PostgreSQL refuse)."""
    lowest = {plan.listing.limit: 0, plan.listing.offset: 0, plan.listing.page: 1}
    return tuple(
        dataclasses.replace(
            param,
            arguments=tuple(
                Keyword("ge", lowest[param.name], implied=True)
                if k.key == "ge" and k.implied
                else k
                for k in param.arguments
            ),
        )
        if param.name in lowest
        else param
        for param in plan.params
    )


def _params_within_columns(plan: OperationPlan) -> tuple[ParamPlan, ...]:
    """`plan`'s parameters, those naming a narrower integer column (its key, a parent, a
    filter on one column) held to that column type's range where the spec sets no bound (a
    lookup beyond it is not sent to the database, which would refuse it)."""
    if plan.table is None:
        return plan.params
    columns = {c.attr: c for c in plan.table.columns}
    bound = dict((*plan.parents, *((plan.key,) if plan.key else ())))
    bound |= {f.param: f.attrs[0] for f in plan.listing.filters if len(f.attrs) == 1}
    narrowed = []
    for param in plan.params:
        column = columns.get(bound.get(param.name, ""))
        holds = column.type_holds if column else None
        keywords = param.arguments
        if holds is not None and holds.step == 1:
            ends = {"ge": holds.low, "le": holds.high}
            keywords = tuple(
                Keyword(k.key, int(end.value), implied=True)
                if k.implied and (end := ends.get(k.key)) is not None
                else k
                for k in keywords
            )
        narrowed.append(dataclasses.replace(param, arguments=keywords))
    return tuple(narrowed)


def _body_within_columns(plan: OperationPlan, planner: SchemaPlanner) -> None:
    """Hold the number fields of `plan`'s body class to what the columns they write hold
    (their type's range, their CHECKs), in `planner`'s classes, which the schemas render: a
    value the database would refuse is a field-level 422 the served OpenAPI explains."""
    name = plan.body.class_name
    body = planner.classes.get(name or "")
    if plan.table is None or body is None:
        return
    if plan.body.wrapper:
        wrapper = next((f for f in body.fields if f.name == plan.body.wrapper), None)
        name = wrapper.annotation.class_name if wrapper else None
        body = planner.classes.get(name or "")
        if body is None:
            return
    columns = {c.attr: c for c in plan.table.columns}
    written = {field: columns[attr] for field, attr in plan.body.attrs if attr in columns}
    if plan.kind is OperationKind.UPDATE:  # a NOT NULL column's field: left out, or a value
        body = dataclasses.replace(
            body,
            not_null=tuple(
                f.name
                for f in body.fields
                if f.name in written
                and not written[f.name].nullable
                and not f.nullable
                and f.annotation.optional
            ),
        )
    fields = []
    for field in body.fields:
        column = written.get(field.name)
        kind = field.annotation.bare
        named = planner.classes.get(kind.class_name or "")
        if column is None or column.holds is None:
            pass
        elif kind in (INT, FLOAT):
            field = dataclasses.replace(
                field, constraints=held_to(field.constraints, column.holds, whole=kind == INT)
            )
        elif named is not None and named.root in (INT, FLOAT):  # `price: EventPrice`
            held = held_to(named.root_constraints, column.holds, whole=named.root == INT)
            planner.classes[named.name] = dataclasses.replace(named, root_constraints=held)
        fields.append(field)
    planner.classes[body.name] = dataclasses.replace(body, fields=tuple(fields))


def held_to(constraints: tuple[Keyword, ...], holds: Range, *, whole: bool) -> tuple[Keyword, ...]:
    """`Field(...)` keywords that also hold a value to each end of `holds` their own do not
    already: the schemas' 64-bit defaults are replaced in place, the spec's kept (the served
    document keeps them), a tighter end added beside them."""
    result = list(constraints)
    sendable = holds.sendable
    for below, need in ((True, sendable.low), (False, sendable.high)):
        if need is None:
            continue
        loose, strict = ("ge", "gt") if below else ("le", "lt")
        spec = {k.key for k in result if k.key in (loose, strict) and not k.implied}
        current = [
            Bound(value, k.key == strict)
            for k in result
            if k.key in (loose, strict) and (value := k.number) is not None
        ]
        if any(not _tighter_than(need, c, below=below) for c in current):
            continue
        key = strict if need.strict else loose
        if key in spec:  # the spec's own: the other keyword, a hair tighter at worst
            key = loose if key == strict else strict
            if key in spec or key == loose:  # a loose end would admit the excluded value
                continue
        end = int(need.value) if whole else Decimal(repr(float(need.value)))
        keyword = Keyword(key, end, implied=True)
        widest = [i for i, k in enumerate(result) if k.key == key and k.implied]
        if widest:
            result[widest[0]] = keyword
        else:
            result.append(keyword)
    return tuple(result)


def _tighter_than(end: Bound, other: Bound, *, below: bool) -> bool:
    if end.value == other.value:
        return end.strict and not other.strict
    return end.value > other.value if below else end.value < other.value


def _status(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _operation(
    op: Operation,
    module: str,
    table: TablePlan | None,
    planner: SchemaPlanner,
    functions: set[str],
    owner: str | None,
    tables: dict[str, TablePlan],
    refused: str | None = None,
    misfits: frozenset[str] = frozenset(),
) -> OperationPlan:
    """`tables` is every table's plan by ORM class name, for what a response embeds;
    `refused`, why a value of it cannot cross to its column; `misfits`, the filters whose op
    has no meaning for their column (not applied; FILTER_OP_MISMATCH says so)."""
    params: list[ParamPlan] = []
    taken: set[str] = {"body", "session", "principal", "service", "response"}
    python: dict[str, str] = {}
    for parameter in op.parameters:
        if parameter.location is ParameterLocation.COOKIE:
            continue
        name = unique(field_name(parameter.name), taken)
        python[parameter.name] = name
        annotation = planner.annotation(parameter.schema_, module, f"{op.operation_id}Param")
        # a named non-object schema is a RootModel class; a parameter takes its plain type
        # (FastAPI would read a model-typed query parameter as a group of parameters)
        named = planner.classes.get(annotation.class_name or "")
        if named is not None and named.root is not None:
            annotation = named.root.or_none() if annotation.optional else named.root
        bare = annotation.bare
        raw = not (
            _is_scalar(bare)
            or (
                parameter.location is not ParameterLocation.PATH
                and isinstance(bare, ListOf)
                and _is_scalar(bare.inner)
            )
        )
        if raw:
            annotation = STR.or_none() if annotation.optional else STR
        schema = parameter.schema_
        # a header's Python name would be read with hyphens for underscores: it keeps its own
        aliased = name != parameter.name or parameter.location is ParameterLocation.HEADER
        constraints = [Keyword("alias", parameter.name)] if aliased else []
        if parameter.location is ParameterLocation.HEADER and "_" in parameter.name:
            # `api_key` stays `api_key`
            constraints.append(Keyword("convert_underscores", False))
        resolved = planner.api.resolve(schema)
        is_key = (
            op.idempotent
            and parameter.location is ParameterLocation.HEADER
            and parameter.name.lower() == "idempotency-key"
        )
        if annotation.bare in (STR, INT, FLOAT) and not raw:
            # the same bounds as a body field of this schema; the key's pattern is the app's
            constraints.extend(
                k for k in field_constraints(resolved) if not (is_key and k.key == "pattern")
            )
        if is_key:
            constraints.append(Keyword("pattern", Name("KEY_PATTERN")))  # the app's key
        default: str | None = None
        if not parameter.required:
            if resolved.has_default and isinstance(resolved.default, str | int | float | bool):
                default = repr(resolved.default)
            else:
                default = "None"
                annotation = annotation.or_none()
        marker = {"path": "Path", "query": "Query", "header": "Header"}[parameter.location.value]
        params.append(
            ParamPlan(
                name=name,
                wire=parameter.name,
                location=parameter.location.value,
                annotation=annotation,
                default=default,
                marker=marker,
                arguments=tuple(constraints),
                raw=raw,
            )
        )
    body: PyType | None = None
    body_media = "json"
    body_content_type: str | None = None  # a JSON body's media type other than application/json
    why_custom: str | None = refused
    if op.request_body and op.request_body.body.schema_:
        content_type = op.request_body.body.content_type
        media = content_type.split(";")[0].strip().lower()
        schema = op.request_body.body.schema_
        hint = f"{op.operation_id}Body"
        if is_json(media):
            body = planner.annotation(schema, module, hint)
            if not op.request_body.required:
                body = body.or_none()
            if not _plain_json(media):
                body_content_type = content_type
        elif media in (FORM, MULTIPART):
            annotation = planner.annotation(schema, module, hint, uploads=media == MULTIPART)
            form = planner.classes.get(annotation.class_name or "")
            if form is not None and form.root is None:
                body = ClassRef(form.name)  # a form is always sent, if only empty
                body_media = "multipart" if media == MULTIPART else "form"
            else:  # a form model must be an object: the service reads this one itself
                why_custom = f"a {content_type} body that is not an object"
                body, body_media, body_content_type = BYTES, "raw", content_type
        else:
            why_custom = f"a {content_type} body"
            body, body_media, body_content_type = BYTES, "raw", content_type
    success = op.success_response
    status = (
        int(success.status)
        if success and success.status.isdigit()
        else (201 if op.kind is OperationKind.CREATE else 200)
    )
    response: PyType | None = None
    answered = success.body.content_type if success and success.body and status != 204 else None
    raw_response = answered if answered and not is_json(answered) else None
    json_response = (
        answered if answered and is_json(answered) and not _plain_json(answered) else None
    )
    if raw_response:
        response = Scalar("Response")  # the service answers the bytes and their media type
        why_custom = why_custom or f"a {raw_response} response"
    elif success and success.body and success.body.schema_ and status != 204:
        response = planner.annotation(success.body.schema_, module, f"{op.operation_id}Response")
    others = tuple(
        (_status(r.status), r.description or r.status) for r in op.responses if r is not success
    )

    kind = op.kind if table is not None and op.kind in _CRUD else OperationKind.CUSTOM
    key: tuple[str, str] | None = None
    parents: tuple[tuple[str, str], ...] = ()
    if table is not None:
        key = next(
            (
                (python[b.param], table.column(b.column).attr)
                for b in op.path_bindings
                if b.is_key and b.param in python
            ),
            None,
        )
        parents = tuple(
            (python[b.param], table.column(b.column).attr)
            for b in op.path_bindings
            if not b.is_key
            and b.param in python
            and (b.parent_column is None or _is_fk_target(table, b.column, b.parent_column))
        )
    lookup = next((b for b in op.path_bindings if b.is_key and b.alternatives), None)
    key_lookup = (
        tuple(
            (table.column(name).attr, _READERS.get(table.column(name).py_type, "str"))
            for name in (lookup.column, *lookup.alternatives)
        )
        if table and lookup
        else ()
    )
    if table and op.unbound_path_params:
        why_custom = why_custom or unbound_reason(op)
    if table and any(
        not b.is_key
        and b.param in python
        and (python[b.param], table.column(b.column).attr) not in parents
        for b in op.path_bindings
    ):
        why_custom = why_custom or "a parent selected by a column other than its key"
    if (
        kind
        in (OperationKind.GET, OperationKind.REPLACE, OperationKind.UPDATE, OperationKind.DELETE)
        and key is None
    ):
        why_custom = why_custom or "no path parameter selects the row"
    item_class = envelope_class = None
    items_field = response_wrapper = None
    body_wrapper: str | None = None
    uploads: tuple[UploadPlan, ...] = ()
    envelope_parts: tuple[EnvelopePart, ...] = ()
    if response and kind is not OperationKind.CUSTOM:
        if kind is OperationKind.LIST:
            if op.envelope and op.envelope.shape is EnvelopeShape.OBJECT:
                envelope_class = response.class_name
                envelope = planner.classes.get(envelope_class or "")
                if envelope is None or envelope.root is not None:
                    why_custom = why_custom or "a list envelope that is not an object"
                else:
                    by_wire = {f.wire: f for f in envelope.fields}
                    items = by_wire.get(op.envelope.items_field or "")
                    items_field = items
                    item_class = _item_class(items.annotation) if items else None
                    parts = _envelope_parts(
                        envelope,
                        items,
                        planner,
                        success.body.schema_ if success and success.body else None,
                    )
                    if parts is None or item_class is None:
                        why_custom = why_custom or "a list envelope with fields of its own"
                    else:
                        envelope_parts = parts
            else:
                named = planner.classes.get(response.class_name or "")
                if named is not None and isinstance(named.root, ListOf):
                    response = named.root  # a named array (`SpecialEventCollection`): its items
                item_class = _item_class(response)
        else:
            item_class = response.class_name
            inner = _wrapped(planner, response, table)
            if inner is not None:
                response_wrapper, item_class = inner[0], inner[1].name
        if not _is_row(planner.classes.get(item_class or ""), planner.classes):
            why_custom = why_custom or "a response that is not one row"
    body_attrs: tuple[tuple[str, str], ...] = ()
    writes_whole_body = False
    if (
        table
        and body
        and kind in (OperationKind.CREATE, OperationKind.REPLACE, OperationKind.UPDATE)
    ):
        body_class = planner.classes.get(body.class_name or "")
        inner = _wrapped(planner, body, table) if body_media == "json" else None
        if inner is not None:
            body_wrapper, body_class = inner[0].name, inner[1]
        if body_class is None or body_class.root is not None:
            why_custom = why_custom or "a request body that is not one row"
        else:
            body_attrs = _written(body_class, table, kind, owner)
            writes_whole_body = {f.name for f in body_class.fields} == {f for f, _ in body_attrs}
            owned = {c.attr for c in table.columns if c.name == owner}
            kept_nowhere = [
                f.wire
                for f in body_class.fields
                if f.required
                and not f.read_only
                and not f.annotation.mentions(UPLOAD)
                and table.attr_of(f.name) is None
            ]
            if kept_nowhere:  # a value the client must send, which the service would drop
                names = ", ".join(f"`{wire}`" for wire in kept_nowhere)
                why_custom = (
                    why_custom or f"the request's required {names} has no column to keep it"
                )
            if kind is OperationKind.CREATE:
                uploads = tuple(
                    _upload(f, table, {a for _, a in body_attrs} | owned)
                    for f in body_class.fields
                    if f.annotation.mentions(UPLOAD)
                )
                if any(not u.attrs for u in uploads):
                    why_custom = why_custom or "a file upload that no column keeps"
            elif any(f.annotation.mentions(UPLOAD) for f in body_class.fields):
                why_custom = why_custom or "a file upload to an existing row"
    if table and kind is OperationKind.CREATE and not why_custom:
        body_class = planner.classes.get(body.class_name or "") if body else None
        if body_wrapper and body_class:
            wrapper = next(f.annotation for f in body_class.fields if f.name == body_wrapper)
            body_class = planner.classes[wrapper.class_name or ""]
        always_sent = (
            {f.name for f in body_class.fields if f.required or f.default != "None"}
            if body_class
            else set()
        )
        filled = (
            {attr for f, attr in body_attrs if f in always_sent}
            | {attr for _, attr in parents}
            | {c.attr for c in table.columns if c.name == owner}
            | {attr for u in uploads if u.required for attr in u.attrs}
        )
        unfilled = [
            c.name
            for c in table.columns
            if not c.nullable
            and c.attr not in filled
            and not (c.server_default or c.python_default or c.autoincrement)
        ]
        if unfilled:
            why_custom = f"nothing fills the NOT NULL column(s) {', '.join(unfilled)}"
    loads: tuple[LoadPlan, ...] = ()
    if table and item_class in planner.classes and not why_custom:
        row_class = planner.classes[item_class]
        for variant in [planner.classes[m] for m in row_class.members] or [row_class]:
            embedding = plan_embedding(variant, table, planner.classes, tables)
            why_custom, loads = why_custom or embedding.why_not, loads + embedding.loads
        if row_class.members and loads:
            why_custom = why_custom or "one of several rows, embedding others"
    if (
        kind is OperationKind.LIST
        and op.pagination
        and op.pagination.style is PaginationStyle.CURSOR
        and not any(part.quantities & {"next_cursor", "next"} for part in envelope_parts)
    ):
        why_custom = why_custom or "cursor paging with no response field for the next cursor"
    if why_custom:
        kind = OperationKind.CUSTOM
    elif body is not None:
        body = body.bare  # a row's fields are needed: the body is too
    filters = (
        tuple(
            FilterPlan(
                param=python[f.param], attrs=tuple(table.column(c).attr for c in f.columns), op=f.op
            )
            for f in op.filters
            if f.param in python
            and f.param not in misfits
            and table
            and all(any(col.name == c for col in table.columns) for c in f.columns)
        )
        if kind is OperationKind.LIST
        else ()
    )
    paging = op.pagination if kind is OperationKind.LIST else None
    return OperationPlan(
        raw_response=raw_response,
        status_description=success.description if success else None,
        json_response=json_response,
        description=op.description,
        response_wrapper=response_wrapper if kind is not OperationKind.CUSTOM else None,
        listing=ListPlan(
            filters=filters,
            limit=python.get(paging.limit_param or "") if paging else None,
            offset=python.get(paging.offset_param or "") if paging else None,
            page=python.get(paging.page_param or "") if paging else None,
            default_limit=(paging.default_size or 20) if paging else 20,
            max_limit=paging.max_size if paging else None,
            cursor=python.get(paging.cursor_param or "") if paging else None,
            page_wire=paging.page_param if paging else None,
            limit_wire=paging.limit_param if paging else None,
            offset_wire=paging.offset_param if paging else None,
            cursor_wire=paging.cursor_param if paging else None,
            sort=_sort(op, table, python, planner)
            if kind is OperationKind.LIST and table
            else None,
            order=_default_order(table, parents) if kind is OperationKind.LIST and table else (),
            envelope_class=envelope_class,
            items_field=items_field,
            envelope_parts=envelope_parts,
        ),
        spec_parameters=tuple(
            (p.name, p.location.value)
            for p in op.parameters
            if p.location is not ParameterLocation.COOKIE
        ),
        spec_statuses=tuple(r.status for r in op.responses if r.status.isdigit()),
        operation_id=op.operation_id,
        idempotent=op.idempotent,
        function=taken_name(identifier(op.operation_id), functions, "_", planner.renamed),
        method=op.method.value,
        path=op.path,
        summary=op.summary,
        kind=kind,
        module=module,
        table=table,
        params=tuple(params),
        body=BodyPlan(
            type=body,
            media=body_media,
            content_type=body_content_type,
            attrs=body_attrs,
            writes_whole=writes_whole_body,
            wrapper=body_wrapper if kind is not OperationKind.CUSTOM else None,
            uploads=uploads if kind is not OperationKind.CUSTOM else (),
        ),
        status=status,
        response=response,
        other_responses=others,
        public=op.public,
        permissions=op.permissions,
        key=key,
        parents=parents,
        item_class=item_class,
        key_lookup=key_lookup,
        loads=loads if kind is not OperationKind.CUSTOM else (),
        why_custom=why_custom
        if op.kind in _CRUD and table is not None
        else ("not a CRUD operation" if kind is OperationKind.CUSTOM else None),
    )


# what a list envelope's fields may hold, by their snake_case names
_QUANTITIES = {
    "total": "total",
    "count": "total",
    "total_count": "total",
    "total_items": "total",
    "total_results": "total",
    "total_size": "total",
    "page": "page",
    "page_number": "page",
    "current_page": "page",
    "per_page": "limit",
    "page_size": "limit",
    "limit": "limit",
    "size": "limit",
    "offset": "offset",
    "skip": "offset",
    "self": "self",
    "first": "first",
    "prev": "prev",
    "previous": "prev",
    "next": "next",
    "last": "last",
    "next_cursor": "next_cursor",
    "next_page_token": "next_cursor",
    "next_token": "next_cursor",
    "next_page_cursor": "next_cursor",
    "end_cursor": "next_cursor",
    "cursor": "next_cursor",
    "has_more": "has_more",
    "has_next": "has_more",
    "has_next_page": "has_more",
    "start_cursor": "start_cursor",
    "prev_cursor": "start_cursor",
    "previous_cursor": "start_cursor",
    "has_prev": "has_prev",
    "has_previous": "has_prev",
    "has_prev_page": "has_prev",
    "has_previous_page": "has_prev",
}


def _quantity(wire: str) -> str | None:
    name = snake(wire)
    return _QUANTITIES.get(name) or ("total" if name.endswith("_count") else None)


def _envelope_parts(
    envelope: ClassPlan, items: FieldPlan | None, planner: SchemaPlanner, schema: Schema | None
) -> tuple[EnvelopePart, ...] | None:
    """How to fill every field of a list envelope (of `schema`) besides its items; None when
    a required field holds something the service cannot know."""
    parts: list[EnvelopePart] = []
    specs = _property_schemas(planner.api, schema)
    for field_plan in envelope.fields:
        if field_plan is items:
            continue
        nested = planner.classes.get(field_plan.annotation.class_name or "")
        if nested is not None and nested.root is None:
            inner = _envelope_parts(nested, None, planner, specs.get(field_plan.wire))
            if inner is None or any(part.quantity == "object" for part in inner):
                return None  # the service fills fields one object down, no deeper
            parts.append(
                EnvelopePart(
                    field=field_plan.name,
                    wire=field_plan.wire,
                    quantity="object",
                    class_name=nested.name,
                    fields=inner,
                )
            )
        elif part := _envelope_part(field_plan, specs.get(field_plan.wire), planner.api):
            parts.append(part)
        elif field_plan.required:
            return None
    return tuple(parts)


def _envelope_part(
    field_plan: FieldPlan, schema: Schema | None, api: ApiModel
) -> EnvelopePart | None:
    """A quantity field by its name, or a field the spec allows one value."""
    if quantity := _quantity(field_plan.wire):
        maximum = api.resolve(schema).maximum if schema is not None else None
        return EnvelopePart(
            field=field_plan.name, wire=field_plan.wire, quantity=quantity, maximum=maximum
        )
    allowed = allowed_values(schema, api) if schema is not None else ()
    if len(allowed) == 1:
        return EnvelopePart(
            field=field_plan.name, wire=field_plan.wire, quantity="constant", constant=allowed[0]
        )
    return None


def _property_schemas(api: ApiModel, schema: Schema | None) -> dict[str, Schema]:
    """An object schema's property schemas, by wire name."""
    if schema is None:
        return {}
    return {p.name: p.schema_ for p in api.object_properties(schema) if p.schema_ is not None}


def _sort(
    op: Operation, table: TablePlan, python: dict[str, str], planner: SchemaPlanner
) -> tuple[str, tuple[tuple[str, str, bool], ...]] | None:
    """Sorting by the spec's own sort parameter, from an allowlist: the parameter's enum
    values where the spec lists them (`title`, `-title`, `title:desc`), else every column.
    A listed value that names no column keeps the list's own order, by key
    (SORT_VALUE_UNMAPPED says so)."""
    if not op.sort_params or op.sort_params[0] not in python:
        return None
    wire = op.sort_params[0]
    listed = sort_values(op, {c.name for c in table.columns}, planner.api)
    allowed: list[tuple[str, str, bool]] = []
    if listed:
        key = table.column(table.primary_key[0]).attr if table.primary_key else None
        for sort in listed:
            if sort.column is not None:
                allowed.append((sort.value, table.column(sort.column).attr, sort.descending))
            elif key is not None:
                allowed.append((sort.value, key, False))
    else:
        for column in table.columns:
            for name in dict.fromkeys((column.name, camel(column.name))):
                allowed += [(name, column.attr, False), (f"-{name}", column.attr, True)]
    return (python[wire], tuple(allowed)) if allowed else None


_SCALARS = {
    "str",
    "int",
    "float",
    "bool",
    "uuid.UUID",
    "decimal.Decimal",
    "datetime.date",
    "datetime.datetime",
    "datetime.time",
}


def _is_scalar(annotation: PyType) -> bool:
    """A type FastAPI takes from one path, query or header value."""
    return str(annotation.plain) in _SCALARS or isinstance(annotation, LiteralOf)


def _item_class(annotation: PyType) -> str | None:
    """The class of a list's items (`Book` of `list[Book]`)."""
    listed = annotation.bare
    return listed.inner.plain.class_name if isinstance(listed, ListOf) else None


def is_json(media_type: str) -> bool:
    base = media_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json") or base == "text/json"


def _plain_json(media_type: str) -> bool:
    return media_type.split(";")[0].strip().lower() == "application/json"


def json_response_class(media_type: str) -> str:
    """The name of the JSONResponse subclass that answers with `media_type`."""
    subtype = media_type.split(";")[0].strip().split("/")[-1]
    return class_name(subtype) + "Response"


def _is_row(cls: ClassPlan | None, classes: Mapping[str, ClassPlan]) -> bool:
    """Whether a class answers one row: an object, or one of several objects (a menu item:
    a beverage or a dessert, each answered from the one table's columns)."""
    if cls is None:
        return False
    if cls.root is None:
        return True
    return bool(cls.members) and all(classes[m].root is None for m in cls.members)


def _wrapped(
    planner: SchemaPlanner, annotation: PyType, table: TablePlan | None
) -> tuple[FieldPlan, ClassPlan] | None:
    """(field, its class) when `annotation` is a class that wraps one row in a field
    (`{"user": {...}}`, as Rails-style APIs send and answer, or JSON:API's `{"data": {...}}`),
    beside nothing required nor a column's field (as `model.wire.wrapper_of` decides for the
    spec's schemas)."""
    outer = planner.classes.get(annotation.class_name or "")
    if outer is None or outer.root is not None or table is None:
        return None
    named = [
        (f, inner)
        for f in outer.fields
        if wraps_row(f.wire, table.name)
        and (inner := planner.classes.get(f.annotation.class_name or "")) is not None
        and inner.root is None
    ]
    others = [f for f in outer.fields if f is not named[0][0]] if len(named) == 1 else None
    if others is None or any(f.required or table.attr_of(f.name) for f in others):
        return None
    return named[0]


def _written(
    body: ClassPlan, table: TablePlan, kind: OperationKind, owner: str | None
) -> tuple[tuple[str, str], ...]:
    """(field, column attribute) of what a create or update writes from its body: neither a
    `readOnly` field, nor the owner column (the caller's, from the token), nor a key the
    database numbers (on create) or the path names (on update: a key is never rewritten)."""
    never = {c.attr for c in table.columns if c.name == owner}
    if kind is OperationKind.CREATE:
        never |= {c.attr for c in table.columns if c.primary_key and c.autoincrement}
    else:
        never |= {c.attr for c in table.columns if c.primary_key}
    written = []
    for field_plan in body.fields:
        attr = table.attr_of(field_plan.name)
        if (
            attr is None
            or attr in never
            or field_plan.read_only
            or field_plan.annotation.mentions(UPLOAD)
        ):
            continue
        written.append((field_plan.name, attr))
    return tuple(written)


def _upload(field_plan: FieldPlan, table: TablePlan, taken: set[str]) -> UploadPlan:
    """Which columns of `table` keep the file `field_plan` carries."""
    kinds = {c.attr: c.py_type for c in table.columns if c.attr not in taken}
    found = upload_columns(field_plan.name, kinds)
    return UploadPlan(
        field=field_plan.name,
        required=field_plan.required,
        content=found.get("content"),
        file_name=found.get("file_name"),
        media_type=found.get("media_type"),
        size=found.get("size"),
    )


def _default_order(
    table: TablePlan, parents: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, bool], ...]:
    """The order of a list: on a nested list, the columns an index of the design puts after the
    parent's keys (`(project_id, created_at, id)` orders a project's tasks by `created_at`),
    the order that index serves; else the key. The key always ends it, so pages are stable."""
    key = table.mapper_key
    by_name = {c.name: c.attr for c in table.columns}
    parent_columns = {c.name for c in table.columns if c.attr in {a for _, a in parents}}
    for index in table.indexes:
        width = len(parent_columns)
        rest = index.columns[width:]
        if (
            parent_columns
            and index.where is None
            and set(index.columns[:width]) == parent_columns
            and rest
            and all(column in by_name for column in rest)
        ):
            attrs = [by_name[column] for column in rest]
            return tuple((attr, False) for attr in [*attrs, *(k for k in key if k not in attrs)])
    return tuple((attr, False) for attr in key)


def _is_fk_target(table: TablePlan, column: str, parent_column: str) -> bool:
    return any(
        fk.columns == (column,) and fk.target_columns == (parent_column,)
        for fk in table.foreign_keys
    )
