"""The gate package as text: GATE.md, the console's summary, and the escalation notice."""

from __future__ import annotations

import datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from gen_backend.gate import MAX_REVISIONS, Gate, GateStatus

_STYLE = {
    GateStatus.READY: "bold green",
    GateStatus.APPROVED: "bold green",
    GateStatus.NOT_READY: "bold red",
    GateStatus.REVISE: "bold yellow",
    GateStatus.ESCALATED: "bold red",
}


def gate_markdown(gate: Gate, service: Path) -> str:
    lines = [f"# Gate: {gate.status.value}", "", f"The phase's gate package for `{service}`."]
    if gate.cycle:
        lines += ["", f"Revise cycle {gate.cycle} of {MAX_REVISIONS}."]
    if gate.flagged:
        lines += ["", "## Flagged by the reviewer", ""]
        lines += [f"- {item}" for item in gate.flagged]
    lines += ["", "## Checks", "", "| check | passed | what |", "| --- | --- | --- |"]
    for check in gate.checks:
        what = "; ".join(check.open_items) or check.detail or "-"
        lines.append(
            f"| {check.name} | {'yes' if check.passed else 'no'} | {what.replace('|', '/')} |"
        )
    if gate.open_items:
        lines += ["", "## Open items", ""]
        lines += [f"- {item}" for item in gate.open_items]
    if gate.history:
        lines += [
            "",
            "## Decisions",
            "",
            "| on | decision | by | notes |",
            "| --- | --- | --- | --- |",
        ]
        for d in gate.history:
            notes = d.notes.replace("|", "/") or "-"
            lines.append(f"| {d.on} | {d.decision.value} | {d.by or '-'} | {notes} |")
    return "\n".join(lines) + "\n"


def print_gate(console: Console, gate: Gate) -> None:
    style = _STYLE[gate.status]
    cycle = f" (revise cycle {gate.cycle} of {MAX_REVISIONS})" if gate.cycle else ""
    console.print(f"[{style}]{gate.status.value}[/]{cycle}")
    for item in gate.flagged:
        console.print(f"  [yellow]flagged[/] {escape(item)}")
    for check in gate.checks:
        mark = "[green]ok[/]" if check.passed else "[red]x[/]"
        console.print(
            f"  {mark} {escape(check.name)}"
            + (f": {escape(check.detail)}" if check.passed and check.detail else "")
        )
        for item in check.open_items:
            console.print(f"      {escape(item)}")


def escalation_notice(gate: Gate, service: Path, day: datetime.date) -> str:
    """human-interventions/active/<day>-06-escalation/content.md: the gate sent back more
    than the phase allows, with its history."""
    lines = [
        "---",
        "phase: 06-backend-implementation",
        "urgency: immediate",
        f"date: {day.isoformat()}",
        f"title: The backend gate is escalated after {MAX_REVISIONS} revise cycles",
        "---",
        "",
        f"The gate of `{service}` was sent back a fourth time. Its history:",
        "",
    ]
    lines += [
        f"- {d.on} {d.decision.value}"
        + (f" by {d.by}" if d.by else "")
        + (f": {d.notes}" if d.notes else "")
        for d in gate.history
    ]
    if gate.open_items:
        lines += ["", "Open items:", ""] + [f"- {item}" for item in gate.open_items]
    return "\n".join(lines) + "\n"
