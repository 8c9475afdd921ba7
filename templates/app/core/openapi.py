"""The served OpenAPI document says what errors look like and keeps the app's exact bounds."""

from fastapi import FastAPI
from pydantic import BaseModel, JsonValue

from app.core.error_shape import ERROR_MEDIA_TYPE
from app.core.problem import ProblemDetails


def document_problems(app: FastAPI, error_model: type[BaseModel] = ProblemDetails) -> None:
    """Make the served OpenAPI say what errors look like: every 4xx and 5xx response is an
    `error_model` (FastAPI's default 422 schema is not what this app answers): RFC 9457's
    ProblemDetails, or the spec's own error schema."""
    generate = app.openapi
    own = error_model is not ProblemDetails  # the spec's, under its own name
    prefix = "#/components/schemas/" + ("" if own else "Rfc9457")

    def openapi() -> dict[str, JsonValue]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            problem = error_model.model_json_schema(ref_template=prefix + "{model}")
            for name, schema in problem.pop("$defs", {}).items():
                schemas[name if own else f"Rfc9457{name}"] = schema
            schemas[error_model.__name__ if own else "Rfc9457ProblemDetails"] = problem
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)
            _exact_bounds(document)
            for item in document.get("paths", {}).values():
                for operation in item.values():
                    for parameter in operation.get("parameters", []):
                        _not_null(parameter)
                    for status, response in operation.get("responses", {}).items():
                        if status == "default" or str(status)[:1] in ("4", "5"):
                            response["content"] = {
                                ERROR_MEDIA_TYPE: {
                                    "schema": {
                                        "$ref": prefix
                                        + (error_model.__name__ if own else "ProblemDetails")
                                    }
                                }
                            }
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way


# the ends of a 64-bit integer, which FastAPI's document model keeps as floats (2**63 - 1
# becomes 2**63, and a client reading -9.223372036854776e18 sends -9223372036854776000)
_INT64 = {float(-(2**63)): -(2**63), float(2**63): 2**63 - 1}


def _exact_bounds(node: JsonValue) -> None:
    """Every integer bound of the document as the exact integer the app holds values to."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") and (
                isinstance(value, float) and value in _INT64
            ):
                node[key] = _INT64[value]
            else:
                _exact_bounds(value)
    elif isinstance(node, list):
        for item in node:
            _exact_bounds(item)


def _not_null(parameter: dict[str, JsonValue]) -> None:
    """An optional header or cookie is absent or text, never null (a client would send the
    text `null`): its `str | None` is documented as the `str` it is."""
    schema = parameter.get("schema")
    if parameter.get("in") not in ("header", "cookie") or not isinstance(schema, dict):
        return
    options = schema.get("anyOf")
    if not isinstance(options, list):
        return
    kept = [o for o in options if o != {"type": "null"}]
    if len(kept) == 1 and len(kept) < len(options) and isinstance(kept[0], dict):
        del schema["anyOf"]
        schema.update(kept[0])
