"""Planning the generated project's own tests: per operation, a request that must succeed,
one without a token (401), one without the permission (403), and one for a missing row (404)."""

from __future__ import annotations

import dataclasses
import itertools
import keyword
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, urlencode

from pydantic import JsonValue

from gen_backend.model import ApiModel, Operation, OperationKind, Parameter, Schema
from gen_backend.model.bounds import check_choices, check_patterns, check_ranges
from gen_backend.model.crossing import Crossing
from gen_backend.model.naming import snake
from gen_backend.model.uploads import is_file
from gen_backend.model.wire import conversion
from gen_backend.plan.api import OperationPlan
from gen_backend.plan.database import CheckPlan, ColumnPlan, TablePlan, kept_text
from gen_backend.plan.examples import (
    NoExampleError,
    example,
    held,
    in_order,
    pattern_example,
    pattern_slots,
    unique_example,
)
from gen_backend.plan.names import camel, field_name
from gen_backend.plan.pytypes import JsonLiteral, Keyword
from gen_backend.plan.schemas import ClassPlan


@dataclass(frozen=True)
class FactoryColumn:
    attr: str
    value: str  # Python source; `n` is the factory's running number
    parent: str | None = None  # the factory of the row this foreign key points at
    parent_attr: str | None = None


@dataclass(frozen=True)
class FactoryPlan:
    table: TablePlan
    function: str
    columns: tuple[FactoryColumn, ...]

    @property
    def numbered(self) -> bool:
        """Whether a value uses the running number `n`."""
        return any(re.search(r"\bn\b", c.value) for c in self.columns)

    @property
    def patterned(self) -> bool:
        """Whether a value is the nth string of a pattern's slots."""
        return any(c.value.startswith("_patterned(") for c in self.columns)


def slots_source(slots: tuple[str, ...]) -> str:
    """The source of a tuple of slots, a run of one slot written once with its count:
    `("0123456789",) * 13`, `("AB", *("0123456789",) * 4)`."""
    runs = [(slot, len(list(group))) for slot, group in itertools.groupby(slots)]
    if len(runs) == 1 and runs[0][1] > 1:
        return f"({runs[0][0]!r},) * {runs[0][1]}"
    parts = [f"*({slot!r},) * {count}" if count > 1 else repr(slot) for slot, count in runs]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


@dataclass(frozen=True)
class OwnedParent:
    """The owned parent row an operation's path names (`/orders/{orderId}/items`): the caller
    must own it (or hold one of its bypass roles)."""

    attr: str  # the child's foreign key to it
    owner: str  # the parent's owner attribute
    module: str  # the parent's domain package
    class_name: str
    key: str  # the parent's attribute the foreign key points at

    @property
    def variable(self) -> str:
        return f"{self.attr}_parent"

    @property
    def import_line(self) -> str:
        return f"from app.{self.module}.models import {self.class_name}"


