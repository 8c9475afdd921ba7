"""What a route documents beyond its schemas: its error responses, each status described once
here, and the links of its success response."""

from collections.abc import Mapping

from pydantic import JsonValue

# what the app itself answers with each status, where the spec does not say
PRODUCED = {
    400: "The body is not well-formed, or a header is malformed or missing",
    401: "No valid credentials",
    403: "The caller lacks a permission this operation needs",
    404: "No such row",
    409: "A conflict with the stored rows, or a retry while the first is running",
    413: "The body is larger than the limit",
    415: "The body is not of a media type this operation takes",
    422: "A parameter or body field is not valid",
    429: "Too many requests from this caller; retry after `Retry-After` seconds",
    500: "An unexpected fault: logged with the request id, no detail is sent",
}


def problems(
    *statuses: int, spec: Mapping[int | str, str] | None = None
) -> dict[int | str, dict[str, JsonValue]]:
    """A route's `responses=`: the spec's own error responses with its descriptions, then
    each of `statuses` the app answers where the spec is silent."""
    documented: dict[int | str, dict[str, JsonValue]] = {
        status: {"description": description} for status, description in (spec or {}).items()
    }
    for status in statuses:
        if status not in documented and str(status) not in documented:
            documented[status] = {"description": PRODUCED[status]}
    return documented


def link(operation_id: str, parameters: Mapping[str, str]) -> dict[str, JsonValue]:
    """An OpenAPI link: the operation a response leads to, and where its parameters come from
    (`{"bookId": "$response.body#/id"}`)."""
    return {"operationId": operation_id, "parameters": dict(parameters)}
