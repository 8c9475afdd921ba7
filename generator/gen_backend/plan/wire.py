"""The spec's schemas held to the design's columns, before anything is planned from them.

For every in-scope operation on a table, each property of its request and response rows, and
each path or filter parameter bound to a column, is looked up in the one table of
`model.wire`. Where the value converts (a plain string over a uuid column, decimal text over a
numeric), its schema is replaced by a held copy: the format, pattern or range the column needs
added to the spec's own keywords, and the crossing recorded (`Schema.crossing`), so the
request and response types, the served document, the contract test and the tests' values
all follow from the same schema. A refused pair makes each operation that needs it a stub,
with the reason `check` gives as PROPERTY_TYPE_MISMATCH."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from gen_backend.model import (
    ApiModel,
    Body,
    Operation,
    OperationKind,
    Parameter,
    Property,
    Schema,
    SchemaType,
    ServiceModel,
    Table,
)
from gen_backend.model.crossing import Conversion, Crossing
from gen_backend.model.infer import property_column
from gen_backend.model.wire import (
    bound_columns,
    conversion,
    create_fill,
    empty_keys,
    json_answers,
    long_texts,
    nullable_answers,
    partial_bodies,
    path_keys,
    request_row,
    response_row,
    row_properties,
    unanswerable_writes,
    wrapper_of,
)

_WRITES = {OperationKind.CREATE, OperationKind.REPLACE, OperationKind.UPDATE}
_READS = {*_WRITES, OperationKind.GET, OperationKind.LIST, OperationKind.DELETE}


@dataclass(frozen=True)
class HeldService:
    service: ServiceModel  # its schemas held to their columns
    refused: dict[str, str]  # operationId -> why a value of it cannot cross to its column


def hold_to_columns(service: ServiceModel) -> HeldService:
    api = service.api
    holds: dict[int, Schema] = {}  # id() of a property's or parameter's schema -> held copy
    named: dict[str, Schema] = {}  # a named schema held itself, where its uses agree
    required: set[int] = set()  # id() of the schemas of properties held to be required
    nullable: set[int] = set()  # id() of the schemas of answered properties held to allow null
    refused: dict[str, str] = {}
    partial = partial_bodies(service.in_scope_operations, api, service.design)
    keys = path_keys(service.in_scope_operations)
    answers = json_answers(service.in_scope_operations, service.design, api)

    def hold(schema: Schema, **update: object) -> None:
        """Hold `schema` to more than it says, on top of what holds it already."""
        holds[id(schema)] = holds.get(id(schema), api.resolve(schema)).model_copy(update=update)

    for op in service.in_scope_operations:
        table = service.design.table(op.table) if op.table else None
        if table is None or op.kind is OperationKind.CUSTOM:
            continue
        if op.kind is OperationKind.CREATE:
            owner = service.auth.ownership_of(table.name)
            fill = create_fill(op, table, api, owner.owner_column if owner else None, partial)
            required |= {id(prop.schema_) for prop in fill.required}
        nullable |= {id(prop.schema_) for prop, _ in nullable_answers(op, table, api)}
        for prop, _ in empty_keys(op, table, api, keys):  # a row no path could name
            hold(prop.schema_, min_length=1)
        for prop, column_held in long_texts(op, table, api):
            hold(prop.schema_, max_length=column_held.max_length)
        for written, answered in unanswerable_writes(op, table, api, answers):
            held = answered.schema_
            if api.resolve(written.schema_).allows_null and not api.resolve(held).allows_null:
                held = Schema(all_of=(held,), nullable=True)
            holds[id(written.schema_)] = held
        body = op.request_body.body.schema_ if op.request_body else None
        wrapper = wrapper_of(body, table, api) if body and op.kind in _WRITES else None
        if wrapper is not None and not wrapper.required:  # the row the request carries
            required.add(id(wrapper.schema_))
        for name, schema, column in _crossings(op, table, api):
            decided = conversion(api.resolve(schema), table.columns_by_name[column])
            if decided.crossing is Crossing.REFUSED:
                refused.setdefault(
                    op.operation_id,
                    f"`{name}` cannot be stored in `{table.name}.{column}`: {decided.why}",
                )
            elif decided.converts:
                held = _held(api.resolve(schema), decided)
                if schema.ref is not None and named.setdefault(schema.ref, held) == held:
                    continue  # `Money` stays one named type, held once
                holds.setdefault(id(schema), held)
    if not holds and not named and not required and not nullable:
        return HeldService(service, refused)
    held_api = _Rewriter(holds, named, required, nullable).api(api)
    return HeldService(service.model_copy(update={"api": held_api}), refused)


def _crossings(op: Operation, table: Table, api: ApiModel) -> Iterator[tuple[str, Schema, str]]:
    """(name, schema, column) of every value `op` carries to or from a column of `table`."""
    rows: list[Schema] = []
    if op.kind in _WRITES and (row := request_row(op, table, api)) is not None:
        rows.append(row)
    if op.kind in _READS and (row := response_row(op, table, api)) is not None:
        rows.append(row)
    for row in rows:
        for prop in row_properties(row, api):
            column = _column_of(prop, table)
            if column is not None:
                yield prop.name, prop.schema_, column
    by_name = {p.name: p for p in op.parameters}
    for param, column in bound_columns(op):
        parameter = by_name.get(param)
        if parameter is None or table.column(column) is None:
            continue
        schema = api.resolve(parameter.schema_)
        yield param, schema.items if schema.items is not None else parameter.schema_, column


def _column_of(prop: Property, table: Table) -> str | None:
    column = property_column(prop.name, table)
    return column.name if column else None


def _held(schema: Schema, decided: Conversion) -> Schema:
    """`schema` (resolved) with what its column needs added to the spec's own keywords."""
    return schema.model_copy(
        update={
            "crossing": decided,
            "format": decided.format or schema.format,
            "pattern": schema.pattern or decided.pattern,
            "minimum": schema.minimum if schema.minimum is not None else decided.minimum,
            "maximum": schema.maximum if schema.maximum is not None else decided.maximum,
        }
    )


