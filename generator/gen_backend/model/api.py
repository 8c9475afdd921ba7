"""The API contract, parsed from the OpenAPI document into typed values.

Schemas are kept as the spec shapes them (types, bounds, composition). A reference to a named
schema stays a reference (`Schema.ref`), so circular schemas are finite and templates can emit
one class per named schema.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property

from pydantic import Field, JsonValue

from gen_backend.model.base import Frozen
from gen_backend.model.crossing import Conversion

JsonScalar = str | int | float | bool | None


class SchemaType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    ARRAY = "array"
    OBJECT = "object"
    NULL = "null"


class Discriminator(Frozen):
    property_name: str
    mapping: tuple[tuple[str, str], ...] = ()  # (value, schema name)


class Property(Frozen):
    name: str  # the wire name, exactly as the spec spells it
    schema_: Schema = Field(alias="schema")
    required: bool = False


class Schema(Frozen):
    """One JSON Schema. Either a reference to a named schema, or an inline definition."""

    ref: str | None = None  # name of a schema in ApiModel.schemas
    source: str | None = None  # where an inline schema is defined: `file#/json/pointer`
    types: tuple[SchemaType, ...] = ()  # empty: any type
    nullable: bool = False
    format: str | None = None
    content_media_type: str | None = None  # 3.1 `contentMediaType`: a file's media type
    content_encoding: str | None = None  # 3.1 `contentEncoding` (`base64`: bytes as text)
    title: str | None = None
    description: str | None = None
    enum: tuple[JsonScalar, ...] | None = None
    const: JsonScalar = None
    has_const: bool = False
    default: JsonValue = None
    has_default: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    multiple_of: float | None = None
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False
    properties: tuple[Property, ...] = ()
    additional_properties: bool | Schema | None = None  # None: not said
    items: Schema | None = None
    all_of: tuple[Schema, ...] = ()
    one_of: tuple[Schema, ...] = ()
    any_of: tuple[Schema, ...] = ()
    discriminator: Discriminator | None = None
    read_only: bool = False
    write_only: bool = False
    deprecated: bool = False
    # how its value crosses to and from the column it is stored in, where that converts
    # (set by plan.wire, which holds the spec's schemas to the design's columns)
    crossing: Conversion | None = None

    @property
    def primary_type(self) -> SchemaType | None:
        """The single non-null type, or None when the schema allows several or any."""
        non_null = [t for t in self.types if t is not SchemaType.NULL]
        return non_null[0] if len(non_null) == 1 else None

    @property
    def allows_null(self) -> bool:
        return self.nullable or SchemaType.NULL in self.types


class NamedSchema(Frozen):
    name: str
    pointer: str  # where it is defined: `file#/json/pointer`
    schema_: Schema = Field(alias="schema")


class ParameterLocation(StrEnum):
    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"


class Parameter(Frozen):
    name: str
    pointer: str = ""  # where it is defined: a JSON pointer, or `file#pointer` in another file
    location: ParameterLocation
    required: bool
    schema_: Schema = Field(alias="schema")
    description: str | None = None
    style: str | None = None
    explode: bool | None = None
    deprecated: bool = False


class Body(Frozen):
    """A request or response payload: the chosen media type and its schema."""

    content_type: str
    schema_: Schema | None = Field(alias="schema")
    content_types: tuple[str, ...]  # every media type the spec lists


class RequestBody(Frozen):
    required: bool
    body: Body


class Link(Frozen):
    """An OpenAPI link of a response: which operation a value of the answer (or of the request)
    feeds, by runtime expressions such as `$response.body#/id`."""

    name: str
    operation_id: str | None = None  # the target by its id ...
    operation_ref: str | None = None  # ... or by reference: `#/paths/~1pets~1{petId}/get`
    parameters: tuple[tuple[str, JsonValue], ...] = ()  # (name, expression or constant)
    request_body: JsonValue = None
    has_request_body: bool = False
    description: str | None = None


class Response(Frozen):
    status: str  # "200", "2XX" or "default"
    description: str
    body: Body | None = None
    headers: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()


class HttpMethod(StrEnum):
    GET = "get"
    PUT = "put"
    POST = "post"
    DELETE = "delete"
    PATCH = "patch"
    HEAD = "head"
    OPTIONS = "options"
    TRACE = "trace"


class OperationKind(StrEnum):
    LIST = "list"
    GET = "get"
    CREATE = "create"
    REPLACE = "replace"
    UPDATE = "update"
    DELETE = "delete"
    CUSTOM = "custom"


class TableSource(StrEnum):
    """Where an operation's table came from, strongest first."""

    HANDOFF = "handoff.yaml operations"
    EXTENSION = "x-table"
    PATH = "path"
    SCHEMA = "schema name"
    UNKNOWN = "unknown"


