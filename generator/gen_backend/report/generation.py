"""What `from-handoff` did or would do to the service, as rich text and as JSON (docs/cli.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import JsonValue
from rich.console import Console
from rich.markup import escape

from gen_backend.accept import Accepted
from gen_backend.output import WritePlan
from gen_backend.plan import ProjectPlan
from gen_backend.plan.api_changes import ApiChange
from gen_backend.plan.history import DesignChange, Notice
from gen_backend.plan.sprint import SprintPlan
from gen_backend.report.check import JSON_SCHEMA_VERSION, accepted_json

REVISIONS = "migrations/versions/"


@dataclass(frozen=True)
class SinceLastRun:
    """What a run does to a service an earlier run wrote, compared before anything is
    written: its files, the design's and the API's changes, and the rules left over."""

    files: WritePlan
    design: list[DesignChange] = field(default_factory=list)
    api: list[ApiChange] = field(default_factory=list)
    stale_rules: list[tuple[str, str]] = field(default_factory=list)

    @property
    def destructive(self) -> list[DesignChange]:
        """The changes that would lose data and no migration step decides about."""
        return [c for c in self.design if c.destructive and c.decision is None]


def new_revisions(changes: WritePlan) -> list[str]:
    """The migration revisions the run adds."""
    return [path for path in changes.added if path.startswith(REVISIONS)]


def print_api_changes(console: Console, changes: list[ApiChange]) -> None:
    if changes:
        console.print("[bold]the served API changed[/] since the last run:")
    for change in changes:
        kind = "[bold red]breaking[/]" if change.breaking else "[green]compatible[/]"
        console.print(f"  {kind} {escape(change.operation)}: {escape(change.what)}")


def api_notice(changes: list[ApiChange], output: Path, notice: Notice) -> str:
    """The text of `notice` to the next phase (in the handoff folder): front matter, then the
    changes, breaking first, each with what a client does about it."""
    breaking = [c for c in changes if c.breaking]
    others = [c for c in changes if not c.breaking]
    lines = [
        "---",
        'phase: "07"',
        "from_phase: 06-backend-implementation",
        f"urgency: {'immediate' if breaking else 'end-of-phase'}",
        f"date: {notice.date}",
        f"title: The backend's API changed ({len(breaking)} breaking, {len(others)} compatible)",
        "---",
        "",
        f"`gen-backend from-handoff` regenerated the service in `{output}`, and its API changed.",
        "",
    ]
    for heading, group in (("Breaking", breaking), ("Compatible", others)):
        if group:
            lines += [f"## {heading}", ""]
            lines += [f"- `{c.operation}`: {c.what}. For a client: {c.migration}." for c in group]
            lines.append("")
    return "\n".join(lines)


def print_stale_rules(console: Console, stale: list[tuple[str, str]]) -> None:
    for path, method in stale:
        console.print(
            f"[bold yellow]warning[/]: {escape(path)} overrides `{escape(method)}`, an operation "
            "the service no longer has: kept as you wrote it; remove it when it is of no use."
        )


def print_design_changes(console: Console, changes: list[DesignChange]) -> None:
    """What changed in the schema design since the revisions were last generated; a change
    that would lose data is marked, with what it would lose."""
    if changes:
        console.print("[bold]the design changed[/] since the last run:")
    for change in changes:
        if change.destructive and change.decision is not None:
            console.print(f"  [yellow]decided[/] {escape(change.text)}: {escape(change.decision)}")
        elif change.destructive:
            lost = escape(change.why or "")
            console.print(f"  [bold red]destructive[/] {escape(change.text)}: loses {lost}")
        else:
            console.print(f"  {escape(change.text)}")


def print_changes(console: Console, output: Path, changes: WritePlan) -> None:
    """What generating would do to `output`, file by file; nothing is written."""
    console.print(f"[bold]would change[/] {escape(str(output))} (nothing written):")
    for label, style, paths in (
        ("add", "green", changes.added),
        ("change", "yellow", changes.changed),
        ("remove", "red", changes.removed),
        ("keep (yours)", "cyan", changes.kept),
    ):
        for path in paths:
            console.print(f"  [{style}]{label:12}[/] {escape(path)}")
    for path in changes.edited:
        console.print(
            f"  [bold red]{'conflict':12}[/] {escape(path)}: edited by hand; a run would stop "
            "(exit 4) unless --force"
        )
    for path in new_revisions(changes):
        console.print(f"  [bold]new revision[/] {escape(path)}")
    console.print(
        f"{len(changes.added)} to add, {len(changes.changed)} to change, "
        f"{len(changes.removed)} to remove, {len(changes.kept)} kept, "
        f"{len(changes.unchanged)} unchanged"
    )


def generation_json(
    result: Accepted,
    plan: ProjectPlan,
    output: Path,
    since: SinceLastRun,
    *,
    notice: Path | None = None,
    inspection: JsonValue = None,
    mode: str = "generate",
) -> dict[str, JsonValue]:
    """One document for orchestrators: the read-back and RFIs of `check` (without the model),
    the operations left to hand-written code, what changed since the last run (the design,
    the API, the rules that override an operation no longer there, the files: what was
    written, or with `mode` "preview" what would be, the new and rewritten revisions), the
    notice written about the API, and the inspection's report if it ran."""
    accepted = {k: v for k, v in accepted_json(result).items() if k != "model"}
    return {
        **accepted,
        "schema_version": JSON_SCHEMA_VERSION,
        "status": "preview" if mode == "preview" else "generated",
        "output": str(output),
        "stubs": [
            {
                "operation_id": op.operation_id,
                "method": op.method.upper(),
                "path": op.path,
                "why": op.why_custom,
            }
            for op in plan.operations
            if op.kind.value == "custom"
        ],
        "files": since.files.to_json(),
        "differs": since.files.differs,
        "design_changes": [
            {"change": c.text, "destructive": c.destructive, "why": c.why, "decision": c.decision}
            for c in since.design
        ],
        "stale_rules": [{"file": path, "method": method} for path, method in since.stale_rules],
        "api_changes": [
            {
                "operation": c.operation,
                "change": c.what,
                "breaking": c.breaking,
                "migration": c.migration,
            }
            for c in since.api
        ],
        "api_notice": str(notice) if notice else None,
        "new_revisions": list[JsonValue](new_revisions(since.files)),
        "inspection": inspection,
    }


def print_sprint(console: Console, sprint: SprintPlan) -> None:
    """The sprint plan by tier: each item's score, title and what the generator does."""
    tier = None
    for item in sprint.items:
        if item.tier is not tier:
            tier = item.tier
            console.print(f"\n[bold]{escape(tier.value.capitalize())}[/]")
        outcome = "[green]generated[/]" if not item.left else f"[yellow]{escape(item.outcome)}[/]"
        console.print(f"  {item.score:5.1f}  {escape(item.title)}: {outcome}")
    console.print(
        f"\nFirst endpoint: [bold]{escape(sprint.first_endpoint or 'none')}[/] "
        "(the First Article Inspection's)"
    )
    if sprint.deferred:
        console.print(f"[bold]Deferred[/] ({sprint.mode.label}):")
    for fr, ops in sprint.deferred:
        console.print(f"  {escape(fr)}: {escape(', '.join(ops))}")
