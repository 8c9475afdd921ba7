"""Running the inspection: the service's own interpreter runs its probes
(`.gen-backend/inspection_probes.py`, with pytest and the tests' conftest, so they get the
tests' fresh database, tokens and factories), which leave their evidence in a temporary
directory; each operation is then judged from it. Writes nothing into the service (the
command layer writes the report)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import JsonValue

from gen_backend.inspection.checks import Check, OperationInspection, judge

INDEX = Path(".gen-backend") / "inspection.json"
PROBES = ".gen-backend/inspection_probes.py"
PROBE_TIMEOUT_S = 900
_NEEDED = ("pytest", "fastapi", "sqlalchemy", "httpx", "jwt")


class InspectionRunError(Exception):
    """The inspection could not run at all: what failed, and the fix."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


@dataclass(frozen=True)
class InspectionIndex:
    """`.gen-backend/inspection.json`: the in-scope operations, highest priority first."""

    service: str
    operations: tuple[dict[str, JsonValue], ...]

    def targets(self, *, every: bool) -> tuple[dict[str, JsonValue], ...]:
        """The first operation by priority that was generated (an operation left to
        hand-written code, a 501 stub, is no article yet) and that the probes reach; or
        `every` operation they reach, stubs included (a stub still answering 501 fails)."""
        probed = tuple(op for op in self.operations if op.get("probed"))
        return probed if every else tuple(op for op in probed if not _stub(op))[:1]

    @property
    def stubs(self) -> tuple[dict[str, JsonValue], ...]:
        return tuple(op for op in self.operations if _stub(op))


def _stub(operation: dict[str, JsonValue]) -> bool:
    return operation.get("kind") in ("custom", None)


def read_index(service_dir: Path) -> InspectionIndex:
    path = service_dir / INDEX
    if not path.is_file():
        raise InspectionRunError(
            f"{service_dir} has no {INDEX}: it is not a service gen-backend generated",
            f"generate it with `gen-backend from-handoff HANDOFF -o {service_dir}`",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        operations = tuple(op for op in data["operations"] if isinstance(op, dict))
        return InspectionIndex(service=str(data["service"]), operations=operations)
    except (ValueError, KeyError, TypeError) as exc:
        raise InspectionRunError(
            f"{path} is not an inspection index ({exc})",
            "regenerate the service with `gen-backend from-handoff` (it rewrites the index)",
        ) from None


def service_python(service_dir: Path) -> str:
    """The service's own virtual environment's interpreter if it has one, else this one."""
    for candidate in (
        service_dir / ".venv" / "bin" / "python",
        service_dir / "venv" / "bin" / "python",
    ):
        if candidate.is_file():
            return str(candidate)
    return sys.executable


def inspect_service(
    service_dir: Path,
    *,
    every: bool = False,
    database_url: str | None = None,
    python: str | None = None,
) -> tuple[OperationInspection, ...]:
    """Probe the first operation by priority (or `every` one) and judge each. The probes run
    on a fresh SQLite database, or on `database_url`, which they migrate and fill."""
    index = read_index(service_dir)
    targets = index.targets(every=every)
    if not targets:
        raise InspectionRunError(
            f"no generated operation of {index.service} can be probed",
            "see GENERATION.md; write the operations left to you (501), then inspect them "
            "with `gen-backend inspect --all`",
        )
    interpreter = python or service_python(service_dir)
    _check_interpreter(interpreter, service_dir)
    with tempfile.TemporaryDirectory(prefix="gen-backend-inspection-") as evidence_dir:
        # the probes' pytest takes no options from a pytest that may be running this one
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env |= {
            "INSPECTION_EVIDENCE": evidence_dir,
            "INSPECTION_OPERATIONS": ",".join(str(t["operation_id"]) for t in targets),
        }
        env.pop("TEST_DATABASE_URL", None)
        if database_url:
            env["TEST_DATABASE_URL"] = database_url
        done = subprocess.run(
            # the tests' fixtures (fresh database, tokens, client), as a plugin: the probes
            # sit outside tests/, in gen-backend's own folder
            [
                interpreter,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "tests.conftest",
                PROBES,
            ],
            cwd=service_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
        results = []
        for target in targets:
            path = Path(evidence_dir) / f"{target['operation_id']}.json"
            if path.is_file():
                evidence = json.loads(path.read_text(encoding="utf-8"))
                results.append(judge(target, evidence if isinstance(evidence, dict) else {}))
            else:
                results.append(_unfinished(target, done.stdout + done.stderr))
    return tuple(results)


def _check_interpreter(python: str, service_dir: Path) -> None:
    """The service's dependencies must be importable by the interpreter that probes it."""
    probe = f"import {', '.join(_NEEDED)}"
    found = subprocess.run(
        [python, "-c", probe], cwd=service_dir, capture_output=True, text=True, check=False
    )
    if found.returncode != 0:
        missing = found.stderr.strip().splitlines()[-1:] or ["an import failed"]
        raise InspectionRunError(
            f"{python} cannot run the service's probes: {missing[0]}",
            f"install the service with its test dependencies (`pip install -e '.[dev]'` in "
            f"{service_dir}, into {service_dir / '.venv'}), or run gen-backend from that "
            "environment",
        )


def _unfinished(target: dict[str, JsonValue], output: str) -> OperationInspection:
    """An operation whose probe recorded nothing: the service failed before it could answer
    (an import error, a failing seed). Every check fails, with the probe's last words."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    last = next((line for line in reversed(lines) if "Error" in line or "error" in line), None)
    finding = f"the probe did not finish: {last or (lines[-1] if lines else 'no output')}"
    names = ("OpenAPI alignment", "Error handling", "Validation", "Auth", "Query analysis")
    score = target.get("score")
    return OperationInspection(
        operation_id=str(target["operation_id"]),
        method=str(target["method"]),
        path=str(target["path"]),
        fr_id=str(target["fr_id"]) if target.get("fr_id") else None,
        score=float(score) if isinstance(score, int | float) else 0.0,
        checks=tuple(Check(name, False, (finding,)) for name in names),
        exchanges=(),
    )
