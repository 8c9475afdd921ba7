"""The plan of idempotency (which operations, the key table and its migration) and of the
error tests (which methods each URL is served with)."""

from __future__ import annotations

import base64
import dataclasses
from decimal import Decimal

from gen_backend.accept import Accepted, accept
from gen_backend.model import Schema, SchemaType
from gen_backend.plan import plan_project
from gen_backend.plan.project import ProjectPlan
from gen_backend.render import render_project

from .conftest import SAMPLES


def _plan(sample: str) -> ProjectPlan:
    result = accept(SAMPLES / sample)
    assert isinstance(result, Accepted)
    return plan_project(result.model, result.rfis)


def test_idempotent_operations_follow_the_handoff_and_the_spec() -> None:
    plan = _plan("orders")
    idempotent = {op.operation_id for op in plan.operations if op.idempotent}
    # creates by default, minus createCustomer (x-idempotent: false), plus capturePayment
    # (x-idempotent: true on a non-create POST); cancelOrder is switched off
    assert "createOrder" in idempotent
    assert "createPayment" in idempotent
    assert "capturePayment" in idempotent
    assert "createCustomer" not in idempotent
    assert "cancelOrder" not in idempotent


def test_the_key_table_comes_with_its_own_migration_after_the_plans_steps() -> None:
    plan = _plan("library")
    assert plan.idempotency is not None
    assert plan.idempotency.table == "idempotency_keys"
    assert plan.idempotency.down_revision == plan.revisions[-1].revision
    paths = {f.path for f in plan.files}
    assert {"app/core/idempotency.py", "migrations/versions/idempotency_keys.py"} <= paths
    assert "tests/test_idempotency.py" in paths


def test_a_retry_sends_other_values_through_the_same_request_builder() -> None:
    """An idempotent create's retry tests need rows of their own (other unique values): where
    only top-level body values tell their requests apart, they call the operation's builder
    with those values instead of a builder each."""
    planned = next(f for f in _plan("library").files if f.path == "tests/books/test_api.py")
    tests = planned.context["tests"]
    assert isinstance(tests, tuple)
    create = next(t for t in tests if t.op.operation_id == "createBook")
    assert len(create.retries) == 2
    assert create.varied
    values = [create.variant_values(retry) for retry in create.retries]
    assert all(v and "isbn" in v and "authorId" not in v for v in values)  # the key, made anew
    moved = dataclasses.replace(create.retries[0], path=create.path + "/elsewhere")
    assert create.variant_values(moved) is None  # another URL: a builder of its own
    text = render_project(_plan("library"))["tests/books/test_api.py"].text
    assert "_create_book_retry1_request" not in text
    assert "_create_book_request(session, isbn=" in text
    assert all(str(v["isbn"]) in text for v in values if v)


def test_every_project_counts_requests_for_its_rate_limit_after_the_key_table() -> None:
    """The rate limit is a setting (off by default), so its table is always there; its
    migration comes last."""
    library = _plan("library")
    assert library.idempotency is not None
    assert library.rate_limits.table == "rate_limits"
    assert library.rate_limits.down_revision == library.idempotency.revision
    assert library.service_tables == ("idempotency_keys", "rate_limits")
    paths = {f.path for f in library.files}
    assert {"app/core/rate_limit.py", "migrations/versions/rate_limits.py"} <= paths
    assert "tests/test_rate_limit.py" in paths
    for op in library.operations:
        assert "429" in [str(status) for status in op.problem_responses], op.operation_id


def test_the_service_tables_step_aside_for_the_designs_own() -> None:
    from gen_backend.plan.migrations import _service_table

    tables = {"rate_limits", "app_rate_limits"}
    found = _service_table("rate_limits", tables, ["0001_init", "rate_limits"])
    assert (found.table, found.revision) == ("gen_rate_limits", "app_rate_limits")
    assert found.down_revision == "rate_limits"
    first = _service_table("rate_limits", {}, [])
    assert (first.table, first.revision) == ("rate_limits", "rate_limits")
    assert first.down_revision is None


