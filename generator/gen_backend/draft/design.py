"""ApiModel -> the tables a bare spec implies: one per resource, with its columns, keys, foreign
keys and indexes, and every guess written down as an assumption.

A resource is an entity the paths serve: the object an item path (`/pets/{petId}`) answers
with, the items a collection GET lists, or the object a collection POST creates. Entities are
merged by name (`Pet`, `NewPet`, `PetList` and `{pet: Pet}` are one entity), so a spec that
reaches the same thing by several paths drafts one table.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from gen_backend.model.api import (
    ApiModel,
    HttpMethod,
    Operation,
    OperationKind,
    ParameterLocation,
    Property,
    Schema,
    SchemaType,
)
from gen_backend.model.crossing import Crossing
from gen_backend.model.infer import ITEMS_FIELDS, path_segments
from gen_backend.model.naming import plural, singular, snake
from gen_backend.model.schema import Column, ColumnType
from gen_backend.model.wire import conversion, row_properties, spec_kind

# words around an entity's name in the names of the schemas that carry it
_AFFIXES = re.compile(
    r"^(?:New|Create|Update|Patch|Put|Single|Multiple)(?=[A-Z])"
    r"|(?<=[a-z0-9])(?:Response|Request|Input|Output|Create|Update|Patch|Full|Base|Dto|DTO|Model"
    r"|Resource|Body|Payload|Data|Details?|Summary)$"
)
# the first words of path segments that name an action, not a resource
_VERBS = {
    "add",
    "apply",
    "associate",
    "cancel",
    "change",
    "check",
    "complete",
    "confirm",
    "create",
    "delete",
    "disable",
    "download",
    "enable",
    "find",
    "get",
    "list",
    "login",
    "logout",
    "merge",
    "query",
    "register",
    "remove",
    "reset",
    "search",
    "select",
    "send",
    "set",
    "update",
    "upload",
    "validate",
    "verify",
}
_ITEM_KINDS = {
    HttpMethod.GET: OperationKind.GET,
    HttpMethod.PUT: OperationKind.REPLACE,
    HttpMethod.PATCH: OperationKind.UPDATE,
    HttpMethod.DELETE: OperationKind.DELETE,
}
_TEXT_FORMATS = {"date": "date", "date-time": "timestamptz", "time": "time", "uuid": "uuid"}
_CREATED_AT = re.compile(r"^(created|updated|modified|inserted)(_at|_on|_date|_time)?$")


@dataclass
class DraftColumn:
    name: str
    type: str
    primary_key: bool = False
    autoincrement: bool = False
    nullable: bool = False
    unique: bool = False
    default: str | int | float | bool | None = None
    max_length: int | None = None
    values: tuple[str, ...] = ()
    references: str | None = None
    on_delete: str | None = None

    def as_yaml(self) -> dict[str, object]:
        """The column as schema.yaml spells it, without the keys left at their defaults."""
        spelled: dict[str, object] = {"type": self.type}
        flags = (
            ("primary_key", self.primary_key),
            ("autoincrement", self.autoincrement),
            ("nullable", self.nullable),
            ("unique", self.unique),
        )
        spelled.update({name: True for name, on in flags if on})
        if self.max_length is not None:
            spelled["max_length"] = self.max_length
        if self.values:
            spelled["values"] = list(self.values)
        if self.default is not None:
            spelled["default"] = self.default
        if self.references:
            spelled["references"] = self.references
            spelled["on_delete"] = self.on_delete or "restrict"
        return spelled


@dataclass
class DraftTable:
    name: str
    entity: str  # the name the spec gives the thing (`Pet`)
    schemas: list[Schema] = field(default_factory=list)  # what it is read and written as
    response_schemas: list[Schema] = field(default_factory=list)
    create_schemas: list[Schema] = field(default_factory=list)
    collections: set[str] = field(default_factory=set)  # `/pets`, `/owners/{ownerId}/pets`
    creates: set[str] = field(default_factory=set)  # the collections a POST creates rows in
    # (operation, kind) of each operation found to serve it
    serves: list[tuple[Operation, OperationKind]] = field(default_factory=list)
    item_params: set[str] = field(default_factory=set)  # `petId`: what names one row
    list_params: set[str] = field(default_factory=set)  # query parameters of its lists
    columns: dict[str, DraftColumn] = field(default_factory=dict)
    indexes: list[tuple[str, ...]] = field(default_factory=list)
    checks: list[tuple[str, str]] = field(default_factory=list)  # (name, SQL expression)

    @property
    def key(self) -> DraftColumn:
        return next(c for c in self.columns.values() if c.primary_key)

    @property
    def singular(self) -> str:
        return singular(self.name)


@dataclass(frozen=True)
class Assumption:
    text: str
    affects: tuple[str, ...]


@dataclass
class DraftDesign:
    tables: list[DraftTable]  # in dependency order: a table after those it references
    assumptions: list[Assumption]


def draft_design(api: ApiModel) -> DraftDesign:
    tables = _named_by_paths(_Resources(api).find())
    assumptions: list[Assumption] = []
    by_entity = {t.entity: t for t in tables}
    for table in tables:
        _columns(api, table, by_entity, assumptions)
    for table in tables:
        _parent_keys(table, tables, assumptions)
    for table in tables:
        _children_of_arrays(api, table, by_entity, assumptions)
    for table in tables:
        _indexes(table)
    return DraftDesign(tables=_dependency_order(tables), assumptions=assumptions)


def _named_by_paths(tables: list[DraftTable]) -> list[DraftTable]:
    """Each table named after the collection its paths serve it at (`/items` -> `items`,
    `/store/order` -> `orders`, `/animal/search` -> `animals`), as a client knows it and the
    generator finds it: the name most of its collections give, the shortest path first; by
    its entity's name where no path names it, or where another table wants the same name."""
    wanted: dict[int, str] = {}
    for table in tables:
        names: list[tuple[str, int]] = []
        for collection in table.collections:
            literals = [s for s in path_segments(collection) if not _is_param(s)]
            while literals and is_action(literals[-1]):
                literals.pop()
            if literals:
                names.append((table_name(literals[-1]), collection.count("/")))
        if names:
            counts = Counter(name for name, _ in names)
            wanted[id(table)] = min(names, key=lambda n: (-counts[n[0]], n[1], n[0]))[0]
    chosen = Counter(wanted.values())
    for table in tables:
        name = wanted.get(id(table))
        if name is not None and chosen[name] == 1:
            table.name = name
    return tables


