"""The error a route or service raises, and the shapes of an RFC 9457 problem."""

import re
import uuid
from collections.abc import Mapping, Sequence

from fastapi import Request
from pydantic import BaseModel, Field, JsonValue

PROBLEM_JSON = "application/problem+json"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class FieldError(BaseModel):
    """What is wrong with one field of the request."""

    pointer: str = Field(description="JSON pointer to the field: /body/price, /query/limit")
    code: str = Field(description="machine-readable: missing, string_too_long, ...")
    message: str


class ProblemDetails(BaseModel):
    """The body of every error response (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str
    request_id: str = Field(description="quote it when reporting the error")
    errors: list[FieldError] | None = Field(default=None, description="on 422: one per field")


class ProblemError(Exception):
    """Raise to answer with a problem: `raise ProblemError(404, "Book not found")`."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        headers: Mapping[str, str] | None = None,
        errors: Sequence[JsonValue] | None = None,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = dict(headers or {})
        self.errors = errors  # field-level details: {"pointer", "code", "message"} each


def invalid_parameter(location: str, name: str, code: str, message: str) -> ProblemError:
    """A 422 for one invalid request parameter, pointing at it (`/query/cursor`)."""
    error: JsonValue = {"pointer": pointer((location, name)), "code": code, "message": message}
    return ProblemError(422, "The request is not valid", errors=[error])


def pointer(location: Sequence[int | str]) -> str:
    """A JSON pointer to a place in the request (`/body/items/0/price`)."""
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in location)


def request_id(request: Request) -> str:
    """The request's id: the caller's `X-Request-Id` if it sent a sane one, else a new one."""
    given = request.headers.get("x-request-id", "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex
