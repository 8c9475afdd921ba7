"""The phase's gate: the package a reviewer approves or sends back (issue 22).

`assemble` checks a generated service (and the handoff it came from) against the phase's exit
criteria; each check that fails is an open item, and the gate is READY only without any. A
reviewer's decision is recorded in `.gen-backend/gate.json`: APPROVED, or REVISE with the items
flagged. Three revise cycles are allowed; a fourth escalates. Reading and writing the service's
files is the command layer's; this module decides.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pydantic import JsonValue

from gen_backend.accept import Accepted, Halted
from gen_backend.validate.rfis import Severity

MAX_REVISIONS = 3


class GateStatus(StrEnum):
    READY = "READY"
    NOT_READY = "NOT READY"
    APPROVED = "APPROVED"
    REVISE = "REVISE"
    ESCALATED = "ESCALATED"


@dataclass(frozen=True)
class GateCheck:
    name: str
    open_items: tuple[str, ...] = ()  # what keeps it from passing
    detail: str = ""  # what it found, when it passes

    @property
    def passed(self) -> bool:
        return not self.open_items


@dataclass(frozen=True)
class TestRun:
    """The generated test suite's run: its counts and exit code."""

    passed: int
    failed: int
    skipped: int
    errors: int
    exit_code: int

    @classmethod
    def from_output(cls, output: str, exit_code: int) -> TestRun:
        counts = {
            kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|skipped|error)", output)
        }
        return cls(
            counts.get("passed", 0),
            counts.get("failed", 0),
            counts.get("skipped", 0),
            counts.get("error", 0),
            exit_code,
        )


@dataclass(frozen=True)
class Decision:
    decision: GateStatus  # APPROVED, REVISE or ESCALATED
    on: str  # ISO date
    by: str | None = None
    notes: str = ""
    flagged: tuple[str, ...] = ()

    def to_json(self) -> JsonValue:
        return {
            "decision": self.decision.value,
            "on": self.on,
            "by": self.by,
            "notes": self.notes,
            "flagged": list(self.flagged),
        }


@dataclass(frozen=True)
class Gate:
    checks: tuple[GateCheck, ...]
    history: tuple[Decision, ...] = ()
    tests: TestRun | None = None

    @property
    def cycle(self) -> int:
        """How many times the reviewer sent it back."""
        return sum(d.decision is GateStatus.REVISE for d in self.history)

    @property
    def flagged(self) -> tuple[str, ...]:
        """What the last REVISE asked for, shown first."""
        revisions = [d for d in self.history if d.decision is GateStatus.REVISE]
        return revisions[-1].flagged if revisions else ()

    @property
    def open_items(self) -> tuple[str, ...]:
        return tuple(item for c in self.checks for item in c.open_items)

    @property
    def status(self) -> GateStatus:
        last = self.history[-1].decision if self.history else None
        if last is GateStatus.ESCALATED:
            return last
        if self.open_items:  # an approval holds only while nothing is open again
            return GateStatus.NOT_READY
        return GateStatus.APPROVED if last is GateStatus.APPROVED else GateStatus.READY

    def decided(self, decision: Decision) -> Gate:
        return Gate(self.checks, (*self.history, decision), self.tests)

    def to_json(self) -> JsonValue:
        return {
            "status": self.status.value,
            "cycle": self.cycle,
            "max_revisions": MAX_REVISIONS,
            "flagged": list(self.flagged),
            "open_items": list(self.open_items),
            "checks": [
                {
                    "name": c.name,
                    "passed": c.passed,
                    "open_items": list(c.open_items),
                    "detail": c.detail,
                }
                for c in self.checks
            ],
            "tests": None
            if self.tests is None
            else {
                "passed": self.tests.passed,
                "failed": self.tests.failed,
                "skipped": self.tests.skipped,
                "errors": self.tests.errors,
                "exit_code": self.tests.exit_code,
            },
            "history": [d.to_json() for d in self.history],
        }


def recorded_gate(recorded: JsonValue) -> Gate | None:
    """The gate a previous gate.json holds, to record a decision on (None without one)."""
    found = recorded.get("checks") if isinstance(recorded, dict) else None
    if not isinstance(recorded, dict) or not isinstance(found, list):
        return None
    checks = []
    for c in found:
        if isinstance(c, dict):
            items = c.get("open_items")
            checks.append(
                GateCheck(
                    str(c.get("name", "")),
                    tuple(str(i) for i in items) if isinstance(items, list) else (),
                    str(c.get("detail", "")),
                )
            )
    tests = recorded.get("tests")
    run = (
        TestRun(
            *(
                int(str(tests.get(k, 0)))
                for k in ("passed", "failed", "skipped", "errors", "exit_code")
            )
        )
        if isinstance(tests, dict)
        else None
    )
    return Gate(tuple(checks), history_of(recorded), run)


def history_of(recorded: JsonValue) -> tuple[Decision, ...]:
    """The decisions a previous gate.json holds (none where it does not read)."""
    entries = recorded.get("history") if isinstance(recorded, dict) else None
    found = []
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict) and e.get("decision") in {s.value for s in GateStatus}:
            flagged = e.get("flagged")
            found.append(
                Decision(
                    GateStatus(str(e["decision"])),
                    str(e.get("on", "")),
                    str(e["by"]) if e.get("by") else None,
                    str(e.get("notes", "")),
                    tuple(str(f) for f in flagged) if isinstance(flagged, list) else (),
                )
            )
    return tuple(found)