def declared_intent(design: DraftDesign) -> dict[str, dict[str, str]]:
    """`table:` and `kind:` for each operation found to serve a table at a path that does
    not name it where the generator reads it (`GET /animal/search` lists animals), so the
    generator builds what the draft found instead of a 501."""
    declared: dict[str, dict[str, str]] = {}
    for table in design.tables:
        for op, kind in table.serves:
            if not _path_names(op.path, table.name, kind):
                declared[op.operation_id] = {"table": table.name, "kind": kind.value}
    return declared


def _path_names(path: str, table: str, kind: OperationKind) -> bool:
    """Whether the path alone leads the generator to `table` and `kind`: the collection's
    last segment (or the item's before its parameter) names the table."""
    segments = path_segments(path)
    collection = kind in (OperationKind.LIST, OperationKind.CREATE)
    index = len(segments) - (1 if collection else 2)
    if index < 0 or _is_param(segments[index]):
        return False
    named = {plural(singular(snake(segments[index]))), snake(segments[index])}
    if index > 0 and not _is_param(segments[index - 1]):
        named.add(f"{singular(snake(segments[index - 1]))}_{snake(segments[index])}")
    return table in named or singular(table) in named


def entity_name(schema_name: str) -> str:
    """`NewPet`, `PetResponse`, `SingleArticleResponse` -> `Pet`, `Pet`, `Article`."""
    name = schema_name
    while (shorter := _AFFIXES.sub("", name, count=1)) != name and shorter:
        name = shorter
    return name