@dataclass(frozen=True)
class TestPlan:
    op: OperationPlan
    setup: tuple[tuple[str, str], ...]  # (variable, factory) rows the request refers to
    path: str  # Python source of the URL (an f-string using `row`)
    body: JsonLiteral | None  # the body's value
    fk_fields: tuple[tuple[str, str], ...]  # (body wire name, Python source of its value)
    expected: int
    missing_path: str | None  # URL of a row that does not exist, for a 404
    headers: tuple[tuple[str, str], ...] = ()  # required headers: (name, Python source)
    files: tuple[str, ...] = ()  # the wire names of the files a multipart body carries
    owner_source: str | None = None  # on an owned table: the Python source of the row's owner
    caller: str | None = None  # else the Python source of the caller's subject, where it matters
    owner_in_path: bool = False  # a create whose path names the owner of the row it makes
    other_owner: str = "str(uuid.uuid4())"  # a subject that owns none of the test's rows
    # an idempotent operation's other requests (other unique values), one per retry test
    retries: tuple[TestPlan, ...] = ()
    # a create or update of an owned table: the wire names leading to where a body would name
    # the row's owner (`("tenantId",)`, `("project", "tenantId")` in a wrapped body)
    owner_field: tuple[str, ...] = ()
    # the owned parent of the test row, read back after the setup, so the caller can own it
    lookup: OwnedParent | None = None
    parent_made_owners: bool = False  # the parent is given to the (owned) row's owner
    # a create whose request, sent twice by one caller, fills a unique key the same way
    repeats_a_unique_key: bool = False
    # such a create's request with other unique values, for a second test that makes a row
    second: TestPlan | None = None
    # the create the test of a repeated unique value sends twice, with values of its own
    repeated: TestPlan | None = None
    bypass_role: str | None = None  # a role that sees every row the request touches
    # a lookup's other columns (`slug` of `{idOrSlug}`): (attr, the request naming it so)
    lookups: tuple[tuple[str, TestPlan], ...] = ()

    def variant_values(self, variant: TestPlan) -> dict[str, JsonValue] | None:
        """The body values `variant` sends in place of this request's, as keyword arguments of
        this request's builder, where nothing else sets the two apart (a retry's other unique
        values); None where something does, and `variant` gets a builder of its own."""
        ours = self.body.value if self.body else None
        theirs = variant.body.value if variant.body else None
        if (
            not isinstance(ours, dict)
            or not isinstance(theirs, dict)
            or ours.keys() != theirs.keys()
        ):
            return None
        same_otherwise = dataclasses.replace(
            variant,
            body=self.body,
            retries=self.retries,
            second=self.second,
            repeated=self.repeated,
            lookups=self.lookups,
        )
        replaced = {wire for wire, _ in self.fk_fields}
        values = {k: v for k, v in theirs.items() if v != ours[k] and k not in replaced}
        names_free = all(
            k.isidentifier() and not keyword.iskeyword(k) and k != "session" for k in values
        )
        return values if same_otherwise == self and names_free else None

    @property
    def varied(self) -> bool:
        """Whether the builder of this request takes other body values (`**values`)."""
        variants = [*self.retries, self.second, self.repeated]
        return any(v is not None and self.variant_values(v) for v in variants)

    def uses(self, variable: str) -> bool:
        return (
            "{" + variable + "." in self.path
            or any(value.startswith(variable + ".") for _, value in self.fk_fields)
            or (self.owner_source or "").startswith(variable + ".")
        )


@dataclass(frozen=True)
class ColumnRule:
    """What a column's values must be beside its type and length: the patterns of a text, and
    the bounds of a number, that a `CHECK` and the spec's fields for it set."""

    patterns: tuple[str, ...] = ()
    max_length: int | None = None
    min_length: int = 0
    minimum: float | None = None  # the least value a number may take
    maximum: float | None = None  # the greatest
    choices: tuple[str, ...] = ()  # the texts a CHECK lists (`status IN ('a', 'b')`)
    example: JsonValue = None  # a JSON column's value as the spec's answers shape it

    def joined(self, other: ColumnRule) -> ColumnRule:
        """Both rules at once."""
        lows = [b for b in (self.minimum, other.minimum) if b is not None]
        highs = [b for b in (self.maximum, other.maximum) if b is not None]
        lengths = [n for n in (self.max_length, other.max_length) if n is not None]
        choices = self.choices or other.choices
        if self.choices and other.choices:
            choices = tuple(c for c in self.choices if c in other.choices)
        return ColumnRule(
            (*self.patterns, *other.patterns),
            min(lengths, default=None),
            max(self.min_length, other.min_length),
            max(lows, default=None),
            min(highs, default=None),
            choices,
            self.example if self.example is not None else other.example,
        )


_NUMBERS = ("int", "float", "decimal.Decimal")


def column_rules(
    modules: list[tuple[TablePlan, tuple[ClassPlan, ...]]],
    known: dict[str, ColumnRule] | None = None,
) -> dict[str, ColumnRule]:
    """By `table.column`: the spec's pattern, length and range bounds of the fields that
    carry a column (a field of its domain's classes named as the column's attribute), with
    those of the table's CHECKs, and the rules `known` otherwise (a path parameter's
    pattern, a JSON column's value). A response model validates each row it answers against
    the spec's, a path parameter takes only what its pattern admits, and the database
    refuses a row against its own: the tests' rows keep them all."""
    rules: dict[str, ColumnRule] = dict(known or {})
    for table, classes in modules:
        checks = _check_rules(table)
        for column in table.columns:
            if column.enum_name or column.py_type not in ("str", *_NUMBERS):
                continue
            said = [
                f.constraints
                for c in classes
                for f in c.fields
                # a value in a wire format of its own (a decimal string) is held by it
                if f.name == column.attr and f.annotation.plain == f.annotation
            ]
            rule = checks.get(column.name, ColumnRule())
            for keywords in said:
                rule = rule.joined(_field_rule(keywords))
            if rule != ColumnRule():
                key = f"{table.name}.{column.name}"
                rules[key] = rules.get(key, ColumnRule()).joined(rule)
    return rules


