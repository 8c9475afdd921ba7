"""schema.sql (PostgreSQL DDL) -> SchemaDesign, parsed with sqlglot.

Reads CREATE TYPE ... AS ENUM, CREATE DOMAIN, CREATE TABLE (column and table constraints),
CREATE [UNIQUE] INDEX, ALTER TABLE ... ADD CONSTRAINT and COMMENT ON. Other statements
(functions, views, grants, SET, sequences) say nothing about the design and are skipped.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import TokenType

from gen_backend.errors import HandoffInputError, InputProblem
from gen_backend.load.design_common import (
    ON_DELETE,
    SUPPORTED_TYPES,
    DesignNote,
    TableDraft,
    TypeInfo,
    classify_default,
    map_sql_type,
    simplify,
)
from gen_backend.model.schema import Column, ColumnDefault, OnDelete, SchemaDesign

# sqlglot logs a warning for every statement it keeps as an opaque command; we skip those anyway
logging.getLogger("sqlglot").setLevel(logging.ERROR)

_DIALECT = Postgres()
_ADD_IDENTITY = re.compile(
    r"ALTER\s+TABLE\s+(?:ONLY\s+)?(\S+)\s+ALTER\s+COLUMN\s+(\S+)\s+ADD\s+GENERATED\b.*?"
    r"\bAS\s+IDENTITY\b",
    re.IGNORECASE | re.DOTALL,
)
_INDEX_ON_ONLY = re.compile(r"(\bINDEX\b[^;]*?\bON)\s+ONLY\b", re.IGNORECASE | re.DOTALL)
_LEADING_NOISE = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)
_DESIGN_DDL = re.compile(
    r"^\s*(CREATE\s+(UNLOGGED\s+|TEMP\w*\s+)?TABLE|CREATE\s+(UNIQUE\s+)?INDEX|CREATE\s+TYPE"
    r"|ALTER\s+TABLE)\b",
    re.IGNORECASE,
)


class _SqlReader:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.enums: dict[str, tuple[str, ...]] = {}
        self.domains: dict[str, TypeInfo] = {}
        self.tables: dict[str, TableDraft] = {}
        self.offset = 0  # where the statement being read starts in the text
        self.notes: list[DesignNote] = []

    def note(self, location: str, problem: str) -> None:
        self.notes.append(DesignNote(location, self.text.count("\n", 0, self.offset) + 1, problem))

    def error(self, location: str, problem: str, fix: str, *, near: str = "") -> HandoffInputError:
        """An error in the statement being read; `near` finds the line within that statement."""
        line = _line_of(self.text, near, self.offset) if near else None
        if line is None:
            line = self.text.count("\n", 0, self.offset) + 1
        return HandoffInputError(InputProblem(self.path, location, problem, fix, line=line))

    def read(self) -> SchemaDesign | None:
        for offset, statement in self._statements():
            self.offset = offset
            if isinstance(statement, exp.Create):
                self._create(statement)
            elif isinstance(statement, exp.Alter):
                self._alter(statement)
            elif isinstance(statement, exp.Comment):
                self._comment(statement)
            elif isinstance(statement, exp.Command):
                self._command(statement)
        self._resolve_bare_references()
        if not self.tables:
            return None
        return SchemaDesign(tables=tuple(draft.assemble() for draft in self.tables.values()))

    def _statements(self) -> list[tuple[int, exp.Expression]]:
        """Parse statement by statement: one that sqlglot cannot read fails the file only if
        it is design DDL; a function body or a view it cannot read is skipped."""
        text = _strip_psql_meta(self.text)
        try:
            tokens = _DIALECT.tokenize(text)
        except TokenError as exc:
            raise HandoffInputError(
                InputProblem(
                    self.path, "", f"SQL does not parse: {exc}", "check quotes and comments"
                )
            ) from None
        parsed: list[tuple[int, exp.Expression]] = []
        start = 0
        for token in [*tokens, None]:
            if token is not None and token.token_type is not TokenType.SEMICOLON:
                continue
            end = token.start if token is not None else len(text)
            chunk = text[start:end]
            offset = start
            start = token.end + 1 if token is not None else len(text)
            if not chunk.strip():
                continue
            # pg_dump's `CREATE INDEX ... ON ONLY t` (partitioned tables) reads as `ON t`
            chunk = _INDEX_ON_ONLY.sub(r"\1", chunk)
            try:
                statement = sqlglot.parse_one(chunk, read="postgres")
            except ParseError as exc:
                if _DESIGN_DDL.match(_strip_comments(chunk)):
                    first = exc.errors[0] if exc.errors else {}
                    line = text.count("\n", 0, offset) + int(first.get("line") or 1)
                    raise HandoffInputError(
                        InputProblem(
                            self.path,
                            "",
                            f"SQL does not parse: {first.get('description', exc)}",
                            "write PostgreSQL DDL (CREATE TABLE / CREATE INDEX / CREATE TYPE)",
                            line=line,
                            column=first.get("col"),
                        )
                    ) from None
                continue
            if isinstance(statement, exp.Expression):
                # the statement's own first line, past leading blank lines and comments
                lead = _LEADING_NOISE.match(chunk)
                parsed.append((offset + (lead.end() if lead else 0), statement))
        return parsed

    def _create(self, statement: exp.Create) -> None:
        kind = (statement.args.get("kind") or "").upper()
        if kind == "TYPE":
            data_type = statement.args.get("expression")
            if isinstance(data_type, exp.DataType) and data_type.this is exp.DataType.Type.ENUM:
                self.enums[_name(statement.this)] = tuple(
                    str(v.this) for v in data_type.expressions
                )
        elif kind == "DOMAIN":
            self._domain(statement)
        elif kind == "TABLE" and isinstance(statement.this, exp.Schema):
            self._table(statement.this)
        elif kind == "INDEX" and isinstance(statement.this, exp.Index):
            self._index(statement.this, unique=bool(statement.args.get("unique")))

    def _domain(self, statement: exp.Create) -> None:
        name = _name(statement.this)
        base = next((e for e in statement.expressions if isinstance(e, exp.DataType)), None)
        info = map_sql_type(base, self.enums, self.domains) if base is not None else None
        if info is not None:
            self.domains[name] = info

    def _table(self, schema: exp.Schema) -> None:
        name = _name(schema.this)
        draft = TableDraft(name=name)
        for element in schema.expressions:
            if isinstance(element, exp.ColumnDef):
                draft.columns.append(self._column(draft, element))
            else:
                self._table_constraint(draft, element)
        if name in self.tables:
            raise self.error(
                f"table {name}",
                f"table `{name}` is created twice",
                "keep one CREATE TABLE per table",
            )
        self.tables[name] = draft

    def _column(self, draft: TableDraft, definition: exp.ColumnDef) -> Column:
        name = definition.name
        data_type = definition.args.get("kind")
        info = (
            map_sql_type(data_type, self.enums, self.domains)
            if isinstance(data_type, exp.DataType)
            else None
        )
        if info is None:
            spelled = data_type.sql("postgres") if data_type is not None else "(none)"
            raise self.error(
                f"{draft.name}.{name}",
                f"unsupported column type `{spelled}`",
                f"use one of: {SUPPORTED_TYPES}",
                near=rf"\b{re.escape(name)}\b",
            )
        nullable, primary_key, unique = True, False, False
        default: ColumnDefault | None = None
        autoincrement = False
        comment = None
        for constraint in definition.constraints:
            kind = constraint.args.get("kind")
            if isinstance(kind, exp.NotNullColumnConstraint):
                nullable = bool(kind.args.get("allow_null"))
            elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
                primary_key, nullable = True, False
            elif isinstance(kind, exp.UniqueColumnConstraint):
                unique = True
            elif isinstance(kind, exp.DefaultColumnConstraint):
                default, serial = classify_default(kind.this)
                autoincrement = autoincrement or serial
            elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
                autoincrement = True
            elif isinstance(kind, exp.Reference):
                draft.foreign_keys.append(self._reference(draft, (name,), kind))
            elif isinstance(kind, exp.CheckColumnConstraint):
                draft.checks.append(
                    (_constraint_name(constraint), simplify(kind.this).sql("postgres"))
                )
            elif isinstance(kind, exp.CommentColumnConstraint):
                comment = kind.this.name
        return info.column(
            name,
            primary_key=primary_key,
            nullable=nullable,
            unique=unique,
            autoincrement=autoincrement,
            default=default,
            comment=comment,
        )

    def _table_constraint(self, draft: TableDraft, element: exp.Expression) -> None:
        name = element.name or None if isinstance(element, exp.Constraint) else None
        parts = element.expressions if isinstance(element, exp.Constraint) else [element]
        for part in parts:
            if isinstance(part, exp.PrimaryKey):
                draft.primary_key = tuple(_column_names(part.expressions))
            elif isinstance(part, exp.UniqueColumnConstraint):
                columns = part.this.expressions if isinstance(part.this, exp.Schema) else []
                draft.uniques.append((name, tuple(_column_names(columns))))
            elif isinstance(part, exp.ForeignKey):
                reference = part.args.get("reference")
                if isinstance(reference, exp.Reference):
                    key = self._reference(draft, tuple(_column_names(part.expressions)), reference)
                    draft.foreign_keys.append((name, *key[1:]))
            elif isinstance(part, exp.CheckColumnConstraint):
                draft.checks.append((name, simplify(part.this).sql("postgres")))

    def _reference(
        self, draft: TableDraft, columns: tuple[str, ...], reference: exp.Reference
    ) -> tuple[str | None, tuple[str, ...], str, tuple[str, ...], OnDelete]:
        target = reference.this
        target_table = _name(target.this if isinstance(target, exp.Schema) else target)
        target_columns = (
            tuple(_column_names(target.expressions)) if isinstance(target, exp.Schema) else ()
        )
        on_delete = OnDelete.NO_ACTION
        for option in reference.args.get("options") or []:
            text = str(option).upper()
            if text.startswith("ON DELETE "):
                on_delete = ON_DELETE.get(
                    text.removeprefix("ON DELETE ").lower(), OnDelete.NO_ACTION
                )
        return None, columns, target_table, target_columns, on_delete

    def _resolve_bare_references(self) -> None:
        """`REFERENCES t` without columns means t's primary key, known once t is read."""
        for draft in self.tables.values():
            draft.foreign_keys = [
                (name, columns, target, target_columns or self._primary_key_of(target), on_delete)
                for name, columns, target, target_columns, on_delete in draft.foreign_keys
            ]

    def _primary_key_of(self, table: str) -> tuple[str, ...]:
        draft = self.tables.get(table)
        if draft is None:
            return ("id",)
        return draft.primary_key or tuple(c.name for c in draft.columns if c.primary_key) or ("id",)

    def _index(self, index: exp.Index, *, unique: bool) -> None:
        table = _name(index.args["table"]) if index.args.get("table") else ""
        draft = self.tables.get(table)
        if draft is None:
            raise self.error(
                f"index {index.name}",
                f"index on unknown table `{table}`",
                "create the table before its indexes",
                near=rf"\bON\s+\S*{re.escape(table)}\b",
            )
        params = index.args.get("params")
        columns = []
        for ordered in params.args.get("columns", []) if params else []:
            column = ordered.this if isinstance(ordered, exp.Ordered) else ordered
            if not isinstance(column, exp.Column):
                self.note(
                    f"index {index.name or table}",
                    "an expression index "
                    f"({ordered.sql('postgres')}) cannot be described by the design model; "
                    "it was left out",
                )
                return
            if column.name not in draft.column_names():
                raise self.error(
                    f"index {index.name or table}",
                    f"index on unknown column `{table}.{column.name}`",
                    f"name a column of `{table}` ({', '.join(sorted(draft.column_names()))})",
                    near=rf"\b{re.escape(column.name)}\b",
                )
            columns.append(column.name)
        where = params.args.get("where") if params else None
        condition = simplify(where.this).sql("postgres") if isinstance(where, exp.Where) else None
        draft.indexes.append((index.name or None, tuple(columns), unique, condition))

    def _alter(self, statement: exp.Alter) -> None:
        draft = self.tables.get(_name(statement.this))
        if draft is None:
            return
        for action in statement.args.get("actions") or []:
            if isinstance(action, exp.AddConstraint):
                for constraint in action.expressions:
                    self._table_constraint(draft, constraint)
            elif isinstance(action, exp.AlterColumn) and action.args.get("default") is not None:
                default, serial = classify_default(action.args["default"])
                self._update_column(draft, action.name, default=default, autoincrement=serial)

    def _command(self, statement: exp.Command) -> None:
        """pg_dump's `ALTER TABLE t ALTER COLUMN c ADD GENERATED ... AS IDENTITY`."""
        text = f"{statement.this} {statement.expression}"
        if match := _ADD_IDENTITY.match(text):
            draft = self.tables.get(match.group(1).split(".")[-1].strip('"'))
            if draft is not None:
                self._update_column(draft, match.group(2).strip('"'), autoincrement=True)

    def _update_column(
        self,
        draft: TableDraft,
        name: str,
        *,
        default: ColumnDefault | None = None,
        autoincrement: bool,
    ) -> None:
        draft.columns = [
            c.model_copy(
                update={
                    "default": default or c.default,
                    "autoincrement": c.autoincrement or autoincrement,
                }
            )
            if c.name == name
            else c
            for c in draft.columns
        ]

    def _comment(self, statement: exp.Comment) -> None:
        kind = (statement.args.get("kind") or "").upper()
        text = statement.expression.name
        if kind == "TABLE" and (draft := self.tables.get(_name(statement.this))):
            draft.comment = text
        elif kind == "COLUMN" and isinstance(statement.this, exp.Column):
            draft = self.tables.get(statement.this.table)
            if draft is not None:
                draft.columns = [
                    c.model_copy(update={"comment": text}) if c.name == statement.this.name else c
                    for c in draft.columns
                ]


def _name(node: exp.Expression) -> str:
    return node.name if not isinstance(node, exp.Schema) else _name(node.this)


def _constraint_name(constraint: exp.Expression) -> str | None:
    # an inline CONSTRAINT name CHECK (...) names the column constraint
    return constraint.name or None


def _column_names(expressions: list[exp.Expression]) -> list[str]:
    return [e.name for e in expressions]


def _strip_psql_meta(text: str) -> str:
    r"""Drop psql meta-commands (\connect, \restrict) that pg_dump files carry."""
    return re.sub(r"(?m)^\\.*$", "", text)


def _strip_comments(text: str) -> str:
    return re.sub(r"--[^\n]*|/\*.*?\*/", "", text, flags=re.DOTALL)


def _line_of(text: str, pattern: str, start: int = 0) -> int | None:
    match = re.compile(pattern, flags=re.IGNORECASE).search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else None


def load_schema_sql(
    path: Path, text: str, notes: list[DesignNote] | None = None
) -> SchemaDesign | None:
    """The design; what it says but the model cannot hold is appended to `notes`."""
    reader = _SqlReader(path, text)
    design = reader.read()
    if notes is not None:
        notes.extend(reader.notes)
    return design
