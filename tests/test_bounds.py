"""What a number column holds (its type, its CHECKs), and how requests and tests keep to it."""

from decimal import Decimal

import pytest

from gen_backend.model.bounds import (
    Bound,
    Order,
    Range,
    check_choices,
    check_ranges,
    column_orders,
    column_range,
    type_range,
)
from gen_backend.model.schema import CheckConstraint, Column, ColumnType, Table
from gen_backend.plan.api import held_to
from gen_backend.plan.database import kept_text, plan_check, plan_table
from gen_backend.plan.examples import held, in_order
from gen_backend.plan.pytypes import Keyword
from gen_backend.plan.schemas import integer_range

PRICE = Column(name="price", type=ColumnType.NUMERIC, precision=10, scale=2)


def _table(*checks: str, column: Column = PRICE) -> Table:
    return Table(
        name="products",
        columns=(column,),
        checks=tuple(CheckConstraint(name=f"c{i}", expression=e) for i, e in enumerate(checks)),
    )


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("price > 0", {"price": Range(low=Bound(Decimal(0), strict=True))}),
        ("(0 <= price)", {"price": Range(low=Bound(Decimal(0)))}),
        (
            "(rating BETWEEN 1 AND 5)",
            {"rating": Range(Bound(Decimal(1)), Bound(Decimal(5)))},
        ),
        (
            "((price)::numeric >= (-2.5) AND price < 100) AND stock >= 0",
            {
                "price": Range(Bound(Decimal("-2.5")), Bound(Decimal(100), strict=True)),
                "stock": Range(low=Bound(Decimal(0))),
            },
        ),
        ("price > 0 OR price IS NULL", {}),  # not a plain conjunction: narrows nothing
        ("price > cost", {}),
        ("lower(code) = code", {}),
        ("not sql at all (", {}),
    ],
)
def test_checks_narrow_their_columns(expression: str, expected: dict[str, Range]) -> None:
    assert check_ranges(expression) == expected


def test_a_column_holds_its_type_narrowed_by_its_checks() -> None:
    assert type_range(Column(name="n", type=ColumnType.SMALLINT)) == Range(
        Bound(Decimal(-(2**15))), Bound(Decimal(2**15 - 1)), Decimal(1)
    )
    assert type_range(Column(name="n", type=ColumnType.FLOAT)) is None
    holds = column_range(_table("price > 0", "price <= 500"), PRICE)
    assert holds == Range(Bound(Decimal(0), strict=True), Bound(Decimal(500)), step=Decimal("0.01"))
    top = column_range(_table(), PRICE)
    assert top is not None
    assert top.high == Bound(Decimal("99999999.99"))


def test_a_strict_end_is_taken_in_by_what_the_column_rounds_to() -> None:
    holds = column_range(_table("price > 0"), PRICE)
    assert holds is not None
    # 0.004 is stored as 0.00, which the CHECK refuses; 0.005 as 0.01
    assert holds.sendable.low == Bound(Decimal("0.005"))
    assert not holds.sendable.admits(Decimal("0.004"))
    assert holds.least == Decimal("0.01")
    whole = Column(name="stock", type=ColumnType.INTEGER)
    counted = column_range(_table("stock > 0", column=whole), whole)
    assert counted is not None
    assert counted.sendable.low == Bound(Decimal(1))


def test_request_fields_keep_the_specs_bounds_and_gain_the_columns() -> None:
    holds = column_range(_table("price > 0"), PRICE)
    assert holds is not None
    # the spec's minimum stays (the served document keeps it); the CHECK's end is added
    held = held_to((Keyword("ge", Decimal("0.0")),), holds, whole=False)
    assert [str(k) for k in held] == ["ge=0.0", "gt=0.005", "le=99999999.99"]
    assert [k.number for k in held] == [Decimal(0), Decimal("0.005"), Decimal("99999999.99")]
    # the schemas' own 64-bit ends give way to a narrower type's, in place
    small = type_range(Column(name="n", type=ColumnType.SMALLINT))
    assert small is not None
    widest = tuple(integer_range(None, None, None, None))
    assert [str(k) for k in widest] == ["ge=-(2**63)", "le=2**63 - 1"]
    narrowed = held_to(widest, small, whole=True)
    assert [str(k) for k in narrowed] == ["ge=-(2**15)", "le=2**15 - 1"]
    assert held_to(narrowed, small, whole=True) == narrowed  # planned twice, same keywords
    # a spec as tight as the column is left alone
    spec = (Keyword("ge", 1), Keyword("le", 5))
    assert held_to(spec, small, whole=True) == spec


