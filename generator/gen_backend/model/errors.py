"""The shape of the service's error answers: RFC 9457 problem details, or the spec's own.

A spec that declares its own error schema for its 4xx and 5xx responses (`{"error": {"code",
"message"}}`, `{"message"}`, ...), or a handoff whose `error_format` names one, gets answers in
that shape: each of its fields is filled from what every error knows (its status, title,
detail, a machine code, the request id, the path, the field errors of a 422), by name. A shape
with a required field nothing fills cannot carry the errors: the RFC 9457 default stays, and
`check` says why (ERROR_SHAPE_UNFIT)."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum

from gen_backend.model.api import ApiModel, Operation, Property, Schema, SchemaType
from gen_backend.model.base import Frozen
from gen_backend.model.naming import snake

# the handoff's `error_format` values that mean RFC 9457
PROBLEM_FORMATS = {"rfc9457", "rfc7807", "problem+json", "problem", "application/problem+json"}


class Fills(StrEnum):
    """What an error answer's field is filled with."""

    STATUS = "status"  # the HTTP status, an integer
    CODE = "code"  # a machine code: the status's name in snake case (`not_found`)
    TITLE = "title"  # a short text: "Book not found"
    DETAIL = "detail"  # the longer text, or the title where there is none
    REQUEST_ID = "request_id"
    INSTANCE = "instance"  # the request's path
    TIMESTAMP = "timestamp"  # when it was answered, ISO 8601
    ERRORS = "errors"  # a 422's field errors (each: pointer, message, code)
    MESSAGES = "messages"  # a list of texts: the title, then each field error


class ErrorField(Frozen):
    wire: str
    fills: Fills
    # the field errors' own fields, for ERRORS: (wire name, `pointer`, `message` or `code`)
    items: tuple[tuple[str, str], ...] = ()


class ErrorShape(Frozen):
    """The spec's error schema, and how each of its fields is filled."""

    schema_name: str  # the named schema of the spec's error answers
    media_type: str
    wrapper: str | None = None  # `error` in `{"error": {...}}`
    fields: tuple[ErrorField, ...]


# the snake_case names each quantity goes by, most telling first
_NAMES: dict[Fills, tuple[str, ...]] = {
    Fills.STATUS: ("status", "status_code", "http_status", "code"),
    Fills.CODE: ("code", "error_code", "error", "type", "kind", "reason"),
    Fills.TITLE: ("title", "message", "msg", "error_message", "summary"),
    Fills.DETAIL: ("detail", "details", "description", "error_description"),
    Fills.REQUEST_ID: ("request_id", "trace_id", "correlation_id", "requestid"),
    Fills.INSTANCE: ("instance", "path"),
    Fills.TIMESTAMP: ("timestamp", "time"),
    Fills.MESSAGES: ("messages", "body", "errors", "details"),
    Fills.ERRORS: (
        "errors",
        "details",
        "fields",
        "field_errors",
        "violations",
        "validation_errors",
        "issues",
    ),
}
_ITEM_NAMES = {
    "pointer": ("pointer", "field", "path", "param", "parameter", "name", "loc", "location"),
    "message": ("message", "msg", "description", "detail", "reason"),
    "code": ("code", "type", "error"),
}


