"""Which security schemes the generated code checks, and how: shared by the RFIs and the
planner, so that what acceptance warns about and what is generated agree.

Bearer-like schemes (`http bearer`, `oauth2`, `openIdConnect`, and an API key sent in the
`Authorization` header) all mean the JWT of the `Authorization: Bearer` header. An API key in
another header or in a cookie is checked against the service's configured keys. The rest
(`http basic` and other HTTP schemes, `mutualTLS`, API keys in the query string, which end up
in access logs) are not checked: operations that list them take the bearer token instead."""

from __future__ import annotations

from gen_backend.model.api import SecurityScheme, SecuritySchemeKind

_BEARER_KINDS = {SecuritySchemeKind.OAUTH2, SecuritySchemeKind.OPENID_CONNECT}


def is_bearer(scheme: SecurityScheme) -> bool:
    """Whether the scheme carries the JWT of the `Authorization: Bearer` header."""
    if scheme.kind in _BEARER_KINDS:
        return True
    if scheme.kind is SecuritySchemeKind.HTTP:
        return (scheme.scheme or "").lower() == "bearer"
    return (
        scheme.kind is SecuritySchemeKind.API_KEY
        and scheme.location == "header"
        and (scheme.parameter_name or "").lower() == "authorization"
    )


def is_checked_api_key(scheme: SecurityScheme) -> bool:
    """Whether the scheme is an API key (in a header or a cookie) the generated code checks."""
    return (
        scheme.kind is SecuritySchemeKind.API_KEY
        and scheme.location in ("header", "cookie")
        and bool(scheme.parameter_name)
        and not is_bearer(scheme)
    )


def is_unchecked(scheme: SecurityScheme) -> bool:
    """Whether the generated code cannot check the scheme (it takes a bearer token instead)."""
    return not is_bearer(scheme) and not is_checked_api_key(scheme)
