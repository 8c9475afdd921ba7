"""Planning who may call an operation: the alternatives of its OpenAPI `security`, each a set
of credentials (a bearer token, API keys) and the permissions its caller must hold.

The spec's `security` is a list of alternatives (any one suffices), each a set of schemes (all
of them needed). Which schemes mean the bearer token, which are API keys the generated code
checks, and which it cannot check is decided in `gen_backend.model.credentials`."""

from __future__ import annotations

from dataclasses import dataclass

from gen_backend.model import Operation, PermissionSource, SecurityScheme, SecuritySchemeKind
from gen_backend.model.credentials import is_bearer, is_checked_api_key
from gen_backend.plan.names import identifier


@dataclass(frozen=True)
class ApiKeySchemePlan:
    """An API key scheme of the spec the generated code checks."""

    name: str  # the spec's scheme name
    location: str  # header or cookie
    parameter: str  # the header or cookie name

    @property
    def attr(self) -> str:
        """A Python name for it."""
        return identifier(self.name)


@dataclass(frozen=True)
class AccessPlan:
    """One way in: a bearer token and/or API keys (all of them), whose caller holds every one
    of `permissions`."""

    bearer: bool
    api_keys: tuple[str, ...]  # scheme names
    permissions: tuple[str, ...]

    @property
    def bearer_only(self) -> bool:
        return self.bearer and not self.api_keys

    def covers(self, other: AccessPlan) -> bool:
        """Whether a caller meeting `other` always meets this one too (so `other` adds
        nothing next to it)."""
        return (
            self.bearer <= other.bearer
            and set(self.api_keys) <= set(other.api_keys)
            and set(self.permissions) <= set(other.permissions)
        )


def checked_api_key(scheme: SecurityScheme) -> ApiKeySchemePlan | None:
    """The plan of an API key the generated code checks itself, None for any other scheme."""
    if is_checked_api_key(scheme) and scheme.location and scheme.parameter_name:
        return ApiKeySchemePlan(scheme.name, scheme.location, scheme.parameter_name)
    return None


def plan_access(op: Operation, schemes: dict[str, SecurityScheme]) -> tuple[AccessPlan, ...]:
    """The ways into a non-public operation, the redundant ones left out; a bearer token with
    the operation's permissions when the spec names no scheme."""
    if op.public:
        return ()
    from_scopes = op.permission_source is PermissionSource.SECURITY_SCOPES
    found: list[AccessPlan] = []
    for requirement in op.security:
        bearer = False
        api_keys: list[str] = []
        scopes: list[str] = []
        for name, scheme_scopes in requirement.schemes:
            scheme = schemes.get(name)
            api_key = checked_api_key(scheme) if scheme is not None else None
            if api_key is not None:
                api_keys.append(api_key.name)
            else:
                bearer = True
            scopes.extend(scheme_scopes)
        permissions = tuple(dict.fromkeys(scopes)) if from_scopes else op.permissions
        found.append(AccessPlan(bearer, tuple(dict.fromkeys(api_keys)), permissions))
    if not found:
        found.append(AccessPlan(True, (), op.permissions))
    kept: list[AccessPlan] = []
    for index, access in enumerate(found):
        redundant = any(
            other.covers(access) and (other != access or earlier < index)
            for earlier, other in enumerate(found)
            if earlier != index
        )
        if not redundant:
            kept.append(access)
    return tuple(kept)


def api_key_schemes(
    operations: tuple[Operation, ...], schemes: dict[str, SecurityScheme]
) -> tuple[ApiKeySchemePlan, ...]:
    """The API key schemes the operations use, in the spec's order of schemes."""
    used = {
        name for op in operations for r in op.security for name, _ in r.schemes if not op.public
    }
    plans = (checked_api_key(s) for name, s in schemes.items() if name in used)
    return tuple(p for p in plans if p is not None)


def bearer_scheme_name(schemes: dict[str, SecurityScheme]) -> str:
    """The name the served OpenAPI gives the bearer token: the spec's (an `http bearer`
    scheme first), else FastAPI's own."""
    bearer = [s for s in schemes.values() if is_bearer(s)]
    bearer.sort(key=lambda s: s.kind is not SecuritySchemeKind.HTTP)
    return bearer[0].name if bearer else "HTTPBearer"
