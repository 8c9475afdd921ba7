"""The revision that carries a design's changes to the tables earlier revisions made (issue 21).

Revisions already written are never rewritten: a database may have run them. When the design
changes, the difference between the design they were generated from (plan.history) and the new
one becomes one new revision, appended to the chain and named after what it changes.

What changed in the tables' structure (tables, columns, nullability, indexes, unique
constraints, foreign keys) is Alembic's own comparison: the recorded design's tables are
created in an in-memory SQLite database and compared with the new design's metadata, as
`alembic revision --autogenerate` compares a database with a project's models. What that
comparison cannot see on SQLite is filled in from the design: column types, lengths, defaults
and enum values (SQLite keeps a UUID as CHAR(32) and an enum as VARCHAR, so Alembic's type
comparison is off), CHECK constraints and a partial index's condition (Alembic compares
neither), and row-level security (PostgreSQL policies).
"""

from __future__ import annotations

import decimal
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gen_backend.model.defaults import fill_value
from gen_backend.model.schema import Column, ColumnType, SchemaDesign, naming
from gen_backend.model.service import MigrationStep
from gen_backend.plan.database import (
    CheckPlan,
    ColumnPlan,
    ForeignKeyPlan,
    IndexPlan,
    RowSecurityPlan,
    TablePlan,
    dependency_order,
    plan_table,
    slug,
)


@dataclass(frozen=True)
class ColumnChange:
    """A column whose definition changed, or that a decision renamed; `before` as it was."""

    before: ColumnPlan
    after: ColumnPlan
    nullable: bool  # its nullability changed
    type: bool  # its type, length, precision, scale or enum values changed
    default: bool  # its server default changed
    fill: str | None = None  # the value rows holding null get first (a decision's), as source

    @property
    def renamed(self) -> bool:
        return self.before.name != self.after.name

    @property
    def using(self) -> str:
        """How PostgreSQL converts the column's values to its new type (before a rename)."""
        return f'"{self.before.name}"::{_postgres_type(self.after.design)}'

    @property
    def downgrade_using(self) -> str:
        """How PostgreSQL converts them back."""
        return f'"{self.after.name}"::{_postgres_type(self.before.design)}'


@dataclass(frozen=True)
class TableChange:
    """What changed in one table both designs have. Each `dropped_*` as it was, so the
    downgrade puts it back."""

    name: str
    added: tuple[ColumnPlan, ...] = ()
    dropped: tuple[ColumnPlan, ...] = ()
    altered: tuple[ColumnChange, ...] = ()
    added_indexes: tuple[IndexPlan, ...] = ()
    dropped_indexes: tuple[IndexPlan, ...] = ()
    added_uniques: tuple[tuple[str, str], ...] = ()  # (constraint name, column)
    dropped_uniques: tuple[tuple[str, str], ...] = ()
    added_foreign_keys: tuple[ForeignKeyPlan, ...] = ()
    dropped_foreign_keys: tuple[ForeignKeyPlan, ...] = ()
    added_checks: tuple[CheckPlan, ...] = ()
    dropped_checks: tuple[CheckPlan, ...] = ()
    fills: tuple[tuple[str, str], ...] = ()  # (added NOT NULL column, value for existing rows)


@dataclass(frozen=True)
class EnumChange:
    """An enum type whose values changed (PostgreSQL; SQLite keeps an enum as text)."""

    name: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    columns: tuple[tuple[str, ColumnPlan], ...]  # (table, column) typed by it

    @property
    def added(self) -> tuple[str, ...]:
        return tuple(v for v in self.after if v not in self.before)

    @property
    def resized(self) -> bool:
        """Whether the longest value's length changed: SQLite keeps an enum as a VARCHAR of
        that length, so its columns are altered there."""
        return max(map(len, self.before), default=0) != max(map(len, self.after), default=0)

    @property
    def only_added(self) -> bool:
        """Whether values were only added: ALTER TYPE ... ADD VALUE, else the type is made
        again (rename, create, convert the columns, drop)."""
        return set(self.before) <= set(self.after)


