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
    request body or a response (nested fields by their path, `items[].title`). What the
    client sends breaks it when newly required or narrowed; what it reads, when it goes, may
    be absent, or changes type."""
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
            continue
        was = before[name]
        if _required(was) != required:
            found.append(_requirement_change(label, kind, name, required, sent))
        if isinstance(was, list) and isinstance(spec, list) and len(was) > 1 and len(spec) > 1:
            found += _shape_changes(label, kind, name, was[1], spec[1], sent)
    found += [
        ApiChange(label, f"{kind} `{name}` removed", True, _REMOVED[kind].format(name))
        for name in before
        if name not in after
    ]
    return found


def _requirement_change(label: str, kind: str, name: str, required: bool, sent: bool) -> ApiChange:
    if sent:
        if required:
            return ApiChange(label, f"{kind} `{name}` now required", True, f"send `{name}`")
        return ApiChange(label, f"{kind} `{name}` no longer required", False, "nothing to do")
    if required:
        return ApiChange(label, f"{kind} `{name}` always answered now", False, "nothing to do")
    return ApiChange(
        label, f"{kind} `{name}` may be absent now", True, f"read `{name}` as optional"
    )


def _shape_changes(
    label: str, kind: str, name: str, old: JsonValue, new: JsonValue, sent: bool
) -> list[ApiChange]:
    """How the shape of one member changed (plan.contract's shapes), looking into objects,
    array items, enum values and a scalar's bounds."""
    if old == new or "any" in (old, new):
        return []
    old_map = old if isinstance(old, dict) else {}
    new_map = new if isinstance(new, dict) else {}
    if "object" in old_map and "object" in new_map:
        was, now = old_map["object"], new_map["object"]
        assert isinstance(was, dict)
        assert isinstance(now, dict)
        return _member_changes(label, kind, _prefixed(name, was), _prefixed(name, now))
    if "array" in old_map and "array" in new_map:
        return _shape_changes(label, kind, f"{name}[]", old_map["array"], new_map["array"], sent)
    if "enum" in old_map and "enum" in new_map:
        return _enum_changes(label, kind, name, old_map["enum"], new_map["enum"], sent)
    if "type" in old_map and old_map.get("type") == new_map.get("type"):
        narrowed = sent and _narrower(old_map.get("bounds"), new_map.get("bounds"))
        return [
            ApiChange(
                label,
                f"{kind} `{name}`: bounds {old_map.get('bounds')} -> {new_map.get('bounds')}",
                narrowed,
                f"send `{name}` within the new bounds" if narrowed else "nothing to do",
            )
        ]
    return [
        ApiChange(
            label,
            f"{kind} `{name}` changed type",
            True,
            f"{'send' if sent else 'read'} `{name}` as the new contract says",
        )
    ]


def _prefixed(name: str, members: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {f"{name}.{k}" if name else k: v for k, v in members.items()}


def _enum_changes(
    label: str, kind: str, name: str, old: JsonValue, new: JsonValue, sent: bool
) -> list[ApiChange]:
    """Values added to what a client sends widen it; values gone break a client that sends
    them. A client that reads the field may meet a new value: compatible, with a note."""
    before = {str(v) for v in old} if isinstance(old, list) else set()
    after = {str(v) for v in new} if isinstance(new, list) else set()
    added, gone = ", ".join(sorted(after - before)), ", ".join(sorted(before - after))
    found = []
    if added:
        found.append(
            ApiChange(
                label,
                f"{kind} `{name}` takes {added}",
                False,
                "nothing to do" if sent else f"handle `{name}` being {added}",
            )
        )
    if gone:
        found.append(
            ApiChange(
                label,
                f"{kind} `{name}` no longer takes {gone}",
                sent,
                f"stop sending {gone}" if sent else "nothing to do",
            )
        )
    return found


_LOWER = {"minimum", "exclusiveMinimum", "minLength", "minItems"}
_UPPER = {"maximum", "exclusiveMaximum", "maxLength", "maxItems"}


def _narrower(old: JsonValue, new: JsonValue) -> bool:
    """Whether the bounds `new` refuse a value `old` allowed."""
    before = old if isinstance(old, dict) else {}
    after = new if isinstance(new, dict) else {}
    for bound, limit in after.items():
        was = before.get(bound)
        if was == limit:
            continue
        numeric = isinstance(was, int | float) and isinstance(limit, int | float)
        if not numeric or bound not in _LOWER | _UPPER:
            return True  # a bound added, or a pattern or format changed
        assert isinstance(was, int | float)
        assert isinstance(limit, int | float)
        if (limit > was) if bound in _LOWER else (limit < was):
            return True
    return False


def _body_changes(
    label: str, part: str, old: JsonValue, new: JsonValue, at: int
) -> list[ApiChange]:
    """Changes of a request body (`at` 1: [media type, shape]) or a success response (`at` 2:
    [status, media type, shape]), field by field."""
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
    return _shape_changes(label, f"{part} field", "", old[at], new[at], at == 1)


def _head(value: JsonValue, at: int) -> str:
    if not isinstance(value, list):
        return "none"
    return " ".join(str(v) for v in value[:at])
