"""Unit tests of the model stage: name conversions, inference, precedence of intent sources."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gen_backend.accept import Accepted, accept
from gen_backend.model import (
    EnvelopeShape,
    FilterOp,
    FilterSource,
    OperationKind,
    PaginationStyle,
    PermissionSource,
    ServiceModel,
    TableSource,
)
from gen_backend.model.naming import plural, python_package, singular, snake

from .conftest import SAMPLES

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("practitionerId", "practitioner_id"),
        ("HTTPStatus", "http_status"),
        ("menu-item-images", "menu_item_images"),
        ("already_snake", "already_snake"),
        ("publishedOn", "published_on"),
        ("ID", "id"),
    ],
)
def test_snake(name: str, expected: str) -> None:
    assert snake(name) == expected


@pytest.mark.parametrize(
    ("one", "many"),
    [
        ("book", "books"),
        ("category", "categories"),
        ("address", "addresses"),
        ("box", "boxes"),
        ("day", "days"),
        ("match", "matches"),
    ],
)
def test_plural_and_singular(one: str, many: str) -> None:
    assert plural(one) == many
    assert singular(many) == one


@pytest.mark.parametrize(
    ("slug", "package"),
    [
        ("library-api", "library_api"),
        ("class", "class_service"),
        ("3d-prints", "service_3d_prints"),
    ],
)
def test_python_package(slug: str, package: str) -> None:
    assert python_package(slug) == package


def _model(root: Path) -> ServiceModel:
    result = accept(root)
    assert isinstance(result, Accepted)
    return result.model


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(SAMPLES / "library", root)
    return root


def test_library_operations_are_inferred(library: Path) -> None:
    ops = {op.operation_id: op for op in _model(library).operations}
    assert {k: (v.kind, v.table) for k, v in ops.items() if v.table} == {
        "listAuthors": (OperationKind.LIST, "authors"),
        "createAuthor": (OperationKind.CREATE, "authors"),
        "getAuthor": (OperationKind.GET, "authors"),
        "updateAuthor": (OperationKind.UPDATE, "authors"),
        "deleteAuthor": (OperationKind.DELETE, "authors"),
        "listAuthorBooks": (OperationKind.LIST, "books"),
        "listBooks": (OperationKind.LIST, "books"),
        "createBook": (OperationKind.CREATE, "books"),
        "getBook": (OperationKind.GET, "books"),
        "replaceBook": (OperationKind.REPLACE, "books"),
        "updateBook": (OperationKind.UPDATE, "books"),
        "deleteBook": (OperationKind.DELETE, "books"),
        "listLoans": (OperationKind.LIST, "loans"),
        "createLoan": (OperationKind.CREATE, "loans"),
    }
    health = ops["getHealth"]
    assert (health.kind, health.table, health.public) == (OperationKind.CUSTOM, None, True)
    assert health.table_source is TableSource.UNKNOWN


def test_nested_list_is_bound_to_the_parent_key(library: Path) -> None:
    op = next(o for o in _model(library).operations if o.operation_id == "listAuthorBooks")
    (binding,) = op.path_bindings
    assert (binding.param, binding.column, binding.is_key) == ("authorId", "author_id", False)
    assert (binding.parent_table, binding.parent_column) == ("authors", "id")


def test_a_composite_key_is_bound_by_the_parent_and_the_last_parameter() -> None:
    """`/events/{eventId}/tags/{tagSlug}` names one `event_tags` row (key `event_id, tag_slug`):
    the parent's parameter binds one key column, the last parameter the other."""
    model = _model(FIXTURES / "events")
    op = next(o for o in model.operations if o.operation_id == "removeEventTag")
    assert op.kind is OperationKind.DELETE
    bindings = {(b.param, b.column, b.is_key) for b in op.path_bindings}
    assert bindings == {("eventId", "event_id", False), ("tagSlug", "tag_slug", True)}


