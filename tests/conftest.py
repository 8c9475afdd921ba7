"""Shared test helpers: where the samples and the shared corpus are, and a CLI runner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gen_backend.accept import Accepted, accept
from gen_backend.cli import app
from gen_backend.plan import plan_project
from gen_backend.plan.api import OperationPlan
from tests import runtime_project

# before tests/test_runtime*.py import the runtime modules, which read these two
runtime_project.install()

# the stock openapi-spec-validator on the backend our crawled meta-schema uses, so the two
# word their errors alike: with jsonschema-rs installed (schemathesis brings it), the stock
# one would take it, and it picks its backend once per process
os.environ.setdefault("OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND", "jsonschema")

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_specs"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def sample_dirs() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if (p / "handoff.yaml").is_file())


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def check_json(runner: CliRunner, handoff: Path) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["check", str(handoff), "--json"])
    return result.exit_code, json.loads(result.stdout)


def planned_operations(handoff: Path) -> dict[str, OperationPlan]:
    """The planned operations of an accepted handoff, by operation id."""
    result = accept(handoff)
    assert isinstance(result, Accepted)
    return {op.operation_id: op for op in plan_project(result.model).operations}


def loans_in_scope(root: Path) -> Path:
    """A copy of the library sample at `root` with its loans (FR-004) in scope."""
    handoff = root / "handoff.yaml"
    scope = "mvp_scope: [FR-001, FR-002, FR-003]"
    assert scope in handoff.read_text()
    handoff.write_text(handoff.read_text().replace(scope, scope[:-1] + ", FR-004]"))
    return root
