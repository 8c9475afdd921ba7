"""The numbers a column holds: its type's range (a smallint, integer or bigint; a numeric's
precision and scale) narrowed by what its table's CHECKs allow (`price > 0`, `rating BETWEEN
1 AND 5`, such comparisons joined by AND). Read by the RFIs (a spec that admits more), the
request models (which refuse it with a field-level 422) and the tests' values (which keep it).
Also the orders CHECKs set between two columns (`closes_at > opens_at`), and the texts a
CHECK lists (`status IN ('open', 'closed')`), which the tests' rows and requests keep.

CHECKs are parsed with sqlglot; a CHECK that is not a plain comparison of one column with a
number (an OR, a function, two columns) narrows nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlglot
from sqlglot import expressions

from gen_backend.model.schema import Column, ColumnType, Table

# the values each integer type holds (PostgreSQL's smallint, integer and bigint)
_INTEGER_BITS = {ColumnType.SMALLINT: 15, ColumnType.INTEGER: 31, ColumnType.BIGINT: 63}


@dataclass(frozen=True)
class Bound:
    value: Decimal
    strict: bool = False  # `>`/`<`: the value itself is out


@dataclass(frozen=True)
class Range:
    """The numbers a column holds; an end that is None is open."""

    low: Bound | None = None
    high: Bound | None = None
    step: Decimal | None = None  # the least difference the column keeps (1: integers only)

    def narrowed(self, other: Range) -> Range:
        """The values both ranges hold."""
        steps = [s for s in (self.step, other.step) if s is not None]
        return Range(
            _tighter(self.low, other.low, below=True),
            _tighter(self.high, other.high, below=False),
            max(steps, default=None),
        )

    def admits(self, value: Decimal) -> bool:
        low, high = self.low, self.high
        if low is not None and (value < low.value or (low.strict and value == low.value)):
            return False
        return high is None or not (value > high.value or (high.strict and value == high.value))

    @property
    def sendable(self) -> Range:
        """The values a request may send for the column to hold them once stored. A column
        that keeps a step (an integer's 1, a numeric's scale) rounds to it, so a strict end
        is taken a step in, half of one for a numeric (`price > 0` in numeric(10, 2): at
        least 0.005, which rounds to 0.01)."""
        return Range(_inward(self.low, self.step, 1), _inward(self.high, self.step, -1), self.step)

    @property
    def least(self) -> Decimal | None:
        """The least value it holds that a test may send (a strict end: one step in), or
        None when it is open below."""
        if self.low is None:
            return None
        if not self.low.strict:
            return self.low.value
        value = self.low.value + (self.step or Decimal("0.01"))
        if self.high is not None and not self.admits(value):
            return (self.low.value + self.high.value) / 2
        return value


def _inward(end: Bound | None, step: Decimal | None, direction: int) -> Bound | None:
    if end is None or step is None or not end.strict:
        return end
    return Bound(end.value + direction * (step if step == 1 else step / 2))


def _tighter(first: Bound | None, second: Bound | None, *, below: bool) -> Bound | None:
    if first is None or second is None:
        return first or second
    if first.value != second.value:
        higher = first if first.value > second.value else second
        lower = second if higher is first else first
        return higher if below else lower
    return Bound(first.value, first.strict or second.strict)


def type_range(column: Column) -> Range | None:
    """What the column's type holds, or None for a type with no range of its own (a float, a
    numeric without precision, any non-number)."""
    bits = _INTEGER_BITS.get(column.type)
    if bits is not None:
        return Range(Bound(Decimal(-(2**bits))), Bound(Decimal(2**bits - 1)), Decimal(1))
    if column.type is ColumnType.NUMERIC and column.precision is not None:
        scale = column.scale or 0
        # numeric(10, 2) holds 8 digits before the point: 99999999.99 at most
        top = Decimal(10) ** (column.precision - scale) - Decimal(10) ** -scale
        return Range(Bound(-top), Bound(top), Decimal(10) ** -scale)
    return None


def column_range(table: Table, column: Column) -> Range | None:
    """What `column` holds: its type's range narrowed by its table's CHECKs; None when
    neither bounds it."""
    found = type_range(column)
    for check in table.checks:
        narrowed = check_ranges(check.expression).get(column.name)
        if narrowed is not None:
            found = narrowed if found is None else found.narrowed(narrowed)
    return found


def check_ranges(expression: str) -> dict[str, Range]:
    """column -> the range a CHECK's comparisons (joined by AND) hold it to."""
    found: dict[str, Range] = {}
    for part in _parts(expression):
        compared = _comparison(part)
        if compared is not None:
            name, narrowed = compared
            found[name] = found[name].narrowed(narrowed) if name in found else narrowed
    return found


