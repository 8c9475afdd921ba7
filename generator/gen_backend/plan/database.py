"""Planning the database layer: ORM classes and Alembic revisions, from the schema design."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import sqlglot
import sqlglot.errors

from gen_backend.model import (
    Column,
    ColumnType,
    DefaultKind,
    OnDelete,
    RelationshipKind,
    SchemaDesign,
    Table,
)
from gen_backend.model.bounds import Order, Range, column_orders, column_range, type_range
from gen_backend.model.defaults import sqlite_default
from gen_backend.model.keys import MadeKey
from gen_backend.model.schema import naming
from gen_backend.model.service import MigrationStep
from gen_backend.plan.names import attribute, model_class

_SA_TYPES: dict[ColumnType, tuple[str, str]] = {  # column type -> (SQLAlchemy type, Python type)
    ColumnType.UUID: ("sa.Uuid()", "uuid.UUID"),
    ColumnType.TEXT: ("sa.Text()", "str"),
    ColumnType.INTEGER: ("sa.Integer()", "int"),
    ColumnType.BIGINT: ("sa.BigInteger()", "int"),
    ColumnType.SMALLINT: ("sa.SmallInteger()", "int"),
    ColumnType.BOOLEAN: ("sa.Boolean()", "bool"),
    ColumnType.FLOAT: ("sa.Float()", "float"),
    ColumnType.DATE: ("sa.Date()", "datetime.date"),
    ColumnType.TIME: ("sa.Time()", "datetime.time"),
    ColumnType.TIMESTAMP: ("sa.DateTime()", "datetime.datetime"),
    ColumnType.TIMESTAMPTZ: ("sa.DateTime(timezone=True)", "datetime.datetime"),
    ColumnType.JSON: ("sa.JSON()", "JsonValue"),
    ColumnType.BYTES: ("sa.LargeBinary()", "bytes"),
}
MAX_IDENTIFIER = 63  # PostgreSQL's longest name; a longer one is shortened, not conventional
ON_DELETE = {
    OnDelete.CASCADE: "CASCADE",
    OnDelete.RESTRICT: "RESTRICT",
    OnDelete.SET_NULL: "SET NULL",
    OnDelete.SET_DEFAULT: "SET DEFAULT",
}


@dataclass(frozen=True)
class ColumnPlan:
    design: Column  # the column as the design has it
    name: str  # the column's name in the database
    attr: str  # the ORM attribute
    sa_type: str
    py_type: str
    nullable: bool
    primary_key: bool
    server_default: str | None  # a SQLAlchemy expression, as source text
    python_default: str | None  # a callable, as source text (uuid.uuid4)
    autoincrement: bool
    comment: str | None
    enum_name: str | None
    enum_values: tuple[str, ...] = ()
    type_holds: Range | None = None  # the numbers its type holds (an integer's width, ...)
    holds: Range | None = None  # those it holds: its type's range narrowed by its CHECKs
    # an SQL expression default as SQLite runs it, where it is spelt otherwise there ("" where
    # SQLite cannot run it: the migration sets it on PostgreSQL only)
    sqlite_server_default: str | None = None

    @property
    def annotation(self) -> str:
        return f"{self.py_type} | None" if self.nullable else self.py_type

    @property
    def annotation_says_null(self) -> bool:
        """Whether SQLAlchemy reads NULL or NOT NULL off the annotation right: `JsonValue`
        admits None itself, so a NOT NULL JSON column must say so."""
        return self.nullable or self.py_type != "JsonValue"

    @property
    def autoincrement_keyword(self) -> bool | None:
        """`autoincrement=` of a key column, in the model and the migration alike: True for a
        numbered key, False for an integer key the client gives (SQLAlchemy would otherwise
        make a single integer key a SERIAL on PostgreSQL), None elsewhere."""
        if not self.primary_key:
            return None
        if self.autoincrement:
            return True
        return False if self.py_type == "int" else None

    @property
    def model_type(self) -> str:
        """The type in the ORM model: as in the migration, except that time zones come back
        on every engine (SQLite keeps none; `UtcDateTime` puts UTC back), and a `timestamp`
        without one holds UTC (`UtcNaiveDateTime`), and bytes take text too (`TextBytes`)."""
        return {
            "sa.DateTime(timezone=True)": "UtcDateTime()",
            "sa.DateTime()": "UtcNaiveDateTime()",
            "sa.LargeBinary()": "TextBytes()",
        }.get(self.sa_type, self.sa_type)


@dataclass(frozen=True)
class ForeignKeyPlan:
    name: str
    columns: tuple[str, ...]
    target_table: str
    target_columns: tuple[str, ...]
    ondelete: str | None


@dataclass(frozen=True)
class IndexPlan:
    name: str
    columns: tuple[str, ...]
    unique: bool
    where: CheckPlan | None = None  # a partial index's condition, per dialect


@dataclass(frozen=True)
class CheckPlan:
    name: str
    postgres: str
    sqlite: str | None  # None: PostgreSQL only (e.g. a regex match SQLite cannot evaluate)

    @property
    def portable(self) -> bool:
        return self.sqlite == self.postgres


def plan_check(name: str, expression: str) -> CheckPlan:
    try:
        sqlite = sqlglot.transpile(expression, read="postgres", write="sqlite")[0]
    except sqlglot.errors.SqlglotError:
        sqlite = None
    if sqlite is not None and re.search(r"\bREGEXP\b", sqlite, re.IGNORECASE):
        sqlite = None  # SQLite has the operator but no function behind it
    return CheckPlan(name=name, postgres=expression, sqlite=sqlite)


@cache
def _scratch() -> sqlite3.Connection:
    """An empty in-memory SQLite database that evaluates CHECKs on candidate test values."""
    return sqlite3.connect(":memory:", check_same_thread=False)


def refused_by_checks(checks: tuple[CheckPlan, ...], column: str, value: str) -> bool:
    """Whether a CHECK refuses `value` in `column`, evaluated by SQLite on that value alone
    (`sku = upper(sku)` refuses `sku-1`). A CHECK naming other columns, or one SQLite cannot
    evaluate, refuses nothing here."""
    quoted = '"' + column.replace('"', '""') + '"'
    for check in checks:
        if check.sqlite is None:
            continue
        try:
            # the design's own CHECK over one bound value, in a scratch database
            row = (
                _scratch()
                .execute(f"SELECT ({check.sqlite}) FROM (SELECT ? AS {quoted})", (value,))
                .fetchone()
            )
        except sqlite3.Error:
            continue
        if row is not None and row[0] == 0:
            return True
    return False


def kept_text(checks: tuple[CheckPlan, ...], column: str, value: str) -> str | None:
    """`value`, or its upper- or lower-case form, whichever `column`'s CHECKs keep; None when
    they keep none of them."""
    for candidate in (value, value.upper(), value.lower()):
        if not refused_by_checks(checks, column, candidate):
            return candidate
    return None


@dataclass(frozen=True)
class RelationshipPlan:
    """One side of a foreign key on the ORM model (`book.author`, `author.books`). Loading it
    lazily raises: what a response needs is loaded in batches or joins, never row by row."""

    name: str
    many: bool  # one-to-many: a list of the rows pointing here
    target_class: str
    target_module: str  # the domain package of the target's model
    back_populates: str
    # the foreign-key columns, as SQLAlchemy evaluates them ("[Book.author_id]"), where it
    # cannot tell them itself: several keys between the two tables, or a self-reference
    foreign_keys: str | None
    nullable: bool = False  # a many-to-one whose foreign key may be NULL
    remote_side: str | None = None  # a self-reference's many-to-one: the key it points at
    # (attribute of this row, attribute of a related row) holding equal values
    pairs: tuple[tuple[str, str], ...] = ()

    @property
    def import_line(self) -> str:
        return f"from {self.target_module} import {self.target_class}"

    @property
    def annotation(self) -> str:
        if self.many:
            return f'list["{self.target_class}"]'
        return f'"{self.target_class} | None"' if self.nullable else f'"{self.target_class}"'


@dataclass(frozen=True)
class TablePlan:
    name: str
    class_name: str
    module: str  # the domain package that holds the ORM class
    columns: tuple[ColumnPlan, ...]
    primary_key: tuple[str, ...]
    unique_columns: tuple[tuple[str, str], ...]  # (constraint name, column)
    foreign_keys: tuple[ForeignKeyPlan, ...]
    indexes: tuple[IndexPlan, ...]
    checks: tuple[CheckPlan, ...]
    comment: str | None
    mapper_key: tuple[str, ...]  # attributes identifying a row: the key, or a stand-in for none
    relationships: tuple[RelationshipPlan, ...] = ()
    orders: tuple[Order, ...] = ()  # `later > earlier` CHECKs between two columns (by name)
    # (attribute, column attribute): the spec's other name of a column (`event_id` for `id`,
    # from `eventId`), which the ORM class carries as a synonym
    synonyms: tuple[tuple[str, str], ...] = ()
    # attributes that read as the row itself: a JSON:API resource's `attributes`, an object
    # of the row's own columns (`model.wire.resource_attributes`)
    groups: tuple[str, ...] = ()

    @property
    def numbered_key(self) -> bool:
        """Whether the database numbers the rows (one autoincrement key column)."""
        return len(self.primary_key) == 1 and self.column(self.primary_key[0]).autoincrement

    def attr_of(self, name: str) -> str | None:
        """The column attribute `name` (an attribute or a synonym) stands for."""
        if any(c.attr == name for c in self.columns):
            return name
        return dict(self.synonyms).get(name)

    def rank(self, column: str, seen: frozenset[str] = frozenset()) -> int:
        """How many columns `column` must come after, one after another (`orders`)."""
        earlier = [o.earlier for o in self.orders if o.later == column and o.earlier not in seen]
        return max((1 + self.rank(e, seen | {column}) for e in earlier), default=0)

    @property
    def enums(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple(
            dict.fromkeys((c.enum_name, c.enum_values) for c in self.columns if c.enum_name)
        )

    @property
    def unique_keys(self) -> tuple[tuple[str, ...], ...]:
        """The attribute sets no two rows may share: the primary key, each unique column, and
        each unique index that has no condition."""
        keys = [self.primary_key, *((column,) for _, column in self.unique_columns)]
        keys += [i.columns for i in self.indexes if i.unique and i.where is None]
        return tuple(tuple(self.column(name).attr for name in key) for key in keys if key)

    # A one-column foreign key, unique constraint or plain index whose designed name is the
    # one the naming convention (app/core/db.py) gives is declared on its column
    # (`sa.ForeignKey(...)`, `unique=True`, `index=True`); the others, in `__table_args__`.

    @property
    def inline_constraints(self) -> dict[str, tuple[str, ...]]:
        """Per column, the `mapped_column` arguments for its conventionally named ones."""
        found: dict[str, list[str]] = {}
        for fk in self.foreign_keys:
            if fk not in self.named_foreign_keys:
                target = f"{fk.target_table}.{fk.target_columns[0]}"
                ondelete = f", ondelete={fk.ondelete!r}" if fk.ondelete else ""
                found.setdefault(fk.columns[0], []).append(f"sa.ForeignKey({target!r}{ondelete})")
        for name, column in self.unique_columns:
            if (name, column) not in self.named_unique_columns:
                found.setdefault(column, []).append("unique=True")
        for index in self.indexes:
            if index not in self.named_indexes:
                found.setdefault(index.columns[0], []).append("index=True")
        return {column: tuple(arguments) for column, arguments in found.items()}

    @property
    def named_foreign_keys(self) -> tuple[ForeignKeyPlan, ...]:
        return tuple(
            fk
            for fk in self.foreign_keys
            if not self._conventional(fk.name, "fk", fk.columns, fk.target_table)
        )

    @property
    def named_unique_columns(self) -> tuple[tuple[str, str], ...]:
        return tuple(
            (name, column)
            for name, column in self.unique_columns
            if not self._conventional(name, "uq", (column,))
        )

    @property
    def named_indexes(self) -> tuple[IndexPlan, ...]:
        return tuple(
            index
            for index in self.indexes
            if index.unique
            or index.where is not None
            or not self._conventional(index.name, "ix", index.columns)
        )

    def _conventional(
        self, name: str, prefix: str, columns: tuple[str, ...], target: str | None = None
    ) -> bool:
        """Whether `name` is what the naming convention gives a constraint on one column."""
        given = "_".join((prefix, self.name, *columns, *((target,) if target else ())))
        return len(columns) == 1 and name == given and len(name) <= MAX_IDENTIFIER

    def column(self, name: str) -> ColumnPlan:
        return next(c for c in self.columns if c.name == name)

    def column_by_attr(self, attr: str) -> ColumnPlan:
        return next(c for c in self.columns if c.attr == attr)


@dataclass(frozen=True)
class RowSecurityPlan:
    """Row-level security of an owned table on PostgreSQL: a row is seen and written only in
    a transaction whose `app.user_id` is its owner, or whose `app.roles` (a JSON array) holds
    one of the table's bypass roles, or whose `app.bypass` is on (maintenance as the owner)."""

    table: str
    owner_column: str
    bypass_roles: tuple[str, ...] = ()

    @property
    def condition(self) -> str:
        """The policy's USING and WITH CHECK condition (PostgreSQL SQL)."""
        column = '"' + self.owner_column.replace('"', '""') + '"'
        terms = [f"{column}::text = current_setting('app.user_id', true)"]
        if self.bypass_roles:
            roles = ", ".join("'" + role.replace("'", "''") + "'" for role in self.bypass_roles)
            terms.append(
                "coalesce(nullif(current_setting('app.roles', true), ''), '[]')::jsonb "
                f"?| ARRAY[{roles}]"
            )
        terms.append("current_setting('app.bypass', true) = 'on'")
        return " OR ".join(terms)