def table_name(entity: str) -> str:
    return plural(singular(snake(entity))) or "items"


class _Resources:
    """Finds the entities the paths serve, keyed by name."""

    def __init__(self, api: ApiModel) -> None:
        self.api = api
        self.found: dict[str, DraftTable] = {}

    def find(self) -> list[DraftTable]:
        for op in self.api.operations:
            segments = path_segments(op.path)
            last = segments[-1]
            if _is_param(last) and len(segments) > 1 and not _is_param(segments[-2]):
                self._item(op, segments)
            elif not _is_param(last) and last:
                self._collection(op, segments)
        return list(self.found.values())

    def _item(self, op: Operation, segments: list[str]) -> None:
        # `/cart/remove_line_item/{id}` acts on the cart, naming something in it
        if op.method not in _ITEM_KINDS or is_action(segments[-2]):
            return
        answer = self._answer(op)
        answer = answer if answer is not None and self._object(answer) else None
        sent = self._sent(op) if op.method in (HttpMethod.PUT, HttpMethod.PATCH) else None
        # the answer names the entity (`SpecialEvent`); what a PATCH sends
        # (`SpecialEventFields`) is another view of it
        anchor = answer or sent
        entity = self._entity(anchor, segments[-2]) if anchor is not None else None
        if entity is not None:
            table = self._table(entity, op, _ITEM_KINDS[op.method])
            table.collections.add("/" + "/".join(segments[:-1]))
            table.item_params.add(segments[-1][1:-1])
            if answer is not None:
                table.response_schemas.append(answer)
            table.schemas += [s for s in (answer, sent) if s is not None and self._object(s)]
        elif op.method is HttpMethod.DELETE:
            named = self._named_by_segment(segments[-2])
            if named is not None:
                named.item_params.add(segments[-1][1:-1])
                self._table(named.entity, op, OperationKind.DELETE)

    def _read_by_query(self, op: Operation, segments: list[str]) -> None:
        """`GET /animal?uid=...` answering one animal: an item read, its row named by the
        required query parameter that is one of the row's properties."""
        answer = self._answer(op)
        if answer is None or not self._object(answer):
            return
        properties = {prop.name for prop in self.api.object_properties(answer)}
        param = next(
            (
                p.name
                for p in op.parameters_in(ParameterLocation.QUERY)
                if p.required and p.name in properties
            ),
            None,
        )
        entity = self._entity(answer, segments[-1]) if param else None
        if param is None or entity is None:
            return
        table = self._table(entity, op, OperationKind.GET)
        table.collections.add("/" + "/".join(segments))
        table.item_params.add(param)
        table.response_schemas.append(answer)
        table.schemas.append(answer)

    def _collection(self, op: Operation, segments: list[str]) -> None:
        if op.method is HttpMethod.GET:
            answer = self._answer(op, unwrap=False)
            items = self._listed(answer) if answer else None
            # `/articles/feed` lists articles: an inline list under a collection is its own
            under = segments[-2] if len(segments) > 1 and not _is_param(segments[-2]) else None
            segment = under if under and items is not None and items.ref is None else segments[-1]
            if items is not None and (entity := self._entity(items, segment)):
                table = self._table(entity, op, OperationKind.LIST)
                table.collections.add("/" + "/".join(segments))
                table.response_schemas.append(items)
                table.schemas.append(items)
                table.list_params.update(p.name for p in op.parameters_in(ParameterLocation.QUERY))
            elif items is None:
                self._read_by_query(op, segments)
        elif op.method is HttpMethod.POST:
            if is_action(segments[-1]):
                return
            sent = self._sent(op)
            # an inline body posted where nothing is listed or read is an action
            # (`POST /cart/add_item`), not a collection, unless its schema is named
            if (
                sent is None
                or not self._object(sent)
                or (sent.ref is None and not self._read_at(segments))
            ):
                return
            answer = self._answer(op)
            answer = answer if answer is not None and self._object(answer) else None
            # `{"item": TodoItem, "attachments": [...]}` creates the TodoItem it holds
            if answer is not None and (held := self._holding(sent, answer)) is not None:
                sent = held
            entity = self._entity(sent, segments[-1])
            if entity is None:
                return
            table = self._table(entity, op, OperationKind.CREATE)
            table.collections.add("/" + "/".join(segments))
            table.creates.add("/" + "/".join(segments))
            table.create_schemas.append(sent)
            table.schemas.append(sent)
            if answer is not None:
                table.response_schemas.append(answer)
                table.schemas.append(answer)

    def _holding(self, body: Schema, answer: Schema) -> Schema | None:
        """The field of `body` that holds the entity `answer` is, where the body wraps it
        beside other fields."""
        if answer.ref is None:
            return None
        wanted = entity_name(answer.ref)
        return next(
            (
                p.schema_
                for p in self.api.object_properties(body)
                if p.schema_.ref is not None and entity_name(p.schema_.ref) == wanted
            ),
            None,
        )

    def _read_at(self, segments: list[str]) -> bool:
        """Whether a GET lists the collection at `segments` or reads an item under it."""
        collection = "/" + "/".join(segments)
        return any(
            op.method is HttpMethod.GET
            and (
                op.path.rstrip("/") == collection
                or (
                    op.path.startswith(collection + "/{")
                    and op.path.count("/") == len(segments) + 1
                )
            )
            for op in self.api.operations
        )

    def _named_by_segment(self, segment: str) -> DraftTable | None:
        name = table_name(segment)
        return next((t for t in self.found.values() if t.name == name), None)

    def _table(self, entity: str, op: Operation, kind: OperationKind) -> DraftTable:
        table = self.found.get(entity)
        if table is None:
            table = self.found[entity] = DraftTable(name=table_name(entity), entity=entity)
        if all(op is not served for served, _ in table.serves):
            table.serves.append((op, kind))
        return table

    def _answer(self, op: Operation, *, unwrap: bool = True) -> Schema | None:
        success = op.success_response
        body = success.body if success else None
        if body is None or body.schema_ is None:
            return None
        return self._unwrapped(body.schema_) if unwrap else body.schema_

    def _sent(self, op: Operation) -> Schema | None:
        body = op.request_body.body if op.request_body else None
        if body is None or body.schema_ is None or "json" not in body.content_type:
            return None
        return self._unwrapped(body.schema_)

    def _object(self, schema: Schema) -> bool:
        return bool(row_properties(schema, self.api))

    def _unwrapped(self, schema: Schema) -> Schema:
        """`{"article": {...}}` -> the article: an object whose one property is an object;
        `{"data": {...}, "included": [...]}` -> the data of a JSON:API document, beside
        members that may be left out."""
        properties = self.api.object_properties(schema)
        data = next((p for p in properties if p.name == "data"), None)
        if len(properties) == 1 or (
            data is not None and not any(p.required for p in properties if p is not data)
        ):
            inner = (data or properties[0]).schema_
            if self._object(inner) and self.api.resolve(inner).primary_type is not SchemaType.ARRAY:
                return inner
        return schema

    def _listed(self, schema: Schema) -> Schema | None:
        """The items of a list answer: a bare array, or the one array of objects of an
        envelope (`{"data": [...], "total": 3}`)."""
        resolved = self.api.resolve(schema)
        if resolved.primary_type is SchemaType.ARRAY and resolved.items is not None:
            return resolved.items if self._object(resolved.items) else None
        arrays = {
            prop.name: prop.schema_
            for prop in self.api.object_properties(schema)
            if (inner := self.api.resolve(prop.schema_)).primary_type is SchemaType.ARRAY
            and inner.items is not None
            and self._object(inner.items)
        }
        # beside another array (JSON:API's `included`), the one named as items are
        named = [a for name, a in arrays.items() if snake(name) in ITEMS_FIELDS]
        listed = list(arrays.values()) if len(arrays) == 1 else named
        return self.api.resolve(listed[0]).items if len(listed) == 1 else None

    def _entity(self, schema: Schema, segment: str) -> str | None:
        """The entity's name: its named schema's, else the path segment's (singular)."""
        if not self._object(schema):
            return None
        if schema.ref is not None:
            return entity_name(schema.ref)
        if is_action(segment):
            return None
        name = singular(snake(segment))
        return "".join(part.capitalize() for part in name.split("_")) or None


