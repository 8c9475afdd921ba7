"""Spec type against column type, decided once: the table every stage asks.

A spec written by one person and a schema designed by another often type the same value
differently: an `id` that is a plain string over a uuid column, a price sent as text with a
pattern over a numeric(10, 2), a timestamp answered as Unix seconds. `conversion` decides each
(spec schema, column) pair: the value is validated in the spec's type (held to what the column
can keep), converted to the column's type for the service, and answered in the spec's type.
A pair with no safe conversion is refused: `check` raises PROPERTY_TYPE_MISMATCH (error) and
the operations that would need it are left as 501 stubs with the reason.

The RFIs (`validate.rfis`), the request, response and parameter types (`plan.wire` holds the
spec's schemas to their columns; `plan.schemas` turns each crossing into a type) and the
tests' values all read this one table."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from gen_backend.model.api import (
    ApiModel,
    Filter,
    FilterOp,
    JsonScalar,
    Operation,
    OperationKind,
    Parameter,
    Property,
    Schema,
    SchemaType,
)
from gen_backend.model.crossing import Conversion, Crossing
from gen_backend.model.infer import property_column
from gen_backend.model.keys import MadeKey, key_form
from gen_backend.model.naming import snake, table_forms
from gen_backend.model.schema import Column, ColumnType, SchemaDesign, Table
from gen_backend.model.service import ServiceModel

# a value of each kind, to ask whether the spec's own pattern admits the column's values
_SAMPLES = {
    "uuid": "6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60",
    "date": "2024-05-17",
    "date-time": "2024-05-17T10:30:00Z",
    "time": "10:30:00Z",
    "integer": "12",
}
# the longest text of each kind, for a text column that keeps it
_TEXT_LENGTHS = {"uuid": 36, "date": 10, "date-time": 32, "time": 21}
_ISO_FORMATS = {
    ColumnType.DATE: "date",
    ColumnType.TIME: "time",
    ColumnType.TIMESTAMP: "date-time",
    ColumnType.TIMESTAMPTZ: "date-time",
}
# the digits an integer column's text may have: as many as every value of its type holds
_INTEGER_DIGITS = {ColumnType.SMALLINT: 4, ColumnType.INTEGER: 9, ColumnType.BIGINT: 18}
# Unix seconds a timestamp holds: 1970 to the end of 9999
_EPOCH_RANGE = (0, 253402300799)
_STRING_FORMATS = {"uuid", "date", "date-time", "time", "decimal"}
_BYTES_FORMATS = {"byte", "binary", "base64"}

_Rule = Callable[[Schema, Column], Conversion]


_WRITES = {OperationKind.CREATE, OperationKind.REPLACE, OperationKind.UPDATE}
_ANSWERS = {*_WRITES, OperationKind.GET, OperationKind.LIST}


def spec_kind(schema: Schema) -> str:
    """The spec side of the table: a JSON type, with a string's format where it matters."""
    kind = schema.primary_type
    if kind is None:
        return "string" if schema.format in _STRING_FORMATS else "any"
    if kind is SchemaType.STRING:
        if schema.format in _STRING_FORMATS:
            return f"string:{schema.format}"
        if schema.format in _BYTES_FORMATS or schema.content_encoding:
            return "string:bytes"
    return kind.value


def conversion(schema: Schema, column: Column) -> Conversion:
    """How a value of `schema` (resolved) crosses to and from `column`."""
    if column.type is ColumnType.JSON or spec_kind(schema) == "any":
        return _AS_IS
    rule = _TABLE.get((spec_kind(schema), column.type))
    if rule is None:
        return _refused(schema, column)
    return rule(schema, column)


def _refused(schema: Schema, column: Column, why: str = "") -> Conversion:
    said = spec_kind(schema).replace(":", " (") + (")" if ":" in spec_kind(schema) else "")
    return Conversion(
        crossing=Crossing.REFUSED,
        why=why or f"a {said} cannot hold every {column.type.value} value, nor the reverse",
    )


