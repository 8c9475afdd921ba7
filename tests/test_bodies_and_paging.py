"""Request bodies beyond plain JSON rows, and keyset paging: multipart file uploads, urlencoded
forms, bodies and responses that wrap the row (`{"author": {...}}`), cursors, and the contract
the generated project's OpenAPI test holds the served document to."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gen_backend.accept import Accepted, accept
from gen_backend.model import ApiModel, Schema
from gen_backend.model.uploads import upload_columns
from gen_backend.plan import plan_project
from gen_backend.plan.api import UploadPlan
from gen_backend.plan.contract import operation_contract, shape
from gen_backend.plan.service_tests import ServiceTestsPlan
from gen_backend.render import render_project
from gen_backend.render.project import _docstring, _pystr_wrapped

from .conftest import SAMPLES, planned_operations


@pytest.mark.parametrize(
    ("field", "kinds", "expected"),
    [
        (
            "file",
            {"content": "bytes", "file_name": "str", "content_type": "str", "size_bytes": "int"},
            {
                "content": "content",
                "file_name": "file_name",
                "media_type": "content_type",
                "size": "size_bytes",
            },
        ),
        # the field's own name first; a column of the wrong type is not taken
        (
            "photo",
            {"photo": "bytes", "photo_name": "str", "content": "str"},
            {"content": "photo", "file_name": "photo_name"},
        ),
        ("scan", {"title": "str", "pages": "int"}, {}),
    ],
)
def test_upload_columns(field: str, kinds: dict[str, str], expected: dict[str, str]) -> None:
    assert upload_columns(field, kinds) == expected


def test_multipart_upload_and_urlencoded_form() -> None:
    ops = planned_operations(SAMPLES / "orders")
    upload = ops["uploadCustomerDocument"]
    assert (upload.kind.value, upload.body.media) == ("create", "multipart")
    assert upload.body.uploads == (
        UploadPlan(
            field="file",
            required=True,
            content="content",
            file_name="file_name",
            media_type="content_type",
            size="size_bytes",
        ),
    )
    assert dict(upload.body.attrs) == {"note": "note"}  # the file is not a column value
    # `/documents/{documentId}` spells only the last word of `customer_documents`
    annotate = ops["annotateCustomerDocument"]
    assert (annotate.kind.value, annotate.body.media, annotate.key) == (
        "update",
        "form",
        ("document_id", "id"),
    )


def test_cursor_paging_is_keyset_paging() -> None:
    ops = planned_operations(SAMPLES / "tenants")
    for name in ("listTasks", "listComments"):
        assert ops[name].kind.value == "list", ops[name].why_custom
        assert (ops[name].listing.cursor, ops[name].listing.cursor_wire) == ("cursor", "cursor")
        assert any(part.quantity == "next_cursor" for part in ops[name].listing.envelope_parts)
    # the index the design made for the cursor, `(project_id, created_at, id)`, orders the list
    assert ops["listTasks"].listing.order == (("created_at", False), ("id", False))
    assert ops["listWorkspaces"].listing.order == (("id", False),)  # top level: the key


_RELAY_PAGE = """    TaskPage:
      type: object
      required: [object, items, page]
      properties:
        object: {type: string, enum: [list]}
        items:
          type: array
          items: {$ref: "#/components/schemas/Task"}
        page:
          type: object
          required: [endCursor, startCursor, hasNextPage, hasPrevPage, limit, total]
          properties:
            endCursor: {type: string, nullable: true}
            startCursor: {type: string, nullable: true}
            hasNextPage: {type: boolean}
            hasPrevPage: {type: boolean}
            limit: {type: integer, minimum: 1, maximum: 100}
            total: {type: integer, minimum: 0}