def is_action(segment: str) -> bool:
    """A segment that names an action on a resource (`/cart/add_item`, `/users/login`)."""
    return snake(segment).split("_")[0] in _VERBS


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


# ---- columns ----------------------------------------------------------------------------------


def _properties(
    api: ApiModel, table: DraftTable
) -> Iterator[tuple[Property, bool, bool, list[Schema]]]:
    """Each property of the entity once: (property, required in answers, required in creates,
    its schema in every place the entity is read or written)."""
    answered: dict[str, bool] = {}
    created: dict[str, bool] = {}
    first: dict[str, Property] = {}
    typed: dict[str, list[Schema]] = {}
    for schema in table.schemas:
        for prop in row_properties(schema, api):
            first.setdefault(prop.name, prop)
            typed.setdefault(prop.name, []).append(prop.schema_)
            if any(schema is s for s in table.response_schemas):
                answered[prop.name] = answered.get(prop.name, False) or prop.required
            if any(schema is s for s in table.create_schemas):
                created[prop.name] = created.get(prop.name, False) or prop.required
    for name, prop in first.items():
        yield prop, answered.get(name, False), created.get(name, False), typed[name]


def _columns(
    api: ApiModel,
    table: DraftTable,
    by_entity: dict[str, DraftTable],
    assumptions: list[Assumption],
) -> None:
    has_creates = bool(table.create_schemas)
    for prop, answered, created, schemas in _properties(api, table):
        if _array_of_entity(api, prop.schema_, by_entity) is not None:
            continue
        name = snake(prop.name)
        if not name or name in table.columns:
            continue
        column = _column(api, name, prop.schema_, table, assumptions)
        column = _crossed_by_all(api, column, schemas, table, assumptions)
        sent = not api.is_read_only(prop.schema_)
        column.nullable = api.resolve(prop.schema_).allows_null or (
            column.default is None
            and (not (answered or created) or (has_creates and sent and not created))
        )
        if column.nullable is False and not created and column.default is None:
            if column.type == "timestamptz" and _CREATED_AT.match(name):
                column.default = "now"  # whatever makes the row: a JSON create, a form, a seed
            elif has_creates and not sent:
                column.nullable = True
        table.columns[name] = column
    _key(table, assumptions)
    whole = [name for name, column in table.columns.items() if column.type == "json"]
    if whole:
        assumptions.append(
            Assumption(
                f"{', '.join(f'`{table.name}.{n}`' for n in whole)}: nested objects, arrays and "
                "free-form values are JSON columns, stored and answered whole",
                tuple(f"{table.name}.{n}" for n in whole),
            )
        )


