"""Planning an operation's ways in from its OpenAPI `security` (plan/access.py)."""

from __future__ import annotations

from pathlib import Path

from gen_backend.accept import Accepted, accept
from gen_backend.model import (
    HttpMethod,
    Operation,
    PermissionSource,
    SecurityRequirement,
    SecurityScheme,
    SecuritySchemeKind,
)
from gen_backend.model.credentials import is_unchecked
from gen_backend.plan.access import AccessPlan, api_key_schemes, bearer_scheme_name, plan_access
from gen_backend.validate.rfis import Code

SCHEMES = {
    s.name: s
    for s in (
        SecurityScheme(name="bearerAuth", kind=SecuritySchemeKind.HTTP, scheme="bearer"),
        SecurityScheme(name="oauth", kind=SecuritySchemeKind.OAUTH2),
        SecurityScheme(
            name="partnerKey",
            kind=SecuritySchemeKind.API_KEY,
            location="header",
            parameter_name="X-Partner-Key",
        ),
        SecurityScheme(
            name="session",
            kind=SecuritySchemeKind.API_KEY,
            location="cookie",
            parameter_name="session-id",
        ),
        SecurityScheme(
            name="Token",
            kind=SecuritySchemeKind.API_KEY,
            location="header",
            parameter_name="Authorization",
        ),
        SecurityScheme(
            name="queryKey", kind=SecuritySchemeKind.API_KEY, location="query", parameter_name="k"
        ),
        SecurityScheme(name="basic", kind=SecuritySchemeKind.HTTP, scheme="basic"),
    )
}


def _op(
    *alternatives: dict[str, tuple[str, ...]],
    permissions: tuple[str, ...] = (),
    source: PermissionSource = PermissionSource.AUTH_YAML,
    public: bool = False,
) -> Operation:
    return Operation(
        operation_id="op",
        method=HttpMethod.GET,
        path="/things",
        pointer="/paths/~1things/get",
        security=tuple(
            SecurityRequirement(schemes=tuple(alternative.items())) for alternative in alternatives
        ),
        permissions=permissions,
        permission_source=source,
        public=public,
    )


def test_no_security_means_a_bearer_token_with_the_permissions() -> None:
    assert plan_access(_op(permissions=("things:read",)), SCHEMES) == (
        AccessPlan(bearer=True, api_keys=(), permissions=("things:read",)),
    )


def test_a_public_operation_has_no_way_in_to_check() -> None:
    assert plan_access(_op({"bearerAuth": ()}, public=True), SCHEMES) == ()


def test_alternatives_are_kept_apart_and_share_the_handoffs_permissions() -> None:
    access = plan_access(_op({"bearerAuth": ()}, {"partnerKey": ()}, permissions=("p",)), SCHEMES)
    assert access == (AccessPlan(True, (), ("p",)), AccessPlan(False, ("partnerKey",), ("p",)))


def test_schemes_of_one_alternative_are_all_needed() -> None:
    access = plan_access(_op({"bearerAuth": (), "session": ()}, permissions=("p",)), SCHEMES)
    assert access == (AccessPlan(True, ("session",), ("p",)),)


def test_scopes_are_the_permissions_of_their_own_alternative() -> None:
    access = plan_access(
        _op(
            {"partnerKey": ()},
            {"oauth": ("write:pets", "read:pets")},
            permissions=("write:pets", "read:pets"),
            source=PermissionSource.SECURITY_SCOPES,
        ),
        SCHEMES,
    )
    assert access == (
        AccessPlan(False, ("partnerKey",), ()),
        AccessPlan(True, (), ("write:pets", "read:pets")),
    )


def test_an_alternative_another_one_always_admits_is_dropped() -> None:
    # a bearer token with no scope admits whoever a token with `board:read` would
    access = plan_access(
        _op(
            {"bearerAuth": ()},
            {"oauth": ("board:read",)},
            permissions=("board:read",),
            source=PermissionSource.SECURITY_SCOPES,
        ),
        SCHEMES,
    )
    assert access == (AccessPlan(True, (), ()),)
    twice = plan_access(_op({"bearerAuth": ()}, {"oauth": ()}, permissions=("p",)), SCHEMES)
    assert twice == (AccessPlan(True, (), ("p",)),)


def test_an_authorization_header_key_and_unchecked_schemes_mean_the_bearer_token() -> None:
    for name in ("Token", "queryKey", "basic", "nowhere"):
        assert plan_access(_op({name: ()}, permissions=("p",)), SCHEMES) == (
            AccessPlan(True, (), ("p",)),
        ), name
    assert [n for n, s in SCHEMES.items() if is_unchecked(s)] == ["queryKey", "basic"]


def test_the_api_key_schemes_checked_are_those_the_operations_use() -> None:
    operations = (_op({"session": ()}, {"queryKey": ()}), _op({"Token": ()}))
    assert [k.name for k in api_key_schemes(operations, SCHEMES)] == ["session"]
    assert api_key_schemes((_op({"session": ()}, public=True),), SCHEMES) == ()


def test_the_bearer_scheme_keeps_the_specs_name() -> None:
    assert bearer_scheme_name(SCHEMES) == "bearerAuth"
    assert bearer_scheme_name({"oauth": SCHEMES["oauth"]}) == "oauth"
    assert bearer_scheme_name({}) == "HTTPBearer"


def test_schemes_the_generated_code_cannot_check_are_raised(tmp_path: Path) -> None:
    """Redocly's museum spec uses HTTP basic auth everywhere; the cafe spec only OAuth2 and a
    header API key, which are checked."""
    from .test_foreign_handoffs import corpus_spec_handoff

    def unchecked(spec: str) -> set[str]:
        result = accept(corpus_spec_handoff(tmp_path / spec, spec))
        assert isinstance(result, Accepted)
        return {r.location for r in result.rfis if r.code is Code.SECURITY_SCHEME_UNCHECKED}

    assert unchecked("redocly-museum") == {"/components/securitySchemes/MuseumPlaceholderAuth"}
    assert unchecked("redoc-cafe") == set()