_AS_IS = Conversion(crossing=Crossing.AS_IS)


def _as_is(schema: Schema, column: Column) -> Conversion:
    return _AS_IS


def _admits(schema: Schema, sample: str) -> bool:
    """Whether the spec's own pattern (if any) admits `sample`."""
    try:
        return schema.pattern is None or re.search(schema.pattern, sample) is not None
    except re.error:
        return True  # a pattern Python cannot read is the spec's to keep; it decides nothing


def _uuid_text(schema: Schema, column: Column) -> Conversion:
    if not _admits(schema, _SAMPLES["uuid"]):
        return _refused(schema, column, f"its pattern `{schema.pattern}` admits no UUID")
    return Conversion(crossing=Crossing.UUID_TEXT, format="uuid", why="a UUID")


def _iso_text(schema: Schema, column: Column) -> Conversion:
    """ISO 8601 text; a time of day in the form the spec's pattern admits (`09:00`)."""
    form = _ISO_FORMATS[column.type]
    stated = schema.format == form
    if _admits(schema, _SAMPLES[form]):
        if stated:
            return _AS_IS
        return Conversion(crossing=Crossing.ISO_TEXT, format=form, why=f"ISO 8601 {form} text")
    if column.type is ColumnType.TIME:
        for sample, text_form in (("10:30:00", "%H:%M:%S"), ("10:30", "%H:%M")):
            if _admits(schema, sample):
                return Conversion(
                    crossing=Crossing.ISO_TEXT,
                    text_form=text_form,
                    why=f"a time of day as `{sample}`",
                    unstated=not stated,
                )
    return _refused(schema, column, f"its pattern `{schema.pattern}` admits no {form}")


def _integer_text(schema: Schema, column: Column) -> Conversion:
    if not _admits(schema, _SAMPLES["integer"]):
        return _refused(schema, column, f"its pattern `{schema.pattern}` admits no integer")
    digits = _INTEGER_DIGITS[column.type]
    return Conversion(
        crossing=Crossing.INTEGER_TEXT,
        pattern=None if schema.pattern else f"^-?[0-9]{{1,{digits}}}$",
        why=f"an integer of at most {digits} digits",
    )


def _decimal_text(schema: Schema, column: Column) -> Conversion:
    """A decimal as text: held to the spec's pattern, else to what the column's precision and
    scale hold; answered with as many decimals as the column keeps, or the most the spec's
    pattern admits when it admits fewer (`^\\d+(\\.\\d{1,2})?$` over a scale of 4: two)."""
    scale = column.scale
    if schema.pattern is None:
        whole = (column.precision - (scale or 0)) if column.precision else None
        digits = f"{{1,{whole}}}" if whole else "+"
        fraction = rf"(\.[0-9]{{1,{scale}}})?" if scale else ("" if scale == 0 else r"(\.[0-9]+)?")
        pattern = f"^-?[0-9]{digits}{fraction}$"
        return Conversion(
            crossing=Crossing.DECIMAL_TEXT,
            pattern=pattern,
            places=scale,
            why=f"decimal text that {column.type.value} holds",
            unstated=schema.format != "decimal",
        )
    for places in range(scale if scale is not None else 6, -1, -1):
        if _admits(schema, "12" + ("." + "5" * places if places else "")):
            return Conversion(
                crossing=Crossing.DECIMAL_TEXT,
                places=places if scale is not None else None,
                why="decimal text",
                unstated=False,  # the spec's own pattern says what it takes
            )
    return _refused(schema, column, f"its pattern `{schema.pattern}` admits no decimal number")


def _choice_text(schema: Schema, column: Column) -> Conversion:
    if schema.enum:
        return _AS_IS  # PROPERTY_ENUM_MISMATCH compares the values
    if not all(_admits(schema, value) for value in column.values):
        return _refused(
            schema, column, f"its pattern `{schema.pattern}` refuses some of {list(column.values)}"
        )
    choices = "|".join(re.escape(value) for value in column.values)
    return Conversion(
        crossing=Crossing.CHOICE_TEXT,
        pattern=None if schema.pattern else f"^(?:{choices})$",
        why=f"one of {list(column.values)}",
    )


