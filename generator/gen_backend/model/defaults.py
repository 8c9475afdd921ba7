"""Whether a column default written as an SQL expression runs on both engines.

The design's SQL is PostgreSQL's; the generated service also runs on SQLite (the embedded
default, and the tests'). A default SQLite cannot evaluate once made the migration fail there
only. So each expression default is transpiled with sqlglot and tried by SQLite on an empty
row; one that fails is DEFAULT_NOT_PORTABLE at `check`, and the migration sets it on
PostgreSQL only."""

from __future__ import annotations

import datetime
import decimal
import sqlite3
import uuid
from functools import cache

import sqlglot
from sqlglot.errors import SqlglotError

from gen_backend.model.schema import Column, ColumnType


@cache
def sqlite_default(expression: str) -> str | None:
    """`expression` (PostgreSQL) as SQLite runs it, or None where SQLite cannot."""
    try:
        text = sqlglot.transpile(expression, read="postgres", write="sqlite")[0]
    except SqlglotError:
        return None
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.execute(f"CREATE TABLE probe (value DEFAULT ({text}), other INTEGER)")
        scratch.execute("INSERT INTO probe (other) VALUES (1)")
    except sqlite3.Error:
        return None
    finally:
        scratch.close()
    return text


FillValue = (
    bool | int | float | decimal.Decimal | datetime.date | datetime.datetime | uuid.UUID | str
)


def fill_value(value: str | int | float | bool, column: Column) -> FillValue:
    """A migration step's value for the existing rows of `column` (a decision's `fill`), as
    the Python value a driver binds for its type. ValueError where it is not one."""
    text = str(value)
    if column.type is ColumnType.BOOLEAN:
        if text.lower() not in {"true", "false", "1", "0", "yes", "no"}:
            raise ValueError(f"{text!r} is not a boolean")
        return text.lower() in {"true", "1", "yes"}
    if column.type.is_integer:
        return int(text)
    if column.type is ColumnType.FLOAT:
        return float(text)
    if column.type is ColumnType.NUMERIC:
        try:
            return decimal.Decimal(text)
        except decimal.InvalidOperation:
            raise ValueError(f"{text!r} is not a number") from None
    if column.type is ColumnType.DATE:
        return datetime.date.fromisoformat(text)
    if column.type in (ColumnType.TIMESTAMP, ColumnType.TIMESTAMPTZ):
        return datetime.datetime.fromisoformat(text)
    if column.type is ColumnType.UUID:
        return uuid.UUID(text)
    if column.type is ColumnType.ENUM and text not in column.values:
        raise ValueError(f"{text!r} is not one of {', '.join(column.values)}")
    return text