@dataclass(frozen=True)
class ChangeRevisionPlan:
    revision: str
    down_revision: str | None
    file_stem: str
    description: str
    created: tuple[TablePlan, ...] = ()  # tables new to the design that no new step makes
    dropped: tuple[TablePlan, ...] = ()  # as they were
    changed: tuple[TableChange, ...] = ()
    enums: tuple[EnumChange, ...] = ()
    # enum types this revision makes first (for a created table or an added column), and
    # those it drops last (no column uses them any more), so each downgrade undoes it
    new_enums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    old_enums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    secured: tuple[RowSecurityPlan, ...] = ()  # row-level security turned on
    unsecured: tuple[RowSecurityPlan, ...] = ()  # turned off, as it was
    decisions: tuple[str, ...] = ()  # the migration plan's words on data a change loses

    @property
    def tables(self) -> tuple[TablePlan, ...]:
        """The tables it creates (the record lists them)."""
        return self.created

    @property
    def columns(self) -> tuple[ColumnPlan, ...]:
        """Every column it makes, drops or alters, as it was and as it is."""
        found = [c for t in (*self.created, *self.dropped) for c in t.columns]
        for t in self.changed:
            found += [*t.added, *t.dropped]
            found += [c for a in t.altered for c in (a.before, a.after)]
        return tuple(found)

    @property
    def uses_enums(self) -> bool:
        return any(c.enum_name for c in self.columns)

    @property
    def per_dialect(self) -> bool:
        """Whether a step runs on PostgreSQL only, or is spelt otherwise on SQLite."""
        checks = [c for t in self.changed for c in (*t.added_checks, *t.dropped_checks)]
        return bool(
            self.secured
            or self.unsecured
            or self.enums
            or any(c.sqlite_server_default is not None for c in self.columns)
            or any(not c.portable for c in checks)
        )


def _structure(design: SchemaDesign) -> sa.MetaData:
    """The design's tables for Alembic to compare: names, keys, nullability, unique
    constraints, indexes and foreign keys. Every column is TEXT: types are compared from the
    design, not by Alembic (see the module's docstring)."""
    metadata = sa.MetaData()
    for table in design.tables:
        parts: list[sa.schema.SchemaItem] = [
            sa.Column(c.name, sa.Text(), nullable=c.nullable, primary_key=c.primary_key)
            for c in table.columns
        ]
        parts += [
            sa.UniqueConstraint(c.name, name=naming.unique(table.name, (c.name,)))
            for c in table.columns
            if c.unique and not c.primary_key
        ]
        parts += [
            sa.ForeignKeyConstraint(
                list(k.columns),
                [f"{k.target_table}.{c}" for c in k.target_columns],
                name=k.name,
            )
            for k in table.foreign_keys
        ]
        parts += [sa.Index(i.name, *i.columns, unique=i.unique) for i in table.indexes]
        sa.Table(table.name, metadata, *parts)
    return metadata


# (kind, table, name): what Alembic found, by name ("add_column", "books", "website")
Difference = tuple[str, str, str]


def _difference(diff: tuple[object, ...]) -> Difference | None:
    kind, item = str(diff[0]), diff[1]
    if isinstance(item, sa.Table):
        return kind, item.name, ""
    if kind in ("add_column", "remove_column") and isinstance(diff[3], sa.Column):
        return kind, str(diff[2]), diff[3].name
    if kind == "modify_nullable":
        return kind, str(diff[2]), str(diff[3])
    if isinstance(item, sa.Index | sa.UniqueConstraint) and isinstance(item.table, sa.Table):
        return kind, item.table.name, str(item.name)
    if isinstance(item, sa.ForeignKeyConstraint):
        return kind, item.parent.name, str(item.name)
    return None


def _compared(
    before: SchemaDesign, after: SchemaDesign, new_tables: Iterable[str]
) -> set[Difference]:
    """Alembic's differences from `before` (as a database holds it) to `after`. The tables a
    new migration step makes (`new_tables`) are there already: their revision runs first, and
    makes them."""
    made = [t for t in after.tables if t.name in set(new_tables)]
    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        _structure(SchemaDesign(tables=(*before.tables, *made))).create_all(connection)
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        found = compare_metadata(context, _structure(after))
    engine.dispose()
    flat: list[tuple[object, ...]] = []
    for diff in found:  # a column's modifications come as a list of their own
        flat.extend(diff if isinstance(diff, list) else [diff])
    return {d for d in map(_difference, flat) if d is not None}


