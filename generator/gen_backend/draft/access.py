"""ApiModel -> the auth & permission model a bare spec implies: the spec's scopes are
permissions, a permission per method class covers the operations without scopes, three roles."""

from __future__ import annotations

from dataclasses import dataclass

from gen_backend.draft.design import Assumption
from gen_backend.model.api import ApiModel

READ, WRITE = "api:read", "api:write"


@dataclass(frozen=True)
class DraftAuth:
    audience: str
    roles: dict[str, list[str]]
    defaults: dict[str, list[str]] | None
    assumptions: tuple[Assumption, ...]


def draft_auth(api: ApiModel, service: str) -> DraftAuth:
    guarded = [op for op in api.operations if not op.public]
    scopes = list(
        dict.fromkeys(
            scope
            for op in guarded
            for requirement in op.security
            for _, scheme_scopes in requirement.schemes
            for scope in scheme_scopes
        )
    )
    unscoped = [
        op
        for op in guarded
        if not any(scheme_scopes for r in op.security for _, scheme_scopes in r.schemes)
    ]
    assumptions: list[Assumption] = []
    defaults = None
    if unscoped:
        defaults = {"read": [READ], "write": [WRITE]}
        assumptions.append(
            Assumption(
                f"{len(unscoped)} operation(s) name no scopes: each needs `{READ}` (GET, HEAD) "
                f"or `{WRITE}` (the other methods), the defaults in auth.yaml",
                ("auth.yaml defaults",),
            )
        )
    if not any(op.security for op in api.operations):
        assumptions.append(
            Assumption(
                "The spec declares no security: every operation needs a bearer token (JWT); "
                "name an operation `public` under auth.yaml `operations:` where anyone may call "
                "it",
                ("auth.yaml operations",),
            )
        )
    reads = [READ] if defaults else []
    writes = [READ, WRITE] if defaults else []
    roles = {
        "reader": reads + [s for s in scopes if "read" in s.lower()],
        "writer": writes + scopes,
        "admin": ["*"],
    }
    roles = {role: permissions for role, permissions in roles.items() if permissions}
    assumptions.append(
        Assumption(
            "Roles reader, writer and admin are drafted; no table has an owner, so a caller "
            "with the permission reads and changes every row. Add `ownership:` in auth.yaml "
            "where rows belong to the caller",
            ("auth.yaml roles", "auth.yaml ownership"),
        )
    )
    return DraftAuth(
        audience=service, roles=roles, defaults=defaults, assumptions=tuple(assumptions)
    )