@dataclass(frozen=True)
class Order:
    """A CHECK's `later > earlier` (or `>=`): a row's `later` value comes after its `earlier`."""

    later: str
    earlier: str
    strict: bool


def column_orders(table: Table) -> tuple[Order, ...]:
    """The orders its table's CHECKs set between two of its columns."""
    found: list[Order] = []
    for check in table.checks:
        for part in _parts(check.expression):
            kind = _COMPARISONS.get(type(part))
            if kind is None or not isinstance(part, expressions.Binary):
                continue
            left, right = _column(part.this), _column(part.expression)
            if left is None or right is None or left == right:
                continue
            above, strict = kind  # `left > right`: left is the later one
            found.append(Order(left, right, strict) if above else Order(right, left, strict))
    return tuple(found)


def check_choices(expression: str) -> dict[str, tuple[str, ...]]:
    """column -> the texts a CHECK allows it: `column IN ('a', 'b')`, or PostgreSQL's own
    spelling of it, `column = ANY (ARRAY['a', 'b'])`."""
    found: dict[str, tuple[str, ...]] = {}
    for part in _parts(expression):
        name, listed = None, []
        if isinstance(part, expressions.In):
            name, listed = _column(part.this), list(part.expressions)
        elif isinstance(part, expressions.EQ):
            any_of = _bare(part.expression)
            array = _bare(any_of.this) if isinstance(any_of, expressions.Any) else None
            if isinstance(array, expressions.Array):
                name, listed = _column(part.this), list(array.expressions)
        texts = [_text(item) for item in listed]
        if name is not None and texts and all(t is not None for t in texts):
            found[name] = tuple(t for t in texts if t is not None)
    return found


def check_patterns(expression: str) -> dict[str, str]:
    """column -> the regular expression a CHECK holds it to: `column ~ 'regex'`."""
    found: dict[str, str] = {}
    for part in _parts(expression):
        if isinstance(part, expressions.RegexpLike):
            name, pattern = _column(part.this), _text(part.expression)
            if name is not None and pattern is not None:
                found[name] = pattern
    return found


def _text(node: object) -> str | None:
    node = _bare(node)
    return node.this if isinstance(node, expressions.Literal) and node.is_string else None


def _parts(expression: str) -> list[object]:
    """The conditions a CHECK joins with AND; none where sqlglot cannot read it."""
    try:
        return _conjuncts(sqlglot.parse_one(expression, read="postgres"))
    except sqlglot.errors.SqlglotError:
        return []


def _conjuncts(node: object) -> list[object]:
    node = _bare(node)
    if isinstance(node, expressions.And):
        return [*_conjuncts(node.left), *_conjuncts(node.right)]
    return [node]


_COMPARISONS: dict[type, tuple[bool, bool]] = {  # (a lower bound?, strict?)
    expressions.GT: (True, True),
    expressions.GTE: (True, False),
    expressions.LT: (False, True),
    expressions.LTE: (False, False),
}


def _comparison(node: object) -> tuple[str, Range] | None:
    """(column, range) of `column op number`, `number op column` or `column BETWEEN a AND b`."""
    if isinstance(node, expressions.Between):
        name, low, high = _column(node.this), _number(node.args["low"]), _number(node.args["high"])
        if name is None or low is None or high is None:
            return None
        return name, Range(Bound(low), Bound(high))
    kind = _COMPARISONS.get(type(node))
    if kind is None or not isinstance(node, expressions.Binary):
        return None
    above, strict = kind
    name, number = _column(node.this), _number(node.expression)
    if name is None or number is None:  # `0 < price`: the column on the right, reversed
        name, number, above = _column(node.expression), _number(node.this), not above
    if name is None or number is None:
        return None
    bound = Bound(number, strict)
    return name, Range(low=bound) if above else Range(high=bound)


def _bare(node: object) -> object:
    """`node` without the parentheses and casts around it."""
    while isinstance(node, expressions.Paren | expressions.Cast):
        node = node.this
    return node


def _column(node: object) -> str | None:
    node = _bare(node)
    return node.name if isinstance(node, expressions.Column) else None


def _number(node: object) -> Decimal | None:
    node = _bare(node)
    if isinstance(node, expressions.Neg):
        inner = _number(node.this)
        return -inner if inner is not None else None
    if isinstance(node, expressions.Literal) and not node.is_string:
        return Decimal(node.this)
    return None