@dataclass(frozen=True)
class RevisionPlan:
    revision: str
    down_revision: str | None
    file_stem: str
    description: str
    tables: tuple[TablePlan, ...]  # in creation order
    # the enum types this revision creates first, so its downgrade drops them (a later
    # revision that uses one leaves it to the revision that made it)
    new_enums: tuple[str, ...] = ()
    # the owned tables it creates: row-level security on PostgreSQL
    owned: tuple[RowSecurityPlan, ...] = ()


def _literal(value: str | int | float | bool | None, column: Column) -> str:
    if isinstance(value, bool):
        return "sa.true()" if value else "sa.false()"
    if (
        isinstance(value, int | float)
        and not column.type.is_textual
        and column.type is not ColumnType.ENUM
    ):
        return f"sa.text({str(value)!r})"
    text = str(value).replace("'", "''")
    return f"sa.text({chr(39) + text + chr(39)!r})"


def plan_column(table: Table, column: Column, made: MadeKey | None = None) -> ColumnPlan:
    """`made`: how the service makes the column's value, where it does (`model.keys`)."""
    if column.type is ColumnType.STRING:
        sa_type = f"sa.String({column.max_length})" if column.max_length else "sa.String()"
        py_type = "str"
    elif column.type is ColumnType.NUMERIC:
        args = ", ".join(str(a) for a in (column.precision, column.scale) if a is not None)
        sa_type, py_type = f"sa.Numeric({args})", "decimal.Decimal"
    elif column.type is ColumnType.ENUM:
        values = ", ".join(f'"{v}"' for v in column.values)
        sa_type, py_type = f'sa.Enum({values}, name="{column.enum_name}")', "str"
    else:
        sa_type, py_type = _SA_TYPES[column.type]
    if column.autoincrement and column.primary_key and column.type is not ColumnType.INTEGER:
        # SQLite numbers a row by itself only in an INTEGER PRIMARY KEY (the rowid)
        sa_type = f'{sa_type}.with_variant(sa.Integer(), "sqlite")'
    server_default = python_default = sqlite_server_default = None
    default = column.default
    if default is not None:
        if default.kind is DefaultKind.NOW:
            server_default = "sa.func.now()"
            if column.type is ColumnType.TIMESTAMPTZ:
                # rows the app inserts carry the time in one format on every engine (SQLite's
                # CURRENT_TIMESTAMP has no fraction of a second), so they compare and page
                python_default = "utc_now"
        elif default.kind is DefaultKind.UUID:
            # a UUID kept in a text column is its text
            python_default = "uuid.uuid4" if column.type is ColumnType.UUID else "uuid_text"
        elif default.kind is DefaultKind.LITERAL:
            server_default = _literal(default.value, column)
        else:
            server_default = f"sa.text({str(default.value)!r})"
            sqlite = sqlite_default(str(default.value))
            if sqlite != default.value:
                sqlite_server_default = f"sa.text({sqlite!r})" if sqlite else ""
    refers = any(column.name in fk.columns for fk in table.foreign_keys)
    if column.primary_key and column.type is ColumnType.UUID and python_default is None:
        # the service generates UUID keys, but a key that refers to another row is that row's
        python_default = None if refers else "uuid.uuid4"
    if made is not None:
        python_default = (
            "uuid_text"
            if made.is_uuid
            else f"text_key({made.prefix!r}, {made.alphabet!r}, {made.length})"
        )
    return ColumnPlan(
        design=column,
        name=column.name,
        attr=attribute(column.name),
        sa_type=sa_type,
        py_type=py_type,
        nullable=column.nullable,
        primary_key=column.primary_key,
        server_default=server_default,
        python_default=python_default,
        autoincrement=column.autoincrement,
        comment=column.comment,
        enum_name=column.enum_name,
        enum_values=column.values,
        type_holds=type_range(column),
        holds=column_range(table, column),
        sqlite_server_default=sqlite_server_default,
    )