def plan_change(
    before: SchemaDesign,
    after: SchemaDesign,
    new_tables: Iterable[str],
    owners: tuple[Mapping[str, RowSecurityPlan], Mapping[str, RowSecurityPlan]],
    step: MigrationStep | None = None,
) -> ChangeRevisionPlan | None:
    """The revision from `before` (what the written revisions made) to `after`, None when
    nothing changed. `new_tables`: tables a new migration step makes; `owners`: the owned
    tables' row security before and after; `step`: a new migration step without tables that
    names this revision and decides how its destructive changes treat the data."""
    made = set(new_tables)
    found = _compared(before, after, made)
    old = {t.name: plan_table(t, "") for t in before.tables}
    new = {t.name: plan_table(t, "") for t in after.tables}
    # made in the order their foreign keys need, dropped in the reverse
    adding = [t for k, t, _ in found if k == "add_table"]
    removing = [t for k, t, _ in found if k == "remove_table"]
    created = tuple(new[t] for t in dependency_order(sorted(adding), after))
    dropped = tuple(old[t] for t in reversed(dependency_order(sorted(removing), before)))
    decisions = step.decisions if step else ()
    fills = {d.change: d.fill for d in decisions if d.fill is not None}
    renames = {d.change: d.rename_to for d in decisions if d.rename_to}
    changed = tuple(
        change
        for name in (t.name for t in after.tables if t.name in old and t.name not in made)
        if (change := _table_change(old[name], new[name], found, fills, renames))
    )
    old_owned, new_owned = owners
    secured = tuple(o for t, o in new_owned.items() if old_owned.get(t) != o and t not in made)
    unsecured = tuple(o for t, o in old_owned.items() if new_owned.get(t) != o)
    enums = _enum_changes(old, {n: t for n, t in new.items() if n not in made})
    before_enums = {n: v for t in old.values() for n, v in t.enums}
    after_enums = {n: v for t in new.values() if t.name not in made for n, v in t.enums}
    if not (created or dropped or changed or enums or secured or unsecured):
        return None
    words = [f"create {t.name}" for t in created] + [f"drop {t.name}" for t in dropped]
    words += [_summary(c) for c in changed] + [f"{e.name} values" for e in enums]
    words += ["row security"] if secured or unsecured else []
    description = step.description if step and step.description else "; ".join(words)
    return ChangeRevisionPlan(
        revision="",  # numbered by the caller, after the chain's head
        down_revision=None,
        file_stem=slug(description),
        description=description,
        created=created,
        dropped=dropped,
        changed=changed,
        enums=enums,
        new_enums=tuple((n, v) for n, v in after_enums.items() if n not in before_enums),
        old_enums=tuple(
            (n, v) for n, v in before_enums.items() if n not in after_enums and n not in made
        ),
        secured=secured,
        unsecured=unsecured,
        decisions=tuple(f"{d.change}: {d.data}" for d in step.decisions) if step else (),
    )


def _summary(change: TableChange) -> str:
    parts = [f"add {c.name}" for c in change.added] + [f"drop {c.name}" for c in change.dropped]
    parts += [f"alter {c.after.name}" for c in change.altered]
    if len(parts) > 2 or not parts:
        parts = ["changes"]
    return f"{change.name} {' '.join(parts)}"


def _table_change(
    before: TablePlan,
    after: TablePlan,
    found: set[Difference],
    fills: Mapping[str, str | int | float | bool],
    renames: Mapping[str, str],
) -> TableChange | None:
    """`renames`: `table.column` -> the column's new name, where a decision says a column
    gone and one added are one column renamed."""
    name = after.name
    renamed = {
        old: new
        for c, new in renames.items()
        if (old := c.partition(".")[2]) and c.partition(".")[0] == name
    }

    def named(kind: str) -> set[str]:
        return {n for k, t, n in found if k == kind and t == name}

    nullability = named("modify_nullable")
    altered = []
    for column in after.columns:
        was_name = next((o for o, n in renamed.items() if n == column.name), column.name)
        was = next((c for c in before.columns if c.name == was_name), None)
        if was is None:
            continue
        retyped = _type_facts(was.design) != _type_facts(column.design)
        default = was.design.default != column.design.default
        refilled = was.nullable != column.nullable
        if column.name in nullability or retyped or default or was_name != column.name:
            fill = fills.get(f"{name}.{column.name}", fills.get(f"{name}.{was_name}"))
            tightened = was.nullable and not column.nullable
            altered.append(
                ColumnChange(
                    was,
                    column,
                    column.name in nullability or (was_name != column.name and refilled),
                    retyped,
                    default,
                    _fill_literal(fill, column.design)
                    if fill is not None
                    else _default_source(column)
                    if tightened
                    else None,
                )
            )
    # Alembic sees an index or a foreign key by name and columns; one whose condition or
    # ON DELETE changed is dropped and made again
    old_indexes = {i.name: i for i in before.indexes}
    new_indexes = {i.name: i for i in after.indexes}
    redone = {n for n, i in new_indexes.items() if n in old_indexes and old_indexes[n] != i}
    old_keys = {k.name: k for k in before.foreign_keys}
    new_keys = {k.name: k for k in after.foreign_keys}
    rekeyed = {n for n, k in new_keys.items() if n in old_keys and old_keys[n] != k}
    old_checks = {c.name: c for c in before.checks}
    new_checks = {c.name: c for c in after.checks}
    change = TableChange(
        name=name,
        added=tuple(
            c for c in after.columns if c.name in named("add_column") - set(renamed.values())
        ),
        dropped=tuple(c for c in before.columns if c.name in named("remove_column") - set(renamed)),
        altered=tuple(altered),
        added_indexes=tuple(i for n, i in new_indexes.items() if n in named("add_index") | redone),
        dropped_indexes=tuple(
            i for n, i in old_indexes.items() if n in named("remove_index") | redone
        ),
        added_uniques=tuple(u for u in after.unique_columns if u[0] in named("add_constraint")),
        dropped_uniques=tuple(
            u for u in before.unique_columns if u[0] in named("remove_constraint")
        ),
        added_foreign_keys=tuple(k for n, k in new_keys.items() if n in named("add_fk") | rekeyed),
        dropped_foreign_keys=tuple(
            k for n, k in old_keys.items() if n in named("remove_fk") | rekeyed
        ),
        added_checks=tuple(c for n, c in new_checks.items() if old_checks.get(n) != c),
        dropped_checks=tuple(c for n, c in old_checks.items() if new_checks.get(n) != c),
        fills=tuple(
            (c.name, _fill_literal(fills[f"{name}.{c.name}"], c.design))
            for c in after.columns
            if c.name in named("add_column") - set(renamed.values()) and f"{name}.{c.name}" in fills
        ),
    )
    return change if change != TableChange(name) else None


