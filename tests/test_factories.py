"""The generated tests' rows and requests keep to what the service checks and stores: a text
column the spec holds to a pattern (in a request or a response model) gets factory values
that match it, a new one for each row; a field a unique column holds gets a value of each
request's own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from gen_backend.accept import Accepted, accept
from gen_backend.model import ApiModel, Schema, SchemaType
from gen_backend.plan import plan_project
from gen_backend.plan.database import plan_column
from gen_backend.plan.examples import pattern_slots, slotted, unique_example
from gen_backend.plan.tests import FactoryPlan

from .conftest import SAMPLES

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.mark.parametrize(
    ("pattern", "longest"),
    [
        ("^[A-Z]{2}[0-9]{2,6}$", 8),
        ("^[0-9]{13}$", 13),
        ("^(foo|bar)-[0-9]+$", 20),
        (r"^\+?[1-9]\d{1,14}$", 16),
        ("^[A-Z0-9-]+$", 64),
    ],
)
def test_slots_make_a_different_matching_string_for_each_number(pattern: str, longest: int) -> None:
    slots = pattern_slots(pattern, lambda t: bool(re.search(pattern, t)), longest)
    assert slots is not None
    made = [slotted(slots, n) for n in range(5000)]
    assert len(set(made)) == len(made)
    assert all(re.search(pattern, t) and len(t) <= longest for t in made)


def test_a_pattern_no_string_can_be_walked_for_has_no_slots() -> None:
    assert pattern_slots(r"^(?=x)\d$", lambda t: bool(re.search(r"^(?=x)\d$", t))) is None


def _factories(sample: str) -> dict[str, FactoryPlan]:
    root = SAMPLES / sample if (SAMPLES / sample).is_dir() else FIXTURES / sample
    result = accept(root)
    assert isinstance(result, Accepted)
    plan = plan_project(result.model, result.rfis)
    planned = next(f for f in plan.files if f.path == "tests/factories.py").context["factories"]
    assert isinstance(planned, tuple)
    return {f.function: f for f in planned}


def test_a_column_the_spec_holds_to_a_pattern_gets_matching_values() -> None:
    """`isbn` is a `varchar(13)` the spec holds to `^[0-9]{13}$`: `isbn-<n>` would not do."""
    (isbn,) = [c for c in _factories("library")["make_book"].columns if c.attr == "isbn"]
    call = ast.parse(isbn.value, mode="eval").body
    assert isinstance(call, ast.Call)
    assert ast.unparse(call.func) == "_patterned"
    # the slots, runs of one slot written once with their count: `("0123456789",) * 13`
    assert ast.unparse(call.args[0]) == "('0123456789',) * 13"
    slots = ("0123456789",) * 13
    made = {slotted(slots, n) for n in range(1000)}
    assert len(made) == 1000
    assert all(re.fullmatch("[0-9]{13}", t) for t in made)


def test_slots_are_written_as_runs() -> None:
    from gen_backend.plan.tests import slots_source

    for slots, source in (
        (("AB", "AB", "0123456789", "AB"), "(*('AB',) * 2, '0123456789', 'AB')"),
        (("AB",) * 3, "('AB',) * 3"),
        (("AB",), "('AB',)"),
        (("01", "0123456789", ":"), "('01', '0123456789', ':')"),
    ):
        assert slots_source(slots) == source
        assert eval(source, {"__builtins__": {}}) == slots  # the source is a literal


def test_a_column_whose_numbered_value_already_matches_keeps_it() -> None:
    """`slug-<n>` keeps the tenants' `^[a-z0-9][a-z0-9-]*$` CHECK: no need for slots."""
    (slug,) = [c for c in _factories("tenants")["make_workspace"].columns if c.attr == "slug"]
    assert slug.value == 'f"slug-{n}"[:63]'


def test_a_unique_field_gets_a_value_of_each_requests_own() -> None:
    """`example` keeps an integer within three values and a format's value fixed: two tests'
    creates would repeat a unique column's value (a 409)."""
    api = ApiModel(title="t", version="1", openapi_version="3.1.0")
    number = Schema(types=(SchemaType.INTEGER,), minimum=4000000000, maximum=4999999999)
    assert len({unique_example(number, api, v) for v in (107, 114, 7107)}) == 3
    email = Schema(types=(SchemaType.STRING,), format="email")
    assert unique_example(email, api, 107) == "reader+107@example.com"
    small = Schema(types=(SchemaType.INTEGER,), minimum=1, maximum=3)
    assert unique_example(small, api, 10) in (1, 2, 3)  # within its bounds, if it must repeat


def test_a_key_column_that_refers_to_another_row_takes_that_rows_key() -> None:
    """`event_tags` is keyed by `event_id, tag_slug`, both foreign keys: the factory makes an
    event and a tag for each row, and the model generates no UUID of its own for `event_id`."""
    columns = {c.attr: c for c in _factories("events")["make_event_tag"].columns}
    assert (columns["event_id"].parent, columns["event_id"].parent_attr) == ("make_event", "id")
    assert (columns["tag_slug"].parent, columns["tag_slug"].parent_attr) == ("make_tag", "slug")
    design = accept(FIXTURES / "events")
    assert isinstance(design, Accepted)
    tables = {t.name: t for t in design.model.design.tables}
    event_id = next(c for c in tables["event_tags"].columns if c.name == "event_id")
    assert plan_column(tables["event_tags"], event_id).python_default is None
    event_key = next(c for c in tables["events"].columns if c.name == "id")
    assert plan_column(tables["events"], event_key).python_default == "uuid.uuid4"


def test_a_key_the_client_gives_counts_from_far_above_the_requests_numbers() -> None:
    """`accounts.id` is an integer key without a sequence: the factory's values start at half
    the column's top (2**30 - 1), where the tests' requests and schemathesis send no ids."""
    (key,) = [c for c in _factories("crm")["make_account"].columns if c.attr == "id"]
    assert key.value == f"{2**31 // 2 - 1} + n"