@dataclass
class _Rewriter:
    """Rebuilds an ApiModel with each held schema in the place of its original; what holds
    nothing held is kept as the same object."""

    holds: dict[int, Schema]
    named: dict[str, Schema]
    required: set[int]
    nullable: set[int]

    def api(self, api: ApiModel) -> ApiModel:
        return api.model_copy(
            update={
                "schemas": tuple(
                    named.model_copy(
                        update={"schema_": self.named.get(named.name) or self.schema(named.schema_)}
                    )
                    for named in api.schemas
                ),
                "operations": tuple(self.operation(op) for op in api.operations),
            }
        )

    def operation(self, op: Operation) -> Operation:
        request = op.request_body
        return op.model_copy(
            update={
                "parameters": tuple(self.parameter(p) for p in op.parameters),
                "request_body": request.model_copy(update={"body": self.body(request.body)})
                if request
                else None,
                "responses": tuple(
                    r.model_copy(update={"body": self.body(r.body)}) if r.body else r
                    for r in op.responses
                ),
            }
        )

    def body(self, body: Body) -> Body:
        if body.schema_ is None:
            return body
        return body.model_copy(update={"schema_": self.schema(body.schema_)})

    def parameter(self, parameter: Parameter) -> Parameter:
        schema = self.held(parameter.schema_)
        if schema.items is not None:
            items = self.held(schema.items)
            if items is not schema.items:
                schema = schema.model_copy(update={"items": items})
        return (
            parameter
            if schema is parameter.schema_
            else parameter.model_copy(update={"schema_": schema})
        )

    def held(self, schema: Schema) -> Schema:
        return self.holds.get(id(schema), schema)

    def schema(self, schema: Schema) -> Schema:
        """`schema` with every property held where a hold names it, at any depth."""
        if schema.ref is not None:
            return schema
        changed: dict[str, object] = {}
        properties = tuple(self.property(prop) for prop in schema.properties)
        if any(new is not old for new, old in zip(properties, schema.properties, strict=True)):
            changed["properties"] = properties
        for group in ("all_of", "one_of", "any_of"):
            parts: tuple[Schema, ...] = getattr(schema, group)
            rebuilt = tuple(self.schema(part) for part in parts)
            if any(new is not old for new, old in zip(rebuilt, parts, strict=True)):
                changed[group] = rebuilt
        if schema.items is not None:
            items = self.schema(schema.items)
            if items is not schema.items:
                changed["items"] = items
        return schema.model_copy(update=changed) if changed else schema

    def property(self, prop: Property) -> Property:
        held = self.held(prop.schema_)
        schema = held if held is not prop.schema_ else self.schema(prop.schema_)
        if id(prop.schema_) in self.required:  # a NOT NULL column needs it, never null
            types = tuple(t for t in schema.types if t is not SchemaType.NULL)
            schema = schema.model_copy(update={"nullable": False, "types": types})
            return prop.model_copy(update={"schema_": schema, "required": True})
        if id(prop.schema_) in self.nullable:  # the column may be NULL: answered as null
            return prop.model_copy(update={"schema_": schema.model_copy(update={"nullable": True})})
        return prop if schema is prop.schema_ else prop.model_copy(update={"schema_": schema})
