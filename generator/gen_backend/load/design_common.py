"""What the three schema-design loaders share: SQL type and default mapping, table assembly."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from gen_backend.model.schema import (
    CheckConstraint,
    Column,
    ColumnDefault,
    ColumnType,
    DefaultKind,
    ForeignKey,
    Index,
    OnDelete,
    Table,
    naming,
)

SUPPORTED_TYPES = (
    "uuid, varchar(n), text, integer, bigint, smallint, serial, boolean, "
    "numeric(p,s), real/double precision, date, time, timestamp, timestamptz, json/jsonb, "
    "bytea, or an enum type"
)

_D = exp.DataType.Type
_SIMPLE: dict[object, ColumnType] = {
    _D.UUID: ColumnType.UUID,
    _D.TEXT: ColumnType.TEXT,
    _D.MEDIUMTEXT: ColumnType.TEXT,
    _D.LONGTEXT: ColumnType.TEXT,
    _D.INT: ColumnType.INTEGER,
    _D.MEDIUMINT: ColumnType.INTEGER,
    _D.UINT: ColumnType.INTEGER,
    _D.BIGINT: ColumnType.BIGINT,
    _D.SMALLINT: ColumnType.SMALLINT,
    _D.TINYINT: ColumnType.SMALLINT,
    _D.BOOLEAN: ColumnType.BOOLEAN,
    _D.FLOAT: ColumnType.FLOAT,
    _D.DOUBLE: ColumnType.FLOAT,
    _D.DATE: ColumnType.DATE,
    _D.TIME: ColumnType.TIME,
    _D.TIMETZ: ColumnType.TIME,
    _D.TIMESTAMP: ColumnType.TIMESTAMP,
    _D.DATETIME: ColumnType.TIMESTAMP,
    _D.TIMESTAMPTZ: ColumnType.TIMESTAMPTZ,
    _D.TIMESTAMPLTZ: ColumnType.TIMESTAMPTZ,
    _D.JSON: ColumnType.JSON,
    _D.JSONB: ColumnType.JSON,
    _D.VARBINARY: ColumnType.BYTES,
    _D.BINARY: ColumnType.BYTES,
    _D.BLOB: ColumnType.BYTES,
}
_SERIAL = {
    _D.SERIAL: ColumnType.INTEGER,
    _D.BIGSERIAL: ColumnType.BIGINT,
    _D.SMALLSERIAL: ColumnType.SMALLINT,
}
_STRINGS = {_D.VARCHAR, _D.NVARCHAR, _D.CHAR, _D.NCHAR}
_NUMERIC = {_D.DECIMAL, _D.BIGDECIMAL, _D.MONEY}


@dataclass(frozen=True)
class TypeInfo:
    type: ColumnType
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    autoincrement: bool = False
    enum_name: str | None = None
    values: tuple[str, ...] = ()

    def column(
        self,
        name: str,
        *,
        primary_key: bool,
        nullable: bool,
        unique: bool,
        autoincrement: bool,
        default: ColumnDefault | None,
        comment: str | None,
    ) -> Column:
        """A column of this type; a serial type makes it autoincrement whatever was said."""
        return Column(
            name=name,
            type=self.type,
            primary_key=primary_key,
            nullable=nullable and not primary_key,
            unique=unique,
            autoincrement=autoincrement or self.autoincrement,
            default=default,
            max_length=self.max_length,
            precision=self.precision,
            scale=self.scale,
            enum_name=self.enum_name,
            values=self.values,
            comment=comment,
        )


def parse_type(text: str) -> exp.DataType | None:
    try:
        return exp.DataType.build(text, dialect="postgres", udt=True)
    except (ParseError, TokenError, ValueError):
        return None


def map_sql_type(
    data_type: exp.DataType, enums: dict[str, tuple[str, ...]], domains: dict[str, TypeInfo]
) -> TypeInfo | None:
    """Map a SQL type to a column type; None when the design format has no such type."""
    kind = data_type.this
    params = [int(p.name) for p in data_type.expressions if p.name.isdigit()]
    if kind in _SIMPLE:
        return TypeInfo(_SIMPLE[kind])
    if kind in _SERIAL:
        return TypeInfo(_SERIAL[kind], autoincrement=True)
    if kind in _STRINGS:
        return TypeInfo(ColumnType.STRING, max_length=params[0] if params else None)
    if kind in _NUMERIC:
        return TypeInfo(
            ColumnType.NUMERIC,
            precision=params[0] if params else None,
            scale=params[1] if len(params) > 1 else None,
        )
    if kind is _D.USERDEFINED:
        name = data_type.sql("postgres").strip('"').lower()
        name = name.rsplit(".", 1)[-1]
        if name in enums:
            return TypeInfo(ColumnType.ENUM, enum_name=name, values=enums[name])
        return domains.get(name)
    return None


def _now_in_a_zone(expression: exp.Expression) -> bool:
    """`now() AT TIME ZONE 'utc'` and `timezone('utc', now())`, as Supabase and pg_dump write a
    UTC timestamp default: the current time all the same (the column's type says which)."""
    if isinstance(expression, exp.AtTimeZone):
        inner = expression.this
    elif isinstance(expression, exp.Anonymous) and expression.name.lower() == "timezone":
        inner = expression.expressions[-1] if len(expression.expressions) == 2 else None
    else:
        return False
    while isinstance(inner, exp.Paren):
        inner = inner.this
    return inner is not None and classify_default(inner)[0] == ColumnDefault(kind=DefaultKind.NOW)


def classify_default(expression: exp.Expression) -> tuple[ColumnDefault | None, bool]:
    """(default, autoincrement) for a SQL DEFAULT expression."""
    while isinstance(expression, exp.Cast | exp.Paren):
        expression = expression.this
    if isinstance(expression, exp.Null):
        return None, False
    if isinstance(expression, exp.Boolean):
        return ColumnDefault(kind=DefaultKind.LITERAL, value=bool(expression.this)), False
    if isinstance(expression, exp.ByteString | exp.National):
        # PostgreSQL's E'...' escape string (sqlglot calls it a byte string) and N'...' are text
        return ColumnDefault(kind=DefaultKind.LITERAL, value=str(expression.this)), False
    if isinstance(expression, exp.Literal):
        if expression.is_string:
            return ColumnDefault(kind=DefaultKind.LITERAL, value=expression.this), False
        number = float(expression.this)
        literal: int | float = (
            int(number) if number.is_integer() and "." not in str(expression.this) else number
        )
        return ColumnDefault(kind=DefaultKind.LITERAL, value=literal), False
    if isinstance(expression, exp.Neg) and isinstance(expression.this, exp.Literal):
        inner, _ = classify_default(expression.this)
        if inner is not None and isinstance(inner.value, int | float):
            return ColumnDefault(kind=DefaultKind.LITERAL, value=-inner.value), False
    if isinstance(expression, exp.CurrentTimestamp | exp.CurrentDate | exp.CurrentTime):
        return ColumnDefault(kind=DefaultKind.NOW), False
    if _now_in_a_zone(expression):
        return ColumnDefault(kind=DefaultKind.NOW), False
    if isinstance(expression, exp.Uuid):
        return ColumnDefault(kind=DefaultKind.UUID), False
    function = expression.name.lower() if isinstance(expression, exp.Anonymous) else ""
    if isinstance(expression, exp.Func) and not function:
        function = expression.sql_name().lower()
    if function in {
        "now",
        "current_timestamp",
        "localtimestamp",
        "transaction_timestamp",
        "statement_timestamp",
        "clock_timestamp",
    }:
        return ColumnDefault(kind=DefaultKind.NOW), False
    if function in {"gen_random_uuid", "uuid_generate_v4", "uuid_generate_v7", "uuidv7"}:
        return ColumnDefault(kind=DefaultKind.UUID), False
    if function == "nextval":
        return None, True
    return ColumnDefault(kind=DefaultKind.EXPRESSION, value=expression.sql("postgres")), False


def default_from_text(text: str) -> tuple[ColumnDefault | None, bool]:
    """Classify a default given as SQL text (DBML's backtick expressions, schema.yaml `now()`)."""
    try:
        expression = sqlglot.parse_one(text, read="postgres")
    except (ParseError, TokenError):
        return ColumnDefault(kind=DefaultKind.EXPRESSION, value=text), False
    assert isinstance(expression, exp.Expression)
    return classify_default(expression)


def simplify(expression: exp.Expression) -> exp.Expression:
    """Drop what pg_dump adds around an expression: casts of literals (`(0)::numeric`) and
    parentheses around single terms, so a dumped design equals the one it was written from."""

    def strip(node: exp.Expression) -> exp.Expression:
        inner = node.this
        if isinstance(node, exp.Cast) and isinstance(inner, exp.Expression):
            literal = inner.unnest()
            if isinstance(literal, exp.Literal):
                return literal
        if isinstance(node, exp.Paren) and isinstance(inner, exp.Literal | exp.Column):
            return inner
        return node

    tree: exp.Expression = expression.transform(strip)
    while isinstance(tree, exp.Paren):
        inner = tree.this
        if not isinstance(inner, exp.Expression):
            break
        tree = inner
    return tree


def normalise_check(expression: str) -> str | None:
    """A check expression in one canonical PostgreSQL spelling; None if it does not parse."""
    try:
        parsed = sqlglot.parse_one(expression, read="postgres")
    except (ParseError, TokenError):
        return None
    return simplify(parsed).sql("postgres") if isinstance(parsed, exp.Expression) else None


ON_DELETE = {
    "cascade": OnDelete.CASCADE,
    "restrict": OnDelete.RESTRICT,
    "set null": OnDelete.SET_NULL,
    "set_null": OnDelete.SET_NULL,
    "set default": OnDelete.SET_DEFAULT,
    "set_default": OnDelete.SET_DEFAULT,
    "no action": OnDelete.NO_ACTION,
    "no_action": OnDelete.NO_ACTION,
}


@dataclass(frozen=True)
class DesignNote:
    """Something a design file says that the model cannot hold, skipped and raised as an RFI."""

    location: str
    line: int | None
    problem: str


@dataclass
class TableDraft:
    """A table while a loader is still reading it; `assemble` turns it into the model."""

    name: str
    columns: list[Column] = field(default_factory=list)
    # (name, columns, unique, partial-index condition)
    indexes: list[tuple[str | None, tuple[str, ...], bool, str | None]] = field(
        default_factory=list
    )
    uniques: list[tuple[str | None, tuple[str, ...]]] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    foreign_keys: list[tuple[str | None, tuple[str, ...], str, tuple[str, ...], OnDelete]] = field(
        default_factory=list
    )
    checks: list[tuple[str | None, str]] = field(default_factory=list)
    comment: str | None = None

    def column_names(self) -> set[str]:
        return {c.name for c in self.columns}

    def assemble(self) -> Table:
        """Fill conventional names, and fold single-column uniques and table PKs into columns."""
        unique_columns = {cols[0] for _, cols in self.uniques if len(cols) == 1}
        columns = tuple(
            column.model_copy(
                update={
                    "primary_key": column.primary_key or column.name in self.primary_key,
                    "nullable": column.nullable
                    and not (column.primary_key or column.name in self.primary_key),
                    "unique": column.unique or column.name in unique_columns,
                }
            )
            for column in self.columns
        )
        return Table(
            name=self.name,
            columns=columns,
            indexes=tuple(
                Index(
                    name=name or naming.index(self.name, cols, unique=unique),
                    columns=cols,
                    unique=unique,
                    where=where,
                )
                for name, cols, unique, where in self.indexes
            )
            # a multi-column UNIQUE constraint is a unique index to PostgreSQL, and the only way
            # schema.yaml and DBML can say it, so all three forms load it as one
            + tuple(
                Index(name=name or naming.unique(self.name, cols), columns=cols, unique=True)
                for name, cols in self.uniques
                if len(cols) > 1
            ),
            foreign_keys=tuple(
                ForeignKey(
                    name=name or naming.foreign_key(self.name, cols, target),
                    columns=cols,
                    target_table=target,
                    target_columns=target_cols,
                    on_delete=on_delete,
                )
                for name, cols, target, target_cols, on_delete in self.foreign_keys
            ),
            checks=tuple(
                CheckConstraint(name=name or naming.check(self.name, position), expression=expr)
                for position, (name, expr) in enumerate(self.checks, start=1)
            ),
            comment=self.comment,
        )