def plan_table(
    table: Table,
    module: str,
    class_name: str | None = None,
    made: dict[str, MadeKey] | None = None,
) -> TablePlan:
    """`class_name`: the ORM class's, where the table's own (`model_class`) is taken; `made`:
    column -> how the service makes its value, where it does."""
    return TablePlan(
        name=table.name,
        class_name=class_name or model_class(table.name),
        module=module,
        columns=tuple(plan_column(table, c, (made or {}).get(c.name)) for c in table.columns),
        primary_key=table.primary_key,
        unique_columns=tuple(
            (naming.unique(table.name, (c.name,)), c.name)
            for c in table.columns
            if c.unique and not c.primary_key
        ),
        foreign_keys=tuple(
            ForeignKeyPlan(
                name=k.name,
                columns=k.columns,
                target_table=k.target_table,
                target_columns=k.target_columns,
                ondelete=ON_DELETE.get(k.on_delete),
            )
            for k in table.foreign_keys
        ),
        indexes=tuple(
            IndexPlan(
                name=i.name,
                columns=i.columns,
                unique=i.unique,
                where=plan_check(i.name, i.where) if i.where else None,
            )
            for i in table.indexes
        ),
        checks=tuple(plan_check(c.name, c.expression) for c in table.checks),
        orders=column_orders(table),
        comment=table.comment,
        mapper_key=tuple(attribute(c) for c in table.primary_key or _stand_in_key(table)),
    )