def schema_rule(schema: Schema) -> ColumnRule:
    """The rule a text schema sets: its pattern and lengths."""
    return ColumnRule(
        (schema.pattern,) if schema.pattern else (),
        schema.max_length,
        schema.min_length or 0,
    )


def _field_rule(keywords: tuple[Keyword, ...]) -> ColumnRule:
    """The rule a field's `Field(...)` keywords set; the generator's own (a 64-bit range)
    are no rule of the spec's."""
    values = {k.key: k.value for k in keywords if not k.implied}

    def number(key: str, step: int) -> float | None:
        value = values.get(key)
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            return None
        bound = float(value) if isinstance(value, Decimal) else value
        return bound + step if key in ("gt", "lt") else bound

    low = number("ge", 0) if "ge" in values else number("gt", 1)
    high = number("le", 0) if "le" in values else number("lt", -1)
    pattern, most, least = values.get("pattern"), values.get("max_length"), values.get("min_length")
    return ColumnRule(
        (pattern,) if isinstance(pattern, str) else (),
        most if isinstance(most, int) else None,
        least if isinstance(least, int) else 0,
        low,
        high,
    )


def _check_rules(table: TablePlan) -> dict[str, ColumnRule]:
    """column -> the rule its table's CHECKs set: a `column ~ 'regex'`, the texts of a
    `column IN (...)`, and the bounds of their comparisons (see `model.bounds.check_ranges`;
    a strict end is taken one in)."""
    found: dict[str, ColumnRule] = {}
    for check in table.checks:
        for column, pattern in check_patterns(check.postgres).items():
            found[column] = found.get(column, ColumnRule()).joined(ColumnRule((pattern,)))
        for column, listed in check_choices(check.postgres).items():
            found[column] = found.get(column, ColumnRule()).joined(ColumnRule(choices=listed))
        for column, narrowed in check_ranges(check.postgres).items():
            low, high = narrowed.low, narrowed.high
            rule = ColumnRule(
                minimum=float(low.value + low.strict) if low else None,
                maximum=float(high.value - high.strict) if high else None,
            )
            found[column] = found.get(column, ColumnRule()).joined(rule)
    return found