def _stored_as_text(schema: Schema, column: Column) -> Conversion:
    form = schema.format or ""
    need = _TEXT_LENGTHS.get(form)
    if need is not None and column.max_length is not None and column.max_length < need:
        return _refused(
            schema, column, f"a {form} needs {need} characters, more than its {column.max_length}"
        )
    return Conversion(crossing=Crossing.STORED_AS_TEXT, why=f"its {form} kept as text")


def _integer_over_numeric(schema: Schema, column: Column) -> Conversion:
    if column.type is ColumnType.FLOAT or column.scale:
        return _refused(schema, column, "its fractions would be answered as an integer")
    return _AS_IS


def _epoch_seconds(schema: Schema, column: Column) -> Conversion:
    low, high = _EPOCH_RANGE
    return Conversion(
        crossing=Crossing.EPOCH_SECONDS,
        minimum=low,
        maximum=high,
        why="Unix seconds (1970 to 9999)",
    )


def _pairs(
    kinds: tuple[str, ...], columns: tuple[ColumnType, ...], rule: _Rule
) -> dict[tuple[str, ColumnType], _Rule]:
    return {(kind, column): rule for kind in kinds for column in columns}


_TEXT = (ColumnType.STRING, ColumnType.TEXT)
_INTEGERS = (ColumnType.SMALLINT, ColumnType.INTEGER, ColumnType.BIGINT)
_TIMES = (ColumnType.DATE, ColumnType.TIME, ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ)

# (spec kind, column type) -> how a value crosses; every pair not listed is refused
_TABLE: dict[tuple[str, ColumnType], _Rule] = {
    **_pairs(("string",), (*_TEXT, ColumnType.BYTES), _as_is),
    **_pairs(("string",), (ColumnType.UUID,), _uuid_text),
    **_pairs(("string",), _TIMES, _iso_text),
    **_pairs(("string",), _INTEGERS, _integer_text),
    **_pairs(("string", "string:decimal"), (ColumnType.NUMERIC,), _decimal_text),
    **_pairs(("string",), (ColumnType.ENUM,), _choice_text),
    **_pairs(("string:uuid",), (ColumnType.UUID,), _as_is),
    **_pairs(("string:date",), (ColumnType.DATE,), _as_is),
    **_pairs(("string:time",), (ColumnType.TIME,), _iso_text),
    **_pairs(("string:date-time",), (ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ), _as_is),
    **_pairs(
        ("string:uuid", "string:date", "string:time", "string:date-time", "string:decimal"),
        _TEXT,
        _stored_as_text,
    ),
    **_pairs(("string:bytes",), (ColumnType.BYTES,), _as_is),
    **_pairs(("integer",), _INTEGERS, _as_is),
    **_pairs(("integer",), (ColumnType.NUMERIC,), _integer_over_numeric),
    **_pairs(("integer",), (ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ), _epoch_seconds),
    **_pairs(("number",), (ColumnType.NUMERIC, ColumnType.FLOAT), _as_is),
    **_pairs(("integer",), (ColumnType.FLOAT,), _integer_over_numeric),
    **_pairs(("boolean",), (ColumnType.BOOLEAN,), _as_is),
}


def resource_attributes(schema: Schema, api: ApiModel) -> Property | None:
    """The `attributes` of a JSON:API resource object (`{"id", "type", "attributes": {...}}`):
    an object of the row's own columns, answered from the row itself."""
    properties = {p.name: p for p in api.object_properties(schema)}
    attributes = properties.get("attributes")
    if "type" not in properties or attributes is None:
        return None
    return attributes if api.object_properties(attributes.schema_) else None