# what a column may become when the spec types its value one way in one place and another way
# in another (`amount` a number in the request and decimal text in the answer)
_WIDER = ("bytes", "float", "numeric", "text")


def _crossed_by_all(
    api: ApiModel,
    column: DraftColumn,
    schemas: list[Schema],
    table: DraftTable,
    assumptions: list[Assumption],
) -> DraftColumn:
    """`column`, drafted from the property's first schema, where every other schema of it
    crosses to it (the wire table, `model.wire.conversion`); else the first of `_WIDER` that
    every one crosses to, or JSON (where a request's value the answer refuses is held to the
    answer's schema: `PROPERTY_HELD_TO_ANSWER`), each an assumption."""

    kinds = {spec_kind(_effective(api, schema)) for schema in schemas}

    def crosses(kind: str) -> bool:
        if kind == "numeric" and {"integer", "number"} <= kinds:
            return False  # a fraction written as a number could not be answered as an integer
        held = Column(name=column.name, type=ColumnType(kind), nullable=True)
        return all(
            conversion(_effective(api, schema), held).crossing is not Crossing.REFUSED
            for schema in schemas
        )

    if column.type == "json" or crosses(column.type):
        return column
    kind = next((k for k in _WIDER if crosses(k)), "json")
    where = f"{table.name}.{column.name}"
    said = sorted(kinds)
    assumptions.append(
        Assumption(
            f"`{where}` is typed {' and '.join(said)} in different places of the spec: a "
            f"`{kind}` column holds each",
            (where,),
        )
    )
    if kind in ("text", "json"):  # a bound no longer applies
        table.checks = [check for check in table.checks if check[1].split()[0] != column.name]
    return DraftColumn(column.name, kind)


