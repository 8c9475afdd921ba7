"""The `init` report: what was drafted and kept, what the drafted handoff implies (tables,
keys, relationships, operations per kind, the 501s and why), and the next command."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from gen_backend.accept import Accepted, Halted
from gen_backend.draft import Draft
from gen_backend.plan.project import stubs
from gen_backend.validate.rfis import Severity


def print_files(console: Console, handoff: Path, written: list[str], kept: list[str]) -> None:
    for name in written:
        console.print(f"[green]drafted[/] {escape(str(handoff / name))}")
    for name in kept:
        console.print(f"[cyan]kept[/] {escape(str(handoff / name))} (it exists; not overwritten)")


def print_inferred(console: Console, draft: Draft, result: Accepted | Halted) -> None:
    if not isinstance(result, Accepted):
        console.print(
            "[bold red]the drafted handoff does not pass the No-Go checks[/]: run "
            f"`gen-backend check {escape(str(result.handoff))}` for what is missing"
        )
        return
    model = result.model
    console.print(f"[bold]{len(model.design.tables)} tables[/]")
    for table in model.design.tables:
        references = ", ".join(
            f"{','.join(fk.columns)} -> {fk.target_table}" for fk in table.foreign_keys
        )
        console.print(
            f"  {escape(table.name)}: key {escape(', '.join(table.primary_key))}, "
            f"{len(table.columns)} columns" + (f"; {escape(references)}" if references else "")
        )
    kinds = Counter(op.kind.value for op in model.in_scope_operations)
    left = stubs(model)
    console.print(
        f"[bold]{len(model.in_scope_operations)} operations[/]: "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        + f"; {len(model.in_scope_operations) - len(left)} generated, {len(left)} left to you (501)"
    )
    for op in left:
        console.print(
            f"  [yellow]501[/] {escape(op.operation_id)} ({op.method.upper()} "
            f"{escape(op.path)}): {escape(op.why_custom or '')}"
        )
    counts = Counter(r.severity for r in result.rfis)
    console.print(
        f"[bold]{len(draft.assumptions)} assumptions[/] listed in handoff.yaml (A-1 to "
        f"A-{len(draft.assumptions)}); {counts[Severity.ERROR]} errors, "
        f"{counts[Severity.WARNING]} warnings, {counts[Severity.INFO]} notes from `check`"
    )
