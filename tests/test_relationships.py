"""The ORM relationships planned from the design's foreign keys (plan/database.py)."""

from __future__ import annotations

from gen_backend.model import Column, ColumnType, ForeignKey, Index, OnDelete, SchemaDesign, Table
from gen_backend.plan.database import RelationshipPlan, plan_relationships, plan_table

AUTHORS = Table(
    name="authors", columns=(Column(name="id", type=ColumnType.UUID, primary_key=True),)
)
BOOK_COLUMNS = (
    Column(name="id", type=ColumnType.UUID, primary_key=True),
    Column(name="author_id", type=ColumnType.UUID),
)


def _key(name: str, column: str) -> ForeignKey:
    """A key of `books.<column>` to `authors.id`."""
    return ForeignKey(name=name, columns=(column,), target_table="authors", target_columns=("id",))


def _plan(*tables: Table) -> dict[str, dict[str, RelationshipPlan]]:
    planned = {t.name: plan_table(t, f"app.{t.name}.models") for t in tables}
    return {
        table: {r.name: r for r in relationships}
        for table, relationships in plan_relationships(SchemaDesign(tables=tables), planned).items()
    }


def test_both_sides_of_a_foreign_key_raise_on_lazy_loads_and_leave_deletes_to_the_database() -> (
    None
):
    books = Table(
        name="books",
        columns=(*BOOK_COLUMNS, Column(name="editor_id", type=ColumnType.UUID, nullable=True)),
        foreign_keys=(_key("fk_books_author", "author_id"), _key("fk_books_editor", "editor_id")),
    )
    found = _plan(AUTHORS, books)
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


def test_a_sole_key_is_left_to_sqlalchemy_and_conventional_names_to_the_column() -> None:
    """One key between two tables: the relationship names no columns. A one-column key,
    unique constraint or index named as the naming convention would name it is declared on
    its column; a name of the design's own stays in `__table_args__`."""
    books = Table(
        name="books",
        columns=(*BOOK_COLUMNS, Column(name="isbn", type=ColumnType.TEXT, unique=True)),
        foreign_keys=(
            _key("fk_books_author_id_authors", "author_id").model_copy(
                update={"on_delete": OnDelete.CASCADE}
            ),
        ),
        indexes=(Index(name="books_by_author", columns=("author_id",)),),
    )
    found = _plan(AUTHORS, books)
    assert found["books"]["author"].foreign_keys is None
    assert found["authors"]["books"].foreign_keys is None
    table = plan_table(books, "app.books.models")
    assert table.inline_constraints == {
        "author_id": ("sa.ForeignKey('authors.id', ondelete='CASCADE')",),
        "isbn": ("unique=True",),
    }
    assert [i.name for i in table.named_indexes] == ["books_by_author"]
    assert (table.named_foreign_keys, table.named_unique_columns) == ((), ())