"""


def test_a_page_object_of_cursors_and_a_constant_is_filled(tmp_path: Path) -> None:
    """Redoc's cafe answers `{"object": "list", "items": [...], "page": {"endCursor",
    "startCursor", "hasNextPage", "hasPrevPage", "limit", "total"}}`, all required: every
    field is one the service knows, so the list is generated, and its walk follows
    `page.endCursor`. Its `sort` is free text, as the cafe's."""
    handoff = tmp_path / "tenants"
    shutil.copytree(SAMPLES / "tenants", handoff)
    spec = handoff / "openapi.yaml"
    text = spec.read_text()
    start = text.index("    TaskPage:")
    end = text.index("    # ---- comments")
    text = text[:start] + _RELAY_PAGE + text[end:]
    cursor = '        - $ref: "#/components/parameters/Cursor"\n'
    sort = "        - {name: sort, in: query, schema: {type: string}}\n"
    spec.write_text(text.replace(cursor, cursor + sort, 1))
    result = accept(handoff)
    assert isinstance(result, Accepted)
    project = plan_project(result.model)
    tasks = next(op for op in project.operations if op.operation_id == "listTasks")
    assert tasks.kind.value == "list", tasks.why_custom
    assert tasks.listing.envelope_quantities == {
        "constant", "object", "next_cursor", "start_cursor", "has_more", "has_prev",
        "limit", "total",
    }  # fmt: skip
    files = render_project(project)
    service = files["app/tasks/service.py"].text
    for filled in (
        'object="list"',
        "start_cursor=encode_cursor(ordering, rows[0]) if rows else None",
        "resumed=cursor is not None",
        "hasPrevPage=listing.has_prev",
    ):
        assert filled in service
    assert 'cursor=("cursor", ("page", "endCursor"))' in files["tests/tasks/test_api.py"].text
    # a made-up cursor, and a sort the spec leaves free text naming no column, are refused:
    # the contract test does not hold them to be taken
    contract = files["tests/contract/test_schemathesis.py"].text
    assert '"GET /projects/{projectId}/tasks": ("cursor", "sort")' in contract


def wrapped_library(root: Path) -> Path:
    """The library sample, Rails style: author bodies and answers wrap the row in `author`."""
    shutil.copytree(SAMPLES / "library", root)
    spec = root / "openapi.yaml"
    text = spec.read_text()
    for name in ("Author", "AuthorCreate", "AuthorUpdate"):
        text = text.replace(
            f'schema: {{$ref: "#/components/schemas/{name}"}}',
            "schema: {type: object, required: [author], additionalProperties: false, "
            f'properties: {{author: {{$ref: "#/components/schemas/{name}"}}}}}}',
        )
    spec.write_text(text)
    return root


def test_wrapped_bodies_and_responses(tmp_path: Path) -> None:
    ops = planned_operations(wrapped_library(tmp_path / "library"))
    for name in ("createAuthor", "updateAuthor"):
        assert ops[name].kind.value != "custom", ops[name].why_custom
        wrapper = ops[name].response_wrapper
        assert (ops[name].body.wrapper, wrapper and wrapper.wire) == ("author", "author")
        assert ops[name].body_row == "body.author"
    wrapper = ops["getAuthor"].response_wrapper
    assert wrapper is not None
    assert wrapper.wire == "author"
    assert ops["getAuthor"].item_class == "Author"
    # the books' plain bodies stay as they are
    assert ops["createBook"].body.wrapper is None


def _owner_fields(handoff: Path, module: str) -> dict[str, tuple[str, ...]]:
    """Per operation of `module` whose generated API tests send a body naming another owner:
    where that body names it (`test_<op>_takes_no_owner_from_the_body`)."""
    result = accept(handoff)
    assert isinstance(result, Accepted)
    planned = next(
        f for f in plan_project(result.model).files if f.path == f"tests/{module}/test_api.py"
    )
    tests = planned.context["tests"]
    assert isinstance(tests, tuple)
    return {t.op.operation_id: t.owner_field for t in tests if t.owner_field}


def test_a_body_naming_another_owner_is_tested_where_the_spec_would_name_it(
    tmp_path: Path,
) -> None:
    # the response's property for the owner column, as no request body has one
    assert _owner_fields(SAMPLES / "tenants", "projects") == {
        "createProject": ("tenantId",),
        "updateProject": ("tenantId",),
    }
    # an owned create left to hand-written code (a 501 stub) gets none
    assert "createOrder" not in _owner_fields(SAMPLES / "orders", "orders")
    # the request's own property for the owner column
    library = tmp_path / "library"
    shutil.copytree(SAMPLES / "library", library)
    auth = library / "auth.yaml"
    auth.write_text(
        auth.read_text().replace(
            "ownership:\n",
            "ownership:\n  books: {owner_column: author_id, bypass_roles: [admin]}\n",
        )
    )
    assert _owner_fields(library, "books")["createBook"] == ("authorId",)
    # a column the spec does not name, by its camelCase name, inside the wrapping field
    wrapped = wrapped_library(tmp_path / "wrapped")
    schema = wrapped / "schema.yaml"
    schema.write_text(
        schema.read_text().replace(
            "      bio:        {type: text, nullable: true}\n",
            "      bio:        {type: text, nullable: true}\n"
            "      curated_by: {type: string, max_length: 64}\n",
            1,
        )
    )
    auth = wrapped / "auth.yaml"
    auth.write_text(
        auth.read_text().replace(
            "ownership:\n",
            "ownership:\n  authors: {owner_column: curated_by, bypass_roles: [admin]}\n",
        )
    )
    assert _owner_fields(wrapped, "authors") == {
        "createAuthor": ("author", "curatedBy"),
        "updateAuthor": ("author", "curatedBy"),
    }


def test_the_contract_is_the_spec() -> None:
    result = accept(SAMPLES / "orders")
    assert isinstance(result, Accepted)
    op = next(o for o in result.model.operations if o.operation_id == "uploadCustomerDocument")
    contract = operation_contract(op, result.model.api, 201)
    # the spec's bounds go with each scalar: the served document must keep them
    assert contract.request == [
        "multipart/form-data",
        {
            "object": {
                "file": [True, {"type": "string", "bounds": {}}],
                "note": [False, {"type": "string", "bounds": {"maxLength": 500}}],
            }
        },
    ]
    assert contract.parameters == {"path:customerId": [True, {"type": "string", "bounds": {}}]}
    assert isinstance(contract.response, list)
    assert contract.response[:2] == ["201", "application/json"]
    assert contract.statuses == ("201", "404", "413")


def test_docstrings_keep_paragraphs_and_strings_keep_line_breaks() -> None:
    text = "Upload a document.\n\nThe file goes in the `file` part;\nits name is kept."
    assert _docstring(text) == (
        "Upload a document.\n\n    The file goes in the `file` part; its name is kept."
    )
    assert _docstring("One line.") == "One line."
    assert eval(_pystr_wrapped("first line\nsecond " + "word " * 20)) == (
        "first line\nsecond " + "word " * 20
    )


MEDIA_PATHS = """\
  /books/{bookId}/cover:
    put:
      operationId: putBookCover
      x-fr-id: FR-001
      x-permissions: [books:write]
      parameters:
        - {name: bookId, in: path, required: true, schema: {type: string, format: uuid}}
      requestBody:
        required: true
        content:
          image/png:
            schema: {type: string, format: binary}
      responses:
        "204": {description: Stored}
  /books/export:
    get:
      operationId: exportBooks
      x-fr-id: FR-001
      x-permissions: [books:read]
      responses:
        "200":
          description: Every book, as CSV
          content:
            text/csv:
              schema: {type: string}
  /authors/{authorId}/card:
    get:
      operationId: getAuthorCard
      x-fr-id: FR-002
      x-permissions: [authors:read]
      parameters:
        - {name: authorId, in: path, required: true, schema: {type: string, format: uuid}}
        - {name: verbose, in: query, schema: {type: boolean, enum: [true, false]}}
      responses:
        "2XX":
          description: The author's card, JSON:API style
          content:
            application/vnd.api+json:
              schema:
                type: object
                required: [score]
                properties:
                  score: {type: number, enum: [1.5, 2.5]}
                  kind: {type: string, const: card}
"""


def media_library(root: Path) -> Path:
    """The library sample plus bodies and answers that are not plain JSON."""
    shutil.copytree(SAMPLES / "library", root)
    return add_media_paths(root)


def add_media_paths(root: Path) -> Path:
    """Add to a library handoff an image upload as raw bytes, a CSV export, and a JSON:API
    media type answering a `2XX`."""
    spec = root / "openapi.yaml"
    text = spec.read_text()
    spec.write_text(text.replace("paths:\n", "paths:\n" + MEDIA_PATHS, 1))
    return root


def uncap_page_sizes(root: Path) -> Path:
    """Take the maximum off a library handoff's `limit`: `MAX_PAGE_SIZE` caps its pages."""
    spec = root / "openapi.yaml"
    text = spec.read_text()
    capped = "schema: {type: integer, minimum: 1, maximum: 100, default: 20}"
    assert capped in text
    spec.write_text(text.replace(capped, "schema: {type: integer, minimum: 1, default: 20}"))
    return root


def test_a_page_size_the_spec_leaves_uncapped_gets_a_capping_test(tmp_path: Path) -> None:
    handoff = tmp_path / "library"
    shutil.copytree(SAMPLES / "library", handoff)
    ops = planned_operations(uncap_page_sizes(handoff))
    assert ops["listAuthors"].listing.max_limit is None
    result = accept(handoff)
    assert isinstance(result, Accepted)
    planned = plan_project(result.model, result.rfis)
    suite = next(f for f in planned.files if f.path == "tests/authors/test_service.py")
    assert isinstance(suite.context["suite"], ServiceTestsPlan)
    names = [t.name for t in suite.context["suite"].tests]
    assert "list_authors_caps_the_page_size" in names
    capped = planned_operations(SAMPLES / "library")["listAuthors"]
    assert capped.listing.max_limit == 100  # the spec's maximum: no setting needed, no capping test


def test_other_media_types_are_declared_and_handed_to_the_service(tmp_path: Path) -> None:
    ops = planned_operations(media_library(tmp_path / "library"))
    cover = ops["putBookCover"]
    assert (cover.body.media, cover.body.content_type, str(cover.body.type)) == (
        "raw",
        "image/png",
        "bytes",
    )
    export = ops["exportBooks"]
    assert (export.raw_response, export.response_class, str(export.response)) == (
        "text/csv",
        "Response",
        "Response",
    )
    card = ops["getAuthorCard"]
    assert (card.status, card.json_response, card.response_class) == (
        200,
        "application/vnd.api+json",
        "VndApiJsonResponse",
    )


@pytest.mark.parametrize(
    ("kind", "keywords", "bounds"),
    [
        ("string", {"minimum": 1, "max_length": 9}, {"maxLength": 9}),
        ("integer", {"minimum": 1, "max_length": 9}, {"minimum": 1}),
        ("number", {"maximum": 2.5, "pattern": "^x$"}, {"maximum": 2.5}),
    ],
)
def test_the_contract_keeps_only_the_bounds_that_apply_to_a_values_type(
    kind: str, keywords: dict[str, object], bounds: dict[str, object]
) -> None:
    """Redoc's petstore demo puts `minimum: 1` on a string `orderId`: JSON Schema ignores it,
    and so does the served document, so the contract does not ask for it."""
    api = ApiModel(title="t", version="1", openapi_version="3.1.0")
    schema = Schema.model_validate({"types": [kind], **keywords})
    assert shape(schema, api) == {"type": kind, "bounds": bounds}
