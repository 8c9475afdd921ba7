"""The inspection report, three ways: `INSPECTION.md` and `inspection.json` in the service,
and the console. Each check's verdict with its findings, and every request the probes sent
with what came back."""

from __future__ import annotations

import json

from pydantic import JsonValue
from rich.console import Console
from rich.table import Table

from gen_backend.inspection.checks import SYSTEMIC, OperationInspection

HALT = "HALT: fix the root cause before continuing."


def failed_checks(results: tuple[OperationInspection, ...]) -> int:
    return sum(len(r.failed) for r in results)


def is_systemic(results: tuple[OperationInspection, ...]) -> bool:
    """Three or more failed checks: a systemic issue, not a slip."""
    return failed_checks(results) >= SYSTEMIC


def to_json(
    results: tuple[OperationInspection, ...],
    service: str,
    database: str,
    stubs: tuple[str, ...] = (),
) -> JsonValue:
    return {
        "service": service,
        "database": database,
        "not_inspected_stubs": list(stubs),
        "failed_checks": failed_checks(results),
        "halt": is_systemic(results),
        "operations": [
            {
                "operation_id": r.operation_id,
                "route": f"{r.method} {r.path}",
                "fr_id": r.fr_id,
                "score": r.score,
                "passed": not r.failed,
                "checks": [
                    {
                        "name": c.name,
                        "passed": c.passed,
                        "findings": list(c.findings),
                        "probes": list(c.probes),
                    }
                    for c in r.checks
                ],
                "rows_made": r.rows_made,
                "exchanges": list(r.exchanges),
            }
            for r in results
        ],
    }


def to_markdown(
    results: tuple[OperationInspection, ...],
    service: str,
    database: str,
    stubs: tuple[str, ...] = (),
) -> str:
    lines = [
        f"# First Article Inspection of {service}",
        "",
        f"Run by `gen-backend inspect` on {database}, the app in-process. The rows the "
        "requests need are made through the app, by the create operation of their table where "
        "it has one that can make them; the others by the service's test factories. "
        f"{failed_checks(results)} failed check(s)"
        + (f". **{HALT}**" if is_systemic(results) else "."),
    ]
    if stubs:
        lines += [
            "",
            "Not inspected, left to you (501 until written in `rules.py`; then "
            f"`gen-backend inspect --all`): {', '.join(f'`{s}`' for s in stubs)}.",
        ]
    for r in results:
        fr = f"{r.fr_id}, score {r.score:g}" if r.fr_id else "unranked"
        lines += ["", f"## `{r.operation_id}`: {r.method} {r.path} ({fr})", ""]
        if r.rows_made:
            lines += [f"Rows made for its probes: {r.rows_made}.", ""]
        lines += ["| check | verdict | findings |", "| --- | --- | --- |"]
        for c in r.checks:
            found = "<br>".join(_cell(f) for f in c.findings) or "-"
            lines.append(f"| {c.name} | {'pass' if c.passed else '**FAIL**'} | {found} |")
        lines += ["", "### Requests and answers", ""]
        lines += ["| probe | request | status | media type | SQL | answer |"]
        lines += ["| --- | --- | ---: | --- | ---: | --- |"]
        for e in r.exchanges:
            answer = json.dumps(e.get("body"), ensure_ascii=False, default=str)
            lines.append(
                f"| {e.get('probe')} | `{e.get('method')} {_cell(str(e.get('url')))}` "
                f"| {e.get('status')} | {e.get('content_type') or '-'} | {e.get('statements')} "
                f"| {_cell(_short(answer))} |"
            )
    return "\n".join(lines) + "\n"


def print_report(
    console: Console, results: tuple[OperationInspection, ...], stubs: tuple[str, ...] = ()
) -> None:
    if stubs:
        console.print(f"[yellow]not inspected, left to you (501)[/]: {', '.join(stubs)}")
    for r in results:
        table = Table(
            title=f"{r.operation_id}: {r.method} {r.path}",
            caption=f"rows made for its probes: {r.rows_made}" if r.rows_made else None,
            show_lines=False,
        )
        table.add_column("check")
        table.add_column("verdict")
        table.add_column("findings", overflow="fold")
        for c in r.checks:
            verdict = "[green]pass[/]" if c.passed else "[bold red]FAIL[/]"
            table.add_row(c.name, verdict, "\n".join(c.findings))
        console.print(table)
    failed = failed_checks(results)
    if is_systemic(results):
        console.print(f"[bold red]{failed} failed checks. {HALT}[/]")
    elif failed:
        console.print(f"[yellow]{failed} failed check(s)[/]")
    else:
        console.print("[green]every check passed[/]")


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
