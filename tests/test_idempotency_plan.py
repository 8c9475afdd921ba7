"""Which operations are idempotent, and the files and migration that idempotency adds."""

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
