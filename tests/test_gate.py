"""`gen-backend gate`: the phase's gate package, approved, sent back, escalated (issue 22)."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

from pydantic import JsonValue
from typer.testing import CliRunner

from gen_backend.cli import app

from .conftest import SAMPLES


def _generated(tmp_path: Path, sample: str, *flags: str) -> tuple[Path, Path]:
    handoff, out = tmp_path / "handoff", tmp_path / "service"
    shutil.copytree(SAMPLES / sample, handoff)
    done = CliRunner().invoke(app, ["from-handoff", str(handoff), "-o", str(out), *flags])
    assert done.exit_code == 0, done.output
    return handoff, out


def test_a_clean_sample_is_ready_and_approved(tmp_path: Path) -> None:
    """The library, generated and inspected: its own tests pass, every check holds, READY;
    approved by a named reviewer, the gate records it."""
    _, out = _generated(tmp_path, "library")
    runner = CliRunner()
    assert runner.invoke(app, ["gate", str(out), "--approve"]).exit_code == 2  # no gate yet
    ready = runner.invoke(app, ["gate", str(out), "--json"])
    assert ready.exit_code == 0, ready.output
    gate = json.loads(ready.stdout)
    assert gate["status"] == "READY"
    assert gate["tests"]["passed"] > 300
    assert gate["tests"]["failed"] == 0
    assert all(c["passed"] for c in gate["checks"])
    assert "# Gate: READY" in (out / "GATE.md").read_text()
    assert runner.invoke(app, ["gate", str(out), "--approve"]).exit_code == 2  # no --by
    approved = runner.invoke(app, ["gate", str(out), "--approve", "--by", "Ana"])
    assert approved.exit_code == 0, approved.output
    recorded = json.loads((out / ".gen-backend" / "gate.json").read_text())
    assert recorded["status"] == "APPROVED"
    assert recorded["history"][0]["by"] == "Ana"


def test_a_501_keeps_it_not_ready_and_a_fourth_revise_escalates(tmp_path: Path) -> None:
    """The orders sample leaves operations to hand-written code (501), and an end-of-phase
    intervention waits: NOT READY, each an open item. Sent back three times, each cycle
    counted with the flagged items first; the fourth escalates (exit 5) with a notice in
    the handoff."""
    handoff, out = _generated(tmp_path, "orders", "--no-inspect")
    runner = CliRunner()
    assessed = runner.invoke(app, ["gate", str(out), "--skip-tests"])
    assert assessed.exit_code == 1
    said = " ".join(assessed.output.split())
    assert said.startswith("NOT READY")
    stub = "`capturePayment` answers 501 (not a CRUD operation): write `capture_payment`"
    assert f"{stub} in app/payments/rules.py" in said
    assert "intervention `partial-refunds` (end-of-phase) is waiting" in said
    assert "the inspection has not run" in said
    for cycle in (1, 2, 3):
        sent = runner.invoke(
            app,
            ["gate", str(out), "--revise", f"write capturePayment; round {cycle}", "--by", "Ana"],
        )
        assert sent.exit_code == 1, sent.output
        again = runner.invoke(app, ["gate", str(out), "--skip-tests"])
        shown = " ".join(again.output.split())
        assert f"(revise cycle {cycle} of 3)" in shown
        assert shown.index(f"flagged round {cycle}") < shown.index("Every in-scope operation")
    escalated = runner.invoke(app, ["gate", str(out), "--revise", "still not done", "--by", "Ana"])
    assert escalated.exit_code == 5, escalated.output
    assert "ESCALATED" in escalated.output
    day = datetime.date.today().isoformat()
    notice = handoff / "human-interventions" / "active" / f"{day}-06-escalation" / "content.md"
    text = notice.read_text()
    assert "urgency: immediate" in text
    assert text.count(" REVISE by Ana") == 3
    assert json.loads((out / ".gen-backend" / "gate.json").read_text())["status"] == "ESCALATED"


def test_a_stub_written_in_rules_is_implemented_and_any_or_print_is_an_open_item() -> None:
    """The gate's checks on what is in the service now: a 501 operation whose method the
    domain's rules.py defines is implemented; `Any` or `print` in app/ is found by line."""
    from gen_backend.gate import ServiceFacts, TestRun, assemble

    stub: JsonValue = {
        "operation_id": "capturePayment",
        "left_to_you_because": "not a CRUD operation",
        "rules": "app/payments/rules.py:capture_payment",
    }
    facts = ServiceFacts(
        index={"operations": [stub]},
        rules={"app/payments/rules.py": {"capture_payment"}},
        inspection={"failed_checks": 0, "operations": [{}]},
        acceptance=None,
        notices=[],
        handoff=None,
        app_sources={
            "app/payments/rules.py": "from typing import Any\n\nx: Any = 1\nprint(x)\n",
        },
    )
    gate = assemble(facts, TestRun(10, 0, 0, 0, 0), ())
    checks = {c.name: c for c in gate.checks}
    assert checks["Every in-scope operation implemented"].passed
    assert checks["No `Any` and no `print` in app/"].open_items == (
        "app/payments/rules.py:3: `Any`",
        "app/payments/rules.py:4: `print`",
    )
    assert gate.status.value == "NOT READY"  # and the handoff is not found