def variants(schema: Schema, api: ApiModel) -> tuple[Schema, ...]:
    """The object schemas a row of a `oneOf` (or `anyOf`) may be, where it is one of several
    objects (redoc-cafe's menu item: a beverage or a dessert); else ()."""
    resolved = api.resolve(schema)
    members = resolved.one_of or resolved.any_of
    if len(members) < 2 or not all(api.object_properties(m) for m in members):
        return ()
    return members


def row_properties(row: Schema, api: ApiModel) -> tuple[Property, ...]:
    """The properties of a row's schema, each of a JSON:API resource's attributes among them
    in the place of `attributes`, and every variant's where the row is one of several
    (`variants`)."""
    if members := variants(row, api):
        return _union_properties(members, api)
    properties = api.object_properties(row)
    attributes = resource_attributes(row, api)
    if attributes is None:
        return properties
    others = (p for p in properties if p.name != attributes.name)
    return (*others, *api.object_properties(attributes.schema_))


def _union_properties(members: tuple[Schema, ...], api: ApiModel) -> tuple[Property, ...]:
    """Each property of any variant, once: required where every variant requires it, and,
    where every variant holds it to one text (the discriminator, `category: {const:
    beverage}`), an enum of those texts."""
    by_name: dict[str, list[Property]] = {}
    for member in members:
        for prop in row_properties(member, api):
            by_name.setdefault(prop.name, []).append(prop)
    merged: list[Property] = []
    for props in by_name.values():
        everywhere = len(props) == len(members)
        values = [_only_text(p.schema_, api) for p in props]
        schema = props[0].schema_
        if everywhere and all(values):
            schema = Schema(types=(SchemaType.STRING,), enum=tuple(dict.fromkeys(values)))
        required = everywhere and all(p.required for p in props)
        merged.append(props[0].model_copy(update={"schema_": schema, "required": required}))
    return tuple(merged)


def allowed_values(schema: Schema, api: ApiModel) -> tuple[JsonScalar, ...]:
    """The values a schema lists (`const`, or its `enum`); () where it lists none."""
    resolved = api.resolve(schema)
    return (resolved.const,) if resolved.has_const else resolved.enum or ()


def _only_text(schema: Schema, api: ApiModel) -> str | None:
    """The one text a schema allows (`const`, or an enum of one), if it allows only one."""
    allowed = allowed_values(schema, api)
    return allowed[0] if len(allowed) == 1 and isinstance(allowed[0], str) else None


def wraps_row(field: str, table: str) -> bool:
    """Whether a field of that name may wrap one row of `table`: it is named after the table
    (`{"user": {...}}`, Rails-style), or it is a JSON:API document's `data`."""
    return field == "data" or snake(table) in table_forms(field)


def wrapper_of(schema: Schema, table: Table, api: ApiModel) -> Property | None:
    """The field of a body that wraps its row (`wraps_row`), beside nothing the client must
    send nor any of the row's own fields. A request needs it even where the spec leaves it
    optional (`plan.wire` holds it required)."""
    properties = api.object_properties(schema)
    named = [
        p
        for p in properties
        if wraps_row(p.name, table.name)
        and (api.resolve(p.schema_).properties or api.resolve(p.schema_).all_of)
    ]
    others = [p for p in properties if p is not named[0]] if len(named) == 1 else None
    if others is None or any(p.required or property_column(p.name, table) for p in others):
        return None  # a row with a field named after its table (a parent) is no wrapper
    return named[0]


def unwrapped(schema: Schema, table: Table, api: ApiModel) -> Schema:
    """The row inside a body that wraps it (`wrapper_of`), else the body itself."""
    wrapper = wrapper_of(schema, table, api)
    return wrapper.schema_ if wrapper else schema


def request_row(op: Operation, table: Table, api: ApiModel) -> Schema | None:
    """The row a request body of `op` carries, unwrapped."""
    body = op.request_body.body if op.request_body else None
    if body is None or body.schema_ is None:
        return None
    return unwrapped(body.schema_, table, api)


