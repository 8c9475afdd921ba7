"""Whether a column default written as an SQL expression runs on both engines.

The design's SQL is PostgreSQL's; the generated service also runs on SQLite (the embedded
default, and the tests'). A default SQLite cannot evaluate once made the migration fail there
only. So each expression default is transpiled with sqlglot and tried by SQLite on an empty
row; one that fails is DEFAULT_NOT_PORTABLE at `check`, and the migration sets it on
PostgreSQL only."""

from __future__ import annotations

import sqlite3
from functools import cache

import sqlglot
from sqlglot.errors import SqlglotError


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