def _effective(api: ApiModel, schema: Schema) -> Schema:
    """The schema a value is of: references followed, and `allOf: [$ref: Id]` (a reference
    given a description beside it) read as the one schema it wraps."""
    resolved = api.resolve(schema)
    while not resolved.types and len(resolved.all_of) == 1 and not resolved.properties:
        resolved = api.resolve(resolved.all_of[0])
    return resolved


def _column(
    api: ApiModel, name: str, schema: Schema, table: DraftTable, assumptions: list[Assumption]
) -> DraftColumn:
    resolved = _effective(api, schema)
    kind = resolved.primary_type
    where = f"{table.name}.{name}"
    if kind is SchemaType.STRING:
        if resolved.enum and all(isinstance(v, str) for v in resolved.enum):
            values = tuple(str(v) for v in resolved.enum)
            default = resolved.default if isinstance(resolved.default, str) else None
            return DraftColumn(name, "enum", values=values, default=default)
        if resolved.format in _TEXT_FORMATS:
            return DraftColumn(name, _TEXT_FORMATS[resolved.format])
        if spec_kind(resolved) == "string:bytes":
            return DraftColumn(name, "bytes")
        default = resolved.default if isinstance(resolved.default, str) else None
        if resolved.max_length is not None:
            return DraftColumn(name, "string", max_length=resolved.max_length, default=default)
        return DraftColumn(name, "text", default=default)
    if kind is SchemaType.INTEGER:
        wide = resolved.format == "int64"
        column = DraftColumn(name, "bigint" if wide else "integer")
        column.default = resolved.default if isinstance(resolved.default, int) else None
        _bounds(table, name, resolved)
        return column
    if kind is SchemaType.NUMBER:
        if resolved.format not in ("float", "double"):
            assumptions.append(
                Assumption(
                    f"`{where}` is a float, as the spec's `number` without a format says; make "
                    "it `numeric` with a precision and scale where it holds money or exact "
                    "decimals",
                    (where,),
                )
            )
        column = DraftColumn(name, "float")
        if isinstance(resolved.default, int | float) and not isinstance(resolved.default, bool):
            column.default = resolved.default
        _bounds(table, name, resolved)
        return column
    if kind is SchemaType.BOOLEAN:
        switch = resolved.default if isinstance(resolved.default, bool) else None
        return DraftColumn(name, "boolean", default=switch)
    return DraftColumn(name, "json")


def _bounds(table: DraftTable, column: str, schema: Schema) -> None:
    for bound, op, suffix in ((schema.minimum, ">=", "min"), (schema.maximum, "<=", "max")):
        if bound is not None:
            value = int(bound) if float(bound).is_integer() else bound
            table.checks.append((f"{table.name}_{column}_{suffix}", f"{column} {op} {value}"))