def response_row(op: Operation, table: Table, api: ApiModel) -> Schema | None:
    """The row `op` answers (one item of a list), unwrapped."""
    success = op.success_response
    if success is None or success.body is None or success.body.schema_ is None:
        return None
    schema = success.body.schema_
    if op.kind is OperationKind.LIST:
        resolved = api.resolve(schema)
        items = resolved.items
        if items is None and op.envelope and op.envelope.items_field:
            field = next(
                (p for p in api.object_properties(schema) if p.name == op.envelope.items_field),
                None,
            )
            items = api.resolve(field.schema_).items if field else None
        if items is None:
            return None
        schema = items
    return unwrapped(schema, table, api)


def nullable_answers(op: Operation, table: Table, api: ApiModel) -> list[tuple[Property, Column]]:
    """Each property `op`'s answer requires and never allows to be null, over a column that
    may hold NULL (a row written by another path, or by nothing the API sends): held to the
    column, it is answered as null there, where the spec's type would make it a 500. A row
    that is one of several (`variants`) is held so in each variant."""
    row = response_row(op, table, api) if op.kind is not OperationKind.CUSTOM else None
    rows = (variants(row, api) or (row,)) if row is not None else ()
    found = []
    for prop in (p for each in rows for p in row_properties(each, api)):
        column = property_column(prop.name, table)
        schema = api.resolve(prop.schema_)
        if prop.required and column is not None and column.nullable and not schema.allows_null:
            found.append((prop, column))
    return found


_PARSED_FORMATS = {"uuid", "date", "date-time", "time", "binary", "byte", "decimal"}


def longer_than_column(schema: Schema, column: Column) -> bool:
    """Whether text `schema` (resolved) admits more characters than `column` holds: held to
    the column, a longer one is a 422 on every engine (SQLite would keep it whole). A value
    the service parses (a UUID, a date) is stored in its own form, not as the text sent."""
    return (
        column.max_length is not None
        and column.type is ColumnType.STRING
        and SchemaType.STRING in schema.types
        and schema.format not in _PARSED_FORMATS
        and schema.enum is None
        and (schema.max_length is None or schema.max_length > column.max_length)
    )


def long_texts(op: Operation, table: Table, api: ApiModel) -> list[tuple[Property, Column]]:
    """Each text property `op` writes that admits more than its column holds."""
    row = request_row(op, table, api) if op.kind in _WRITES else None
    found = []
    for prop in row_properties(row, api) if row is not None else ():
        column = property_column(prop.name, table)
        if column is not None and longer_than_column(api.resolve(prop.schema_), column):
            found.append((prop, column))
    return found


def json_answers(
    operations: tuple[Operation, ...], design: SchemaDesign, api: ApiModel
) -> dict[tuple[str, str], Property]:
    """By (table, column): the property an answer gives a JSON column's value in (the first
    operation's that answers it)."""
    found: dict[tuple[str, str], Property] = {}
    for op in operations:
        table = design.table(op.table) if op.table else None
        row = response_row(op, table, api) if table and op.kind in _ANSWERS else None
        if table is None or row is None:
            continue
        for prop in row_properties(row, api):
            column = property_column(prop.name, table)
            if column is not None and column.type is ColumnType.JSON:
                found.setdefault((table.name, column.name), prop)
    return found


def unanswerable_writes(
    op: Operation, table: Table, api: ApiModel, answers: dict[tuple[str, str], Property]
) -> list[tuple[Property, Property]]:
    """(written, answered) for each property `op` writes to a JSON column that takes values
    the schema its answers give it refuses (`TodoLabelsMergePatch`, whose label may lack the
    `name` that `TodoLabels` requires): such a value would be stored, then fail every answer
    (a 500), so the request is held to the answer's schema."""
    row = request_row(op, table, api) if op.kind in _WRITES else None
    found = []
    for prop in row_properties(row, api) if row is not None else ():
        column = property_column(prop.name, table)
        answered = answers.get((table.name, column.name)) if column else None
        if answered is not None and not admits(answered.schema_, prop.schema_, api):
            found.append((prop, answered))
    return found