class PaginationStyle(StrEnum):
    LIMIT_OFFSET = "limit_offset"
    PAGE = "page"
    CURSOR = "cursor"
    LIMIT_ONLY = "limit_only"


class Pagination(Frozen):
    style: PaginationStyle
    limit_param: str | None = None  # page size: limit, per_page, pageSize, ...
    offset_param: str | None = None
    page_param: str | None = None
    cursor_param: str | None = None
    default_size: int | None = None
    max_size: int | None = None  # from the spec's `maximum`; None: a setting decides

    @property
    def params(self) -> set[str]:
        """The query parameters it pages by."""
        named = (self.limit_param, self.offset_param, self.page_param, self.cursor_param)
        return {name for name in named if name}


class EnvelopeShape(StrEnum):
    BARE_ARRAY = "bare_array"  # [ ... ]
    OBJECT = "object"  # {items: [...], total: n, links: {...}}


class Envelope(Frozen):
    shape: EnvelopeShape
    items_field: str | None = None
    total_field: str | None = None
    links_field: str | None = None
    next_field: str | None = None


class FilterOp(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    CONTAINS = "contains"
    PREFIX = "prefix"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    TRUE_ONLY = "true_only"
    SAME_DAY = "same_day"


class FilterSource(StrEnum):
    HANDOFF = "handoff.yaml operations"
    EXTENSION = "x-filters"
    COLUMN_NAME = "column name"


class Filter(Frozen):
    param: str  # the query parameter's wire name
    columns: tuple[str, ...]
    op: FilterOp = FilterOp.EQ
    source: FilterSource


class PathBinding(Frozen):
    """A path parameter bound to a column: the row key (`/books/{id}`) or a parent's
    foreign key (`/authors/{authorId}/books`)."""

    param: str
    column: str  # a column of the operation's table
    is_key: bool
    # a lookup: the other columns the parameter may name the row by, tried after `column` by
    # what the value can be (`{idOrSlug}`: a UUID-shaped value the key, else `slug`)
    alternatives: tuple[str, ...] = ()
    parent_table: str | None = None  # set when the parameter names a parent row ...
    parent_column: str | None = None  # ... by this column of the parent table


class PermissionSource(StrEnum):
    PUBLIC = "public"
    AUTH_YAML = "auth.yaml operations"
    HANDOFF = "handoff.yaml operations"
    EXTENSION = "x-permissions"
    SECURITY_SCOPES = "OpenAPI security scopes"
    DEFAULTS = "auth.yaml defaults"
    NONE = "none"


class SecurityRequirement(Frozen):
    """One alternative of an operation's `security`: all its schemes together suffice."""

    schemes: tuple[tuple[str, tuple[str, ...]], ...]  # (scheme name, scopes)


class Operation(Frozen):
    operation_id: str
    operation_id_derived: bool = False  # the spec gave none; derived from method and path
    method: HttpMethod
    path: str
    pointer: str  # JSON pointer of the operation in the spec
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    deprecated: bool = False
    fr_id: str | None = None
    in_scope: bool = True
    priority: float = 0.0  # the sprint score of its FR-ID; 0 when unranked
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    responses: tuple[Response, ...] = ()
    security: tuple[SecurityRequirement, ...] = ()
    public: bool = False
    permissions: tuple[str, ...] = ()
    permission_source: PermissionSource = PermissionSource.NONE
    table: str | None = None
    table_source: TableSource = TableSource.UNKNOWN
    kind: OperationKind = OperationKind.CUSTOM
    path_bindings: tuple[PathBinding, ...] = ()
    # path parameters bound to no column of the table (nor a parent's): the operation cannot
    # honour them, so it is a stub (PATH_PARAM_UNBOUND), never a route that ignores them
    unbound_path_params: tuple[str, ...] = ()
    pagination: Pagination | None = None
    envelope: Envelope | None = None
    filters: tuple[Filter, ...] = ()
    sort_params: tuple[str, ...] = ()
    unmapped_query_params: tuple[str, ...] = ()
    idempotent: bool = False

    def parameters_in(self, location: ParameterLocation) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location is location)

    @property
    def success_response(self) -> Response | None:
        """The first 2xx response the spec declares (the one a happy path returns)."""
        for response in self.responses:
            if response.status.startswith("2"):
                return response
        return None