def _key(table: DraftTable, assumptions: list[Assumption]) -> None:
    """The primary key: `id` where the entity has one, else the column an item path names
    rows by, else a UUID the service makes (kept off the wire). Any other column a path names
    rows by is unique."""
    named = {_column_named_by(table, snake(param)) for param in table.item_params}
    key = table.columns.get("id") or next(
        (table.columns[name] for name in sorted(n for n in named if n)), None
    )
    if key is None:
        key = DraftColumn("id", "uuid")
        table.columns = {"id": key, **table.columns}
        assumptions.append(
            Assumption(
                f"`{table.name}` has no identifier in the spec: its key is a UUID `id` the "
                "service makes, kept off the wire",
                (f"{table.name}.id",),
            )
        )
    key.primary_key, key.nullable, key.default = True, False, None
    table.columns = {key.name: key, **table.columns}
    if key.type in ("integer", "bigint"):
        key.autoincrement = True
    elif key.type not in ("uuid", "string"):
        key.type = "string"
        key.max_length = key.max_length or 255
    for name in sorted(n for n in named if n and n != key.name):
        column = table.columns[name]
        if column.type != "json":
            column.unique, column.nullable = True, False
            assumptions.append(
                Assumption(
                    f"`{table.name}.{name}` names one row (a path parameter), so it is unique",
                    (f"{table.name}.{name}",),
                )
            )


def _column_named_by(table: DraftTable, param: str) -> str | None:
    """The column a path parameter names rows by: its own name (`username`), or the key
    where it is the key's name qualified by the table's (`petId`, `eventId`, `menuItemId`)."""
    if param in table.columns:
        return param
    last_word = table.singular.split("_")[-1]
    for qualifier in (table.singular, last_word):  # `product_slug`: the product's `slug`
        unqualified = param.removeprefix(f"{qualifier}_")
        if unqualified != param and unqualified in table.columns and unqualified != "id":
            return unqualified
    if param in ("id", f"{table.singular}_id", f"{last_word}_id") or param.endswith(
        f"_{last_word}_id"
    ):
        return "id" if "id" in table.columns else None
    return None


# ---- relationships ----------------------------------------------------------------------------


def _array_of_entity(
    api: ApiModel, schema: Schema, by_entity: dict[str, DraftTable]
) -> DraftTable | None:
    """The table whose rows an array property lists (`Order.items: [OrderItem]`), if any."""
    resolved = api.resolve(schema)
    if resolved.primary_type is not SchemaType.ARRAY or resolved.items is None:
        return None
    ref = resolved.items.ref
    return by_entity.get(entity_name(ref)) if ref else None


def _foreign_key(
    child: DraftTable, parent: DraftTable, name: str, *, nullable: bool, on_delete: str
) -> DraftColumn | None:
    """Make `child.name` refer to the parent's key: an existing column of a compatible type
    becomes the reference, a missing one is added. None where the types cannot agree."""
    key = parent.key
    column = child.columns.get(name)
    if column is None:
        kind = "bigint" if key.type in ("integer", "bigint") else key.type
        column = child.columns[name] = DraftColumn(
            name, kind, nullable=nullable, max_length=key.max_length
        )
    elif not _comparable(column.type, key.type) or column.primary_key:
        return None
    column.references = f"{parent.name}.{key.name}"
    column.on_delete = "set_null" if column.nullable else on_delete
    return column


def _comparable(a: str, b: str) -> bool:
    groups = ({"integer", "bigint", "smallint"}, {"string", "text"}, {"uuid"})
    return any(a in group and b in group for group in groups)