def error_shape(
    operations: tuple[Operation, ...], api: ApiModel, error_format: str | None
) -> tuple[ErrorShape | None, str | None]:
    """The shape of the error answers, and why the spec's own cannot be used (None for
    RFC 9457, with no reason where the spec declares none). `error_format` is the handoff's
    (None where it says nothing): RFC 9457 by name, or a schema of the spec."""
    if error_format is not None and error_format.lower() in PROBLEM_FORMATS:
        return None, None
    chosen = (_named_by(error_format, api) if error_format else None) or _declared(operations, api)
    if chosen is None:
        return None, None
    name, media_type = chosen
    schema = api.resolve(api.schemas_by_name[name].schema_)
    properties = api.object_properties(schema)
    if _is_problem(properties):
        return None, None
    wrapper: str | None = None
    if len(properties) == 1 and properties[0].required:
        inner = api.object_properties(properties[0].schema_)
        if inner:  # `{"error": {"code", "message"}}`
            wrapper, properties = properties[0].name, inner
    fields, unfilled = _fill(properties, api)
    if unfilled:
        return (
            None,
            f"`{name}` requires {', '.join(f'`{n}`' for n in unfilled)}, which no error knows",
        )
    if not any(f.fills in (Fills.TITLE, Fills.DETAIL, Fills.CODE, Fills.MESSAGES) for f in fields):
        return None, f"`{name}` has no field for what went wrong (a message, a detail or a code)"
    return ErrorShape(
        schema_name=name, media_type=media_type, wrapper=wrapper, fields=tuple(fields)
    ), None


def _named_by(error_format: str, api: ApiModel) -> tuple[str, str] | None:
    return (error_format, "application/json") if error_format in api.schemas_by_name else None


def _declared(operations: tuple[Operation, ...], api: ApiModel) -> tuple[str, str] | None:
    """The named schema most of the spec's error responses answer, with its media type."""
    found: Counter[tuple[str, str]] = Counter()
    for op in operations:
        for response in op.responses:
            if not (response.status[:1] in ("4", "5") or response.status == "default"):
                continue
            body = response.body
            if body is None or body.schema_ is None or body.schema_.ref is None:
                continue
            media = body.content_type.split(";")[0].strip().lower()
            if media == "application/json" or media.endswith("+json"):
                found[(body.schema_.ref, body.content_type)] += 1
    return found.most_common(1)[0][0] if found else None


def _is_problem(properties: tuple[Property, ...]) -> bool:
    """RFC 9457's own fields: the default shape is the spec's."""
    names = {p.name for p in properties}
    return {"title", "status"} <= names and bool(names & {"type", "detail", "instance"})


def _fill(properties: tuple[Property, ...], api: ApiModel) -> tuple[list[ErrorField], list[str]]:
    """Each property's quantity, by its name and type; the required ones none fills."""
    fields: list[ErrorField] = []
    taken: set[Fills] = set()
    unfilled: list[str] = []
    for prop in properties:
        schema = api.resolve(prop.schema_)
        fills = next(
            (
                fills
                for fills, names in _NAMES.items()
                if fills not in taken and snake(prop.name) in names and _fits(fills, schema, api)
            ),
            None,
        )
        if fills is None:
            if prop.required:
                unfilled.append(prop.name)
            continue
        items: tuple[tuple[str, str], ...] = ()
        if fills is Fills.ERRORS and schema.items is not None:
            found = {
                item.name: next(
                    (r for r, names in _ITEM_NAMES.items() if snake(item.name) in names), None
                )
                for item in api.object_properties(schema.items)
            }
            required = {i.name for i in api.object_properties(schema.items) if i.required}
            if any(found[name] is None for name in required):  # an item nothing fills
                if prop.required:
                    unfilled.append(prop.name)
                continue
            items = tuple((name, role) for name, role in found.items() if role is not None)
        taken.add(fills)
        fields.append(ErrorField(wire=prop.name, fills=fills, items=items))
    return fields, unfilled


def _fits(fills: Fills, schema: Schema, api: ApiModel) -> bool:
    """Whether a value of `fills` is a valid value of `schema`."""
    kind = schema.primary_type
    if fills is Fills.STATUS:
        return kind is SchemaType.INTEGER and not schema.enum
    if fills is Fills.ERRORS:
        return (
            kind is SchemaType.ARRAY
            and schema.items is not None
            and bool(api.object_properties(schema.items))
        )
    if fills is Fills.MESSAGES:
        items = api.resolve(schema.items) if schema.items is not None else None
        return kind is SchemaType.ARRAY and items is not None and _fits(Fills.TITLE, items, api)
    # a text: free, or an enum or pattern the service cannot promise to keep
    return kind is SchemaType.STRING and not schema.enum and not schema.pattern