class SecuritySchemeKind(StrEnum):
    HTTP = "http"
    API_KEY = "apiKey"
    OAUTH2 = "oauth2"
    OPENID_CONNECT = "openIdConnect"
    MUTUAL_TLS = "mutualTLS"


class SecurityScheme(Frozen):
    name: str
    kind: SecuritySchemeKind
    scheme: str | None = None  # http: bearer, basic
    bearer_format: str | None = None
    location: str | None = None  # apiKey: header, query, cookie
    parameter_name: str | None = None  # apiKey: the header/query/cookie name


class ApiModel(Frozen):
    title: str
    version: str
    openapi_version: str
    servers: tuple[str, ...] = ()
    schemas: tuple[NamedSchema, ...] = ()
    operations: tuple[Operation, ...] = ()
    security_schemes: tuple[SecurityScheme, ...] = ()

    @cached_property
    def schemas_by_name(self) -> dict[str, NamedSchema]:
        return {named.name: named for named in self.schemas}

    def resolve(self, schema: Schema) -> Schema:
        """Follow references until an inline schema (a reference cycle resolves to itself)."""
        seen: set[str] = set()
        while schema.ref is not None and schema.ref not in seen:
            seen.add(schema.ref)
            schema = self.schemas_by_name[schema.ref].schema_
        return schema

    def is_read_only(self, schema: Schema) -> bool:
        """Whether the spec marks a value `readOnly`: itself, the schema it references, or
        the one schema it wraps (`allOf: [{$ref: Id}]`, where `Id` is readOnly)."""
        resolved = self.resolve(schema)
        return (
            schema.read_only
            or resolved.read_only
            or (len(resolved.all_of) == 1 and self.is_read_only(resolved.all_of[0]))
        )

    def object_properties(self, schema: Schema) -> tuple[Property, ...]:
        """The properties of an object schema, with references followed and allOf merged."""
        merged: dict[str, Property] = {}
        required: set[str] = set()
        self._collect_properties(schema, merged, required, set())
        return tuple(
            prop.model_copy(update={"required": prop.required or prop.name in required})
            for prop in merged.values()
        )

    def _collect_properties(
        self, schema: Schema, into: dict[str, Property], required: set[str], seen: set[str]
    ) -> None:
        if schema.ref is not None:
            if schema.ref in seen:
                return
            seen = seen | {schema.ref}
        schema = self.resolve(schema)
        for part in schema.all_of:
            self._collect_properties(part, into, required, seen)
        for prop in schema.properties:
            into[prop.name] = prop
            if prop.required:
                required.add(prop.name)
