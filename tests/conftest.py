"""Shared test helpers: where the samples and the shared corpus are, and a CLI runner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gen_backend.cli import app

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