def test_a_parent_named_id_is_bound_by_the_childs_foreign_key() -> None:
    """In `/contacts/{id}/notes`, `{id}` is the contact's: `notes.contact_id`, not `notes.id`."""
    op = next(o for o in _model(FIXTURES / "crm").operations if o.operation_id == "listNotes")
    (binding,) = op.path_bindings
    assert (binding.param, binding.column, binding.is_key) == ("id", "contact_id", False)
    assert (binding.parent_table, binding.parent_column) == ("contacts", "id")


def test_one_column_of_a_composite_key_alone_selects_no_row(tmp_path: Path) -> None:
    """Without the parent in the path, `tag_slug` is not a key of `event_tags`."""
    root = tmp_path / "events"
    shutil.copytree(FIXTURES / "events", root)
    spec = root / "openapi.yaml"
    text = spec.read_text(encoding="utf-8")
    parent = (
        "        - {name: eventId, in: path, required: true, schema: {type: string, format: uuid}}"
    )
    text = text.replace("/events/{eventId}/tags/{tagSlug}:", "/event-tags/{tagSlug}:")
    spec.write_text(text.replace(parent + "\n", ""), encoding="utf-8")
    op = next(o for o in _model(root).operations if o.operation_id == "removeEventTag")
    assert not any(b.is_key for b in op.path_bindings)


def test_pagination_envelope_and_filters(library: Path) -> None:
    model = _model(library)
    books = next(o for o in model.operations if o.operation_id == "listBooks")
    assert books.pagination is not None
    assert books.pagination.style is PaginationStyle.LIMIT_OFFSET
    assert (books.pagination.default_size, books.pagination.max_size) == (20, 100)
    assert books.envelope is not None
    assert (books.envelope.shape, books.envelope.items_field, books.envelope.total_field) == (
        EnvelopeShape.OBJECT,
        "items",
        "total",
    )
    by_param = {f.param: f for f in books.filters}
    assert by_param["q"].op is FilterOp.CONTAINS
    assert by_param["q"].columns == ("title", "isbn")
    assert by_param["available"].op is FilterOp.TRUE_ONLY
    assert by_param["status"].source is FilterSource.COLUMN_NAME  # implicit: a column's name
    assert books.sort_params == ("sort",)
    loans = next(o for o in model.operations if o.operation_id == "listLoans")
    assert loans.envelope is not None
    assert loans.envelope.shape is EnvelopeShape.BARE_ARRAY


def test_scope_and_priority(library: Path) -> None:
    model = _model(library)
    out_of_scope = {o.operation_id for o in model.operations if not o.in_scope}
    assert out_of_scope == {"listLoans", "createLoan", "getHealth"}
    ranked = [o.fr_id or "" for o in model.operations_by_priority]
    assert ranked == sorted(ranked)  # FR-001 (18) > FR-002 (13.5) > FR-003 (9)


def test_creates_are_idempotent_by_default_and_intent_overrides(library: Path) -> None:
    manifest = library / "handoff.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "operations:\n", "operations:\n  createAuthor:\n    idempotent: false\n"
        )
    )
    ops = {o.operation_id: o for o in _model(library).operations}
    assert ops["createBook"].idempotent
    assert not ops["createAuthor"].idempotent
    assert not ops["getBook"].idempotent


def test_handoff_table_beats_the_path_and_x_table(library: Path) -> None:
    spec = library / "openapi.yaml"
    spec.write_text(
        spec.read_text().replace(
            "operationId: getHealth", "operationId: getHealth\n      x-table: authors"
        )
    )
    ops = {o.operation_id: o for o in _model(library).operations}
    assert (ops["getHealth"].table, ops["getHealth"].table_source) == (
        "authors",
        TableSource.EXTENSION,
    )
    manifest = library / "handoff.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "operations:\n", "operations:\n  getHealth:\n    table: books\n"
        )
    )
    ops = {o.operation_id: o for o in _model(library).operations}
    assert (ops["getHealth"].table, ops["getHealth"].table_source) == ("books", TableSource.HANDOFF)