def test_test_values_are_moved_inside_what_the_column_holds() -> None:
    holds = column_range(_table("price > 0"), PRICE)
    assert held(0.0, holds) == 0.01
    assert held(12.5, holds) == 12.5
    assert held(1e12, holds) == 0.01
    assert held("0", holds) == "0"  # a decimal as text keeps its pattern's value
    assert held(True, holds) is True
    below = column_range(_table("price < 0"), PRICE)
    assert held(5.0, below) == -99999999.99


def test_checks_between_two_columns_order_them() -> None:
    table = _table(
        "closes_at > opens_at",
        "(starts_on <= ends_on) AND price > 0",
        "opens_at < closes_at AND price > cost",
        "price > 0 OR closes_at > opens_at",  # an OR orders nothing
    )
    assert column_orders(table) == (
        Order("closes_at", "opens_at", strict=True),
        Order("ends_on", "starts_on", strict=False),
        Order("closes_at", "opens_at", strict=True),
        Order("price", "cost", strict=True),
    )


def test_test_values_keep_the_order_a_check_sets() -> None:
    orders = (Order("b", "a", strict=True), Order("c", "b", strict=True))
    placed = in_order({"a": "10:30:00Z", "b": "10:30:00Z", "c": "09:00:00Z"}, orders)
    assert placed == {"a": "10:30:00Z", "b": "11:30:00+00:00", "c": "12:30:00+00:00"}
    days = in_order({"a": "2024-05-17", "b": "2024-05-17"}, (Order("b", "a", strict=False),))
    assert days == {"a": "2024-05-17", "b": "2024-05-17"}  # `>=`: equal is in order
    moments = in_order(
        {"a": "2024-05-17T10:30:00+00:00", "b": "2024-05-17T10:30:00+00:00", "n": 1, "m": 1},
        (Order("b", "a", strict=True), Order("m", "n", strict=True)),
    )
    assert moments == {
        "a": "2024-05-17T10:30:00+00:00",
        "b": "2024-05-18T10:30:00+00:00",
        "n": 1,
        "m": 2,
    }
    assert in_order({"a": "x", "b": "y"}, orders[:1]) == {"a": "x", "b": "y"}


def test_factories_make_a_later_column_later() -> None:
    columns = tuple(
        Column(name=name, type=ColumnType.TIMESTAMPTZ)
        for name in ("starts_at", "ends_at", "archived_at")
    )
    table = plan_table(
        Table(
            name="events",
            columns=columns,
            checks=(
                CheckConstraint(name="a", expression="ends_at > starts_at"),
                CheckConstraint(name="b", expression="archived_at >= ends_at"),
            ),
        ),
        "events",
    )
    assert [table.rank(c.name) for c in columns] == [0, 1, 2]


@pytest.mark.parametrize(
    "expression",
    [
        "visibility IN ('public', 'hidden')",
        # PostgreSQL's own spelling of it, as pg_dump writes it
        "(visibility)::text = ANY ((ARRAY['public'::character varying, "
        "'hidden'::character varying])::text[])",
    ],
)
def test_a_check_lists_the_texts_a_column_holds(expression: str) -> None:
    assert check_choices(expression) == {"visibility": ("public", "hidden")}


def test_a_text_takes_the_case_a_check_wants() -> None:
    checks = (
        plan_check("upper", "sku = upper(sku)"),
        plan_check("lower", "slug = lower(slug)"),
        plan_check("pair", "closes_at > opens_at"),  # another column: refuses nothing alone
    )
    assert kept_text(checks, "sku", "sku-1") == "SKU-1"
    assert kept_text(checks, "slug", "Slug-1") == "slug-1"
    assert kept_text(checks, "name", "Name-1") == "Name-1"
    assert kept_text((plan_check("no", "sku = 'never'"),), "sku", "sku-1") is None
