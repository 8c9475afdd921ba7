"""The acceptance step of `check` and `from-handoff`: load -> No-Go -> model -> RFIs, and the
operations the plan leaves to hand-written code, so that `check` reports every 501 stub that
`from-handoff` would write, with the same reason (OPERATION_STUBBED).

A pure function of the handoff directory: it returns a verdict and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gen_backend.load import load_handoff
from gen_backend.load.raw import RawRfiAnswer
from gen_backend.model.api import OperationKind
from gen_backend.model.build import build_model
from gen_backend.model.service import ServiceModel
from gen_backend.plan.project import stubs
from gen_backend.validate.nogo import NoGoFailure, no_go_failures
from gen_backend.validate.rfis import (
    Code,
    Rfi,
    RfiAnswer,
    Severity,
    cross_check,
)


@dataclass(frozen=True)
class Halted:
    handoff: Path
    failures: tuple[NoGoFailure, ...]
    # the spec of a handoff that has little else: `gen-backend init` drafts the rest
    bare_spec: Path | None = None


@dataclass(frozen=True)
class Accepted:
    handoff: Path
    model: ServiceModel
    rfis: tuple[Rfi, ...]  # open ones first, each by severity
    stale_answers: tuple[RfiAnswer, ...] = ()  # answers to RFIs no longer raised

    @property
    def open_rfis(self) -> tuple[Rfi, ...]:
        return tuple(r for r in self.rfis if r.open)

    @property
    def readback(self) -> str:
        return self.model.read_back


def accept(handoff: Path, *, lenient: bool = False) -> Accepted | Halted:
    """Raises HandoffInputError for malformed input; returns Halted when a No-Go check fails.
    `lenient` reads a spec that fails validation, each error an RFI (SPEC_INVALID)."""
    raw = load_handoff(handoff, lenient=lenient)
    failures = no_go_failures(raw)
    if failures:
        spec = raw.paths.get("openapi")
        drafted = ("manifest", "schema", "auth", "migrations")
        bare = spec is not None and any(raw.paths.get(name) is None for name in drafted)
        return Halted(handoff, tuple(failures), spec if bare else None)
    model, resolved = build_model(raw)
    spec = raw.paths.get("openapi")
    rfis = cross_check(raw, model, resolved) + _stub_rfis(
        model, raw.relative(spec) if spec else "openapi.yaml"
    )
    order = list(Severity)
    answered, stale = _answered(rfis, raw.answers.answers if raw.answers else [])
    ranked = tuple(sorted(answered, key=lambda r: (not r.open, order.index(r.severity))))
    return Accepted(handoff, model, ranked, stale)


_ANSWER_FIELDS = {"code", "location", "answer", "note", "change"}


_ANSWER_FIELDS = {"code", "location", "answer", "note", "change"}


def _answered(
    rfis: list[Rfi], answers: Sequence[RawRfiAnswer]
) -> tuple[list[Rfi], tuple[RfiAnswer, ...]]:
    """Each RFI with its answer from rfis.yaml (by code and location), and the answers that
    match no RFI raised now (the question went away, or was asked elsewhere)."""
    given = {
        (a.code, a.location): RfiAnswer.model_validate(a.model_dump(include=_ANSWER_FIELDS))
        for a in answers
    }
    found = [r.model_copy(update={"answer": given.get((r.code.value, r.location))}) for r in rfis]
    asked = {(r.code.value, r.location) for r in rfis}
    return found, tuple(a for key, a in given.items() if key not in asked)


def _stub_rfis(model: ServiceModel, artifact: str) -> list[Rfi]:
    """One OPERATION_STUBBED per in-scope operation the plan leaves as a 501 stub: a warning
    where the spec reads as CRUD the generator could not build, else information."""
    specs = {op.operation_id: op for op in model.in_scope_operations}
    found = []
    for stub in stubs(model):
        spec = specs[stub.operation_id]
        crud = spec.kind is not OperationKind.CUSTOM
        found.append(
            Rfi(
                code=Code.OPERATION_STUBBED,
                severity=Severity.WARNING if crud else Severity.INFO,
                artifact=artifact,
                location=spec.pointer,
                question=f"`{stub.operation_id}` ({stub.method.upper()} {stub.path}) will "
                f"answer 501 until it is written in app/{stub.module}/rules.py: {stub.why_custom}.",
                suggestion="answer the questions above about it, or write it by hand"
                if crud
                else "write it in rules.py; set `kind:` (and `table:`) under handoff.yaml "
                "`operations:` if it is a list, get, create, replace, update or delete",
            )
        )
    return found
