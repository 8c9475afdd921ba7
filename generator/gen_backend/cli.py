"""The command line. The only layer that prints, reads the environment or sets exit codes.

Exit codes: 0 accepted (or inspected, every check passed); 1 RFIs at or above --fail-on (or
one or two failed inspection checks); 2 bad input or usage; 3 HALT (No-Go, or three or more
failed inspection checks); 4 generated files edited by hand (nothing written).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import subprocess
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import JsonValue
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from gen_backend import __version__
from gen_backend.accept import Accepted, accept
from gen_backend.draft import draft_handoff
from gen_backend.errors import HandoffInputError
from gen_backend.gate import (
    MAX_REVISIONS,
    Decision,
    Gate,
    GateStatus,
    TestRun,
    assemble,
    history_of,
    recorded_gate,
)
from gen_backend.inspection import InspectionRunError, inspect_service, read_index
from gen_backend.inspection import report as inspection_report
from gen_backend.output import (
    INDEX,
    RECORD,
    EditedFilesError,
    MissingRevisionsError,
    NoSuchInterventionError,
    plan_writes,
    process_intervention,
    read_gate,
    read_history,
    read_record,
    recorded_handoff,
    service_facts,
    stale_rules,
    unified_diff,
    write_gate,
    write_notice,
    write_project,
)
from gen_backend.plan import ProjectPlan, plan_project
from gen_backend.plan.history import (
    DesignChange,
    change_rfis,
    design_since,
    recorded_revisions,
    written_steps_kept,
)
from gen_backend.plan.project import stubs
from gen_backend.plan.sprint import plan_sprint
from gen_backend.render import RenderedFile, render_project
from gen_backend.report import check as report
from gen_backend.report import init as init_report
from gen_backend.report.gate import escalation_notice, gate_markdown, print_gate
from gen_backend.report.generation import (
    SinceLastRun,
    api_notice,
    generation_json,
    print_api_changes,
    print_changes,
    print_design_changes,
    print_sprint,
    print_stale_rules,
)
from gen_backend.validate.rfis import Code, Severity

EXIT_OK, EXIT_RFIS, EXIT_BAD_INPUT, EXIT_HALT, EXIT_CONFLICT, EXIT_INTERNAL = 0, 1, 2, 3, 4, 70
EXIT_ESCALATED = 5  # the gate was sent back more often than the phase allows

app = typer.Typer(
    name="gen-backend",
    help="Turn a backend-design handoff into a layered FastAPI backend.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class FailOn(StrEnum):
    NEVER = "never"
    ERROR = "error"
    WARNING = "warning"


Lenient = Annotated[
    bool,
    typer.Option(
        "--lenient",
        help="Read a spec that fails OpenAPI validation; report each error as an RFI.",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gen-backend {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """gen-backend: verify a handoff, then generate its backend."""


@app.command()
def check(
    handoff: Annotated[Path, typer.Argument(help="The handoff directory.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    fail_on: Annotated[
        FailOn, typer.Option(help="Exit 1 when an RFI of this severity (or worse) is raised.")
    ] = FailOn.NEVER,
    lenient: Lenient = False,
    service: Annotated[
        Path | None,
        typer.Option(
            "--service",
            help="The service an earlier from-handoff wrote: the design's changes since are "
            "checked too (data they would lose is an RFI).",
        ),
    ] = None,
) -> None:
    """Verify a handoff: No-Go checks, read-back, and RFIs. Writes nothing."""
    out = Console(soft_wrap=False)
    err = Console(stderr=True)
    try:
        result = accept(handoff, lenient=lenient)
    except HandoffInputError as exc:
        if as_json:
            _print_json(report.error_json(exc.problem))
        else:
            report.print_error(err, exc.problem)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if not isinstance(result, Accepted):
        if as_json:
            _print_json(report.halted_json(result))
        else:
            report.print_halted(out, result)
            out.print("[bold red]HALT: fix the No-Go items above before continuing.[/]")
        raise typer.Exit(EXIT_HALT)
    if service is not None:
        record = read_record(service)
        result = _since_written(result, record, design_since(record, result.model))
    if as_json:
        _print_json(report.accepted_json(result))
    else:
        report.print_accepted(out, result)
    if _fails(result, fail_on):
        raise typer.Exit(EXIT_RFIS)


@app.command("init")
def init_command(
    spec: Annotated[Path, typer.Argument(help="The OpenAPI document (YAML or JSON).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The handoff directory to draft into.")
    ],
    lenient: Lenient = False,
) -> None:
    """Draft a handoff around a bare OpenAPI spec: handoff.yaml, schema.yaml, auth.yaml and
    migrations.yaml, each inference listed as an assumption to review. Never overwrites."""
    out = Console(soft_wrap=False)
    err = Console(stderr=True)
    if not spec.is_file():
        err.print(f"[bold red]error[/]: {spec}: no such file")
        err.print("  [green]fix:[/] name the OpenAPI document (openapi.yaml or .json)")
        raise typer.Exit(EXIT_BAD_INPUT)
    if output.exists() and not output.is_dir():
        err.print(f"[bold red]error[/]: {output} exists and is not a directory")
        err.print("  [green]fix:[/] name a new or existing directory with -o")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        draft = draft_handoff(spec, output, lenient=lenient)
    except HandoffInputError as exc:
        report.print_error(err, exc.problem)
        if not lenient and exc.problem.problem.startswith("invalid OpenAPI"):
            err.print("  or run again with --lenient to draft anyway, each error an RFI")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    output.mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    for name, text in draft.files.items():
        existing = [output / n for n in _same_artifact(name) if (output / n).exists()]
        if existing:
            kept.append(existing[0].name)
            continue
        (output / name).write_text(text, encoding="utf-8")
        written.append(name)
    init_report.print_files(out, output, written, kept)
    result = accept(output, lenient=lenient)
    init_report.print_inferred(out, draft, result)
    flag = " --lenient" if lenient and draft.invalid else ""
    out.print(
        f"next: review {output / 'handoff.yaml'} (assumptions) and the drafted files, then "
        f"[bold]gen-backend check {output}{flag}[/] and "
        f"[bold]gen-backend from-handoff {output}{flag} -o <service-dir>[/]"
    )
    if not isinstance(result, Accepted):
        raise typer.Exit(EXIT_HALT)


def _same_artifact(name: str) -> tuple[str, ...]:
    """The files that already hold what `name` drafts (a design in any of its forms)."""
    return ("schema.yaml", "schema.dbml", "schema.sql") if name == "schema.yaml" else (name,)


@app.command("from-handoff")
def from_handoff(
    handoff: Annotated[Path, typer.Argument(help="The handoff directory.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the service.")],
    force: Annotated[
        bool,
        typer.Option(
            help="Overwrite generated files edited by hand (each is kept as <file>.orig)."
        ),
    ] = False,
    inspect: Annotated[
        bool,
        typer.Option(
            "--inspect/--no-inspect",
            help="End with the First Article Inspection (on a fresh SQLite database).",
        ),
    ] = True,
    lenient: Lenient = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Print what would be added, changed, removed and kept; write nothing."
        ),
    ] = False,
    diff: Annotated[
        bool,
        typer.Option("--diff", help="Print the unified diff of what would change; write nothing."),
    ] = False,
    check_only: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; exit 1 when OUTPUT is not what the handoff generates (for CI).",
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the report as one JSON document (messages to stderr)."),
    ] = False,
    accept_open_rfis: Annotated[
        bool,
        typer.Option(
            "--accept-open-rfis",
            help="Write even though an error-level RFI has no answer in rfis.yaml "
            "(GENERATION.md records it).",
        ),
    ] = False,
    allow_destructive: Annotated[
        bool,
        typer.Option(
            "--allow-destructive",
            help="Write even though the design drops or narrows what a database may hold.",
        ),
    ] = False,
) -> None:
    """Accept the handoff, generate the service into OUTPUT, then inspect its first
    operation by priority (`gen-backend inspect`). With --dry-run, --diff or --check, only
    say what generating would change."""
    previewing = dry_run or diff or check_only
    out = Console(soft_wrap=False, stderr=as_json)
    err = Console(stderr=True)
    if output.exists() and not output.is_dir():
        err.print(f"[bold red]error[/]: {output} exists and is not a directory")
        err.print("  [green]fix:[/] name a new or existing directory with -o")
        raise typer.Exit(EXIT_BAD_INPUT)
    with out.status("Accepting the handoff"):
        result = _accepted(handoff, lenient, out, err)
    record = read_record(output)  # what an earlier run wrote there, if any
    try:
        history = read_history(output, record)
    except MissingRevisionsError as exc:
        err.print("[bold red]error[/]: revisions an earlier run wrote are gone:")
        for path in exc.paths:
            err.print(f"  {output / path}")
        err.print(
            "  [green]fix:[/] restore them (a database may have run them), or delete "
            f"{output / RECORD} to start the chain again on a new database"
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None
    design = design_since(record, result.model)
    result = _since_written(result, record, design)
    out.print(Panel(escape(result.readback), title="Read-back", title_align="left"))
    out.print(
        f"[green]accepted[/] {handoff}: {len(result.model.in_scope_operations)} operations "
        f"in scope, {len(result.rfis)} RFIs"
    )
    # open error RFIs stop a writing run; a design change's own stop says more (below)
    unanswered = [
        r
        for r in result.open_rfis
        if r.severity is Severity.ERROR and r.code is not Code.DESIGN_CHANGE_LOSES_DATA
    ]
    with out.status("Planning"):
        plan = plan_project(
            result.model,
            result.rfis,
            history,
            datetime.date.today(),
            open_rfis_accepted=accept_open_rfis and bool(unanswered),
        )
    stubs = [op for op in plan.operations if op.kind.value == "custom"]
    out.print(
        f"[green]planned[/] {len(plan.files)} files: {len(plan.operations)} operations, "
        f"{len(plan.operations) - len(stubs)} generated, {len(stubs)} left to you (501)"
    )
    for op in stubs:
        out.print(
            f"  [yellow]501[/] {op.operation_id} ({op.method.upper()} {op.path}): {op.why_custom}"
        )
    with out.status("Rendering"):
        files = render_project(plan)
    out.print(f"[green]rendered[/] {len(files)} files")
    since = _since_last_run(output, design, plan, files)
    if previewing:
        if as_json:
            _print_json(generation_json(result, plan, output, since, mode="preview"))
        else:
            print_design_changes(out, since.design)
            print_api_changes(out, since.api)
            print_changes(out, output, since.files)
            print_stale_rules(out, since.stale_rules)
            if diff:
                sys.stdout.write(unified_diff(files, output, since.files))
        if check_only and since.files.differs:
            err.print(f"[bold red]{output} is not what {handoff} generates[/] (see above)")
            raise typer.Exit(EXIT_RFIS)
        return
    if since.destructive and not allow_destructive:
        print_design_changes(err, since.design)
        err.print(
            f"[bold red]stopped[/]: {len(since.destructive)} change(s) of the design would lose "
            "data in a database that holds rows; nothing was written."
        )
        err.print(
            "  [green]fix:[/] keep the design as it was, or decide: a new step in the migration "
            "plan names each change and says what happens to its data (`decisions:`, "
            "docs/handoff.md), or run again with --allow-destructive"
        )
        raise typer.Exit(EXIT_RFIS)
    if unanswered and not accept_open_rfis:
        for rfi in unanswered:
            err.print(f"  [bold red]ERROR[/] {rfi.code.value} {escape(rfi.location)}")
            err.print(f"    {escape(rfi.question)}")
        err.print(
            f"[bold red]stopped[/]: {len(unanswered)} error-level RFI(s) without an answer; "
            "nothing was written."
        )
        err.print(
            "  [green]fix:[/] answer each in rfis.yaml by its code and location (accepted, "
            "resolved or deferred; docs/handoff.md), or run again with --accept-open-rfis"
        )
        raise typer.Exit(EXIT_RFIS)
    try:
        written = write_project(files, output, force=force, plan=since.files, handoff=handoff)
    except EditedFilesError as exc:
        err.print(
            "[bold red]conflict[/]: these generated files were edited by hand and would be "
            "overwritten:"
        )
        for path in exc.paths:
            err.print(f"  {output / path}")
        err.print(
            "  [green]fix:[/] move your changes into the user-owned files, or run again "
            "with --force (each edited file is kept as <file>.orig)"
        )
        raise typer.Exit(EXIT_CONFLICT) from None
    print_design_changes(out, since.design)
    print_api_changes(out, since.api)
    notice = (
        write_notice(
            handoff, plan.notices[-1].path, api_notice(since.api, output, plan.notices[-1])
        )
        if since.api
        else None
    )
    if notice is not None:
        out.print(f"[bold]notice to the next phase[/]: {notice}")
    print_stale_rules(err, since.stale_rules)
    out.print(
        f"[green]wrote[/] {output}: {len(written.written)} written, "
        f"{len(written.unchanged)} unchanged, {len(written.kept)} kept (yours), "
        f"{len(written.removed)} removed"
    )
    code, inspection = (
        _inspection(output, every=False, as_json=False, database_url=None, after=True, console=out)
        if inspect
        else (EXIT_OK, None)
    )
    if as_json:
        _print_json(
            generation_json(result, plan, output, since, notice=notice, inspection=inspection)
        )
    raise typer.Exit(code)


def _accepted(handoff: Path, lenient: bool, out: Console, err: Console) -> Accepted:
    """The handoff accepted; bad input (exit 2) or a No-Go item (exit 3) ends the command."""
    try:
        result = accept(handoff, lenient=lenient)
    except HandoffInputError as exc:
        report.print_error(err, exc.problem)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if not isinstance(result, Accepted):
        report.print_halted(out, result)
        out.print("[bold red]HALT: fix the No-Go items above before continuing.[/]")
        raise typer.Exit(EXIT_HALT)
    return result


def _since_written(result: Accepted, record: JsonValue, design: list[DesignChange]) -> Accepted:
    """The RFIs of a handoff accepted over the service an earlier run wrote (its `record`):
    the `design` changes since that lose data are RFIs; the order of a step already written
    is no longer a question."""
    written = {e.revision for e in recorded_revisions(record)}
    rfis = written_steps_kept(result.rfis, result.model.migrations.steps, written)
    return dataclasses.replace(result, rfis=rfis + change_rfis(design))


def _since_last_run(
    output: Path,
    design: list[DesignChange],
    plan: ProjectPlan,
    files: dict[str, RenderedFile],
) -> SinceLastRun:
    """What generating `files` would do to the service an earlier run wrote into `output`
    (the `design` changes since, the API's, its rules), read before anything is written."""
    return SinceLastRun(
        files=plan_writes(files, output),
        design=design,
        api=list(plan.api_changes),
        stale_rules=stale_rules(
            output, {api.module: {op.function for op in api.operations} for api in plan.apis}
        ),
    )


@app.command("plan")
def plan_command(
    handoff: Annotated[Path, typer.Argument(help="The handoff directory.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    lenient: Lenient = False,
) -> None:
    """The sprint plan: the in-scope work by tier (architecture and schema, data access,
    services, auth, endpoints), each after what it depends on, else by score. Writes
    nothing; from-handoff writes the same as SPRINT.md."""
    out = Console(soft_wrap=False)
    result = _accepted(handoff, lenient, out, Console(stderr=True))
    sprint = plan_sprint(result.model, stubs(result.model))
    if as_json:
        _print_json(sprint.to_json())
        return
    print_sprint(out, sprint)


@app.command("gate")
def gate_command(
    service_dir: Annotated[Path, typer.Argument(help="The generated service's directory.")],
    approve: Annotated[bool, typer.Option("--approve", help="Record the gate APPROVED.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who approves or sends back.")] = None,
    revise: Annotated[
        str | None,
        typer.Option("--revise", help="Send it back: the items to revise, separated by `;`."),
    ] = None,
    handoff: Annotated[
        Path | None,
        typer.Option("--handoff", help="The handoff (default: the one it was generated from)."),
    ] = None,
    skip_tests: Annotated[
        bool, typer.Option("--skip-tests", help="Do not run the generated tests (not READY).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print gate.json.")] = False,
) -> None:
    """The phase's gate: assemble GATE.md and .gen-backend/gate.json (every operation
    implemented, the tests run, the inspection, RFIs answered, interventions processed, API
    changes told, no Any or print in app/), READY or NOT READY; or record a reviewer's
    decision on it (--approve --by NAME, or --revise NOTES; a fourth revise escalates)."""
    out = Console(soft_wrap=False, stderr=as_json)
    err = Console(stderr=True)
    if not (service_dir / INDEX).is_file():
        err.print(f"[bold red]error[/]: {service_dir} is not a service gen-backend generated")
        err.print(
            f"  [green]fix:[/] generate it with `gen-backend from-handoff HANDOFF -o {service_dir}`"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    source = handoff or recorded_handoff(service_dir)
    if approve or revise is not None:
        gate = recorded_gate(read_gate(service_dir))
        if gate is None:
            err.print(f"[bold red]error[/]: {service_dir} has no gate yet")
            err.print(f"  [green]fix:[/] run `gen-backend gate {service_dir}` first")
            raise typer.Exit(EXIT_BAD_INPUT)
        gate = _decide(gate, approve=approve, by=by, revise=revise, err=err)
    else:
        acceptance = None
        if source is not None and source.is_dir():
            try:
                acceptance = accept(source)
            except HandoffInputError as exc:
                report.print_error(err, exc.problem)
                raise typer.Exit(EXIT_BAD_INPUT) from None
        facts = service_facts(service_dir, source, acceptance)
        with out.status("Running the generated tests"):
            tests = None if skip_tests else _run_service_tests(service_dir)
        gate = assemble(facts, tests, history_of(read_gate(service_dir)))
    write_gate(service_dir, gate, gate_markdown(gate, service_dir))
    if gate.status is GateStatus.ESCALATED and revise is not None and source is not None:
        day = datetime.date.today()
        folder = f"human-interventions/active/{day.isoformat()}-06-escalation/content.md"
        notice = write_notice(source, folder, escalation_notice(gate, service_dir, day))
        out.print(f"[bold red]escalated[/]: {notice}")
    if as_json:
        _print_json(gate.to_json())
    else:
        print_gate(out, gate)
    codes = {GateStatus.NOT_READY: EXIT_RFIS, GateStatus.ESCALATED: EXIT_ESCALATED}
    raise typer.Exit(codes.get(gate.status, EXIT_OK))


def _decide(gate: Gate, *, approve: bool, by: str | None, revise: str | None, err: Console) -> Gate:
    """The reviewer's decision on the gate last assembled."""
    day = datetime.date.today().isoformat()
    if approve:
        if not by:
            err.print("[bold red]error[/]: --approve needs --by NAME")
            raise typer.Exit(EXIT_BAD_INPUT)
        if gate.status is not GateStatus.READY:
            status = gate.status.value
            err.print(f"[bold red]error[/]: the gate is {status}; only a READY one is approved")
            raise typer.Exit(EXIT_RFIS)
        return gate.decided(Decision(GateStatus.APPROVED, day, by))
    notes = revise or ""
    flagged = tuple(item.strip() for item in notes.split(";") if item.strip())
    kind = GateStatus.ESCALATED if gate.cycle >= MAX_REVISIONS else GateStatus.REVISE
    return gate.decided(Decision(kind, day, by, notes, flagged))


def _run_service_tests(service_dir: Path) -> TestRun:
    """The generated project's own test suite, as its README runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PYTEST_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=service_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return TestRun.from_output(done.stdout.splitlines()[-1] if done.stdout else "", done.returncode)


interventions = typer.Typer(
    name="intervention", help="Human interventions in a handoff folder.", no_args_is_help=True
)
app.add_typer(interventions)


@interventions.command("done")
def intervention_done(
    handoff: Annotated[Path, typer.Argument(help="The handoff directory.")],
    name: Annotated[
        str,
        typer.Argument(help="The intervention: its file's stem under human-interventions/active/"),
    ],
    note: Annotated[str, typer.Option("--note", help="What was done about it.")],
) -> None:
    """Record an intervention as processed: its front matter gets today's date and the note,
    and it moves to human-interventions/processed/."""
    err = Console(stderr=True)
    try:
        moved = process_intervention(handoff, name, note, datetime.date.today())
    except NoSuchInterventionError as exc:
        err.print(f"[bold red]error[/]: no active intervention `{escape(name)}` in {handoff}")
        waiting = ", ".join(exc.waiting) or "none"
        err.print(f"  [green]fix:[/] name one of those waiting: {escape(waiting)}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    Console().print(f"[green]processed[/] {escape(name)}: {moved}")


@app.command("inspect")
def inspect_command(
    service_dir: Annotated[Path, typer.Argument(help="The generated service's directory.")],
    every: Annotated[
        bool, typer.Option("--all", help="Inspect every in-scope operation, not the first.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="DATABASE_URL",
            help="A database the probes may migrate and fill (default: a fresh SQLite file).",
        ),
    ] = None,
) -> None:
    """First Article Inspection: probe the first operation by priority through the app, on a
    fresh database, and check OpenAPI alignment, error handling, validation, auth and its
    queries. Writes INSPECTION.md and inspection.json into SERVICE_DIR."""
    code, _ = _inspection(service_dir, every=every, as_json=as_json, database_url=database_url)
    raise typer.Exit(code)


def _inspection(
    service_dir: Path,
    *,
    every: bool,
    as_json: bool,
    database_url: str | None,
    after: bool = False,
    console: Console | None = None,
) -> tuple[int, JsonValue]:
    """Run the inspection, write and print its report: the exit code and the report (None
    when it could not run). `after` generating, an inspection that cannot run (the service's
    dependencies missing here) is skipped with a note, not an error."""
    out = console or Console(soft_wrap=False)
    err = Console(stderr=True)
    try:
        index = read_index(service_dir)
        service = index.service
        with out.status("Inspecting"):
            results = inspect_service(service_dir, every=every, database_url=database_url)
    except InspectionRunError as exc:
        if after:
            out.print(f"[yellow]inspection skipped[/]: {exc.message}")
            out.print(f"  then run `gen-backend inspect {service_dir}`; {exc.fix}")
            return EXIT_OK, None
        err.print(f"[bold red]error[/]: {exc.message}")
        err.print(f"  [green]fix:[/] {exc.fix}")
        return EXIT_BAD_INPUT, None
    database = "a fresh SQLite database" if not database_url else "the database DATABASE_URL names"
    stubs = () if every else tuple(str(op["operation_id"]) for op in index.stubs)
    payload = inspection_report.to_json(results, service, database, stubs)
    (service_dir / "inspection.json").write_text(
        json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    (service_dir / "INSPECTION.md").write_text(
        inspection_report.to_markdown(results, service, database, stubs), encoding="utf-8"
    )
    if as_json:
        _print_json(payload)
    else:
        inspection_report.print_report(out, results, stubs)
        out.print(f"report: {service_dir / 'INSPECTION.md'}")
    if inspection_report.is_systemic(results):
        return EXIT_HALT, payload
    return (EXIT_RFIS if inspection_report.failed_checks(results) else EXIT_OK), payload


def _fails(result: Accepted, fail_on: FailOn) -> bool:
    if fail_on is FailOn.NEVER:
        return False
    levels = {Severity.ERROR} if fail_on is FailOn.ERROR else {Severity.ERROR, Severity.WARNING}
    return any(r.severity in levels for r in result.open_rfis)  # answered ones do not fail


def _print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    """Console entry point: no traceback reaches the user unless GEN_BACKEND_DEBUG is set."""
    try:
        app()
    except Exception as exc:  # a bug of ours, not the user's input
        if os.environ.get("GEN_BACKEND_DEBUG"):
            raise
        Console(stderr=True).print(
            f"[bold red]internal error[/]: {type(exc).__name__}: {exc}\n"
            "This is a bug in gen-backend. Run again with GEN_BACKEND_DEBUG=1 for details."
        )
        sys.exit(EXIT_INTERNAL)
