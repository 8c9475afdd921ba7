"""The schema design: tables, columns, keys, indexes and constraints.

All three input forms (schema.yaml, schema.dbml, schema.sql) load into these types, and must
load to equal values. Absent constraint names are filled with the project's naming convention
(see `naming`), so a design that spells a conventional name and one that leaves it out agree.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property

from pydantic import computed_field

from gen_backend.model.base import Frozen


class ColumnType(StrEnum):
    UUID = "uuid"
    STRING = "string"
    TEXT = "text"
    INTEGER = "integer"
    BIGINT = "bigint"
    SMALLINT = "smallint"
    BOOLEAN = "boolean"
    NUMERIC = "numeric"
    FLOAT = "float"
    DATE = "date"
    TIME = "time"
    TIMESTAMP = "timestamp"
    TIMESTAMPTZ = "timestamptz"
    JSON = "json"
    ENUM = "enum"
    BYTES = "bytes"

    @property
    def is_integer(self) -> bool:
        return self in (ColumnType.INTEGER, ColumnType.BIGINT, ColumnType.SMALLINT)

    @property
    def is_textual(self) -> bool:
        return self in (ColumnType.STRING, ColumnType.TEXT)


class DefaultKind(StrEnum):
    NOW = "now"  # the current timestamp (now(), CURRENT_TIMESTAMP)
    UUID = "uuid"  # a generated UUID (gen_random_uuid(), uuid_generate_v4())
    LITERAL = "literal"  # a constant value
    EXPRESSION = "expression"  # any other SQL expression, kept as text


class ColumnDefault(Frozen):
    kind: DefaultKind
    value: str | int | float | bool | None = None  # the literal, or the SQL text of an expression


class OnDelete(StrEnum):
    NO_ACTION = "no_action"
    CASCADE = "cascade"
    RESTRICT = "restrict"
    SET_NULL = "set_null"
    SET_DEFAULT = "set_default"


class Column(Frozen):
    name: str
    type: ColumnType
    primary_key: bool = False
    nullable: bool = False
    unique: bool = False
    autoincrement: bool = False  # serial / identity / DBML `increment`: the database fills it
    default: ColumnDefault | None = None
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    enum_name: str | None = None
    values: tuple[str, ...] = ()
    comment: str | None = None

    @property
    def server_filled(self) -> bool:
        """True when an INSERT that omits this column still gets a value."""
        return self.default is not None or self.autoincrement or self.nullable


class Index(Frozen):
    name: str
    columns: tuple[str, ...]
    unique: bool = False
    where: str | None = None  # a partial index's condition, normalised PostgreSQL text


class ForeignKey(Frozen):
    name: str
    columns: tuple[str, ...]
    target_table: str
    target_columns: tuple[str, ...]
    on_delete: OnDelete = OnDelete.NO_ACTION


class CheckConstraint(Frozen):
    name: str
    expression: str  # normalised PostgreSQL text


class Table(Frozen):
    name: str
    columns: tuple[Column, ...]
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    comment: str | None = None

    @cached_property
    def columns_by_name(self) -> dict[str, Column]:
        return {column.name: column for column in self.columns}

    def column(self, name: str) -> Column | None:
        return self.columns_by_name.get(name)

    @property
    def primary_key(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.primary_key)

    def is_unique(self, column: str) -> bool:
        """True when `column` alone identifies a row: a key, a unique column or unique index."""
        found = self.column(column)
        if found is None:
            return False
        if found.unique or self.primary_key == (column,):
            return True
        return any(index.unique and index.columns == (column,) for index in self.indexes)

    def foreign_key_for(self, column: str) -> ForeignKey | None:
        """The single-column foreign key on `column`, if there is one."""
        for key in self.foreign_keys:
            if key.columns == (column,):
                return key
        return None


class RelationshipKind(StrEnum):
    MANY_TO_ONE = "many_to_one"  # books.author: the row holding the foreign key
    ONE_TO_MANY = "one_to_many"  # authors.books: the rows pointing at this one


class Relationship(Frozen):
    """One side of a foreign key, named for use as an attribute (`book.author`,
    `author.books`). Each foreign key gives two relationships that name each other."""

    name: str
    kind: RelationshipKind
    table: str  # the table the attribute lives on
    target: str  # the table it leads to
    foreign_key: str  # the constraint's name
    columns: tuple[str, ...]  # the foreign-key columns (on the many side)
    back_populates: str


class SchemaDesign(Frozen):
    tables: tuple[Table, ...]

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def relationships(self) -> tuple[Relationship, ...]:
        """Both sides of every single-table foreign key, with names unique per table."""
        from gen_backend.model.naming import plural, singular, snake

        taken: dict[str, set[str]] = {t.name: {c.name for c in t.columns} for t in self.tables}

        def claim(table: str, wanted: str) -> str:
            used = taken.setdefault(table, set())
            name, n = wanted, 2
            while name in used:
                name, n = f"{wanted}_{n}", n + 1
            used.add(name)
            return name

        found: list[Relationship] = []
        for table in self.tables:
            for key in table.foreign_keys:
                if key.target_table not in self.tables_by_name:
                    continue  # a dangling key is an RFI, not a relationship
                column = snake(key.columns[0]) if len(key.columns) == 1 else ""
                base = column[:-3] if column.endswith("_id") and len(column) > 3 else ""
                target_one = singular(snake(key.target_table))
                rows = plural(singular(snake(table.name)))
                many_to_one = claim(table.name, base or target_one)
                one_to_many = claim(
                    key.target_table, rows if base in ("", target_one) else f"{rows}_as_{base}"
                )
                found.append(
                    Relationship(
                        name=many_to_one,
                        kind=RelationshipKind.MANY_TO_ONE,
                        table=table.name,
                        target=key.target_table,
                        foreign_key=key.name,
                        columns=key.columns,
                        back_populates=one_to_many,
                    )
                )
                found.append(
                    Relationship(
                        name=one_to_many,
                        kind=RelationshipKind.ONE_TO_MANY,
                        table=key.target_table,
                        target=table.name,
                        foreign_key=key.name,
                        columns=key.columns,
                        back_populates=many_to_one,
                    )
                )
        return tuple(found)

    def relationships_of(self, table: str) -> tuple[Relationship, ...]:
        return tuple(r for r in self.relationships if r.table == table)

    @cached_property
    def tables_by_name(self) -> dict[str, Table]:
        return {table.name: table for table in self.tables}

    def table(self, name: str) -> Table | None:
        return self.tables_by_name.get(name)


class naming:  # noqa: N801 - a namespace of functions, read as `naming.index(...)`
    """The constraint naming convention (also used for Alembic's naming_convention)."""

    @staticmethod
    def primary_key(table: str) -> str:
        return f"pk_{table}"

    @staticmethod
    def index(table: str, columns: tuple[str, ...], *, unique: bool) -> str:
        return f"{'uq' if unique else 'ix'}_{table}_{'_'.join(columns)}"

    @staticmethod
    def unique(table: str, columns: tuple[str, ...]) -> str:
        return f"uq_{table}_{'_'.join(columns)}"

    @staticmethod
    def foreign_key(table: str, columns: tuple[str, ...], target: str) -> str:
        return f"fk_{table}_{'_'.join(columns)}_{target}"

    @staticmethod
    def check(table: str, position: int) -> str:
        return f"ck_{table}_{position}"

    @staticmethod
    def enum(table: str, column: str) -> str:
        return f"{table}_{column}"