@dataclass(frozen=True)
class ServiceFacts:
    """What the gate reads of a generated service and its handoff (the command layer reads
    the files)."""

    index: JsonValue  # .gen-backend/inspection.json
    rules: dict[str, set[str]]  # app/<domain>/rules.py -> the methods it defines
    inspection: JsonValue  # inspection.json, None when the inspection has not run
    acceptance: Accepted | Halted | None  # the handoff accepted again, None if not found
    notices: Sequence[str]  # the API-change notices the record lists (paths in the handoff)
    handoff: Path | None
    app_sources: dict[str, str] = field(default_factory=dict)  # app/**.py -> its text


def assemble(facts: ServiceFacts, tests: TestRun | None, history: tuple[Decision, ...]) -> Gate:
    checks = (
        _implemented(facts),
        _tested(tests),
        _inspected(facts.inspection),
        *_handoff_checks(facts),
        _clean(facts.app_sources),
    )
    return Gate(checks, history, tests)


def _implemented(facts: ServiceFacts) -> GateCheck:
    operations = facts.index.get("operations") if isinstance(facts.index, dict) else None
    open_items = []
    total = 0
    for op in operations if isinstance(operations, list) else []:
        if not isinstance(op, dict):
            continue
        total += 1
        why, rules = op.get("left_to_you_because"), op.get("rules")
        if why is None:
            continue
        file, _, method = str(rules).partition(":")
        if method not in facts.rules.get(file, set()):
            open_items.append(
                f"`{op.get('operation_id')}` answers 501 ({why}): write `{method}` in {file}"
            )
    return GateCheck(
        "Every in-scope operation implemented", tuple(open_items), f"{total} operations"
    )


def _tested(tests: TestRun | None) -> GateCheck:
    name = "The generated test suite passes"
    if tests is None:
        return GateCheck(name, ("the test suite was not run (--skip-tests)",))
    said = (
        f"{tests.passed} passed, {tests.failed} failed, {tests.skipped} skipped, "
        f"{tests.errors} errors"
    )
    if tests.exit_code != 0 or tests.failed or tests.errors:
        return GateCheck(name, (f"the test suite fails: {said}",))
    return GateCheck(name, detail=said)


def _inspected(report: JsonValue) -> GateCheck:
    name = "The First Article Inspection passed"
    if not isinstance(report, dict):
        return GateCheck(name, ("the inspection has not run: `gen-backend inspect SERVICE`",))
    failed = report.get("failed_checks")
    if failed:
        return GateCheck(name, (f"the inspection failed {failed} check(s): see INSPECTION.md",))
    operations = report.get("operations")
    count = len(operations) if isinstance(operations, list) else 0
    return GateCheck(name, detail=f"{count} operation(s) inspected, every check passed")


def _handoff_checks(facts: ServiceFacts) -> tuple[GateCheck, ...]:
    rfis, interventions, notices = "RFIs answered", "Interventions processed", "API changes told"
    result = facts.acceptance
    if result is None or facts.handoff is None:
        missing = ("the handoff it was generated from is not found: give --handoff",)
        return (
            GateCheck(rfis, missing),
            GateCheck(interventions, missing),
            GateCheck(notices, missing),
        )
    if isinstance(result, Halted):
        halted = tuple(f"No-Go: {f.item}: {f.problem}" for f in result.failures)
        return GateCheck(rfis, halted), GateCheck(interventions, halted), GateCheck(notices)
    open_rfis = tuple(
        f"RFI {r.code.value} at {r.location} ({r.severity.value}) has no answer in rfis.yaml"
        for r in result.open_rfis
        if r.severity is not Severity.INFO
    )
    waiting = tuple(
        f"intervention `{i.name}` ({i.urgency}) is waiting: {i.title}"
        for i in result.model.interventions
        if i.waiting
    )
    told = ("active", "processed")
    unsent = tuple(
        f"the API-change notice {path} is not in the handoff"
        for path in facts.notices
        if not any((facts.handoff / path.replace("active", state, 1)).exists() for state in told)
    )
    answered = sum(r.answer is not None for r in result.rfis)
    return (
        GateCheck(rfis, open_rfis, f"{answered} answered"),
        GateCheck(interventions, waiting),
        GateCheck(notices, unsent, f"{len(facts.notices)} notice(s)"),
    )


def _clean(sources: dict[str, str]) -> GateCheck:
    """No `Any` and no `print` in app/: the project's own rule, checked on what is there now
    (a person's code included)."""
    found = []
    for path, text in sorted(sources.items()):
        try:
            tree = ast.parse(text)
        except SyntaxError as error:
            found.append(f"{path}:{error.lineno}: does not parse")
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Name) and node.id == "Any") or (
                isinstance(node, ast.Attribute) and node.attr == "Any"
            ):
                found.append(f"{path}:{node.lineno}: `Any`")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "print"
            ):
                found.append(f"{path}:{node.lineno}: `print`")
    return GateCheck("No `Any` and no `print` in app/", tuple(found), f"{len(sources)} modules")