def admits(
    wider: Schema,
    narrower: Schema,
    api: ApiModel,
    seen: frozenset[tuple[str, str]] = frozenset(),
    *,
    optional: bool = True,
) -> bool:
    """Whether every value `narrower` takes is one `wider` takes, as far as types, required
    properties, enums and bounds tell; where the schemas say more than that (a pattern, a
    reference met again), they are taken to agree. Null is taken where the value is
    `optional` (a model's optional field takes None)."""
    if wider.ref is not None and narrower.ref is not None:  # a cycle passes through both
        if (wider.ref, narrower.ref) in seen:
            return True  # met again: what holds there holds here
        seen |= {(wider.ref, narrower.ref)}
    wide, narrow = api.resolve(wider), api.resolve(narrower)
    if wide.all_of or narrow.all_of:
        wide_parts, narrow_parts = wide.all_of or (wide,), narrow.all_of or (narrow,)
        if len(wide_parts) > 1 or len(narrow_parts) > 1:
            return True  # merged schemas: not compared
        return admits(wide_parts[0], narrow_parts[0], api, seen, optional=optional)
    if narrow.any_of or narrow.one_of:
        return all(
            admits(wider, part, api, seen, optional=optional)
            for part in narrow.any_of or narrow.one_of
        )
    if wide.any_of or wide.one_of:
        return any(
            admits(part, narrower, api, seen, optional=optional)
            for part in wide.any_of or wide.one_of
        )
    kinds = {t for t in narrow.types if t is not SchemaType.NULL}
    if narrow.allows_null and not (wide.allows_null or optional or not wide.types):
        return False
    if narrow.types == (SchemaType.NULL,):
        return True
    taken = set(wide.types) | ({SchemaType.INTEGER} if SchemaType.NUMBER in wide.types else set())
    if wide.types and (not kinds or not kinds <= taken):
        return False
    if wide.enum is not None and (narrow.enum is None or not set(narrow.enum) <= set(wide.enum)):
        return False
    if not _within(wide.max_length, narrow.max_length, above=True) or not _within(
        wide.min_length, narrow.min_length, above=False
    ):
        return False
    if not _within(wide.max_items, narrow.max_items, above=True) or not _within(
        wide.min_items, narrow.min_items, above=False
    ):
        return False
    if not _within(wide.maximum, narrow.maximum, above=True) or not _within(
        wide.minimum, narrow.minimum, above=False
    ):
        return False
    if (
        wide.items is not None
        and narrow.items is not None
        and not admits(wide.items, narrow.items, api, seen, optional=False)
    ):
        return False
    if wide.properties or wide.additional_properties is False:
        sent = {p.name: p for p in api.object_properties(narrower)}
        for prop in api.object_properties(wider):
            given = sent.get(prop.name)
            if given is None:
                if prop.required:
                    return False
                continue
            if prop.required and not given.required:
                return False
            if not admits(prop.schema_, given.schema_, api, seen, optional=not prop.required):
                return False
        if wide.additional_properties is False:
            named = {p.name for p in api.object_properties(wider)}
            if set(sent) - named or narrow.additional_properties is not False:
                return False
    return True