def _parent_keys(
    table: DraftTable, tables: list[DraftTable], assumptions: list[Assumption]
) -> None:
    """Foreign keys from nested paths (`/owners/{ownerId}/pets` -> `pets.owner_id`) and from
    `*_id` properties that name another table."""
    by_collection = {c: t for t in tables for c in t.collections}
    by_name = {t.name: t for t in tables}
    for collection in sorted(table.collections):
        segments = path_segments(collection)
        if len(segments) < 3 or not _is_param(segments[-2]) or _is_param(segments[-3]):
            continue
        parent = by_collection.get("/" + "/".join(segments[:-2])) or by_name.get(
            table_name(segments[-3])
        )
        if parent is None or parent is table:
            continue
        param = snake(segments[-2][1:-1])
        name = param if param.endswith("_id") else f"{parent.singular}_id"
        if name == table.key.name or (name in table.columns and table.columns[name].references):
            continue
        # rows created at another collection (`POST /pets` beside `/owners/{id}/pets`) may
        # have no parent
        elsewhere = any(c != collection for c in table.creates)
        column = _foreign_key(table, parent, name, nullable=elsewhere, on_delete="cascade")
        if column is not None:
            assumptions.append(
                Assumption(
                    f"`{table.name}.{name}` refers to `{parent.name}` (the path {collection} "
                    f"nests them); deleting one of {parent.name} deletes its {table.name}"
                    if not column.nullable
                    else f"`{table.name}.{name}` refers to `{parent.name}` (the path "
                    f"{collection} nests them); it is nullable since {table.name} are also "
                    "created outside it",
                    (f"{table.name}.{name}",),
                )
            )
    for name, column in list(table.columns.items()):
        if column.references or column.primary_key or not name.endswith("_id"):
            continue
        parent = by_name.get(table_name(name.removesuffix("_id")))
        if parent is None or parent is table:
            continue
        if _foreign_key(table, parent, name, nullable=column.nullable, on_delete="restrict"):
            assumptions.append(
                Assumption(
                    f"`{table.name}.{name}` refers to `{parent.name}` (by its name)",
                    (f"{table.name}.{name}",),
                )
            )


def _children_of_arrays(
    api: ApiModel,
    table: DraftTable,
    by_entity: dict[str, DraftTable],
    assumptions: list[Assumption],
) -> None:
    """An array of another table's rows (`Order.items: [OrderItem]`) is the other side of a
    key: the listed rows refer to this one."""
    for prop, *_ in _properties(api, table):
        child = _array_of_entity(api, prop.schema_, by_entity)
        if child is None or child is table:
            continue
        name = f"{table.singular}_id"
        if child.columns.get(name, DraftColumn(name, "")).references:
            continue
        if _foreign_key(child, table, name, nullable=True, on_delete="cascade"):
            assumptions.append(
                Assumption(
                    f"`{table.name}.{snake(prop.name)}` lists {child.name}: each refers to its "
                    f"{table.singular} by `{child.name}.{name}`",
                    (f"{child.name}.{name}",),
                )
            )


def _indexes(table: DraftTable) -> None:
    """An index on each foreign key and on each column a list filters by."""
    wanted = [name for name, column in table.columns.items() if column.references]
    wanted += sorted(
        name
        for name in {snake(param) for param in table.list_params}
        if name in table.columns and table.columns[name].type not in ("json", "bytes")
    )
    for name in wanted:
        column = table.columns[name]
        if not column.primary_key and not column.unique and (name,) not in table.indexes:
            table.indexes.append((name,))


def _dependency_order(tables: list[DraftTable]) -> list[DraftTable]:
    """Each table after the tables it references; a reference that closes a cycle is dropped
    (the column stays), since no order could create both tables first."""
    by_name = {t.name: t for t in tables}
    ordered: list[DraftTable] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def place(table: DraftTable) -> None:
        if table.name in placed:
            return
        visiting.add(table.name)
        for column in table.columns.values():
            if not column.references:
                continue
            target = by_name[column.references.split(".")[0]]
            if target.name in visiting:
                column.references = column.on_delete = None
            elif target is not table:
                place(target)
        visiting.discard(table.name)
        placed.add(table.name)
        ordered.append(table)

    for table in tables:
        place(table)
    return ordered