def _py_value(
    column: ColumnPlan,
    enum_values: dict[str, tuple[str, ...]],
    rule: ColumnRule = ColumnRule(),
    rank: int = 0,
    checks: tuple[CheckPlan, ...] = (),
    *,
    alone: bool = False,
) -> str:
    """A factory's value for `column`, as source; `rank` columns (a CHECK's `closes_at >
    opens_at`) come before it, so it is that many steps later than theirs; a numbered text
    is upper- or lower-cased where a CHECK wants it so (`sku = upper(sku)`). An integer that
    is a key on its own (`alone`, the client's to give) counts from half its type's top, far
    from the small numbers the tests' requests and schemathesis send, which it would meet."""
    kind = column.py_type
    top = column.holds.high if column.holds is not None else None
    if alone and kind == "int" and rule.maximum is None and top is not None:
        start = max(int(top.value) // 2, int(rule.minimum or 0))
        return f"{start} + n"
    if column.enum_name:
        return repr(enum_values[column.enum_name][0])
    if kind == "str":
        lengths = [n for n in (_length(column.sa_type), rule.max_length) if n is not None]
        length = min(lengths, default=None)

        def fits(text: str) -> bool:
            return rule.min_length <= len(text) <= (length or len(text)) and all(
                re.search(p, text) for p in rule.patterns
            )

        listed = tuple(c for c in rule.choices if fits(c))
        if listed:  # a CHECK's list: its texts in turn
            return f"{listed!r}[n % {len(listed)}]"
        numbered = f"{column.name.replace('_', '-').lower()}-1"
        if rule.patterns and not fits(numbered[:length] if length else numbered):
            # patterns the numbered value would break: the nth string of the pattern's
            # slots, different for each row; else values matching it, taken in turn
            slots = pattern_slots(rule.patterns[0], fits, length)
            if slots:
                return f"_patterned({slots_source(slots)}, n)"
            values = tuple(v for v in _matching(rule.patterns[0], length) if fits(v))
            if values:
                return f"{values!r}[n % {len(values)}]"
        base = f'f"{column.name.replace("_", "-").lower()}-{{n}}"'
        if rule.min_length > len(numbered):
            base += f'.ljust({rule.min_length}, "x")'
            numbered = numbered.ljust(rule.min_length, "x")
        value = f"{base}[:{length}]" if length else base
        sample = numbered[:length] if length else numbered
        kept = kept_text(checks, column.name, sample)
        if kept is not None and kept != sample:
            value += ".upper()" if kept == sample.upper() else ".lower()"
        return value
    if kind in _NUMBERS and (rule.minimum is not None or rule.maximum is not None):
        return _bounded(kind, rule.minimum, rule.maximum)
    n = f"n + {rank}" if rank else "n"
    return {
        "uuid.UUID": "uuid.uuid4()",
        "int": n,
        "float": f"float({n})",
        "decimal.Decimal": f"decimal.Decimal({n})",
        "bool": "True",
        "datetime.date": f"datetime.date(2024, 1, 1) + datetime.timedelta(days={n})",
        "datetime.time": f"datetime.time({10 + rank}, n % 60)",
        "datetime.datetime": "datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)"
        + (
            f" + datetime.timedelta(days={rank}, minutes=n)"
            if rank
            else " + datetime.timedelta(minutes=n)"
        ),
        "JsonValue": repr(rule.example) if rule.example is not None else "{}",
        "bytes": 'b"example"',
    }[kind]


def _bounded(kind: str, low: float | None, high: float | None) -> str:
    """A number within [low, high] that changes with `n` (within the range, if it is short)."""
    start = int(low) if low is not None and low == int(low) else None
    if start is None:
        start = int(low) + 1 if low is not None else 1
    if high is not None and high >= start:
        # from the top down: the tests' requests take values from the bottom up
        value = f"{int(high)} - n % {int(high) - start + 1}"
    else:
        value = f"{start} + n" if start != 0 else "n"
    return {"int": value, "float": f"float({value})"}.get(kind, f"decimal.Decimal({value})")


def _matching(pattern: str, length: int | None, wanted: int = 64) -> tuple[str, ...]:
    """Distinct strings (within `length`) that `pattern` matches, from the regex walker:
    enough that rows made together differ (the statement-count tests make 25 under one parent,
    and every factory call, parents' too, takes the next number)."""
    found: dict[str, None] = {}
    for variant in range(wanted * 10):
        try:
            value = pattern_example(pattern, variant=variant)
        except NoExampleError:
            return ()
        if (length is None or len(value) <= length) and re.search(pattern, value):
            found[value] = None
        if len(found) == wanted:
            break
    return tuple(found)


def _length(sa_type: str) -> int | None:
    if sa_type.startswith("sa.String(") and sa_type != "sa.String()":
        return int(sa_type.removeprefix("sa.String(").rstrip(")"))
    return None


def factory_name(table: TablePlan) -> str:
    """The test factory that makes one row of `table`: `make_book`."""
    return f"make_{snake(table.class_name)}"


def plan_factories(
    tables: dict[str, TablePlan],
    enum_values: dict[str, tuple[str, ...]],
    packages: dict[str, str],
    rules: dict[str, ColumnRule] | None = None,
) -> tuple[FactoryPlan, ...]:
    """A factory per table; its values keep `rules` (by `table.column`, see `column_rules`)."""
    rules = rules or {}
    factories = []
    for name, table in tables.items():
        columns = []
        for column in table.columns:
            key = next((fk for fk in table.foreign_keys if fk.columns == (column.name,)), None)
            if (
                column.autoincrement
                or (column.server_default and not key)
                or (column.primary_key and column.python_default)
            ):
                continue
            if key is not None and key.target_table in tables and key.target_table != name:
                target = tables[key.target_table]
                columns.append(
                    FactoryColumn(
                        attr=column.attr,
                        value="",
                        parent=factory_name(tables[key.target_table]),
                        parent_attr=target.column(key.target_columns[0]).attr,
                    )
                )
            elif column.nullable:
                continue
            else:
                rule = rules.get(f"{table.name}.{column.name}")
                if rule is None:  # a table no domain serves: its CHECKs alone
                    rule = _check_rules(table).get(column.name, ColumnRule())
                rank = table.rank(column.name)
                alone = (column.attr,) in table.unique_keys
                value = _py_value(column, enum_values, rule, rank, table.checks, alone=alone)
                columns.append(FactoryColumn(column.attr, value))
        factories.append(
            FactoryPlan(table=table, function=factory_name(table), columns=tuple(columns))
        )
    return tuple(factories)


ABSENT_UUID = "00000000-0000-4000-8000-000000000000"


def _other_subject(owner: ColumnPlan | None) -> str:
    """A token subject (as source) that owns none of the test's rows, of the owner column's
    type: a new UUID, or for an integer owner the greatest its type holds but one."""
    if owner is None or owner.py_type != "int":
        return "str(uuid.uuid4())"
    high = owner.type_holds.high if owner.type_holds else None
    return repr(str(int(high.value) - 1 if high else 2**31 - 2))


def _crosses(parameter: Parameter, table: TablePlan, attr: str, api: ApiModel) -> bool:
    """Whether the column behind `attr` holds values `parameter` takes (see model.wire)."""
    column = next(c for c in table.columns if c.attr == attr)
    decided = conversion(api.resolve(parameter.schema_), column.design)
    return decided.crossing is not Crossing.REFUSED


def _absent_path(
    path: str,
    values: dict[str, str],
    table: TablePlan,
    attrs: tuple[str, ...],
    schemas: dict[str, Schema],
) -> str | None:
    """`path` filled from `values`, but with a key no row has wherever a value is the test
    row's `attrs` (`{row.<attr>}`), one its parameter's schema (in `schemas`) takes; None
    when nothing was replaced."""
    replaced = False
    for wire, value in values.items():
        attr = value.removeprefix("{row.").removesuffix("}") if value.startswith("{row.") else None
        if attr in attrs:
            column = next(c for c in table.columns if c.attr == attr)
            absent = _absent_key(column, schemas[wire])
            if absent is None:
                return None
            value, replaced = absent, True
        path = path.replace("{" + wire + "}", value)
    return path if replaced else None


# an integer key a parameter bounds below this may be taken by the rows the tests make
_ROOM_FOR_TEST_ROWS = 100_000


def takes_few_keys(schema: Schema, api: ApiModel) -> bool:
    """Whether a path parameter's bound leaves out keys the tests' rows may have (`orderId`
    of 1 to 5, while the rows made before count past it): such a row cannot be reached."""
    maximum = api.resolve(schema).maximum
    return maximum is not None and maximum < _ROOM_FOR_TEST_ROWS


def _absent_key(column: ColumnPlan, schema: Schema) -> str | None:
    """A key no test row has, in the form the path parameter takes: far from the numbers
    and pattern expansions the factories count through. None where the parameter takes
    too few keys for one to be surely free (`orderId` of 1 to 5)."""
    if column.py_type == "uuid.UUID":
        return ABSENT_UUID
    if column.py_type == "int":  # the greatest the parameter and the column take
        highs = [999999999]
        if column.type_holds is not None and column.type_holds.high is not None:
            highs.append(int(column.type_holds.high.value))
        if schema.maximum is not None:
            highs.append(int(schema.maximum))
        return str(min(highs)) if min(highs) >= _ROOM_FOR_TEST_ROWS else None
    if schema.pattern:
        return quote(pattern_example(schema.pattern, variant=7919), safe="")
    return "absent-row"


def plan_tests(
    op: OperationPlan,
    spec: Operation,
    api: ApiModel,
    variant: int,
    tables: dict[str, TablePlan],
    packages: dict[str, str],
    owner: ColumnPlan | None = None,
    owned_parent: OwnedParent | None = None,
    classes: dict[str, ClassPlan] | None = None,
    list_parents: tuple[str, ...] = (),
    bypass_role: str | None = None,
) -> TestPlan | None:
    """The request that exercises `op`, or None when no valid request can be built.
    `variant` differs per operation, so unique columns get different example values.
    A create gets fresh parent rows; other operations work on a row of their own table.
    `classes` (by name) tell where a body would name `owner`, the owned table's owner column.
    Under an `owned_parent`, the caller is the parent's owner (a list's row is made to be the
    parent owner's too). A list under `list_parents` (attributes of its table) gets a URL
    whose parent is missing, for a 404."""
    values: dict[str, str] = {}
    setup: dict[str, str] = {}
    path_owner: str | None = None  # the owner a create's path names, as source
    creates = op.kind is OperationKind.CREATE
    table = op.table

    def parent(attr: str) -> str | None:
        """`<attr>_parent.<key>`: a new row of the table that column `attr` points at."""
        if table is None:
            return None
        column = next((c for c in table.columns if c.attr == attr), None)
        key = next((k for k in table.foreign_keys if column and k.columns == (column.name,)), None)
        if key is None or key.target_table not in tables:
            return None
        target = tables[key.target_table]
        setup[f"{attr}_parent"] = factory_name(target)
        return f"{attr}_parent.{target.column(key.target_columns[0]).attr}"

    if (
        table is not None
        and not creates
        and (op.key or op.parents or op.kind is not OperationKind.CUSTOM)
    ):
        setup["row"] = factory_name(table)
    headers: list[tuple[str, str]] = []
    query: list[tuple[str, str | list[str]]] = []
    for parameter in spec.parameters:
        if parameter.location.value == "header" and parameter.required:
            if parameter.name.lower() == "idempotency-key":
                headers.append((parameter.name, "str(uuid.uuid4())"))
            else:
                try:
                    headers.append(
                        (
                            parameter.name,
                            repr(str(example(parameter.schema_, api, variant=variant))),
                        )
                    )
                except NoExampleError:
                    return None
        if op.key_query is not None and parameter.name == op.key_query.wire:
            continue  # the row's key, sent after the other query parameters
        if parameter.location.value == "query" and parameter.required:
            try:
                query.append((parameter.name, _query_value(example(parameter.schema_, api))))
            except NoExampleError:
                return None
        if parameter.location.value != "path":
            continue
        python = next((p.name for p in op.params if p.wire == parameter.name), None)
        bound = dict((*op.parents, *((op.key,) if op.key else ())))
        if (
            python in bound
            and table is not None
            and not _crosses(parameter, table, bound[python], api)
        ):
            python = None  # no row's key is a value the parameter takes: a stub's example
        if op.key and python == op.key[0]:
            if takes_few_keys(parameter.schema_, api):
                return None  # the test row's key may be past what the parameter takes
            values[parameter.name] = f"{{row.{op.key[1]}}}"
        else:
            attr = dict(op.parents).get(python or "")
            source = None if attr is None else parent(attr) if creates else f"row.{attr}"
            if source is not None:
                values[parameter.name] = "{" + source + "}"
                continue
            # a value the parameter takes; for a create, also a parent column that refers to
            # no table (the owner's, where the path names it: the caller is that owner)
            try:
                value = example(parameter.schema_, api)
            except NoExampleError:
                return None
            segment = _path_segment(value)
            if not segment:
                return None  # an empty segment would not reach the route
            values[parameter.name] = segment
            if owner is not None and attr == owner.attr:
                path_owner = repr(str(value))
    # the required query parameters, braces doubled for the f-string the URL is built in
    query_string = (
        "?" + urlencode(query, doseq=True).replace("{", "{{").replace("}", "}}") if query else ""
    )
    path = op.path
    for wire, value in values.items():
        path = path.replace("{" + wire + "}", value)
    path += query_string
    key_query = (op.key_query.wire, op.key[1]) if op.key_query and op.key else None
    if key_query is not None:
        path += ("&" if query else "?") + f"{key_query[0]}={{row.{key_query[1]}}}"
    # the same request for a row that does not exist (404): its key, or a list's parent
    absent_rows: tuple[str, ...] = ()
    if op.key and op.kind in (
        OperationKind.GET,
        OperationKind.UPDATE,
        OperationKind.REPLACE,
        OperationKind.DELETE,
    ):
        absent_rows = (op.key[1],)
    elif op.kind is OperationKind.LIST:
        absent_rows = list_parents
    schemas = {p.name: api.resolve(p.schema_) for p in spec.parameters}
    missing = _absent_path(op.path, values, table, absent_rows, schemas) if table else None
    if missing is not None:
        missing += query_string
    elif key_query is not None and table is not None and key_query[1] in absent_rows:
        column = next(c for c in table.columns if c.attr == key_query[1])
        absent = _absent_key(column, schemas[key_query[0]])
        if absent is not None:
            missing = f"{op.path}{query_string}{'&' if query else '?'}{key_query[0]}={absent}"
    body: JsonLiteral | None = None
    sent_object = False  # whether the body is an object (JSON, or a form's fields)
    sent_attrs: set[str] = set()  # the columns the body fills, for a create
    files: tuple[str, ...] = ()
    fk_fields: list[tuple[str, str]] = []
    if op.body.media == "raw":
        # bytes the service reads itself: any that parse will do, in the spec's media type
        headers.append(("Content-Type", repr(op.body.raw_sample[0])))
    elif spec.request_body and spec.request_body.body.schema_:
        schema = spec.request_body.body.schema_
        try:
            # a variant per operation, so unique columns get different values per test
            data = example(schema, api, variant=variant)
        except NoExampleError:
            return None
        if isinstance(data, dict) and table is not None:
            data = _unique_values(data, op, table, schema, api, variant)
        if op.body.media == "multipart" and isinstance(data, dict):
            files = tuple(
                prop.name
                for prop in api.object_properties(schema)
                if is_file(api.resolve(prop.schema_)) and (prop.required or prop.name in data)
            )
            data = {wire: value for wire, value in data.items() if wire not in files}
        body = JsonLiteral(data)
        sent_object = isinstance(data, dict)
        if isinstance(data, dict):
            written = dict(op.body.attrs)
            sent_attrs |= {
                written[field_name(wire)]
                for wire, value in data.items()
                if value is not None and field_name(wire) in written
            }
        if op.table is not None and op.kind is not OperationKind.CUSTOM and isinstance(data, dict):
            for wire in data:
                field = next((f for f, _ in op.body.attrs if f == field_name(wire)), None)
                if field and any(
                    fk.columns == (c.name,)
                    for fk in op.table.foreign_keys
                    for c in op.table.columns
                    if c.attr == field
                ):
                    source = parent(field) if creates else f"row.{field}"
                    if source is not None:
                        fk_fields.append((wire, source))
    expected = op.status if op.kind is not OperationKind.CUSTOM else 501
    owner_source = f"row.{owner.attr}" if owner and "row" in setup else None
    lookup = None
    if owned_parent is not None and creates and owned_parent.variable in setup:
        owner_source = f"{owned_parent.variable}.{owned_parent.owner}"
    elif owned_parent is not None and op.kind is OperationKind.LIST and "row" in setup:
        lookup = owned_parent
        if owner_source is None:
            owner_source = f"{owned_parent.variable}.{owned_parent.owner}"
    owner_field: tuple[str, ...] = ()
    if (
        owner is not None
        and op.table is not None
        and (creates or (op.kind in (OperationKind.UPDATE, OperationKind.REPLACE) and owner_source))
        and sent_object
    ):
        owner_field = _owner_field(op, owner, classes or {})
    planned = TestPlan(
        op=op,
        setup=tuple(setup.items()),
        path=path,
        body=body,
        fk_fields=tuple(fk_fields),
        expected=expected,
        missing_path=missing,
        headers=tuple(headers),
        files=files,
        owner_source=owner_source,
        # a create's caller owns what it makes: the owner its path names, else one of the
        # owner's type (an integer owner is a subject read as a number)
        owner_in_path=path_owner is not None,
        caller=path_owner
        or ("1" if creates and owner_source is None and owner and owner.py_type == "int" else None),
        other_owner=_other_subject(owner),
        owner_field=owner_field,
        lookup=lookup,
        parent_made_owners=bool(lookup and owner),
        repeats_a_unique_key=creates
        and table is not None
        and any(
            set(key)
            <= sent_attrs | {attr for _, attr in op.parents} | ({owner.attr} if owner else set())
            for key in table.unique_keys
        ),
        bypass_role=bypass_role,
    )
    if not op.key or len(op.key_lookup) < 2 or op.kind is OperationKind.CUSTOM:
        return planned
    named = "{row." + op.key[1] + "}"
    return dataclasses.replace(
        planned,
        lookups=tuple(
            (attr, dataclasses.replace(planned, path=path.replace(named, "{row." + attr + "}")))
            for attr, _ in op.key_lookup[1:]
        ),
    )


def _unique_values(
    data: dict[str, JsonValue],
    op: OperationPlan,
    table: TablePlan,
    schema: Schema,
    api: ApiModel,
    variant: int,
) -> dict[str, JsonValue]:
    """`data` with each field a unique key holds (its foreign keys aside) given a value of
    this request's own, so two tests' rows do not collide on it, each number one its column
    holds (see `held`), each text in the case a CHECK wants (`kept_text`), and each value a
    CHECK orders after another after it (`in_order`)."""
    unique = {attr for key in table.unique_keys for attr in key}
    keys = {c.attr for c in table.columns for fk in table.foreign_keys if fk.columns == (c.name,)}
    written = dict(op.body.attrs)
    schemas = {p.name: p.schema_ for p in api.object_properties(schema)}
    varied = dict(data)
    for wire, value in data.items():
        attr = written.get(field_name(wire))
        scalar = value is not None and not isinstance(value, dict | list)
        if attr in unique and attr not in keys and wire in schemas and scalar:
            varied[wire] = unique_example(schemas[wire], api, variant)
        column = next((c for c in table.columns if c.attr == attr), None)
        kept = held(varied[wire], column.holds if column else None)
        if column is not None and isinstance(kept, str):
            kept = kept_text(table.checks, column.name, kept) or kept
        varied[wire] = kept
    if not table.orders:
        return varied
    names = {c.attr: c.name for c in table.columns}
    by_column = {names[a]: w for w in varied if (a := written.get(field_name(w))) in names}
    placed = in_order({name: varied[wire] for name, wire in by_column.items()}, table.orders)
    return varied | {wire: placed[name] for name, wire in by_column.items()}


def _owner_field(
    op: OperationPlan, owner: ColumnPlan, classes: dict[str, ClassPlan]
) -> tuple[str, ...]:
    """Where a body of `op` would name the row's owner: the request's property for the owner
    column, else the response's, else the column's name in camelCase; inside the wrapping
    field of a wrapped body."""
    prefix: tuple[str, ...] = ()
    body = classes.get(op.body.class_name or "")
    if body is not None and op.body.wrapper:
        wrapper = next(f for f in body.fields if f.name == op.body.wrapper)
        prefix = (wrapper.wire,)
        body = classes.get(wrapper.annotation.class_name or "")
    for cls in (body, classes.get(op.item_class or "")):
        found = next((f for f in cls.fields if f.name == owner.attr), None) if cls else None
        if found is not None:
            return (*prefix, found.wire)
    return (*prefix, camel(owner.name))


def _query_value(value: JsonValue) -> str | list[str]:
    """An example value as a query parameter: a list repeats the parameter (`form` style)."""
    if isinstance(value, list):
        return [_text(item) for item in value]
    return _text(value)


def _text(value: JsonValue) -> str:
    """A value as OpenAPI's `simple`/`form` styles spell it without exploding."""
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    if isinstance(value, dict):
        return ",".join(f"{key},{_text(item)}" for key, item in value.items())
    return str(value).lower() if isinstance(value, bool) else str(value)


def _path_segment(value: JsonValue) -> str:
    """An example value as one path segment (OpenAPI's `simple` style), percent-encoded, with
    braces doubled for the f-string the test builds its URL in."""
    return quote(_text(value), safe=",").replace("{", "{{").replace("}", "}}")


def enum_values_of(tables: dict[str, TablePlan]) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for table in tables.values():
        for name, values in table.enums:
            found[name] = values
    return found
