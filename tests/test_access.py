"""Planning an operation's ways in from its OpenAPI `security` (plan/access.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
from gen_backend.plan.project import ProjectPlan, plan_project
from gen_backend.plan.tests import TestPlan as PlannedTest
from gen_backend.validate.rfis import Code

from .conftest import SAMPLES

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


def _sample_plan(sample: str) -> ProjectPlan:
    result = accept(SAMPLES / sample)
    assert isinstance(result, Accepted)
    return plan_project(result.model, result.rfis)


def test_a_list_under_an_owned_parent_is_guarded_by_the_parents_owner() -> None:
    """`GET /orders/{orderId}/items` lists nothing of an order the caller does not own: the
    order must be the caller's (or a bypass role's), else 404; a list under an unowned parent
    only needs the parent to exist."""
    orders = _sample_plan("orders")
    items = next(api for api in orders.apis if api.module == "order_items")
    (guard,) = items.guards_of("list_order_items")
    assert (guard.class_name, guard.owner, guard.bypass_roles) == (
        "Order",
        "placed_by",
        ("finance", "admin"),
    )
    assert items.bypass_role_of("list_order_items") == "finance"
    assert items.sees_every_row == ("finance", "admin")
    library = _sample_plan("library")
    books = next(api for api in library.apis if api.module == "books")
    listing = next(op.function for op in books.operations if op.path == "/authors/{authorId}/books")
    (guard,) = books.guards_of(listing)
    assert guard.owner is None


def test_the_list_request_test_makes_its_caller_the_parents_owner() -> None:
    tenants = _sample_plan("tenants")
    planned = next(f for f in tenants.files if f.path == "tests/comments/test_api.py")
    tests = planned.context["tests"]
    assert isinstance(tests, tuple)
    listing = next(
        t for t in tests if isinstance(t, PlannedTest) and t.op.function == "list_comments"
    )
    assert listing.lookup is not None
    assert listing.lookup.class_name == "Task"
    assert listing.owner_source == "row.tenant_id"  # the comment's owner, made the task's too
    assert listing.parent_made_owners
    assert listing.missing_path == "/tasks/00000000-0000-4000-8000-000000000000/comments"


def _with_defaults(root: Path, spec: str, defaults: str, operations: str = "") -> Accepted:
    """The tiny corpus-spec handoff around `spec`, its auth.yaml giving `defaults` (and
    `operations`) instead of roles per operation."""
    from .test_foreign_handoffs import corpus_spec_handoff

    handoff = corpus_spec_handoff(root, spec)
    auth = handoff / "auth.yaml"
    auth.write_text(auth.read_text() + f"defaults: {defaults}\n" + operations)
    result = accept(handoff)
    assert isinstance(result, Accepted)
    return result


def test_operations_nothing_names_take_the_default_of_their_method_class(tmp_path: Path) -> None:
    """oai-petstore-expanded declares no security at all: every operation needs the default
    of its class, none is made public by it, and check says which way each went."""
    result = _with_defaults(
        tmp_path, "oai-petstore-expanded", "{read: [pets:read], write: [pets:write]}"
    )
    taken = {
        op.operation_id: (op.public, op.permissions, op.permission_source)
        for op in result.model.operations
    }
    assert taken == {
        "findPets": (False, ("pets:read",), PermissionSource.DEFAULTS),
        "addPet": (False, ("pets:write",), PermissionSource.DEFAULTS),
        "find pet by id": (False, ("pets:read",), PermissionSource.DEFAULTS),
        "deletePet": (False, ("pets:write",), PermissionSource.DEFAULTS),
    }
    said = {r.location: r.question for r in result.rfis if r.code is Code.PERMISSION_DEFAULTED}
    assert said.keys() == {"/defaults/read", "/defaults/write"}
    assert "2 operations" in said["/defaults/read"]
    assert "findPets" in said["/defaults/read"]
    assert Code.PERMISSION_MISSING not in {r.code for r in result.rfis}


def test_named_operations_scopes_and_public_ones_keep_their_own(tmp_path: Path) -> None:
    """Defaults are the weakest source: auth.yaml `operations:`, `public` and the spec's
    OAuth scopes still decide where they say something."""
    result = _with_defaults(
        tmp_path,
        "swagger-petstore3",
        "{all: [store:use]}",
        "operations: {getInventory: public, logoutUser: [users:session]}\n",
    )
    ops = {op.operation_id: op for op in result.model.operations}
    assert ops["getInventory"].public
    assert ops["logoutUser"].permission_source is PermissionSource.AUTH_YAML
    assert ops["addPet"].permissions == ("write:pets", "read:pets")  # its oauth2 scopes
    assert ops["getOrderById"].permissions == ("store:use",)
    assert ops["getOrderById"].permission_source is PermissionSource.DEFAULTS


def test_defaults_give_all_or_read_and_write_not_both(tmp_path: Path) -> None:
    from gen_backend.errors import HandoffInputError

    with pytest.raises(HandoffInputError) as caught:
        _with_defaults(tmp_path, "oai-petstore-expanded", "{all: [a], read: [b]}")
    assert caught.value.problem.location == "/defaults"