def test_permission_precedence(library: Path) -> None:
    auth = library / "auth.yaml"
    auth.write_text(auth.read_text().replace("  getBook: [books:read]\n", ""))
    spec = library / "openapi.yaml"
    text = spec.read_text()
    spec.write_text(
        text.replace(
            "operationId: getBook\n", "operationId: getBook\n      x-permissions: [books:peek]\n"
        )
    )
    op = next(o for o in _model(library).operations if o.operation_id == "getBook")
    assert (op.permissions, op.permission_source) == (("books:peek",), PermissionSource.EXTENSION)
    manifest = library / "handoff.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "operations:\n", "operations:\n  getBook:\n    permissions: [books:look]\n"
        )
    )
    op = next(o for o in _model(library).operations if o.operation_id == "getBook")
    assert (op.permissions, op.permission_source) == (("books:look",), PermissionSource.HANDOFF)


def test_security_scopes_are_the_last_resort(library: Path) -> None:
    auth = library / "auth.yaml"
    auth.write_text(auth.read_text().replace("  getBook: [books:read]\n", ""))
    spec = library / "openapi.yaml"
    spec.write_text(
        spec.read_text()
        .replace(
            "operationId: getBook\n",
            "operationId: getBook\n      security: [{oauth: [books.read]}, {bearerAuth: []}]\n",
        )
        .replace(
            "    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}\n",
            "    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}\n"
            "    oauth:\n      type: oauth2\n      flows:\n        clientCredentials:\n"
            "          tokenUrl: https://auth.example/token\n"
            "          scopes: {books.read: read books}\n",
        )
    )
    op = next(o for o in _model(library).operations if o.operation_id == "getBook")
    assert (op.permissions, op.permission_source) == (
        ("books.read",),
        PermissionSource.SECURITY_SCOPES,
    )
    assert len(op.security) == 2  # alternatives are kept for the auth layer


def test_the_model_is_frozen(library: Path) -> None:
    model = _model(library)
    with pytest.raises(Exception, match="frozen"):
        model.product = "changed"  # type: ignore[misc]


def test_relationships_name_both_sides_of_each_foreign_key(library: Path) -> None:
    design = _model(library).design
    pairs = {
        (r.table, r.name, r.kind.value, r.target, r.back_populates) for r in design.relationships
    }
    assert pairs == {
        ("books", "author", "many_to_one", "authors", "books"),
        ("authors", "books", "one_to_many", "books", "author"),
        ("loans", "book", "many_to_one", "books", "loans"),
        ("books", "loans", "one_to_many", "loans", "book"),
    }
    assert [r.name for r in design.relationships_of("books")] == ["author", "loans"]


def test_relationship_names_never_collide(tmp_path: Path) -> None:
    """Two keys to one table, and a column already called like the relationship."""
    from gen_backend.load.schema_sql import load_schema_sql

    design = load_schema_sql(
        tmp_path / "schema.sql",
        (
            "CREATE TABLE users (id int PRIMARY KEY);"
            "CREATE TABLE transfers (id int PRIMARY KEY, sender_id int REFERENCES users(id),"
            " receiver_id int REFERENCES users(id), sender text);"
        ),
    )
    assert design is not None
    names = {(r.table, r.name) for r in design.relationships}
    assert names == {
        ("transfers", "sender_2"),
        ("transfers", "receiver"),
        ("users", "transfers_as_sender"),
        ("users", "transfers_as_receiver"),
    }


def test_yaml_dates_stay_text(tmp_path: Path) -> None:
    from gen_backend.load.source import read_source

    path = tmp_path / "x.yaml"
    path.write_text("on: yes\nday: 2024-13-01\nid: 0001\n")
    assert read_source(path).data == {"on": "yes", "day": "2024-13-01", "id": "0001"}
