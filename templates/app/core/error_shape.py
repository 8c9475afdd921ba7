"""Errors as RFC 9457 problems (`application/problem+json`): the spec declares no shape of
its own."""

from collections.abc import Sequence

from pydantic import JsonValue

from app.core.problem import PROBLEM_JSON

ERROR_MEDIA_TYPE = PROBLEM_JSON


def error_body(
    status: int,
    title: str,
    detail: str | None,
    instance: str,
    request_id: str,
    errors: Sequence[JsonValue] | None,
) -> JsonValue:
    """An RFC 9457 problem."""
    body: dict[str, JsonValue] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "instance": instance,
        "request_id": request_id,
    }
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = list(errors)
    return body
