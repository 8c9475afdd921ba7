"""schema.yaml -> SchemaDesign."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable

from gen_backend.load.design_common import ON_DELETE, TableDraft, default_from_text, normalise_check
from gen_backend.load.raw import RawColumn, RawSchemaYaml, RawTable
from gen_backend.load.source import SourceFile, parse_as, pointer
from gen_backend.model.schema import (
    Column,
    ColumnDefault,
    ColumnType,
    DefaultKind,
    OnDelete,
    SchemaDesign,
    naming,
)

# a default spelled as SQL rather than as a literal: now(), nextval('s'), CURRENT_TIMESTAMP
_SQL_DEFAULT = re.compile(
    r"^\s*(\w+\(.*\)|current_timestamp|current_date|current_time|localtimestamp)\s*$",
    re.IGNORECASE,
)
_TIME_TYPES = {ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ, ColumnType.DATE, ColumnType.TIME}


def load_schema_yaml(source: SourceFile) -> tuple[SchemaDesign | None, RawSchemaYaml]:
    """The design, or None when the file declares no tables (a No-Go, reported later). An
    explicit `tables: {}` is a service that stores nothing: a design without tables."""
    raw = parse_as(source, RawSchemaYaml, what="`tables:` with one entry per table")
    if raw.tables == {}:
        return SchemaDesign(tables=()), raw
    if not raw.tables:
        return None, raw
    tables = []
    for name, raw_table in raw.tables.items():
        tables.append(_table(source, name, raw_table or RawTable()).assemble())
    return SchemaDesign(tables=tuple(tables)), raw


def _table(source: SourceFile, name: str, raw: RawTable) -> TableDraft:
    draft = TableDraft(name=name, comment=raw.comment)
    for column_name, raw_column in (raw.columns or {}).items():
        at = pointer("tables", name, "columns", column_name)
        draft.columns.append(_column(source, at, name, column_name, raw_column))
        if raw_column.references:
            target_table, target_column = raw_column.references.split(".")
            on_delete = (
                ON_DELETE[raw_column.on_delete] if raw_column.on_delete else OnDelete.NO_ACTION
            )
            draft.foreign_keys.append(
                (None, (column_name,), target_table, (target_column,), on_delete)
            )
    known = draft.column_names()
    for position, index in enumerate(raw.indexes):
        for column in index.columns:
            if column not in known:
                raise source.error(
                    pointer("tables", name, "indexes", position, "columns"),
                    f"index on unknown column `{name}.{column}`",
                    f"name a column of `{name}` ({', '.join(sorted(known))})",
                )
        where = normalise_check(index.where) if index.where else None
        if index.where and where is None:
            raise source.error(
                pointer("tables", name, "indexes", position, "where"),
                f"index condition `{index.where}` is not valid SQL",
                "write a PostgreSQL boolean expression, e.g. `deleted_at IS NULL`",
            )
        draft.indexes.append((index.name, tuple(index.columns), index.unique, where))
    for position, check in enumerate(raw.checks):
        expression = normalise_check(check.expr)
        if expression is None:
            raise source.error(
                pointer("tables", name, "checks", position, "expr"),
                f"check expression `{check.expr}` is not valid SQL",
                "write a PostgreSQL boolean expression, e.g. `price >= 0`",
            )
        draft.checks.append((check.name, expression))
    return draft


def _literal(source: SourceFile, at: str, raw: RawColumn) -> str | int | float | bool | None:
    """A literal default, checked against the column's type (a number for a text column is
    taken as its text)."""
    value = raw.default
    kind = raw.type
    fits: bool
    if kind.is_integer:
        fits = isinstance(value, int) and not isinstance(value, bool)
    elif kind is ColumnType.BOOLEAN:
        fits = isinstance(value, bool)
    elif kind in (ColumnType.NUMERIC, ColumnType.FLOAT):
        fits = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind is ColumnType.JSON:
        fits = True
    elif isinstance(value, bool):
        fits = False
    else:
        value = str(value)
        fits = _parses(kind, value)
    if not fits:
        raise source.error(
            at,
            f"default `{raw.default}` is not a {kind.value} value",
            f"write a {kind.value} literal, or `now` for the current time",
        )
    return value


def _parses(kind: ColumnType, text: str) -> bool:
    parse: dict[ColumnType, Callable[[str], object]] = {
        ColumnType.UUID: uuid.UUID,
        ColumnType.DATE: datetime.date.fromisoformat,
        ColumnType.TIME: datetime.time.fromisoformat,
        ColumnType.TIMESTAMP: datetime.datetime.fromisoformat,
        ColumnType.TIMESTAMPTZ: datetime.datetime.fromisoformat,
    }
    if kind not in parse:
        return True
    try:
        parse[kind](text)
    except ValueError:
        return False
    return True


def _column(source: SourceFile, at: str, table: str, name: str, raw: RawColumn) -> Column:
    if raw.type is ColumnType.ENUM and not raw.values:
        raise source.error(
            at + "/type",
            f"enum column `{table}.{name}` has no `values`",
            "add `values: [a, b, ...]`",
        )
    if raw.values and raw.type is not ColumnType.ENUM:
        raise source.error(
            at + "/values",
            f"`values` on a non-enum column `{table}.{name}`",
            "set `type: enum` or remove `values`",
        )
    default: ColumnDefault | None = None
    autoincrement = raw.autoincrement
    if (
        isinstance(raw.default, str)
        and raw.default.strip().lower() == "now"
        and raw.type in _TIME_TYPES
    ):
        default = ColumnDefault(kind=DefaultKind.NOW)
    elif isinstance(raw.default, str) and _SQL_DEFAULT.match(raw.default):
        default, serial = default_from_text(raw.default)
        autoincrement = autoincrement or serial
    elif raw.default is not None:
        default = ColumnDefault(
            kind=DefaultKind.LITERAL, value=_literal(source, at + "/default", raw)
        )
    if (
        default is not None
        and default.kind is DefaultKind.LITERAL
        and raw.values
        and default.value not in raw.values
    ):
        raise source.error(
            at + "/default",
            f"default `{default.value}` is not one of the enum's values",
            f"use one of {raw.values}",
        )
    return Column(
        name=name,
        type=raw.type,
        primary_key=raw.primary_key,
        nullable=raw.nullable and not raw.primary_key,
        unique=raw.unique,
        autoincrement=autoincrement,
        default=default,
        max_length=raw.max_length,
        precision=raw.precision,
        scale=raw.scale,
        enum_name=(raw.enum_name or naming.enum(table, name)) if raw.values else None,
        values=tuple(raw.values or ()),
        comment=raw.comment,
    )
