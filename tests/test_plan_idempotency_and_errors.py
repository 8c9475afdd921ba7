"""The plan of idempotency (which operations, the key table and its migration) and of the
error tests (which methods each URL is served with)."""

from __future__ import annotations

from gen_backend.accept import Accepted, accept
from gen_backend.plan import plan_project
from gen_backend.plan.project import ProjectPlan

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


def test_the_405_tests_expect_every_method_a_path_is_served_with() -> None:
    """`/books/{bookId}` also answers at `/books/search`-like literal paths, so the methods a
    URL is served with are those of every path template it matches."""
    from dataclasses import replace

    from gen_backend.plan.project import _path_methods

    plan = _plan("library")
    get_book = next(op for op in plan.operations if op.operation_id == "getBook")
    literal = replace(get_book, path="/books/featured", method="get")
    found = dict(_path_methods((*plan.operations, literal)))
    assert found["/books/featured"] == tuple(
        sorted({"GET", *found["/books/00000000-0000-4000-8000-000000000000"]})
    )
    assert found["/books"] == ("GET", "POST")