def test_a_literal_path_a_template_also_takes_serves_only_its_own_methods() -> None:
    """`/books/featured` also fits `/books/{bookId}`: the methods only the template has are
    refused there with a 405 (not a 422 for a `bookId` of "featured"), and the 405 tests
    expect the literal path's own methods; a templated URL's are every template's."""
    from dataclasses import replace

    from gen_backend.plan.test_targets import path_methods

    plan = _plan("library")
    get_book = next(op for op in plan.operations if op.operation_id == "getBook")
    literal = replace(get_book, path="/books/featured", method="get")
    found = dict(path_methods((*plan.operations, literal)))
    assert found["/books/featured"] == ("GET",)
    assert found["/books/00000000-0000-4000-8000-000000000000"] == ("DELETE", "GET", "PATCH", "PUT")
    assert found["/books"] == ("GET", "POST")
    books = next(api for api in plan.apis if get_book in api.operations)
    shadowed = replace(plan, apis=(replace(books, operations=(literal, *books.operations)),))
    assert shadowed.shadowed_paths == (
        ("/books/featured", ("DELETE", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")),
    )


def test_each_route_documents_every_error_the_app_answers() -> None:
    """The spec's own error responses first (with its descriptions), then those the generated
    code produces where the spec is silent."""
    plan = _plan("orders")
    by_id = {op.operation_id: op for op in plan.operations}
    statuses = {
        operation_id: [str(status) for status in by_id[operation_id].problem_responses]
        for operation_id in ("createProduct", "getProduct", "listCustomers")
    }
    # a create: a body, a permission, a mutation, an Idempotency-Key
    assert {"400", "401", "403", "409", "413", "415", "422", "500"} <= set(
        statuses["createProduct"]
    )
    # a get by key: no body, so no 413 or 415, and no 409 for a read
    assert {"401", "404", "500"} <= set(statuses["getProduct"])
    assert not {"409", "413", "415"} & set(statuses["getProduct"])
    assert "404" not in statuses["listCustomers"]  # no path parameter
    for op in plan.operations:
        spec_statuses = [str(status) for status, _ in op.other_responses]
        documented = [str(status) for status in op.problem_responses]
        assert documented[: len(spec_statuses)] == spec_statuses, op.operation_id
        assert len(documented) == len(set(documented)), op.operation_id


def test_a_body_is_taken_only_as_its_media_type() -> None:
    plan = _plan("orders")
    by_id = {op.operation_id: op for op in plan.operations}
    assert by_id["createProduct"].body.media_types == ("application/json",)
    assert by_id["annotateCustomerDocument"].body.media_types == (
        "application/x-www-form-urlencoded",
    )
    assert by_id["uploadCustomerDocument"].body.media_types == ("multipart/form-data",)
    assert by_id["getProduct"].body.media_types == ()


def test_wire_formats_integers_64_bits_decimal_strings_and_iso_dates() -> None:
    from gen_backend.plan.pytypes import ListOf, WireFormat
    from gen_backend.plan.schemas import decimal_text, integer_range

    widest = list(integer_range(None, None, None, None))
    assert [(str(k), k.number, k.implied) for k in widest] == [
        ("ge=-(2**63)", Decimal(-(2**63)), True),
        ("le=2**63 - 1", Decimal(2**63 - 1), True),
    ]
    assert [str(k) for k in integer_range(1, None, None, None)] == ["le=2**63 - 1"]
    assert list(integer_range(None, 0, 10, None)) == []
    money = decimal_text(Schema(types=(SchemaType.STRING,), pattern=r"^[0-9]+\.[0-9]{2}$"), 2)
    assert str(money) == (
        "Annotated[decimal.Decimal, DecimalText('^[0-9]+\\\\.[0-9]{2}$', places=2, format=None)]"
    )
    assert str(money.or_none().plain) == "decimal.Decimal | None"
    assert money.formats == {"DecimalText"}
    assert str(decimal_text(Schema(format="decimal")).plain) == "decimal.Decimal"
    dates = ListOf(WireFormat(money.inner, "IsoFormat")).or_none()
    assert str(dates.plain) == "list[decimal.Decimal] | None"
    published_after = next(
        p for op in _plan("library").operations for p in op.params if p.wire == "published_after"
    )
    assert str(published_after.annotation) == "Annotated[datetime.date, IsoFormat()] | None"
    # what the service is handed
    assert str(published_after.python_type) == "datetime.date | None"
    plan = _plan("orders")
    page = next(p for op in plan.operations for p in op.params if p.wire == "page")
    assert "le=2**63 - 1" in page.declaration


def test_bytes_in_json_are_base64_text_and_array_items_keep_their_bounds() -> None:
    """`format: byte` (3.0) and `contentEncoding: base64` (3.1) are bytes to the service and
    base64 text on the wire; `items: {maxLength: 30}` bounds each item, not only the list."""
    from gen_backend.model import Schema, SchemaType
    from gen_backend.model.api import ApiModel
    from gen_backend.plan.examples import example
    from gen_backend.plan.schemas import SchemaPlanner

    api = ApiModel(title="t", version="1", openapi_version="3.1.0")
    planner = SchemaPlanner(api)
    byte = Schema(types=(SchemaType.STRING,), format="byte")
    encoded = Schema(types=(SchemaType.STRING,), content_encoding="base64")
    byte_type = planner.annotation(byte, "m", "Cover")
    assert str(byte_type) == "Annotated[bytes, Base64Text('byte')]"
    assert str(planner.annotation(encoded, "m", "Cover")) == "Annotated[bytes, Base64Text()]"
    assert str(byte_type.or_none().plain) == "bytes | None"
    assert base64.b64decode(str(example(encoded, api)), validate=True)
    labels = Schema(
        types=(SchemaType.ARRAY,),
        items=Schema(types=(SchemaType.STRING,), max_length=30),
        max_items=10,
    )
    assert str(planner.annotation(labels, "m", "Labels")) == (
        "list[Annotated[str, Field(max_length=30)]]"
    )