def _within(wide: float | None, narrow: float | None, *, above: bool) -> bool:
    """Whether a bound `narrow` (None: none) keeps inside `wide` (an upper bound when
    `above`)."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return narrow <= wide if above else narrow >= wide


def path_keys(operations: tuple[Operation, ...]) -> set[tuple[str, str]]:
    """(table, column) of each column a path parameter names a row by."""
    return {
        (op.table, b.column)
        for op in operations
        if op.table is not None
        for b in op.path_bindings
        if b.is_key
    }


def empty_keys(
    op: Operation, table: Table, api: ApiModel, keys: set[tuple[str, str]]
) -> list[tuple[Property, Column]]:
    """Each text property `op` writes, which the spec lets be empty, over a column a path
    names rows by (`keys`): an empty one would make a row no path can reach (`/users/`), so
    it needs a character at least."""
    row = request_row(op, table, api) if op.kind in _WRITES else None
    found = []
    for prop in row_properties(row, api) if row is not None else ():
        column = property_column(prop.name, table)
        schema = prop.schema_
        if (
            column is not None
            and (table.name, column.name) in keys
            and column.type in (ColumnType.STRING, ColumnType.TEXT)
            and schema.ref is None
            and schema.primary_type is SchemaType.STRING
            and not schema.min_length
            and schema.pattern is None
            and schema.enum is None
            and schema.format is None
        ):
            found.append((prop, column))
    return found


def made_keys_of(op: Operation, table: Table, api: ApiModel) -> dict[str, MadeKey]:
    """Column -> how the service makes it for the create `op` (`model.keys`), in the form
    `op`'s answer gives it: the table's text key, and a unique text column no request of
    `op` sends (a confirmation code, a token)."""
    row = response_row(op, table, api)
    answered = {
        column.name: api.resolve(p.schema_)
        for p in (row_properties(row, api) if row is not None else ())
        if (column := property_column(p.name, table)) is not None
    }
    request = request_row(op, table, api)
    sent = {
        column.name
        for p in (api.object_properties(request) if request is not None else ())
        if (column := property_column(p.name, table)) is not None
    }
    made = {}
    for column in table.columns:
        if column.unique and not column.primary_key and column.name in sent:
            continue
        form = key_form(column, table, answered.get(column.name))
        if form is not None:
            made[column.name] = form
    return made


def made_keys(service: ServiceModel) -> dict[tuple[str, str], MadeKey]:
    """(table, column) -> how the service makes it, by the first in-scope create of the
    table that makes it."""
    found: dict[tuple[str, str], MadeKey] = {}
    for op in service.in_scope_operations:
        table = service.design.table(op.table) if op.table else None
        if table is not None and op.kind is OperationKind.CREATE:
            for column, form in made_keys_of(op, table, service.api).items():
                found.setdefault((table.name, column), form)
    return found


def create_needs(
    op: Operation, table: Table, api: ApiModel, owner_column: str | None
) -> list[tuple[Column, Property | None]]:
    """Each NOT NULL column without a default that a create must fill from its request,
    with the request property that fills it (None where none does). Filled otherwise: an
    autoincrement or UUID key and what `made_keys_of` makes (the service does), a column the
    path binds, the owner column (the caller), a file's columns (a multipart upload, see
    `plan.api`)."""
    row = request_row(op, table, api)
    properties = (
        [p for p in row_properties(row, api) if not api.is_read_only(p.schema_)] if row else []
    )
    by_column: dict[str, Property] = {}
    for prop in properties:
        column = property_column(prop.name, table)
        if column is not None:
            by_column.setdefault(column.name, prop)
    bound = {b.column for b in op.path_bindings}
    made = made_keys_of(op, table, api)
    needs = []
    for column in table.columns:
        if column.server_filled or column.name in bound or column.name == owner_column:
            continue
        if (column.primary_key and column.type is ColumnType.UUID) or column.name in made:
            continue
        needs.append((column, by_column.get(column.name)))
    return needs


@dataclass(frozen=True)
class CreateFill:
    """How a create fills the NOT NULL columns nothing else does (see `create_needs`)."""

    required: tuple[Property, ...]  # optional request properties held to be required
    unfilled: tuple[Column, ...]  # columns no request property can fill: the create is a stub


def create_fill(
    op: Operation, table: Table, api: ApiModel, owner_column: str | None, partial: set[str]
) -> CreateFill:
    """A request property the spec leaves optional (or nullable) that a NOT NULL column
    without a default needs is held to be required, unless its schema is also a partial
    update's body (`partial`, named schemas), whose fields must stay optional."""
    required: list[Property] = []
    unfilled: list[Column] = []
    row = request_row(op, table, api)
    shared = row is not None and row.ref in partial
    for column, prop in create_needs(op, table, api, owner_column):
        if prop is None or (shared and not _always_sent(prop, api)):
            unfilled.append(column)
        elif not _always_sent(prop, api):
            required.append(prop)
    return CreateFill(tuple(required), tuple(unfilled))


