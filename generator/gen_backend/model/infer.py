"""What the spec implies about an operation, given the schema design: its table, kind,
path bindings, pagination, list envelope and filters."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from gen_backend.model.api import (
    ApiModel,
    Envelope,
    EnvelopeShape,
    Filter,
    FilterOp,
    FilterSource,
    HttpMethod,
    Operation,
    OperationKind,
    Pagination,
    PaginationStyle,
    Parameter,
    ParameterLocation,
    PathBinding,
    Property,
    Schema,
    SchemaType,
    TableSource,
)
from gen_backend.model.naming import plural, singular, snake, table_forms
from gen_backend.model.schema import Column, ColumnType, SchemaDesign, Table

LIMIT_PARAMS = {"limit", "per_page", "page_size", "size", "max_results", "top", "take", "count"}
OFFSET_PARAMS = {"offset", "skip", "start"}
PAGE_PARAMS = {"page", "page_number", "page_no"}
CURSOR_PARAMS = {
    "cursor",
    "after",
    "before",
    "page_token",
    "starting_after",
    "ending_before",
    "next_token",
    "continuation_token",
}
SORT_PARAMS = {
    "sort",
    "sort_by",
    "order",
    "order_by",
    "ordering",
    "direction",
    "sort_order",
    "sort_dir",
    "sort_direction",
}
ITEMS_FIELDS = ("items", "data", "results", "records", "content", "entries", "rows", "values")
TOTAL_FIELDS = {"total", "count", "total_count", "total_items", "total_results", "total_size"}
LINKS_FIELDS = {"links", "_links"}
NEXT_FIELDS = {"next", "next_cursor", "next_page_token", "next_token", "next_page"}


# a representation's extension at the end of a path (`/Accounts/{Sid}/Addresses.json`,
# `/posts/{id}.json`): part of neither the resource's name nor the parameter's
_SUFFIX = re.compile(r"\.(?:json|xml|csv|ya?ml|txt|html)$", re.IGNORECASE)


def path_segments(path: str) -> list[str]:
    """The segments of `path`, the last without its representation suffix."""
    segments = path.strip("/").split("/")
    segments[-1] = _SUFFIX.sub("", segments[-1])
    return segments


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def table_named(name: str, design: SchemaDesign) -> Table | None:
    forms = table_forms(name)
    return next((t for t in design.tables if t.name in forms or snake(t.name) in forms), None)


def table_from_path(path: str, design: SchemaDesign) -> tuple[Table, int] | None:
    """The table of the last literal path segment that names one, and that segment's index.

    A nested segment may name its table together with its parent's: `/orders/{id}/items`
    -> `order_items`."""
    segments = path_segments(path)
    literals = [i for i, segment in enumerate(segments) if not _is_param(segment)]
    for position in range(len(literals) - 1, -1, -1):
        index = literals[position]
        if position > 0:
            parent = singular(snake(segments[literals[position - 1]]))
            combined = table_named(f"{parent}_{snake(segments[index])}", design)
            if combined is not None:
                return combined, index
        if table := table_named(segments[index], design):
            return table, index
    return None


def table_from_schemas(operation: Operation, api: ApiModel, design: SchemaDesign) -> Table | None:
    """The table named by the request or success-response schema (`Book`, `BookList`...)."""
    candidates: list[Schema] = []
    if operation.request_body and operation.request_body.body.schema_:
        candidates.append(operation.request_body.body.schema_)
    success = operation.success_response
    if success and success.body and success.body.schema_:
        schema = success.body.schema_
        candidates.append(schema)
        if schema.items is not None:
            candidates.append(schema.items)
    for schema in candidates:
        if schema.ref is None:
            continue
        for name in (
            schema.ref,
            schema.ref.removesuffix("List"),
            schema.ref.removesuffix("Create"),
            schema.ref.removeprefix("New"),
            schema.ref.removesuffix("Input"),
        ):
            if table := table_named(name, design):
                return table
    return None


def classify(
    operation: Operation,
    table: Table | None,
    source: TableSource,
    segment_index: int | None,
    api: ApiModel,
) -> OperationKind:
    """list/get/create/replace/update/delete for resource paths; custom for everything else."""
    if table is None:
        return OperationKind.CUSTOM
    segments = path_segments(operation.path)
    if segment_index is None and source is TableSource.SCHEMA:
        return OperationKind.CUSTOM  # e.g. POST /search with a Book body: an action, not a create
    trailing = (
        segments[segment_index + 1 :]
        if segment_index is not None
        else ([segments[-1]] if _is_param(segments[-1]) else [])
    )
    method = operation.method
    if not trailing:
        if method is HttpMethod.POST:
            return OperationKind.CREATE
        if method is HttpMethod.GET and list_envelope(operation, api) is not None:
            return OperationKind.LIST
        if method is HttpMethod.GET and query_key(operation, table) is not None:
            return OperationKind.GET
        return OperationKind.CUSTOM
    if len(trailing) == 1 and _is_param(trailing[0]):
        return {
            HttpMethod.GET: OperationKind.GET,
            HttpMethod.PUT: OperationKind.REPLACE,
            HttpMethod.PATCH: OperationKind.UPDATE,
            HttpMethod.DELETE: OperationKind.DELETE,
        }.get(method, OperationKind.CUSTOM)
    return OperationKind.CUSTOM


def query_key(operation: Operation, table: Table) -> PathBinding | None:
    """The row a read at the collection's own path names by a required query parameter
    (`GET /animal?uid=...`): the parameter bound to the key or a unique column it spells."""
    for parameter in operation.parameters_in(ParameterLocation.QUERY):
        column = _key_column(parameter.name, table) if parameter.required else None
        if column is not None:
            return PathBinding(param=parameter.name, column=column, is_key=True)
    return None


def path_bindings(
    operation: Operation, table: Table, kind: OperationKind, design: SchemaDesign
) -> tuple[PathBinding, ...]:
    """Bind path parameters to columns: the item key, and parents' foreign keys; an item
    read whose path names no row takes its key from a required query parameter."""
    segments = path_segments(operation.path)
    bindings: list[PathBinding] = []
    item_kinds = {
        OperationKind.GET,
        OperationKind.REPLACE,
        OperationKind.UPDATE,
        OperationKind.DELETE,
    }
    for index, segment in enumerate(segments):
        if not _is_param(segment):
            continue
        param = segment[1:-1]
        before = segments[index - 1] if index > 0 else ""
        names_table = bool(before) and (
            table.name in table_forms(before)
            or snake(table.name).endswith("_" + plural(singular(snake(before))))
        )
        is_last = index == len(segments) - 1
        # the row's key: the last parameter of an item path, or the parameter right after the
        # table's own segment (`/orders/{orderId}/cancel` acts on one order)
        if (is_last and kind in item_kinds) or (names_table and kind is OperationKind.CUSTOM):
            bound = frozenset(b.column for b in bindings)
            column = _key_column(param, table, before, bound)
            if column:
                bindings.append(PathBinding(param=param, column=column, is_key=True))
            continue
        owner = table_named(segments[index - 1], design) if index > 0 else None
        if owner is not None and owner.name == table.name:
            owner = None
        key = next(
            (
                fk
                for fk in table.foreign_keys
                if owner is not None and fk.target_table == owner.name and len(fk.columns) == 1
            ),
            None,
        )
        own = table.column(snake(param))
        # `{id}` under `/contacts` in `/contacts/{id}/notes` is the contact's, not the note's
        if own is not None and (key is None or own.name in key.columns):
            bindings.append(
                PathBinding(
                    param=param,
                    column=own.name,
                    is_key=False,
                    parent_table=owner.name if owner else None,
                    parent_column=(_key_column(param, owner) if owner else None),
                )
            )
            continue
        if owner is None:
            continue
        if key is not None:
            target = _key_column(param, owner) or key.target_columns[0]
            bindings.append(
                PathBinding(
                    param=param,
                    column=key.columns[0],
                    is_key=False,
                    parent_table=owner.name,
                    parent_column=target,
                )
            )
    if (
        kind is OperationKind.GET
        and not any(b.is_key for b in bindings)
        and (by_query := query_key(operation, table)) is not None
    ):
        bindings.append(by_query)
    return tuple(bindings)


_LOOKUP = re.compile(r"^(?:\w+_)?id_or_(\w+)$")


def inferred_lookup(param: str, table: Table) -> tuple[str, ...] | None:
    """`{service_id_or_name}`, `{idOrSlug}`: the single key, then the unique column the name
    ends with, where the table has both."""
    match = _LOOKUP.match(snake(param))
    other = table.column(match.group(1)) if match else None
    if other is None or len(table.primary_key) != 1 or not table.is_unique(other.name):
        return None
    return (table.primary_key[0], other.name)


def with_lookups(
    bindings: tuple[PathBinding, ...],
    operation: Operation,
    table: Table,
    kind: OperationKind,
    declared: dict[str, list[str]],
) -> tuple[PathBinding, ...]:
    """`bindings` with the item key bound by a lookup where one is declared (`lookup:`) or
    inferred: a lookup names columns that each select one row (a key or a unique column)."""
    segments = path_segments(operation.path)
    last = segments[-1][1:-1] if _is_param(segments[-1]) else None
    items = {OperationKind.GET, OperationKind.REPLACE, OperationKind.UPDATE, OperationKind.DELETE}
    if last is None or kind not in items:
        return bindings
    columns = declared.get(last) or inferred_lookup(last, table)
    if not columns or not all(table.column(c) and table.is_unique(c) for c in columns):
        return bindings
    lookup = PathBinding(
        param=last, column=columns[0], is_key=True, alternatives=tuple(columns[1:])
    )
    return (*(b for b in bindings if b.param != last), lookup)


def property_column(name: str, table: Table) -> Column | None:
    """The column a request or response property stands for: by its name (`authorId` ->
    `author_id`), else the single key the name spells the table's id with (`eventId` for
    `special_events.id`, as a path parameter would)."""
    found = table.column(snake(name)) or table.column(name)
    if found is not None:
        return found
    key = _key_column(name, table)
    return table.column(key) if key and snake(name) != "id" and table.is_unique(key) else None


def _key_column(
    param: str, table: Table, segment: str = "", bound: frozenset[str] = frozenset()
) -> str | None:
    """`{id}`, `{bookId}`, `{itemId}` under `/items` -> the single primary key;
    `{slug}`, `{product_slug}` under `/products` -> a unique `slug` column; `{tagSlug}` in
    `/events/{eventId}/tags/{tagSlug}` -> `tag_slug`, the rest of a composite primary key
    (`event_id`) being `bound` by the path."""
    name = snake(param)
    direct = table.column(name) or table.column(param)
    if direct is not None and table.is_unique(direct.name):
        return direct.name
    forms = table_forms(table.name) | (table_forms(segment) if segment else set())
    for form in forms:  # `{product_slug}` under `/products`: the unique `slug`
        qualified = table.column(name.removeprefix(f"{form}_")) if name.startswith(form) else None
        if qualified is not None and table.is_unique(qualified.name):
            return qualified.name
    primary = table.primary_key
    if direct is not None and direct.name in primary and set(primary) - {direct.name} <= bound:
        return direct.name
    if len(primary) != 1:
        return None
    if name in {
        "id",
        primary[0],
        *{f"{f}_id" for f in forms},
        *{f"{f}_{primary[0]}" for f in forms},
    }:
        return primary[0]
    # `{eventId}` under `/special-events`: the id of the table's last word(s); `{menuItemId}`
    # under `/menu`: the id of the thing the collection holds, named more fully
    stem = name.removesuffix("_id") if name.endswith("_id") else ""
    if stem and any(f.endswith("_" + s) for f in forms for s in table_forms(stem)):
        return primary[0]
    if stem and any(stem.startswith(f + "_") for f in forms):
        return primary[0]
    return None


def pagination(operation: Operation, filters: frozenset[str] = frozenset()) -> Pagination | None:
    """The spec's paging parameters. A parameter declared as a filter is a filter; a page size,
    offset or page number must be an integer and a cursor a string."""
    query = {
        snake(p.name): p
        for p in operation.parameters_in(ParameterLocation.QUERY)
        if p.name not in filters
    }

    def first(names: set[str], kind: SchemaType) -> Parameter | None:
        return next(
            (
                query[n]
                for n in query
                if n in names and query[n].schema_.primary_type in (kind, None)
            ),
            None,
        )

    limit, offset, page, cursor = (
        first(LIMIT_PARAMS, SchemaType.INTEGER),
        first(OFFSET_PARAMS, SchemaType.INTEGER),
        first(PAGE_PARAMS, SchemaType.INTEGER),
        # an offset or page the spec types as text is the server's opaque token: a cursor
        first(CURSOR_PARAMS | OFFSET_PARAMS | PAGE_PARAMS, SchemaType.STRING),
    )
    if page or offset:  # a numbered page beside a token (Twilio's Page and PageToken)
        cursor = None  # is paged by number: the token is a query parameter left unmapped
    if cursor:
        style = PaginationStyle.CURSOR
    elif page:
        style = PaginationStyle.PAGE
    elif offset:
        style = PaginationStyle.LIMIT_OFFSET
    elif limit:
        style = PaginationStyle.LIMIT_ONLY
    else:
        return None
    size_default = limit.schema_.default if limit else None
    maximum = limit.schema_.maximum if limit else None
    return Pagination(
        style=style,
        limit_param=limit.name if limit else None,
        offset_param=offset.name if offset else None,
        page_param=page.name if page else None,
        cursor_param=cursor.name if cursor else None,
        default_size=size_default if isinstance(size_default, int) else None,
        max_size=int(maximum) if maximum is not None else None,
    )


def list_envelope(operation: Operation, api: ApiModel) -> Envelope | None:
    """How the success response wraps the rows: a bare array, or an object with an array."""
    success = operation.success_response
    if success is None or success.body is None or success.body.schema_ is None:
        return None
    schema = api.resolve(success.body.schema_)
    if SchemaType.ARRAY in schema.types or schema.items is not None:
        return Envelope(shape=EnvelopeShape.BARE_ARRAY)
    properties = api.object_properties(schema)
    arrays = [
        p
        for p in properties
        if p.schema_ is not None and (SchemaType.ARRAY in api.resolve(p.schema_).types)
    ]
    if not arrays:
        return None
    preferred = sorted(arrays, key=lambda p: 0 if snake(p.name) in ITEMS_FIELDS else 1)
    names = {snake(p.name): p.name for p in properties}
    total = next((names[n] for n in names if n in TOTAL_FIELDS or n.endswith("_count")), None)
    if total is None:  # `{data: [...], meta: {total: n}}`
        total = _nested(api, properties, TOTAL_FIELDS, skip=arrays)
    return Envelope(
        shape=EnvelopeShape.OBJECT,
        items_field=preferred[0].name,
        total_field=total,
        links_field=next((names[n] for n in names if n in LINKS_FIELDS), None),
        next_field=next((names[n] for n in names if n in NEXT_FIELDS), None)
        or _nested(api, properties, NEXT_FIELDS, skip=arrays),
    )


def _nested(
    api: ApiModel, properties: tuple[Property, ...], wanted: set[str], skip: list[Property]
) -> str | None:
    """`links.next`, `meta.total`: a wanted field one level down, as a dotted path."""
    for holder in properties:
        if holder in skip:
            continue
        inner = {snake(p.name): p.name for p in api.object_properties(holder.schema_)}
        found = next((inner[n] for n in inner if n in wanted), None)
        if found:
            return f"{holder.name}.{found}"
    return None


def sort_values(operation: Operation, columns: Collection[str], api: ApiModel) -> list[SortValue]:
    """The values a list's sort parameter lists in its enum (`title`, `-title`,
    `title:desc`), each with the column of `columns` (the table's) it names, or None."""
    if not operation.sort_params:
        return []
    parameter = next(p for p in operation.parameters if p.name == operation.sort_params[0])
    by_snake = {snake(name): name for name in columns}
    values: list[SortValue] = []
    for value in (v for v in api.resolve(parameter.schema_).enum or () if isinstance(v, str)):
        descending = value.startswith("-") or value.lower().endswith((":desc", " desc"))
        field = re.split(r"[: ]", value.lstrip("-+"))[0]
        values.append(SortValue(value, by_snake.get(snake(field)), descending))
    return values


@dataclass(frozen=True)
class SortValue:
    value: str  # as the spec lists it
    column: str | None  # the column it orders by; None: the table has none of that name
    descending: bool


def filters(
    operation: Operation,
    table: Table,
    declared: dict[str, tuple[list[str], FilterOp]],
    source: FilterSource | None,
    paging: Pagination | None,
    api: ApiModel,
) -> tuple[tuple[Filter, ...], tuple[str, ...], tuple[str, ...]]:
    """(filters, sort params, unmapped query params) of a list operation. A paging
    parameter its paging does not use (a token beside a page number) is unmapped. A query
    parameter named after a column filters by it: equal to its value, or one of its values
    where it is an array (`?status=available&status=sold`) and the column holds no JSON."""
    found = [
        Filter(param=param, columns=tuple(columns), op=op, source=source)
        for param, (columns, op) in declared.items()
        if source is not None
    ]
    sort: list[str] = []
    unmapped: list[str] = []
    paged = paging.params if paging else set()
    for parameter in operation.parameters_in(ParameterLocation.QUERY):
        name = parameter.name
        if name in declared:
            continue
        if snake(name) in SORT_PARAMS:
            sort.append(name)
        elif name in paged:
            continue
        elif (column := table.column(snake(name)) or table.column(name)) is not None:
            many = SchemaType.ARRAY in api.resolve(parameter.schema_).types
            found.append(
                Filter(
                    param=name,
                    columns=(column.name,),
                    op=FilterOp.IN if many and column.type is not ColumnType.JSON else FilterOp.EQ,
                    source=FilterSource.COLUMN_NAME,
                )
            )
        else:
            unmapped.append(name)
    return tuple(found), tuple(sort), tuple(unmapped)
