"""The `check` report, as rich text and as JSON (schema in docs/cli.md)."""

from __future__ import annotations

from collections import Counter

from pydantic import JsonValue
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from gen_backend.accept import Accepted, Halted
from gen_backend.errors import InputProblem
from gen_backend.validate.rfis import Rfi, Severity

JSON_SCHEMA_VERSION = 1
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def accepted_json(result: Accepted) -> dict[str, JsonValue]:
    model = result.model
    counts = Counter(r.severity.value for r in result.open_rfis)
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "status": "accepted",
        "handoff": str(result.handoff),
        "readback": result.readback,
        "summary": {
            "product": model.product,
            "service": model.service,
            "release_mode": model.release_mode.value,
            "database": model.database.value,
            "endpoints": len(model.operations),
            "in_scope": len(model.in_scope_operations),
            "tables": len(model.design.tables),
            "first_endpoint": model.operations_by_priority[0].operation_id
            if model.operations_by_priority
            else None,
        },
        "rfi_counts": {s.value: counts.get(s.value, 0) for s in Severity},  # open ones
        "rfis": [r.model_dump(mode="json") for r in result.rfis],
        "answered": len(result.rfis) - len(result.open_rfis),
        "interventions": [
            {"name": i.name, "file": i.file, "urgency": i.urgency, "title": i.title, "date": i.date}
            for i in model.interventions
            if i.waiting
        ],
        "stale_answers": [a.model_dump(mode="json") for a in result.stale_answers],
        "model": model.model_dump(mode="json", by_alias=True),
    }


def halted_json(result: Halted) -> dict[str, JsonValue]:
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "status": "halt",
        "handoff": str(result.handoff),
        "no_go": [f.model_dump(mode="json") for f in result.failures],
        "draft_with": init_command(result),
    }


def init_command(result: Halted) -> str | None:
    """The command that drafts what a bare spec's handoff lacks (it keeps the files there)."""
    if result.bare_spec is None:
        return None
    return f"gen-backend init {result.bare_spec} -o {result.handoff}"


def error_json(problem: InputProblem) -> dict[str, JsonValue]:
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "status": "error",
        "error": {
            "file": str(problem.file),
            "line": problem.line,
            "column": problem.column,
            "location": problem.location,
            "problem": problem.problem,
            "fix": problem.fix,
        },
    }


def print_accepted(console: Console, result: Accepted) -> None:
    console.print(Panel(escape(result.readback), title="Read-back", title_align="left"))
    model = result.model
    first = model.operations_by_priority[0] if model.operations_by_priority else None
    if first is not None:
        console.print(
            f"First endpoint by priority: [bold]{escape(first.operation_id)}[/] "
            f"({first.method.upper()} {escape(first.path)})"
        )
    counts = Counter(r.severity for r in result.open_rfis)
    console.print(
        f"\n[bold]Open RFIs[/]: {counts[Severity.ERROR]} error, "
        f"{counts[Severity.WARNING]} warning, {counts[Severity.INFO]} info"
    )
    for rfi in result.open_rfis:
        _print_rfi(console, rfi)
        console.print(
            Padding(Text("-> " + rfi.suggestion, style="green"), (0, 0, 0, 10), expand=False)
        )
    answered = [r for r in result.rfis if r.answer is not None]
    if answered:
        console.print(f"\n[bold]Answered RFIs[/] (rfis.yaml): {len(answered)}")
    for rfi in answered:
        assert rfi.answer is not None
        _print_rfi(console, rfi)
        said = rfi.answer.answer.value + (f": {rfi.answer.note}" if rfi.answer.note else "")
        if rfi.answer.change:
            said += f" (changed: {rfi.answer.change})"
        console.print(Padding(Text("= " + said, style="cyan"), (0, 0, 0, 10), expand=False))
    for stale in result.stale_answers:
        console.print(
            f"  [yellow]answer to no RFI[/]: {escape(stale.code)} {escape(stale.location)} "
            "(the question is no longer raised; remove the answer)"
        )
    waiting = [i for i in result.model.interventions if i.waiting]
    if waiting:
        console.print(f"\n[bold]Human interventions for this phase[/]: {len(waiting)} waiting")
    for item in waiting:
        console.print(
            f"  [yellow]{escape(item.urgency)}[/] {escape(item.name)}: {escape(item.title)}"
        )
        console.print(f"          {escape(item.file)}")
    console.print("\n[bold green]Accepted[/]: the handoff passes the No-Go checks.")


def _print_rfi(console: Console, rfi: Rfi) -> None:
    console.print(
        f"  [{_STYLE[rfi.severity]}]{rfi.severity.value.upper():7}[/] "
        f"[bold]{rfi.code.value}[/]  {escape(rfi.artifact)} "
        f"[dim]{escape(rfi.location)}[/]"
    )
    # indented as a block, so wrapped lines stay under their heading
    console.print(Padding(Text(rfi.question), (0, 0, 0, 10), expand=False))


def print_halted(console: Console, result: Halted) -> None:
    console.print(
        f"[bold red]HALT[/]: {escape(str(result.handoff))} fails the No-Go checks; "
        "implementation must not start."
    )
    for failure in result.failures:
        console.print(
            f"  [red]x[/] [bold]{escape(failure.item)}[/] ({escape(failure.file)}): "
            f"{escape(failure.problem)}"
        )
        console.print(
            Padding(Text("fix: " + failure.fix, style="green"), (0, 0, 0, 6), expand=False)
        )
    if command := init_command(result):
        console.print(
            "  [bold]A bare OpenAPI spec?[/] Draft the missing files from it (existing ones are "
            f"kept): [bold]{escape(command)}[/]"
        )


def print_error(console: Console, problem: InputProblem) -> None:
    console.print(f"[bold red]error[/]: {escape(problem.place())}: {escape(problem.problem)}")
    console.print(f"  [green]fix:[/] {escape(problem.fix)}")