def _stand_in_key(table: Table) -> tuple[str, ...]:
    """For a table designed without a primary key (an RFI): a unique index over its columns,
    else all columns, so the ORM can still tell rows apart. The DDL stays as designed."""
    everything = tuple(c.name for c in table.columns)
    for index in table.indexes:
        if index.unique and set(index.columns) == set(everything):
            return index.columns
    return everything


def plan_revisions(
    design: SchemaDesign,
    steps: tuple[MigrationStep, ...],
    tables: dict[str, TablePlan],
    owners: Mapping[str, RowSecurityPlan] | None = None,
) -> tuple[RevisionPlan, ...]:
    """One revision per migration step, in the plan's order; tables in FK order within it."""
    revisions: list[RevisionPlan] = []
    previous: str | None = None
    created: set[str] = set()
    for step in steps:
        ordered = dependency_order([t for t in step.tables if t in tables], design)
        enums = [
            name
            for name in dict.fromkeys(n for t in ordered for n, _ in tables[t].enums)
            if name not in created
        ]
        created.update(enums)
        words = slug(step.description)
        revisions.append(
            RevisionPlan(
                revision=step.id,
                down_revision=previous,
                file_stem=f"{re.sub(r'[^0-9A-Za-z]+', '_', step.id)}_{words}".rstrip("_"),
                description=step.description or f"step {step.id}",
                tables=tuple(tables[t] for t in ordered),
                new_enums=tuple(enums),
                owned=tuple((owners or {})[t] for t in ordered if t in (owners or {})),
            )
        )
        previous = step.id
    return tuple(revisions)


