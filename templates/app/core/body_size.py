"""A limit on the size of a request body."""

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import problem_response


class BodyTooLargeError(HTTPException):
    """A request body over the limit (FastAPI passes HTTP exceptions through as they are)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "The request body is too large", headers={"Connection": "close"})
        self.limit = limit


class BodySizeLimit:
    """Refuses a request body over `limit` bytes with 413: at once by its Content-Length, or,
    without one, as soon as the bytes received pass the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            response = problem_response(
                request, 413, "The request body is too large", detail=f"at most {self.limit} bytes"
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise BodyTooLargeError(self.limit)
            return message

        await self.app(scope, counted, send)
