"""The five checks of the First Article Inspection, judged from the evidence the service's
probes recorded (`.gen-backend/inspection_probes.py`). Pure functions: evidence in, verdicts out."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import JsonValue

PROBLEM = "application/problem+json"
MAX_STATEMENTS_PER_GET = 3  # the caller's scope for row-level security, the row, one more
SYSTEMIC = 3  # this many failed checks or more: halt and fix the root cause

# each error status, and the probe that provokes it
ERROR_PROBES = (
    (400, "not_json"),
    (401, "no_token"),
    (403, "no_permission"),
    (404, "missing"),
    (422, "invalid"),
    (500, "fault"),
)


@dataclass(frozen=True)
class Check:
    """One check of one operation: passed or not, what was found, and the probes it read."""

    name: str
    passed: bool
    findings: tuple[str, ...]
    probes: tuple[str, ...] = ()


@dataclass(frozen=True)
class OperationInspection:
    operation_id: str
    method: str
    path: str
    fr_id: str | None
    score: float
    checks: tuple[Check, ...]
    exchanges: tuple[dict[str, JsonValue], ...]
    rows_made: str | None = None  # how the rows its requests needed were made

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)


def judge(entry: dict[str, JsonValue], evidence: dict[str, JsonValue]) -> OperationInspection:
    """The checks of one operation (`entry` from `.gen-backend/inspection.json`)."""
    raw = evidence.get("exchanges")
    exchanges = tuple(e for e in (raw if isinstance(raw, list) else []) if isinstance(e, dict))
    by_probe = {str(e.get("probe")): e for e in exchanges}
    score = entry.get("score")
    return OperationInspection(
        operation_id=str(entry["operation_id"]),
        method=str(entry["method"]),
        path=str(entry["path"]),
        fr_id=str(entry["fr_id"]) if entry.get("fr_id") else None,
        score=float(score) if isinstance(score, int | float) else 0.0,
        checks=(
            _alignment(entry, evidence, by_probe),
            _errors(entry, by_probe),
            _validation(entry, by_probe),
            _auth(entry, by_probe),
            _queries(entry, evidence, by_probe),
        ),
        exchanges=exchanges,
        rows_made=_rows_made(evidence.get("made")),
    )


def _alignment(
    entry: dict[str, JsonValue],
    evidence: dict[str, JsonValue],
    by_probe: dict[str, dict[str, JsonValue]],
) -> Check:
    """The served OpenAPI for the operation against the handoff's spec, and the valid
    request's answer against the spec's success status."""
    differences = evidence.get("differences")
    findings = [str(d) for d in differences] if isinstance(differences, list) else []
    valid = by_probe.get("valid")
    expected = entry.get("status")
    if valid is None:
        findings.append("the valid request was not sent")
    elif valid.get("status") != expected:
        findings.append(
            f"a valid request answered {valid.get('status')}, the spec's success is {expected}"
            + _title(valid)
        )
    return Check("OpenAPI alignment", not findings, tuple(findings), ("valid",))


def _errors(entry: dict[str, JsonValue], by_probe: dict[str, dict[str, JsonValue]]) -> Check:
    """Each error status provoked for real, each answered in the problem format."""
    findings: list[str] = []
    notes: list[str] = []
    used: list[str] = []
    for status, probe in ERROR_PROBES:
        exchange = by_probe.get(probe)
        if exchange is None:
            notes.append(f"{status}: {_why_not_sent(entry, probe)}")
            continue
        used.append(probe)
        wrong = _problem(exchange, status, entry)
        if wrong:
            findings.append(f"{status} ({probe}): {wrong}")
        if status == 500 and isinstance(exchange.get("body"), str | dict):
            text = str(exchange.get("body"))
            if any(leak in text for leak in ("Traceback", "RuntimeError", "injected")):
                findings.append("500: the answer shows the fault's details")
    return Check("Error handling", not findings, tuple(findings + notes), tuple(used))


def _validation(entry: dict[str, JsonValue], by_probe: dict[str, dict[str, JsonValue]]) -> Check:
    """An input of the wrong type, and one beyond a bound of the spec, are each a 422
    whose field errors name it."""
    findings: list[str] = []
    failed = False
    used: list[str] = []
    for probe, key, what, none in (
        ("invalid", "invalid_input", "sent as the wrong type", "no typed input to break"),
        ("out_of_bounds", "out_of_bounds", "sent beyond a bound", "no input with a bound"),
    ):
        pointer = entry.get(key)
        exchange = by_probe.get(probe)
        if not pointer or exchange is None:
            findings.append(none)
            continue
        used.append(probe)
        wrong = _problem(exchange, 422, entry)
        body = exchange.get("body")
        if _errors_shape(entry)[1] is not None:  # the spec's own shape: named anywhere in it
            if wrong is None and str(pointer) not in json.dumps(body):
                wrong = "a 422 that does not name it"
        else:
            errors = body.get("errors") if isinstance(body, dict) else None
            named = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
            if wrong is None and not any(e.get("pointer") == pointer for e in named):
                found = ", ".join(str(e.get("pointer")) for e in named) or "none"
                wrong = f"a 422 whose field errors do not name it (they name {found})"
        failed = failed or wrong is not None
        findings.append(f"{pointer} {what}: {wrong or '422 naming it'}")
    return Check("Validation", not failed, tuple(findings), tuple(used))


def _auth(entry: dict[str, JsonValue], by_probe: dict[str, dict[str, JsonValue]]) -> Check:
    """No token is a 401; a token without the permission is a 403."""
    if entry.get("public"):
        return Check("Auth", True, ("a public operation: no credentials needed",))
    findings: list[str] = []
    notes: list[str] = []
    no_token = by_probe.get("no_token")
    if no_token is None or no_token.get("status") != 401:
        findings.append(f"no token: {_answered(no_token)}, not 401")
    elif not no_token.get("www_authenticate"):
        findings.append("no token: a 401 without WWW-Authenticate")
    permissions = entry.get("permissions")
    if permissions:
        refused = by_probe.get("no_permission")
        if refused is None or refused.get("status") != 403:
            findings.append(f"a token without {permissions}: {_answered(refused)}, not 403")
    else:
        notes.append("it needs no permission beyond a valid token: no 403 to provoke")
    return Check("Auth", not findings, tuple(findings + notes), ("no_token", "no_permission"))


def _queries(
    entry: dict[str, JsonValue],
    evidence: dict[str, JsonValue],
    by_probe: dict[str, dict[str, JsonValue]],
) -> Check:
    """A list runs as many statements for 25 rows as for 1; a get, a small fixed number."""
    if entry.get("list"):
        one, many = by_probe.get("rows_1"), by_probe.get("rows_25")
        if one is None or many is None:
            return Check("Query analysis", False, ("the list was not requested twice",))
        items = evidence.get("items")
        rows_one, rows_many = _rows(one, items), _rows(many, items)
        said = (
            f"{one.get('statements')} statements for {rows_one} row(s), "
            f"{many.get('statements')} for {rows_many}"
        )
        if one.get("status") != 200 or many.get("status") != 200:
            return Check(
                "Query analysis",
                False,
                (f"the list answered {one.get('status')} and {many.get('status')}",),
                ("rows_1", "rows_25"),
            )
        if rows_many <= rows_one:
            return Check(
                "Query analysis", False, (f"the rows did not grow: {said}",), ("rows_1", "rows_25")
            )
        made = _seeding(evidence.get("seeding"))
        if one.get("statements") != many.get("statements"):
            return Check("Query analysis", False, (f"N+1: {said}", *made), ("rows_1", "rows_25"))
        return Check("Query analysis", True, (said, *made), ("rows_1", "rows_25"))
    valid = by_probe.get("valid")
    count = valid.get("statements") if valid else None
    if entry.get("get"):
        passed = isinstance(count, int) and count <= MAX_STATEMENTS_PER_GET
        return Check(
            "Query analysis",
            passed,
            (f"{count} statements for one row (at most {MAX_STATEMENTS_PER_GET})",),
            ("valid",),
        )
    return Check("Query analysis", True, (f"{count} statements (not a list or a get)",), ("valid",))


def _rows_made(made: JsonValue) -> str | None:
    """How many rows the probes' requests needed were made through the app (by create
    operation), and how many by the test factories (by table, with why)."""
    if not isinstance(made, dict):
        return None
    through, by, why = made.get("through_app"), made.get("by_factories"), made.get("why")
    if not isinstance(through, dict) or not isinstance(by, dict) or not isinstance(why, dict):
        return None
    parts = []
    if through:
        each = ", ".join(f"`{op}` {n}" for op, n in through.items())
        parts.append(f"{_total(through)} through the app ({each})")
    if by:
        each = ", ".join(f"`{table}` {n}: {why.get(table)}" for table, n in by.items())
        parts.append(f"{_total(by)} by the test factories ({each})")
    return "; ".join(parts) or "none"


def _total(counts: dict[str, JsonValue]) -> int:
    return sum(n for n in counts.values() if isinstance(n, int))


def _seeding(seeding: JsonValue) -> tuple[str, ...]:
    """How the rows a list was counted over were made: through the app's own create
    operation, or (what it refused, or all of them, and why) by the service's test factories."""
    if not isinstance(seeding, dict):
        return ()
    rows, made = seeding.get("rows"), seeding.get("through_app")
    operation = seeding.get("operation")
    if not isinstance(rows, int) or not isinstance(made, int):
        return ()
    if operation is None:
        return (f"the {rows} rows made by the test factories: {seeding.get('why')}",)
    if made == rows:
        return (f"the {rows} rows made through the app: `{operation}`",)
    return (
        f"{made} of the {rows} rows made through the app (`{operation}`), the rest by the test "
        "factories: it refused one (seed_refused) or answered a key of no row",
    )


