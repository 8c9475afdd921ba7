"""How every error is answered: a problem in the project's error shape (app/core/error_shape.py),
its request id in the `X-Request-Id` header; a 5xx never leaks details."""

import logging
from collections.abc import Mapping, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import JsonValue
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match

from app.core.error_shape import ERROR_MEDIA_TYPE, error_body
from app.core.problem import ProblemError, pointer, request_id

logger = logging.getLogger("app")


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[JsonValue] | None = None,
    request_id_: str | None = None,
) -> JSONResponse:
    """The answer to an error: its body in the error shape, the request's id in a header."""
    given = request_id_ or request_id(request)
    body = error_body(status, title, detail, request.url.path, given, errors)
    return JSONResponse(
        body,
        status_code=status,
        media_type=ERROR_MEDIA_TYPE,
        headers={**(headers or {}), "X-Request-Id": given},
    )


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request, exc.status, exc.title, exc.detail, headers=exc.headers, errors=exc.errors
    )


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title = str(exc.detail) if exc.detail else "HTTP error"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the methods of the first route that matched the path; a path
        # has a route per method here, so gather them all
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(request, exc.status_code, title, headers=headers)


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
REFUSED = "method_not_allowed"  # the name of a route that refuses methods (app/core/refused.py)


def _allowed_methods(request: Request) -> list[str]:
    """The methods some route serves at the request's path: the first route that takes a
    method there (asked of the routes themselves, so included routers count too), unless it
    is one that refuses it (`REFUSED`)."""
    routes: list[BaseRoute] = request.app.router.routes
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        first = next((r for r in routes if r.matches(scope)[0] is Match.FULL), None)
        if first is not None and getattr(first, "name", None) != REFUSED:
            allowed.append(method)
    return allowed


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if any(error["type"] == "json_invalid" for error in exc.errors()):
        return problem_response(request, 400, "The body is not valid JSON")
    if exc.errors() and all(
        [str(p).lower() for p in error["loc"]] == ["header", "idempotency-key"]
        for error in exc.errors()
    ):
        # the spec declares the Idempotency-Key header: a missing or bad key is a bad header
        if any(error["type"] == "missing" for error in exc.errors()):
            return problem_response(request, 400, "The Idempotency-Key header is required")
        return problem_response(
            request,
            400,
            "The Idempotency-Key is not valid",
            detail="1 to 255 printable ASCII characters, no spaces",
        )
    errors: list[JsonValue] = [
        {"pointer": pointer(error["loc"]), "code": str(error["type"]), "message": error["msg"]}
        for error in exc.errors()
    ]
    return problem_response(request, 422, "The request is not valid", errors=errors)


async def _integrity(request: Request, exc: Exception) -> Response:
    logger.info("integrity error on %s: %s", request.url.path, exc)
    return problem_response(request, 409, "The request conflicts with existing data")


async def _database(request: Request, exc: Exception) -> Response:
    """A value the database cannot hold (out of its column's range or precision, a character
    its encoding has not: SQLSTATE class 22) is the client's fault; anything else is ours."""
    state: object = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if isinstance(state, str) and state.startswith("22"):
        logger.info("data error on %s: %s", request.url.path, exc)
        return problem_response(
            request,
            422,
            "A value does not fit where it is stored",
            detail="A number is out of range, or a text holds a character that cannot be stored",
        )
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # the details go to the log, under the id the caller is given; never onto the wire
    given = request_id(request)
    logger.error(
        "unexpected error on %s %s (request %s)",
        request.method,
        request.url.path,
        given,
        exc_info=exc,
    )
    return problem_response(request, 500, "Internal server error", request_id_=given)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error `app` raises as a problem."""
    app.add_exception_handler(ProblemError, _problem)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(Exception, _unexpected)
