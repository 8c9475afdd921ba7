"""Golden snapshots of `check` on every bundled sample: read-back, RFIs, and a digest of the
model each operation gets. A change shows as a reviewable diff; regenerate on purpose with
`UPDATE_GOLDEN=1 pytest tests/test_samples.py`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from .conftest import check_json, sample_dirs

GOLDEN = Path(__file__).resolve().parent / "golden"


def digest(report: dict[str, object]) -> dict[str, object]:
    """What a reviewer needs to see: no volatile paths, one line per operation."""
    model = report["model"]
    assert isinstance(model, dict)
    operations = []
    for op in model["api"]["operations"]:
        bindings = ", ".join(
            f"{b['param']}->{b['column']}{' (key)' if b['is_key'] else ''}"
            for b in op["path_bindings"]
        )
        operations.append(
            {
                "id": op["operation_id"],
                "route": f"{op['method'].upper()} {op['path']}",
                "kind": op["kind"],
                "table": op["table"],
                "in_scope": op["in_scope"],
                "priority": op["priority"],
                "public": op["public"],
                "permissions": op["permissions"],
                "permission_source": op["permission_source"],
                "idempotent": op["idempotent"],
                "bindings": bindings,
                "pagination": op["pagination"],
                "envelope": op["envelope"],
                "filters": [
                    f"{f['param']}: {f['op']} {','.join(f['columns'])}" for f in op["filters"]
                ],
                "sort": op["sort_params"],
            }
        )
    return {
        "readback": report["readback"],
        "summary": report["summary"],
        "rfis": report["rfis"],
        "tables": [t["name"] for t in model["design"]["tables"]],
        "relationships": [
            f"{r['table']}.{r['name']} -> {r['target']} ({r['kind']}, back: {r['back_populates']})"
            for r in model["design"]["relationships"]
        ],
        "operations": operations,
    }


@pytest.mark.parametrize("sample", sample_dirs(), ids=lambda p: p.name)
def test_check_matches_golden(runner: CliRunner, sample: Path) -> None:
    code, report = check_json(runner, sample)
    assert code == 0, report
    assert report["status"] == "accepted"
    actual = json.dumps(digest(report), indent=2, ensure_ascii=False) + "\n"
    golden = GOLDEN / f"check-{sample.name}.json"
    if os.environ.get("UPDATE_GOLDEN") or not golden.exists():
        golden.write_text(actual)
        if not os.environ.get("UPDATE_GOLDEN"):
            pytest.fail(f"wrote missing golden file {golden.name}; review and commit it")
    assert actual == golden.read_text(), f"{golden.name} differs; UPDATE_GOLDEN=1 to accept"


def test_there_are_three_samples_with_the_three_schema_forms() -> None:
    forms = {
        next(p.name for p in s.iterdir() if p.name.startswith("schema.")) for s in sample_dirs()
    }
    assert {"schema.yaml", "schema.dbml", "schema.sql"} <= forms