def _rows(exchange: dict[str, JsonValue], items: JsonValue) -> int:
    body = exchange.get("body")
    if isinstance(items, str) and isinstance(body, dict):
        body = body.get(items)
    return len(body) if isinstance(body, list) else 0


def _problem(
    exchange: dict[str, JsonValue], status: int, entry: dict[str, JsonValue]
) -> str | None:
    """What is wrong with `exchange` as a `status` error answer (an RFC 9457 problem, or the
    spec's own error shape, as the operation's `entry` says), or None."""
    media_type, shape = _errors_shape(entry)
    if exchange.get("status") != status:
        return f"answered {exchange.get('status')}" + _title(exchange)
    if not str(exchange.get("content_type", "")).startswith(media_type):
        return f"answered as {exchange.get('content_type') or 'no media type'}, not {media_type}"
    body = exchange.get("body")
    if shape is not None:
        return None if isinstance(body, dict) and body else f"the body is no `{shape}`"
    if not isinstance(body, dict) or body.get("status") != status or "title" not in body:
        return "the body is not a problem (status and title)"
    return None


def _errors_shape(entry: dict[str, JsonValue]) -> tuple[str, str | None]:
    """(media type, the spec's error schema or None for RFC 9457) of the entry's errors."""
    errors = entry.get("errors")
    if not isinstance(errors, dict):  # an index written before errors took other shapes
        return PROBLEM, None
    shape = errors.get("shape")
    return str(errors.get("media_type") or PROBLEM), str(shape) if shape else None


def _title(exchange: dict[str, JsonValue] | None) -> str:
    body = exchange.get("body") if exchange else None
    return f" ({body['title']})" if isinstance(body, dict) and "title" in body else ""


def _answered(exchange: dict[str, JsonValue] | None) -> str:
    return "not sent" if exchange is None else f"answered {exchange.get('status')}"


def _why_not_sent(entry: dict[str, JsonValue], probe: str) -> str:
    return {
        "not_json": "not provoked: the service takes no JSON body",
        "no_token": "not applicable: a public operation",
        "no_permission": "not applicable: no permission beyond a valid token"
        if not entry.get("public")
        else "not applicable: a public operation",
        "missing": "not provoked",
        "invalid": "not applicable: no input of a type a wrong value can break",
        "out_of_bounds": "not applicable: no bounded input",
        "fault": "not provoked",
    }[probe]
