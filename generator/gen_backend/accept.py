"""The acceptance step of `check` (and, later, of `from-handoff`): load -> No-Go -> model -> RFIs.

A pure function of the handoff directory: it returns a verdict and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gen_backend.load import load_handoff
from gen_backend.model.build import build_model
from gen_backend.model.service import ServiceModel
from gen_backend.validate.nogo import NoGoFailure, no_go_failures
from gen_backend.validate.rfis import Rfi, cross_check

PYTHON_VERSION = "3.11"


@dataclass(frozen=True)
class Halted:
    handoff: Path
    failures: tuple[NoGoFailure, ...]


@dataclass(frozen=True)
class Accepted:
    handoff: Path
    model: ServiceModel
    rfis: tuple[Rfi, ...]

    @property
    def readback(self) -> str:
        return read_back(self.model)


def accept(handoff: Path) -> Accepted | Halted:
    """Raises HandoffInputError for malformed input; returns Halted when a No-Go check fails."""
    raw = load_handoff(handoff)
    failures = no_go_failures(raw)
    if failures:
        return Halted(handoff, tuple(failures))
    model, resolved = build_model(raw)
    return Accepted(handoff, model, tuple(cross_check(raw, model, resolved)))


def read_back(model: ServiceModel) -> str:
    """The restatement of what will be built, in the words the implementation standard uses."""
    total = len(model.operations)
    in_scope = len(model.in_scope_operations)
    constraints = [d.decision + (f" ({d.intent})" if d.intent else "") for d in model.decisions]
    constraints += list(model.constraints)
    return (
        f"We are implementing {model.product} backend using Python {PYTHON_VERSION} / FastAPI / "
        f"SQLAlchemy 2 / Alembic. Release Mode: {model.release_mode.label}. "
        f"The API has {total} endpoint{'s' if total != 1 else ''} ({in_scope} in scope). "
        f"The database is {model.database.label}. "
        f"Key constraints: {'; '.join(constraints) if constraints else 'none stated'}."
    )
