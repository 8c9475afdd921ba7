"""The ORM relationships planned from the design's foreign keys (plan/database.py)."""

from __future__ import annotations

from gen_backend.model import Column, ColumnType, ForeignKey, SchemaDesign, Table
from gen_backend.plan.database import RelationshipPlan, plan_relationships, plan_table


def _plan(*tables: Table) -> dict[str, dict[str, RelationshipPlan]]:
    planned = {t.name: plan_table(t, f"app.{t.name}.models") for t in tables}
    return {
        table: {r.name: r for r in relationships}
        for table, relationships in plan_relationships(SchemaDesign(tables=tables), planned).items()
    }


def test_both_sides_of_a_foreign_key_raise_on_lazy_loads_and_leave_deletes_to_the_database() -> (
    None
):
    authors = Table(
        name="authors", columns=(Column(name="id", type=ColumnType.UUID, primary_key=True),)
    )
    books = Table(
        name="books",
        columns=(
            Column(name="id", type=ColumnType.UUID, primary_key=True),
            Column(name="author_id", type=ColumnType.UUID),
            Column(name="editor_id", type=ColumnType.UUID, nullable=True),
        ),
        foreign_keys=(
            ForeignKey(
                name="fk_books_author",
                columns=("author_id",),
                target_table="authors",
                target_columns=("id",),
            ),
            ForeignKey(
                name="fk_books_editor",
                columns=("editor_id",),
                target_table="authors",
                target_columns=("id",),
            ),
        ),
    )
    found = _plan(authors, books)
    author = found["books"]["author"]
    editor = found["books"]["editor"]
    assert (author.annotation, author.foreign_keys, author.many) == (
        '"Author"',
        "[Book.author_id]",
        False,
    )
    assert editor.annotation == '"Author | None"'  # its key may be NULL
    many = found["authors"]["books"]
    assert (many.annotation, many.back_populates, many.foreign_keys) == (
        'list["Book"]',
        "author",
        "[Book.author_id]",
    )
    assert found["authors"]["books_as_editor"].foreign_keys == "[Book.editor_id]"
    assert many.import_line == "from app.books.models import Book"


def test_a_self_reference_names_its_remote_side() -> None:
    categories = Table(
        name="categories",
        columns=(
            Column(name="id", type=ColumnType.INTEGER, primary_key=True),
            Column(name="parent_id", type=ColumnType.INTEGER, nullable=True),
        ),
        foreign_keys=(
            ForeignKey(
                name="fk_parent",
                columns=("parent_id",),
                target_table="categories",
                target_columns=("id",),
            ),
        ),
    )
    found = _plan(categories)["categories"]
    parent = found["parent"]
    assert parent.remote_side == "[Category.id]"
    children = next(r for r in found.values() if r.many)
    assert children.remote_side is None
    assert children.back_populates == "parent"
