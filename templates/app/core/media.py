"""Which media types a route takes its body in."""

from collections.abc import Awaitable, Callable

from fastapi import Request

from app.core.problem import ProblemError


def require_media_type(*accepted: str) -> Callable[[Request], Awaitable[None]]:
    """A route dependency: a body sent as another media type than `accepted` (wildcards
    allowed; any JSON type where JSON is taken) is a 415, before the body is read as one.
    Async, so that FastAPI runs it on the event loop, not in a worker thread."""
    taken = tuple(_media_type(a) for a in accepted)

    async def check(request: Request) -> None:
        if not request.headers.get("content-length", "0").strip("0") and (
            "transfer-encoding" not in request.headers
        ):
            return  # no body: a missing required body is a 422
        given = _media_type(request.headers.get("content-type", ""))
        if not any(_media_type_matches(given, a) for a in taken):
            raise ProblemError(
                415,
                "Unsupported media type",
                detail=f"Send the body as {' or '.join(accepted)}",
                headers={"Accept": ", ".join(accepted)},
            )

    return check


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _is_json(media_type: str) -> bool:
    return media_type in ("application/json", "text/json") or media_type.endswith("+json")


def _media_type_matches(given: str, accepted: str) -> bool:
    if accepted in ("*/*", given) or (_is_json(accepted) and _is_json(given)):
        return True
    kind, _, subtype = accepted.partition("/")
    return subtype == "*" and given.startswith(kind + "/")
