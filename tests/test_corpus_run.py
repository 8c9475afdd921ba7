"""The corpus run (benchmarks/corpus.py, `make corpus`) on specs of different shapes: from the
bare spec through `init`, `check` and `from-handoff` to a project that passes its own ruff,
mypy --strict, migrations and tests, boots, and answers schemathesis with no server error and
no response that breaks the spec (the ST1xx checks)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import CORPUS, REPO


def _corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_run", REPO / "benchmarks" / "corpus.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


corpus = _corpus_module()


@pytest.mark.parametrize(
    "spec",
    [
        "oai-petstore-expanded",  # plain CRUD, a bare array, `allOf` for the stored form
        "swagger-petstore3",  # API keys and scopes, XML and form bodies, /pet/findByStatus
        "realworld-conduit",  # wrapped bodies, slug keys, nested comments, a feed list
        "redocly-museum",  # 3.1, made text keys, a PATCH body of another name, envelopes
        "learn-tictactoe-3.1",  # no resource at all: a design that stores nothing
    ],
)
def test_a_bare_corpus_spec_becomes_a_service_that_keeps_its_contract(
    spec: str, tmp_path: Path
) -> None:
    result = corpus.run_spec(CORPUS / "specs" / spec, tmp_path, examples=5, seed=1)
    logs = {
        name: (tmp_path / name).read_text()[-3000:]
        for name in ("pytest.log", "schemathesis.log", "server.log")
        if (tmp_path / name).exists()
    }
    for stage in ("init", "check", "generate"):
        assert result.stages.get(stage) == "ok", (stage, result.stages)
    assert result.project_ok, (result.stages, logs.get("pytest.log"))
    broken = {check: n for check, n in result.failures.items() if check.startswith("ST1")}
    assert not broken, (broken, logs.get("schemathesis.log"), logs.get("server.log"))
    assert result.stages.get("contract") is not None
