"""Files sent in `multipart/form-data` bodies, and the columns of a new row that keep them.

A file field (`format: binary`, or a 3.1 `contentMediaType`) fills the columns named after it
or after what they hold: its bytes (`content`, `<field>_data`), file name (`file_name`,
`<field>_name`), media type (`content_type`) and size (`size_bytes`). Both the RFIs and the
planner ask this module, so what acceptance accepts is what the generated service does.
"""

from __future__ import annotations

from collections.abc import Mapping

from gen_backend.model.api import Schema

MULTIPART = "multipart/form-data"

# part -> (the Python kind of its column, column names where `{}` is the field's own name)
UPLOAD_PARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "content": ("bytes", ("{}", "{}_content", "{}_data", "{}_bytes", "content", "data")),
    "file_name": ("str", ("{}_name", "{}_filename", "{}_file_name", "file_name", "filename")),
    "media_type": (
        "str",
        ("{}_content_type", "{}_media_type", "content_type", "media_type", "mime_type"),
    ),
    "size": ("int", ("{}_size", "{}_size_bytes", "size_bytes", "byte_size", "file_size", "size")),
}


def is_multipart(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == MULTIPART


def is_file(schema: Schema) -> bool:
    """A string carrying a file's bytes, as OpenAPI 3.0 (`format: binary`) or 3.1
    (`contentMediaType`) spells it."""
    return schema.format == "binary" or (
        schema.content_media_type is not None and schema.format not in ("byte", "base64")
    )


def is_base64(schema: Schema) -> bool:
    """A string carrying bytes as base64 text inside a JSON document (`format: byte`, or
    3.1's `contentEncoding: base64`), rather than a file of its own."""
    return not is_file(schema) and (
        schema.format in ("byte", "base64") or (schema.content_encoding or "").lower() == "base64"
    )


def upload_columns(field: str, kinds: Mapping[str, str]) -> dict[str, str]:
    """Which columns keep the file `field` (snake_case): part -> column, from `kinds`
    (column -> `bytes`, `str`, `int` or anything else) of the columns still free."""
    free = dict(kinds)
    found: dict[str, str] = {}
    for part, (kind, patterns) in UPLOAD_PARTS.items():
        column = next((n for n in (p.format(field) for p in patterns) if free.get(n) == kind), None)
        if column is not None:
            found[part] = column
            del free[column]
    return found