def slug(text: str, limit: int = 60) -> str:
    """File-name words of a description, cut at a word boundary."""
    words = [w for w in re.split(r"[^0-9a-z]+", text.lower()) if w]
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > limit:
            break
        slug = f"{slug}_{word}" if slug else word
    return slug


def dependency_order(names: list[str], design: SchemaDesign) -> list[str]:
    ordered: list[str] = []
    pending = list(names)
    while pending:
        for name in pending:
            table = design.table(name)
            needs = {k.target_table for k in table.foreign_keys} if table else set()
            if not (needs & set(pending)) - {name}:
                ordered.append(name)
                pending.remove(name)
                break
        else:  # a cycle inside one step: keep the given order
            ordered.extend(pending)
            break
    return ordered


def plan_relationships(
    design: SchemaDesign, tables: dict[str, TablePlan]
) -> dict[str, tuple[RelationshipPlan, ...]]:
    """Per table, both sides of each of its single-table foreign keys, as ORM relationships."""
    found: dict[str, list[RelationshipPlan]] = {}
    for rel in design.relationships:
        if rel.table not in tables or rel.target not in tables:
            continue
        here, there = tables[rel.table], tables[rel.target]
        holder = here if rel.kind is RelationshipKind.MANY_TO_ONE else there  # has the key
        columns = [holder.column(c) for c in rel.columns]
        key = next(k for k in holder.foreign_keys if k.name == rel.foreign_key)
        self_reference = rel.table == rel.target
        referred = rel.target if holder is here else rel.table
        sole = sum(k.target_table == referred for k in holder.foreign_keys) == 1
        keys = list(zip(rel.columns, key.target_columns, strict=True))
        pairs = (
            tuple((here.column(c).attr, there.column(t).attr) for c, t in keys)
            if rel.kind is RelationshipKind.MANY_TO_ONE
            else tuple((here.column(t).attr, there.column(c).attr) for c, t in keys)
        )
        found.setdefault(rel.table, []).append(
            RelationshipPlan(
                name=attribute(rel.name),
                many=rel.kind is RelationshipKind.ONE_TO_MANY,
                target_class=there.class_name,
                target_module=there.module,
                back_populates=attribute(rel.back_populates),
                foreign_keys=None
                if sole and not self_reference
                else "[" + ", ".join(f"{holder.class_name}.{c.attr}" for c in columns) + "]",
                nullable=any(c.nullable for c in columns),
                pairs=pairs,
                remote_side=(
                    "["
                    + ", ".join(
                        f"{there.class_name}.{there.column(c).attr}" for c in key.target_columns
                    )
                    + "]"
                )
                if self_reference and rel.kind is RelationshipKind.MANY_TO_ONE
                else None,
            )
        )
    return {table: tuple(rels) for table, rels in found.items()}