_POSTGRES_TYPES = {
    ColumnType.UUID: "uuid",
    ColumnType.TEXT: "text",
    ColumnType.INTEGER: "integer",
    ColumnType.BIGINT: "bigint",
    ColumnType.SMALLINT: "smallint",
    ColumnType.BOOLEAN: "boolean",
    ColumnType.FLOAT: "double precision",
    ColumnType.DATE: "date",
    ColumnType.TIME: "time",
    ColumnType.TIMESTAMP: "timestamp",
    ColumnType.TIMESTAMPTZ: "timestamptz",
    ColumnType.JSON: "json",
    ColumnType.BYTES: "bytea",
}


def _postgres_type(column: Column) -> str:
    """The column's type as PostgreSQL names it in a cast."""
    if column.type is ColumnType.ENUM:
        return f'text::"{column.enum_name}"'  # an enum is reached from text
    if column.type is ColumnType.STRING:
        return f"varchar({column.max_length})" if column.max_length else "varchar"
    if column.type is ColumnType.NUMERIC:
        bounds = [str(b) for b in (column.precision, column.scale) if b is not None]
        return f"numeric({', '.join(bounds)})" if bounds else "numeric"
    return _POSTGRES_TYPES[column.type]


def _type_facts(column: Column) -> tuple[object, ...]:
    """What makes a column's type; an enum's values are the enum type's (`EnumChange`)."""
    return (column.type, column.max_length, column.precision, column.scale, column.enum_name)


def _default_source(column: ColumnPlan) -> str | None:
    """A column's server default as a value for the rows that hold null when it becomes NOT
    NULL (the default alone fills only rows inserted later); None without one."""
    if column.sqlite_server_default is not None:
        sqlite = column.sqlite_server_default or "None"
        return f"{column.server_default} if on_postgresql() else {sqlite}"
    return column.server_default


def _fill_literal(value: str | int | float | bool, column: Column) -> str:
    """A decision's value for existing rows, as the Python literal the revision writes (the
    driver binds a date as a date, not its text); `check` vouched that it is one."""
    typed = fill_value(value, column)
    if isinstance(typed, uuid.UUID):
        return f"uuid.UUID({str(typed)!r})"
    if isinstance(typed, decimal.Decimal):
        return f"Decimal({str(typed)!r})"
    return repr(typed)


def _enum_changes(
    before: Mapping[str, TablePlan], after: Mapping[str, TablePlan]
) -> tuple[EnumChange, ...]:
    """Enum types both designs have, with other values now."""

    def types(
        tables: Mapping[str, TablePlan],
    ) -> dict[str, tuple[tuple[str, ...], list[tuple[str, ColumnPlan]]]]:
        found: dict[str, tuple[tuple[str, ...], list[tuple[str, ColumnPlan]]]] = {}
        for table in tables.values():
            for column in table.columns:
                if column.enum_name:
                    typed = found.setdefault(column.enum_name, (column.enum_values, []))
                    typed[1].append((table.name, column))
        return found

    old, new = types(before), types(after)
    return tuple(
        EnumChange(name, old[name][0], values, tuple(columns))
        for name, (values, columns) in new.items()
        if name in old and old[name][0] != values
    )


_NUMBERED = re.compile(r"^(\d+)")


def next_number(ids: Iterable[str]) -> str:
    """The number after the highest that starts an id (`0003` -> `0004`), as wide."""
    numbers = [m.group(1) for i in ids if (m := _NUMBERED.match(i))]
    if not numbers:
        return "0001"
    width = max(len(n) for n in numbers)
    return str(max(int(n) for n in numbers) + 1).zfill(width)
