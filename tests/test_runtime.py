"""The runtime modules (templates/app/core/*.py), which every generated project gets as they
are: tested here as the generator's own code, imported as the project imports them."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from typing import Annotated

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI, Path, Request
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError
from sqlalchemy import ColumnElement, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.core.body_size import BodySizeLimit
from app.core.errors import install_error_handlers
from app.core.jwks import JwksCache, KeySetUnavailableError
from app.core.media import require_media_type
from app.core.openapi import document_problems
from app.core.owners import owned_by
from app.core.pagination import Ordering, Page, after_cursor, encode_cursor
from app.core.principal import Principal, VerifiedTokens, names_in
from app.core.problem import PROBLEM_JSON, ProblemError, invalid_parameter, pointer, request_id
from app.core.refused import refuse_methods
from app.core.schema import ApiSchema


def test_a_pointer_escapes_its_parts() -> None:
    assert pointer(("body", "items", 0, "a/b~c")) == "/body/items/0/a~1b~0c"


def test_an_invalid_parameter_is_a_422_pointing_at_it() -> None:
    problem = invalid_parameter("query", "cursor", "invalid_cursor", "start without one")
    assert (problem.status, problem.title) == (422, "The request is not valid")
    assert problem.errors == [
        {"pointer": "/query/cursor", "code": "invalid_cursor", "message": "start without one"}
    ]


def _media_app() -> FastAPI:
    app = FastAPI()

    @app.exception_handler(ProblemError)
    async def _answer(request: Request, exc: ProblemError) -> JSONResponse:
        return JSONResponse({"title": exc.title}, status_code=exc.status, headers=exc.headers)

    @app.post("/json", dependencies=[Depends(require_media_type("application/json"))])
    async def take_json() -> dict[str, str]:
        return {"taken": "yes"}

    @app.post("/images", dependencies=[Depends(require_media_type("image/*"))])
    async def take_image() -> dict[str, str]:
        return {"taken": "yes"}

    @app.get("/id")
    async def answer_id(given: str = Depends(request_id)) -> dict[str, str]:
        return {"id": given}

    return app


def _call(
    method: str, path: str, *, content: bytes | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=_media_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, content=content, headers=headers)

    return asyncio.run(call())


@pytest.mark.parametrize(
    ("path", "content_type", "status"),
    [
        ("/json", "application/json", 200),
        ("/json", "application/merge-patch+json; charset=utf-8", 200),  # any JSON type
        ("/json", "text/plain", 415),
        ("/images", "image/png", 200),
        ("/images", "application/json", 415),
    ],
)
def test_a_body_in_another_media_type_is_a_415(path: str, content_type: str, status: int) -> None:
    response = _call("POST", path, content=b"{}", headers={"Content-Type": content_type})
    assert response.status_code == status
    if status == 415:
        assert response.headers["accept"]


def test_no_body_is_left_to_the_route() -> None:
    assert _call("POST", "/json").status_code == 200


@pytest.mark.parametrize(
    ("given", "kept"), [("abc-123_X.y", True), ("has space", False), ("x" * 129, False)]
)
def test_a_sane_request_id_is_kept_and_any_other_replaced(given: str, kept: bool) -> None:
    answered = _call("GET", "/id", headers={"X-Request-Id": given}).json()["id"]
    assert (answered == given) is kept
    assert answered


def test_a_page_links_its_neighbours_keeping_the_other_parameters() -> None:
    page = Page(
        total=45,
        limit=20,
        offset=20,
        url="http://x/books?q=a&page=2",
        page_param="page",
        limit_param="limit",
    )
    assert (page.page, page.pages, page.has_more, page.has_prev) == (2, 3, True, True)
    assert page.next == "http://x/books?q=a&page=3&limit=20"
    assert page.prev == "http://x/books?q=a&page=1&limit=20"
    assert page.last == "http://x/books?q=a&page=3&limit=20"
    by_offset = Page(total=45, limit=20, offset=40, url="http://x/b", offset_param="offset")
    assert (by_offset.next, by_offset.prev) == (None, "http://x/b?offset=20")


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "rows"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    published: Mapped[datetime.date | None]


def test_a_cursor_leads_past_its_row_in_the_order() -> None:
    order: Ordering = [(_Row.published, True), (_Row.title, False), (_Row.id, False)]
    row = _Row(id=uuid.UUID(int=7), title="Dune", published=datetime.date(1965, 8, 1))
    cursor = encode_cursor(order, row)
    condition = after_cursor(order, cursor, param="cursor")
    sql = str(condition.compile(compile_kwargs={"literal_binds": True}))
    assert "rows.published < '1965-08-01'" in sql
    assert "rows.published IS NULL" in sql  # nulls sort last: they come after any date


@pytest.mark.parametrize(
    "cursor", ["not-base64!", encode_cursor([(_Row.id, False)], _Row(id=uuid.UUID(int=1)))]
)
def test_a_cursor_of_another_list_is_a_422_at_its_parameter(cursor: str) -> None:
    order: Ordering = [(_Row.published, True), (_Row.id, False)]
    with pytest.raises(ProblemError) as raised:
        after_cursor(order, cursor, param="after")
    assert raised.value.status == 422
    assert raised.value.errors == [
        {
            "pointer": "/query/after",
            "code": "invalid_cursor",
            "message": "not a cursor of this list; start without one",
        }
    ]


def _errors_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, limit=16)
    document_problems(app)

    @app.get("/books/{number}")
    async def read(number: Annotated[int, Path(ge=1, le=2**63 - 1)]) -> dict[str, int]:
        if number == 404:
            raise ProblemError(404, "Book not found")
        if number == 409:
            raise IntegrityError("INSERT", {}, Exception("duplicate"))
        if number == 500:
            raise RuntimeError("secret detail")
        return {"number": number}

    @app.post("/books", responses={404: {"description": "Not found"}})
    async def create(body: dict[str, int]) -> dict[str, int]:
        return body

    return app


def _call_errors(
    method: str, path: str, *, content: bytes | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=_errors_app(), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, content=content, headers=headers)

    return asyncio.run(call())


@pytest.mark.parametrize(
    ("method", "path", "content", "status", "title"),
    [
        ("GET", "/books/404", None, 404, "Book not found"),
        ("GET", "/books/409", None, 409, "The request conflicts with existing data"),
        ("GET", "/books/500", None, 500, "Internal server error"),
        ("GET", "/books/0", None, 422, "The request is not valid"),
        ("GET", "/nowhere", None, 404, "Not Found"),
        ("DELETE", "/books/1", None, 405, "Method Not Allowed"),
        ("POST", "/books", b"{not json", 400, "The body is not valid JSON"),
        ("POST", "/books", b'{"a": 1, "b": 2, "c": 3}', 413, "The request body is too large"),
    ],
)
def test_every_error_is_a_problem_with_its_request_id(
    method: str, path: str, content: bytes | None, status: int, title: str
) -> None:
    sent = {"Content-Type": "application/json", "X-Request-Id": "req-1"}
    response = _call_errors(method, path, content=content, headers=sent)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["x-request-id"] == "req-1"
    body = response.json()
    assert (body["status"], body["title"], body["request_id"]) == (status, title, "req-1")
    assert "secret" not in response.text
    if status == 422:
        assert body["errors"][0]["pointer"] == "/path/number"
    if status == 405:
        assert response.headers["allow"] == "GET"


def test_a_literal_path_refuses_the_methods_only_its_templated_neighbour_takes() -> None:
    """`DELETE /books/featured` would reach `DELETE /books/{number}` and be a 422 for its
    number; refused, it is a 405 naming the methods the literal path takes."""
    app = _errors_app()

    @app.delete("/books/{number}")
    async def delete(number: int) -> None: ...

    @app.get("/books/featured")
    async def featured() -> dict[str, int]:
        return {"number": 1}

    refuse_methods(app, "/books/featured", ["DELETE", "PATCH", "POST", "PUT"])
    app.router.routes.insert(0, app.router.routes.pop())  # declared first, as main.py does

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.delete("/books/featured")

    response = asyncio.run(call())
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_the_served_document_names_the_problem_for_every_error() -> None:
    document = _errors_app().openapi()
    responses = document["paths"]["/books"]["post"]["responses"]
    assert responses["404"]["content"] == {
        PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Rfc9457ProblemDetails"}}
    }
    assert "HTTPValidationError" not in document["components"]["schemas"]
    number = document["paths"]["/books/{number}"]["get"]["parameters"][0]["schema"]
    assert number["maximum"] == 2**63 - 1  # exact, not the float FastAPI keeps


def _key_set(kids: list[str]) -> dict[str, list[dict[str, str]]]:
    return {
        "keys": [
            {"kty": "oct", "k": "c2VjcmV0LWtleS1vZi1hdC1sZWFzdC0zMi1ieXRlcw", "kid": kid}
            for kid in kids
        ]
    }


def test_a_key_set_is_fetched_again_for_an_unknown_key_at_most_once_a_while() -> None:
    published = ["k1"]
    changes: list[str] = []

    def provider(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_key_set(published))

    cache = JwksCache(
        "https://keys.example/jwks.json",
        refresh_s=3600,
        transport=httpx.MockTransport(provider),
        on_change=lambda: changes.append("changed"),
    )

    async def look_up() -> None:
        assert (await cache.key("k1")).key_id == "k1"
        assert (await cache.key(None)).key_id == "k1"  # the only key, for a token naming none
        published.append("k2")
        with pytest.raises(jwt.InvalidTokenError):
            await cache.key("k2")  # fetched once already within `refresh_s`: not again

    asyncio.run(look_up())
    assert (cache.fetches, changes) == (1, ["changed"])


def test_a_key_set_that_cannot_be_fetched_is_our_fault() -> None:
    cache = JwksCache(
        "https://keys.example/jwks.json",
        transport=httpx.MockTransport(lambda request: httpx.Response(503)),
    )
    with pytest.raises(KeySetUnavailableError):
        asyncio.run(cache.key("k1"))


class _Shelf(ApiSchema):
    shelf_code: str = Field(alias="shelfCode")


class _Loan(ApiSchema, extra="forbid"):
    due_on: datetime.date | None = Field(default=None, alias="dueOn")
    shelf: _Shelf | None = None


def test_a_request_is_read_by_its_wire_names_alone() -> None:
    """A property spelling a field's Python name is not that field: an extra where extras are
    allowed (left as it is), refused where they are not."""
    assert _Shelf.model_validate({"shelfCode": "A1", "shelf_code": 7}).shelf_code == "A1"
    with pytest.raises(ValidationError) as caught:
        _Loan.model_validate({"due_on": "2024-01-01"})
    assert [error["type"] for error in caught.value.errors()] == ["extra_forbidden"]


class _ShelfRow:
    shelf_code = "B2"


class _LoanRow:
    due_on = datetime.date(2024, 1, 2)
    shelf = _ShelfRow()


def test_a_row_is_read_by_its_attribute_names_and_so_are_the_rows_it_embeds() -> None:
    loan = _Loan.from_row(_LoanRow())
    assert loan.model_dump(by_alias=True) == {
        "dueOn": datetime.date(2024, 1, 2),
        "shelf": {"shelfCode": "B2"},
    }


def test_a_verified_token_is_kept_until_it_expires_and_the_least_used_leave_first() -> None:
    now = [100.0]
    kept = VerifiedTokens(2, clock=lambda: now[0])
    alice, bob, carol = (Principal(subject=name) for name in ("alice", "bob", "carol"))
    kept.put("a", alice, 200.0)
    kept.put("b", bob, 200.0)
    assert kept.get("a") == alice  # now the most recently used
    kept.put("c", carol, 200.0)
    assert (kept.get("b"), len(kept)) == (None, 2)
    now[0] = 200.0
    assert kept.get("a") is None  # expired: verified again, and refused
    assert names_in("a b") == names_in(["a", "b"]) == frozenset({"a", "b"})


class _OwnedBase(DeclarativeBase):
    pass


class _Note(_OwnedBase):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[uuid.UUID]


def _sql(conditions: list[ColumnElement[bool]]) -> list[str]:
    return [str(c.compile(compile_kwargs={"literal_binds": True})) for c in conditions]


def test_a_caller_is_kept_to_its_own_rows_unless_it_has_a_bypass_role() -> None:
    owner = uuid.UUID("6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60")
    bypass = frozenset({"admin"})

    def seen(principal: Principal | None) -> list[str]:
        return _sql(owned_by(_Note.owner_id, principal, bypass, subject_as=uuid.UUID))

    assert seen(Principal(subject=str(owner))) == [f"notes.owner_id = '{owner.hex}'"]
    assert seen(Principal(subject="alice", roles=frozenset({"admin"}))) == []
    assert seen(Principal(subject="not-a-uuid")) == seen(None) == ["false"]