def partial_bodies(
    operations: tuple[Operation, ...], api: ApiModel, design: SchemaDesign
) -> set[str]:
    """The named schemas that are a partial update's (PATCH) request row."""
    found = set()
    for op in operations:
        table = design.table(op.table) if op.table else None
        row = request_row(op, table, api) if table and op.kind is OperationKind.UPDATE else None
        if row is not None and row.ref:
            found.add(row.ref)
    return found


def _always_sent(prop: Property, api: ApiModel) -> bool:
    """Required, not null, or with a default the request model fills in."""
    schema = api.resolve(prop.schema_)
    return (prop.required and not schema.allows_null) or (
        schema.has_default and schema.default is not None
    )


def incomparable(flt: Filter, parameter: Parameter, table: Table, api: ApiModel) -> bool:
    """Whether a filter found by a column's name takes values its column cannot hold:
    conduit's `favorited` (the user who favorited, a string) beside a boolean `favorited`.
    Such a parameter is no filter by that column."""
    column = table.column(flt.columns[0])
    schema = api.resolve(parameter.schema_)
    if flt.op is FilterOp.IN and schema.items is not None:
        schema = api.resolve(schema.items)
    return column is not None and conversion(schema, column).crossing is Crossing.REFUSED


def filter_misfit(
    flt: Filter, parameter: Parameter | None, table: Table, api: ApiModel
) -> str | None:
    """Why a filter's op has no meaning for its column or query parameter, or None. Such a
    filter is FILTER_OP_MISMATCH at `check`, and not applied. `contains` on a JSON column
    asks whether its array holds the value."""
    columns = [c for c in (table.column(n) for n in flt.columns) if c is not None]
    param = api.resolve(parameter.schema_) if parameter else None
    op = flt.op
    if op is FilterOp.IN and param is not None and SchemaType.ARRAY not in param.types:
        return f"query parameter `{flt.param}` is not an array"
    if (
        op is not FilterOp.IN
        and param is not None
        and SchemaType.ARRAY in param.types
        and any(c.type is not ColumnType.JSON for c in columns)
    ):
        return f"query parameter `{flt.param}` is an array: `op: in` takes one of its values"
    if op is FilterOp.TRUE_ONLY:
        if any(c.type is not ColumnType.BOOLEAN for c in columns):
            return "its column is not boolean"
        if param is not None and param.primary_type not in (SchemaType.BOOLEAN, None):
            return f"query parameter `{flt.param}` is not a boolean"
    if op is FilterOp.SAME_DAY and any(
        c.type not in (ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ)
        for c in columns
    ):
        return "its column is not a date or timestamp"
    if op is FilterOp.CONTAINS and any(
        not c.type.is_textual and c.type is not ColumnType.JSON for c in columns
    ):
        return "its column is neither text nor a JSON array"
    if op is FilterOp.PREFIX and any(not c.type.is_textual for c in columns):
        return "its column is not text"
    if op in (FilterOp.GT, FilterOp.GTE, FilterOp.LT, FilterOp.LTE) and any(
        c.type in (ColumnType.BOOLEAN, ColumnType.JSON, ColumnType.BYTES) for c in columns
    ):
        return "its column has no order"
    return None


def bound_columns(op: Operation) -> list[tuple[str, str]]:
    """(parameter, column) of each path or filter parameter that carries one column's value
    (a lookup's parameter carries text, whichever column it names)."""
    bound = [(b.param, b.column) for b in op.path_bindings if not b.alternatives]
    return bound + [(f.param, f.columns[0]) for f in op.filters if len(f.columns) == 1]
