"""schema.dbml (DBML, as dbdiagram.io writes it) -> SchemaDesign, parsed with pydbml.

pydbml does not know DBML's newer `checks { ... }` table block, so those blocks are taken out
here (blanked line for line, so pydbml's line numbers stay true) and read separately.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydbml import PyDBML
from pyparsing import ParseBaseException

from gen_backend.errors import HandoffInputError, InputProblem
from gen_backend.load.design_common import (
    ON_DELETE,
    SUPPORTED_TYPES,
    TableDraft,
    TypeInfo,
    default_from_text,
    map_sql_type,
    normalise_check,
    parse_type,
)
from gen_backend.model.schema import (
    Column,
    ColumnDefault,
    ColumnType,
    DefaultKind,
    OnDelete,
    SchemaDesign,
)

_TABLE_START = re.compile(r"^\s*Table\s+(?:\"?[\w]+\"?\.)?\"?([\w]+)\"?", re.IGNORECASE)
_CHECKS_START = re.compile(r"^\s*checks\s*\{\s*$", re.IGNORECASE)
_CHECK_LINE = re.compile(r"^\s*`([^`]*)`\s*(?:\[\s*name\s*:\s*['\"]([^'\"]*)['\"]\s*\])?\s*$")


def _split_checks(path: Path, text: str) -> tuple[str, dict[str, list[tuple[str | None, str]]]]:
    lines = text.splitlines()
    checks: dict[str, list[tuple[str | None, str]]] = {}
    table = ""
    inside = False
    for number, line in enumerate(lines):
        if (match := _TABLE_START.match(line)) and not inside:
            table = match.group(1)
        elif _CHECKS_START.match(line):
            inside = True
            lines[number] = ""
        elif inside:
            lines[number] = ""
            if line.strip() == "}":
                inside = False
            elif line.strip():
                check = _CHECK_LINE.match(line)
                expression = normalise_check(check.group(1)) if check else None
                if check is None or expression is None:
                    raise HandoffInputError(
                        InputProblem(
                            path,
                            f"table {table} checks",
                            "a check must be a backtick SQL "
                            "expression with an optional [name: '...']",
                            "write e.g. `price >= 0` [name: 'price_not_negative']",
                            line=number + 1,
                        )
                    )
                checks.setdefault(table, []).append((check.group(2), expression))
    return "\n".join(lines) + "\n", checks


def load_schema_dbml(path: Path, text: str) -> SchemaDesign | None:
    source, checks = _split_checks(path, text)
    try:
        database = PyDBML(source)
    except ParseBaseException as exc:
        raise HandoffInputError(
            InputProblem(
                path,
                "",
                f"DBML does not parse: {exc.msg}",
                "fix the DBML syntax at that place (see dbml.dbdiagram.io/docs)",
                line=exc.lineno,
                column=exc.col,
            )
        ) from None
    except Exception as exc:  # pydbml reports dangling names as its own exception types
        raise _inconsistency(path, text, str(exc)) from None
    enums = {e.name: tuple(str(item.name) for item in e.items) for e in database.enums}
    drafts: dict[str, TableDraft] = {}
    for table in database.tables:
        draft = TableDraft(name=table.name, comment=_note(table.note))
        for column in table.columns:
            draft.columns.append(_column(path, table.name, column, enums))
        for index in table.indexes:
            columns = tuple(_subject(path, table.name, s) for s in index.subjects)
            if index.pk:
                draft.primary_key = columns
            else:
                draft.indexes.append((index.name or None, columns, bool(index.unique), None))
        draft.checks.extend(checks.get(table.name, []))
        drafts[table.name] = draft
    for ref in database.refs:
        _reference(path, drafts, ref)
    if not drafts:
        return None
    return SchemaDesign(tables=tuple(d.assemble() for d in drafts.values()))


_MISSING_TABLE = re.compile(r"Table (?:\w+\.)?(\w+) not present")
_MISSING_COLUMN = re.compile(r'column "?(\w+)"? not (?:defined|present)', re.IGNORECASE)


def _inconsistency(path: Path, text: str, message: str) -> HandoffInputError:
    """pydbml names what is missing but not where; find the first line that uses it."""
    fix = "define it, or correct the name where it is used"
    if match := _MISSING_TABLE.search(message):
        name, what = match.group(1), f"unknown table `{match.group(1)}`"
    elif match := _MISSING_COLUMN.search(message):
        name, what = match.group(1), f"unknown column `{match.group(1)}`"
    else:
        return HandoffInputError(
            InputProblem(
                path,
                "",
                f"DBML is inconsistent: {message}",
                "make every reference, index and enum name one the file defines",
            )
        )
    line, table, column = _first_use(text, name)
    if table and column:
        place, problem = f"{table}.{column}", f"`{table}.{column}` references {what}"
    elif table:
        place, problem = f"table {table}", f"table `{table}` names {what} (in an index)"
    else:
        place, problem = name, f"a reference names {what}"
    return HandoffInputError(InputProblem(path, place, problem, fix, line=line))


_COLUMN_LINE = re.compile(r"^\s*\"?(\w+)\"?\s+[\w\"]")


def _first_use(text: str, name: str) -> tuple[int | None, str | None, str | None]:
    """(line, enclosing table, column defined on that line) of the first use of `name`
    that is not the definition of a table or column called `name`."""
    table: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("//", 1)[0]
        if opened := _TABLE_START.match(code):
            table = opened.group(1)
            continue
        if code.strip() == "}" and not code.startswith((" ", "\t")):
            table = None
        if not re.search(rf"\b{re.escape(name)}\b", code):
            continue
        defined = _COLUMN_LINE.match(code)
        if defined and defined.group(1) == name:
            continue  # a column of that name being defined, not a use
        return number, table, defined.group(1) if defined and table else None
    return None, None, None


def _column(path: Path, table: str, column: object, enums: dict[str, tuple[str, ...]]) -> Column:
    name: str = getattr(column, "name")  # noqa: B009 - pydbml ships no type hints
    raw_type = getattr(column, "type")  # noqa: B009
    info: TypeInfo | None
    if hasattr(raw_type, "items"):  # a pydbml Enum
        info = TypeInfo(ColumnType.ENUM, enum_name=raw_type.name, values=enums[raw_type.name])
    else:
        spelled = str(raw_type)
        if spelled in enums:
            info = TypeInfo(ColumnType.ENUM, enum_name=spelled, values=enums[spelled])
        else:
            data_type = parse_type(spelled)
            info = map_sql_type(data_type, enums, {}) if data_type is not None else None
        if info is None:
            raise HandoffInputError(
                InputProblem(
                    path,
                    f"{table}.{name}",
                    f"unsupported column type `{spelled}`",
                    f"use one of: {SUPPORTED_TYPES}",
                )
            )
    default, serial = _default(getattr(column, "default"))  # noqa: B009
    primary_key = bool(getattr(column, "pk"))  # noqa: B009
    return info.column(
        name,
        primary_key=primary_key,
        nullable=not getattr(column, "not_null"),  # noqa: B009
        unique=bool(getattr(column, "unique")),  # noqa: B009
        autoincrement=bool(getattr(column, "autoinc")) or serial,  # noqa: B009
        default=default,
        comment=_note(getattr(column, "note")),  # noqa: B009
    )


def _default(value: object) -> tuple[ColumnDefault | None, bool]:
    if value is None:
        return None, False
    if isinstance(value, bool | int | float | str):
        return ColumnDefault(kind=DefaultKind.LITERAL, value=value), False
    return default_from_text(str(getattr(value, "text", value)))


def _note(note: object) -> str | None:
    text = getattr(note, "text", None)
    return str(text) if text else None


def _subject(path: Path, table: str, subject: object) -> str:
    name = getattr(subject, "name", None)
    if not isinstance(name, str):
        raise HandoffInputError(
            InputProblem(
                path,
                f"table {table} indexes",
                "expression indexes are not supported",
                "index plain columns",
            )
        )
    return name


def _reference(path: Path, drafts: dict[str, TableDraft], ref: object) -> None:
    kind = getattr(ref, "type")  # noqa: B009
    many = [c.name for c in getattr(ref, "col1")]  # noqa: B009
    one = [c.name for c in getattr(ref, "col2")]  # noqa: B009
    many_table = getattr(ref, "col1")[0].table.name  # noqa: B009
    one_table = getattr(ref, "col2")[0].table.name  # noqa: B009
    if kind == "<":
        many, one, many_table, one_table = one, many, one_table, many_table
    elif kind == "<>":
        raise HandoffInputError(
            InputProblem(
                path,
                f"Ref {many_table}.{many[0]} <> {one_table}.{one[0]}",
                "many-to-many references are not supported",
                "add a join table with two many-to-one references",
            )
        )
    on_delete_text = getattr(ref, "on_delete", None)
    on_delete = (
        ON_DELETE.get(str(on_delete_text).lower(), OnDelete.NO_ACTION)
        if on_delete_text
        else OnDelete.NO_ACTION
    )
    name = getattr(ref, "name", None) or None
    drafts[many_table].foreign_keys.append((name, tuple(many), one_table, tuple(one), on_delete))
