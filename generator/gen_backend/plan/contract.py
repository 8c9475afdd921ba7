"""The contract the generated `tests/test_openapi.py` holds the served OpenAPI document to:
per operation, the shape of each parameter, of the request body and of the success response,
as the design's spec defines them.

A shape keeps what a client depends on and drops what two correct documents may spell
differently (titles, descriptions, nullability, `$ref` names):

- `{"object": {name: [required, shape], ...}}` for an object (its exact property names);
- `{"array": shape}`, `{"enum": [values as text, sorted]}`;
- `{"type": "string", "bounds": {"maxLength": 300, ...}}` for a scalar, with the spec's bounds,
  which the served document must keep (it may add bounds of its own);
- `"any"` where the spec allows several types or any type; it matches every shape.

The generated test computes the same shapes from the served document and compares them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import JsonValue

from gen_backend.model import ApiModel, Operation, ParameterLocation, Schema, SchemaType
from gen_backend.plan.schemas import keeps_pattern

_SCALARS = (SchemaType.STRING, SchemaType.INTEGER, SchemaType.NUMBER, SchemaType.BOOLEAN)


@dataclass(frozen=True)
class OperationContract:
    method: str
    path: str
    operation_id: str
    parameters: dict[str, JsonValue]  # "in:name" -> [required, shape]
    request: JsonValue  # [media type, shape], or None without a body
    response: JsonValue  # [status, media type, shape], or None without a body
    statuses: tuple[str, ...]  # every status the spec declares
    links: dict[str, JsonValue]  # status -> {link name: target operationId}, as served


def operation_contract(
    op: Operation,
    api: ApiModel,
    status: int,
    raw: frozenset[str] = frozenset(),
    links: JsonValue = None,
) -> OperationContract:
    """The contract of `op`, whose route answers success with `status` (the spec's, or the
    one chosen for a range such as `2XX`). Parameters named in `raw` are taken as text (see
    `ParamPlan.raw`): only their presence and whether they are required are compared. `links`
    are those the route serves on success (see plan.links): their names and targets."""
    parameters: dict[str, JsonValue] = {
        f"{p.location.value}:{p.name}": [
            p.required,
            "any" if p.name in raw else shape(p.schema_, api),
        ]
        for p in op.parameters
        if p.location is not ParameterLocation.COOKIE
    }
    request: JsonValue = None
    body = op.request_body.body if op.request_body else None
    if body is not None and body.schema_ is not None:
        request = [body.content_type, shape(body.schema_, api)]
    response: JsonValue = None
    success = op.success_response
    if success and success.body and success.body.schema_ and status != 204:
        response = [str(status), success.body.content_type, shape(success.body.schema_, api)]
    return OperationContract(
        method=op.method.value.upper(),
        path=op.path,
        operation_id=op.operation_id,
        parameters=parameters,
        request=request,
        response=response,
        statuses=tuple(r.status for r in op.responses if r.status.isdigit()),
        links={
            str(status): {
                name: link.get("operationId") if isinstance(link, dict) else None
                for name, link in links.items()
            }
        }
        if isinstance(links, dict)
        else {},
    )


def shape(schema: Schema, api: ApiModel, seen: frozenset[str] = frozenset()) -> JsonValue:
    """The shape of `schema` (see the module docstring); a reference met again is `any`."""
    if schema.ref is not None:
        if schema.ref in seen:
            return "any"
        seen = seen | {schema.ref}
    resolved = api.resolve(schema)
    # an enum or const of strings or integers is a Literal type; others keep their base type
    if resolved.enum:
        literals = [v for v in resolved.enum if v is not None]
    else:
        literals = [resolved.const] if resolved.has_const and resolved.const is not None else []
    if literals and all(isinstance(v, str | int) and not isinstance(v, bool) for v in literals):
        values: list[JsonValue] = [*sorted({str(v) for v in literals})]
        return {"enum": values}
    variants = [
        v
        for v in (*resolved.one_of, *resolved.any_of)
        if api.resolve(v).types != (SchemaType.NULL,)
    ]
    if variants:
        return shape(variants[0], api, seen) if len(variants) == 1 else "any"
    kind = resolved.primary_type
    if resolved.all_of or resolved.properties or kind is SchemaType.OBJECT:
        # `friend: {allOf: [$ref: Pet]}` inside Pet is the reference met again
        merged = {part.ref for part in resolved.all_of if part.ref is not None}
        if merged & seen:
            return "any"
        seen = seen | merged
        properties = api.object_properties(schema)
        if not properties and len(resolved.all_of) == 1:
            return shape(resolved.all_of[0], api, seen)
        return {
            "object": {
                prop.name: [prop.required, shape(prop.schema_, api, seen)] for prop in properties
            }
        }
    if kind is SchemaType.ARRAY or resolved.items is not None:
        return {"array": shape(resolved.items, api, seen) if resolved.items else "any"}
    if kind in _SCALARS:
        return {"type": kind.value, "bounds": _bounds(resolved, kind)}
    return "any"


def _bounds(schema: Schema, kind: SchemaType) -> dict[str, JsonValue]:
    """The bounds of a scalar that the served document must keep (it may add its own): those
    that apply to its type (JSON Schema ignores a `minimum` on a string)."""
    text = kind is SchemaType.STRING
    number = kind in (SchemaType.INTEGER, SchemaType.NUMBER)
    found: dict[str, JsonValue] = {
        "minLength": schema.min_length if text else None,
        "maxLength": schema.max_length if text else None,
        "pattern": schema.pattern if text and keeps_pattern(schema) else None,
        "minimum": schema.minimum if number else None,
        "maximum": schema.maximum if number else None,
        "exclusiveMinimum": schema.exclusive_minimum if number else None,
        "exclusiveMaximum": schema.exclusive_maximum if number else None,
    }
    return {key: value for key, value in found.items() if value is not None}
