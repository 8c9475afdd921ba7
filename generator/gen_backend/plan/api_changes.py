"""What changed in the served API between two runs, each change breaking a client or not.

The previous run's API is the contract it wrote (`tests/openapi_contract.json`, plan.contract:
per operation its parameters, request body, success response, as shapes); the new one is the
contract the plan computes now. Who may call each operation (public, or the permissions its
bearer token needs) is read off the inspection's index of each run (`.gen-backend/
inspection.json`, plan.inspection). A change is breaking when a client written against the
old API can fail against the new one: an operation or a response field gone, a new required
input, a type changed, a credential or permission now needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import JsonValue


@dataclass(frozen=True)
class ApiChange:
    operation: str  # `GET /books (listBooks)`
    what: str
    breaking: bool
    migration: str  # what a client does about it


def _key(contract: JsonValue) -> tuple[str, str] | None:
    if not isinstance(contract, dict):
        return None
    method, path = contract.get("method"), contract.get("path")
    return (method, path) if isinstance(method, str) and isinstance(path, str) else None


def _label(contract: dict[str, JsonValue]) -> str:
    return f"{contract['method']} {contract['path']} ({contract['operation_id']})"


# (method, path) -> (public, the permissions a bearer token needs)
Access = dict[tuple[str, str], tuple[bool, frozenset[str]]]


def access_of(index: JsonValue) -> Access:
    """Who may call each operation, from an inspection index (none where it does not read)."""
    operations = index.get("operations") if isinstance(index, dict) else None
    found: Access = {}
    for op in operations if isinstance(operations, list) else []:
        if isinstance(op, dict) and (key := _key(op)):
            permissions = op.get("permissions")
            held = permissions if isinstance(permissions, list) else []
            found[key] = (op.get("public") is True, frozenset(str(p) for p in held))
    return found


def api_changes(
    before: JsonValue, after: JsonValue, access: tuple[Access, Access] = ({}, {})
) -> list[ApiChange]:
    """The changes from the contracts `before` to `after`, and in who may call an operation
    (`access` before and after), breaking ones first."""
    old = {k: c for c in (before if isinstance(before, list) else []) if (k := _key(c))}
    new = {k: c for c in (after if isinstance(after, list) else []) if (k := _key(c))}
    changes: list[ApiChange] = []
    for key, contract in new.items():
        assert isinstance(contract, dict)
        if key not in old:
            changes.append(ApiChange(_label(contract), "added", False, "nothing to do"))
    for key, contract in old.items():
        assert isinstance(contract, dict)
        if key not in new:
            changes.append(
                ApiChange(
                    _label(contract),
                    "removed",
                    True,
                    "stop calling it: it answers 404 or 405 now",
                )
            )
            continue
        current = new[key]
        assert isinstance(current, dict)
        changes += _operation_changes(_label(current), contract, current)
        was, now = access[0].get(key), access[1].get(key)
        if was is not None and now is not None:
            changes += _access_changes(_label(current), was, now)
    return sorted(changes, key=lambda c: not c.breaking)


def _access_changes(
    label: str, was: tuple[bool, frozenset[str]], now: tuple[bool, frozenset[str]]
) -> list[ApiChange]:
    (was_public, had), (public, needs) = was, now
    if was_public and not public:
        held = ", ".join(sorted(needs)) or "no permission"
        return [
            ApiChange(
                label,
                "now needs a bearer token",
                True,
                f"send a token (holding {held}); without one it answers 401",
            )
        ]
    if public and not was_public:
        return [ApiChange(label, "public now: no token needed", False, "nothing to do")]
    found = [
        ApiChange(
            label,
            f"now needs the permission `{p}`",
            True,
            f"give the callers' tokens `{p}`; without it it answers 403",
        )
        for p in sorted(needs - had)
    ]
    found += [
        ApiChange(label, f"no longer needs the permission `{p}`", False, "nothing to do")
        for p in sorted(had - needs)
    ]
    return found


def _operation_changes(
    label: str, old: dict[str, JsonValue], new: dict[str, JsonValue]
) -> list[ApiChange]:
    found: list[ApiChange] = []
    if old.get("operation_id") != new.get("operation_id"):
        found.append(
            ApiChange(
                label,
                f"operationId {old.get('operation_id')} -> {new.get('operation_id')}",
                True,
                "regenerate the client: its method for this operation has a new name",
            )
        )
    found += _parameter_changes(label, old.get("parameters"), new.get("parameters"))
    found += _status_changes(label, old.get("statuses"), new.get("statuses"))
    found += _body_changes(label, "request body", old.get("request"), new.get("request"), 1)
    found += _body_changes(label, "response", old.get("response"), new.get("response"), 2)
    return found


def _status_changes(label: str, old: JsonValue, new: JsonValue) -> list[ApiChange]:
    """Statuses the spec declares, added or gone: a client may meet a new one, and a gone
    one is no longer answered (the success status is the response's, compared there)."""
    before = {str(s) for s in old} if isinstance(old, list) else set()
    after = {str(s) for s in new} if isinstance(new, list) else set()
    found = [
        ApiChange(label, f"may answer {s}", False, f"handle {s}") for s in sorted(after - before)
    ]
    found += [
        ApiChange(label, f"no longer answers {s}", False, "nothing to do")
        for s in sorted(before - after)
    ]
    return found


def _parameter_changes(label: str, old: JsonValue, new: JsonValue) -> list[ApiChange]:
    before = old if isinstance(old, dict) else {}
    after = new if isinstance(new, dict) else {}
    return _member_changes(label, "parameter", before, after)


# what a client does about a member removed, by the kind of member
_REMOVED = {
    "parameter": "stop relying on `{}`: it is no longer read",
    "request body field": "stop sending `{}` (it is refused)",
    "response field": "stop reading `{}`: it is no longer answered",
}


def _required(spec: JsonValue) -> bool:
    return isinstance(spec, list) and spec[0] is True


def _member_changes(
    label: str, kind: str, before: dict[str, JsonValue], after: dict[str, JsonValue]
) -> list[ApiChange]:
    """Changes of named members, each `[required, shape]`: the parameters, or the fields of a
    request body or a response. What the client sends breaks it when newly required; what it
    reads, when it goes or changes."""
    sent = kind != "response field"
    found = []
    for name, spec in after.items():
        required = _required(spec)
        if name not in before:
            breaking = sent and required
            found.append(
                ApiChange(
                    label,
                    f"{kind} `{name}` added" + (", required" if required else ""),
                    breaking,
                    f"send `{name}`" if breaking else "nothing to do",
                )
            )
        elif before[name] != spec:
            was = before[name]
            loosened = (
                sent
                and isinstance(was, list)
                and isinstance(spec, list)
                and was[1:] == spec[1:]
                and _required(was)
            )
            found.append(
                ApiChange(
                    label,
                    f"{kind} `{name}` "
                    + ("no longer required" if loosened else "changed (required or type)"),
                    not loosened,
                    "nothing to do"
                    if loosened
                    else f"{'send' if sent else 'read'} `{name}` as the new contract says",
                )
            )
    found += [
        ApiChange(label, f"{kind} `{name}` removed", True, _REMOVED[kind].format(name))
        for name in before
        if name not in after
    ]
    return found


def _fields(shape: JsonValue) -> dict[str, JsonValue] | None:
    if isinstance(shape, dict) and isinstance(shape.get("object"), dict):
        fields = shape["object"]
        assert isinstance(fields, dict)
        return fields
    return None


def _body_changes(
    label: str, part: str, old: JsonValue, new: JsonValue, at: int
) -> list[ApiChange]:
    """Changes of a request body (`at` 1: [media type, shape]) or a success response (`at` 2:
    [status, media type, shape]), field by field where both are objects."""
    if old == new:
        return []
    if not (isinstance(old, list) and isinstance(new, list)) or old[:at] != new[:at]:
        return [
            ApiChange(
                label,
                f"{part} changed: {_head(old, at)} -> {_head(new, at)}",
                True,
                f"send and read the {part} as the new contract says",
            )
        ]
    before, after = _fields(old[at]), _fields(new[at])
    if before is None or after is None:
        return [ApiChange(label, f"{part} changed", True, f"follow the new {part} schema")]
    return _member_changes(label, f"{part} field", before, after)


def _head(value: JsonValue, at: int) -> str:
    if not isinstance(value, list):
        return "none"
    return " ".join(str(v) for v in value[:at])
