"""Safe Python names for spec and design names, so wire names can stay exact as aliases."""

from __future__ import annotations

import builtins
import keyword
import re

from gen_backend.model.naming import singular, snake

_RESERVED = (
    set(keyword.kwlist)
    | set(keyword.softkwlist)
    | set(dir(builtins))
    | {
        "self",
        "cls",
        "id",
        "type",
        "format",
        "json",
        "model_config",
        "model_fields",
        "session",
        "settings",
    }
)


def identifier(name: str) -> str:
    """snake_case identifier: `From` -> `from_`, `StartTime<` -> `start_time`, `1st` -> `n_1st`."""
    text = snake(re.sub(r"[^0-9A-Za-z_]+", "_", name)) or "value"
    if text[0].isdigit():
        text = "n_" + text
    return text + "_" if text in _RESERVED or keyword.iskeyword(text) else text


# the modules the generated classes name in their annotations (`uuid.UUID`, `sa.String`): a
# field or column of that name would hide the module inside the class body
_MODULES = {"uuid", "datetime", "decimal", "sa"}


def field_name(name: str) -> str:
    """A pydantic field name; `id` and `type` are fine as fields; keywords, names pydantic
    reserves and the modules the class bodies name are not."""
    text = snake(re.sub(r"[^0-9A-Za-z_]+", "_", name)) or "value"
    if text[0].isdigit():
        text = "n_" + text
    if (
        keyword.iskeyword(text)
        or text.startswith("model_")
        or text in {"schema", "copy", "json", "dict", "validate"} | _MODULES
    ):
        text += "_"
    return text


def attribute(name: str) -> str:
    """An ORM attribute or pydantic field for a column or property: snake_case, never a keyword
    or a name the base classes reserve (`metadata`, `registry`, `model_*`)."""
    text = field_name(name)
    return text + "_" if text in {"metadata", "registry", "query"} else text


def class_name(name: str) -> str:
    """PascalCase: `api.v2010.account` -> `ApiV2010Account`, `book_status` -> `BookStatus`."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", name) if p]
    text = "".join(p[:1].upper() + p[1:] for p in parts) or "Model"
    if text[0].isdigit():
        text = "M" + text
    return text + "_" if keyword.iskeyword(text) or text in dir(builtins) else text


def camel(name: str) -> str:
    """`published_on` -> `publishedOn`."""
    first, *rest = snake(name).split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def model_class(table: str) -> str:
    """The ORM class of a table: `books` -> `Book`, `order_items` -> `OrderItem`."""
    return class_name(singular(snake(table)))


# what the generated modules import or define beside the classes the spec and the design
# name: a schema, table or operation of one of these names would shadow it, so it is renamed
# (`taken_name`) and the rename listed in GENERATION.md
PROJECT_CLASSES = frozenset(
    {
        # app.core
        "Access",
        "Alternative",
        "ApiSchema",
        "ApiKeyGrant",
        "Base",
        "Base64Text",
        "DecimalText",
        "EpochSeconds",
        "IdempotencyRecord",
        "IntegerText",
        "IsoFormat",
        "Loads",
        "Ordering",
        "Page",
        "Principal",
        "ProblemError",
        "ProblemDetails",
        "RateLimitWindow",
        "Repository",
        "Settings",
        "StoredAsText",
        "TextBytes",
        "TimeText",
        "UtcDateTime",
        "UtcNaiveDateTime",
        # pydantic, typing, FastAPI, SQLAlchemy
        "Annotated",
        "AsyncSession",
        "BaseModel",
        "Body",
        "ColumnElement",
        "ConfigDict",
        "Depends",
        "Field",
        "Form",
        "Header",
        "InstrumentedAttribute",
        "JsonValue",
        "Literal",
        "Mapped",
        "Path",
        "Query",
        "Request",
        "Response",
        "RootModel",
        "SkipJsonSchema",
        "UploadFile",
    }
)
PROJECT_FUNCTIONS = frozenset(
    {
        "after_cursor",
        "caller_if_any",
        "encode_cursor",
        "get_engine",
        "get_service",
        "get_session",
        "get_settings",
        "idempotent",
        "invalid_parameter",
        "owned_by",
        "require",
        "require_any",
        "require_media_type",
        "router",
        "scope_transaction",
        "utc_now",
    }
)


def taken_name(name: str, taken: set[str], suffix: str, renamed: dict[str, str]) -> str:
    """`name`, or `name` + `suffix` where the project itself uses it (recorded in `renamed`),
    numbered where that is taken too."""
    reserved = PROJECT_CLASSES | PROJECT_FUNCTIONS
    chosen = unique(name + suffix if name in reserved else name, taken)
    if chosen != name:
        renamed[name] = chosen
    return chosen


def unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate
