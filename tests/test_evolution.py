"""The revision for a design's changes (plan.evolution): what Alembic's comparison finds and
what the design fills in. The end-to-end runs on both databases are in
test_generated_projects.py (`test_a_design_change_migrates_a_database_that_holds_rows`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from gen_backend.accept import Accepted, accept
from gen_backend.model.schema import (
    CheckConstraint,
    Column,
    ColumnDefault,
    ColumnType,
    DefaultKind,
    ForeignKey,
    Index,
    OnDelete,
    SchemaDesign,
    Table,
)
from gen_backend.model.service import DataDecision, MigrationStep
from gen_backend.plan import plan_project
from gen_backend.plan.database import RowSecurityPlan
from gen_backend.plan.evolution import ChangeRevisionPlan, next_number, plan_change
from gen_backend.render import render_project

from .conftest import SAMPLES
from .test_history import history_of

_KEY = Column(name="id", type=ColumnType.UUID, primary_key=True)
_AUTHORS = Table(name="authors", columns=(_KEY, Column(name="name", type=ColumnType.TEXT)))
_STATUS = Column(
    name="status", type=ColumnType.ENUM, values=("draft", "out"), enum_name="books_status"
)
_BOOKS = Table(
    name="books",
    columns=(
        _KEY,
        Column(name="author_id", type=ColumnType.UUID),
        Column(name="title", type=ColumnType.STRING, max_length=100),
        _STATUS,
    ),
    indexes=(Index(name="ix_books_title", columns=("title",)),),
    foreign_keys=(
        ForeignKey(
            name="fk_books_author",
            columns=("author_id",),
            target_table="authors",
            target_columns=("id",),
        ),
    ),
)
_BEFORE = SchemaDesign(tables=(_AUTHORS, _BOOKS))


def _books(**changes: object) -> SchemaDesign:
    return SchemaDesign(tables=(_AUTHORS, _BOOKS.model_copy(update=changes)))


def _change(after: SchemaDesign, step: MigrationStep | None = None) -> ChangeRevisionPlan:
    change = plan_change(_BEFORE, after, (), ({}, {}), step)
    assert change is not None
    return change


def test_the_same_design_needs_no_revision() -> None:
    assert plan_change(_BEFORE, _BEFORE, (), ({}, {})) is None


def test_columns_added_dropped_and_altered_are_named_in_the_revision() -> None:
    title = _BOOKS.columns[2].model_copy(update={"max_length": 200, "nullable": True})
    pages = Column(name="pages", type=ColumnType.INTEGER, nullable=True)
    change = _change(_books(columns=(*_BOOKS.columns[:2], title, _STATUS, pages)))
    (books,) = change.changed
    assert [c.name for c in books.added] == ["pages"]
    (altered,) = books.altered
    assert (altered.after.name, altered.type, altered.nullable, altered.default) == (
        "title",
        True,
        True,
        False,
    )
    assert altered.using == '"title"::varchar(200)'
    assert change.description == "books add pages alter title"
    assert change.file_stem == "books_add_pages_alter_title"


def test_an_index_whose_condition_changed_and_a_key_whose_delete_rule_changed_are_made_again() -> (
    None
):
    partial = Index(name="ix_books_title", columns=("title",), where="status = 'out'")
    key = _BOOKS.foreign_keys[0].model_copy(update={"on_delete": OnDelete.CASCADE})
    (books,) = _change(_books(indexes=(partial,), foreign_keys=(key,))).changed
    assert [i.name for i in books.dropped_indexes] == [i.name for i in books.added_indexes]
    assert books.added_indexes[0].where is not None
    assert [k.ondelete for k in books.added_foreign_keys] == ["CASCADE"]
    assert [k.ondelete for k in books.dropped_foreign_keys] == [None]


def test_checks_and_unique_columns_come_and_go_by_name() -> None:
    check = CheckConstraint(name="title_not_blank", expression="length(title) > 0")
    unique_title = _BOOKS.columns[2].model_copy(update={"unique": True})
    columns = (*_BOOKS.columns[:2], unique_title, _STATUS)
    (books,) = _change(_books(checks=(check,), columns=columns)).changed
    assert [c.name for c in books.added_checks] == ["title_not_blank"]
    assert books.added_uniques == (("uq_books_title", "title"),)


def test_enum_values_added_or_removed() -> None:
    more = _STATUS.model_copy(update={"values": ("draft", "out", "gone")})
    (added,) = _change(_books(columns=(*_BOOKS.columns[:3], more))).enums
    assert (added.added, added.only_added) == (("gone",), True)
    fewer = _STATUS.model_copy(update={"values": ("draft",)})
    (removed,) = _change(_books(columns=(*_BOOKS.columns[:3], fewer))).enums
    assert not removed.only_added
    assert [(t, c.name) for t, c in removed.columns] == [("books", "status")]


def test_a_table_made_outside_a_new_step_and_one_dropped() -> None:
    shelves = Table(name="shelves", columns=(_KEY,))
    change = _change(SchemaDesign(tables=(_AUTHORS, _BOOKS, shelves)))
    assert [t.name for t in change.created] == ["shelves"]
    assert (
        plan_change(
            _BEFORE, SchemaDesign(tables=(_AUTHORS, _BOOKS, shelves)), ["shelves"], ({}, {})
        )
        is None
    )
    dropped = _change(SchemaDesign(tables=(_AUTHORS,)))
    assert [t.name for t in dropped.dropped] == ["books"]
    assert dropped.old_enums == (("books_status", ("draft", "out")),)


def test_row_security_that_changed_is_made_again() -> None:
    before = {"books": RowSecurityPlan("books", "author_id", ("admin",))}
    after = {"books": RowSecurityPlan("books", "author_id", ())}
    change = plan_change(_BEFORE, _BEFORE, (), (before, after))
    assert change is not None
    assert (change.unsecured, change.secured) == (tuple(before.values()), tuple(after.values()))


def test_a_decision_renames_a_column_and_fills_the_rows_a_new_one_leaves_empty() -> None:
    heading = _BOOKS.columns[2].model_copy(update={"name": "heading"})
    pages = Column(name="pages", type=ColumnType.INTEGER)
    step = MigrationStep(
        id="0004",
        description="titles are headings",
        tables=(),
        decisions=(
            DataDecision(change="books.title", data="kept", rename_to="heading"),
            DataDecision(change="books.pages", data="one until counted", fill=1),
        ),
    )
    index = Index(name="ix_books_heading", columns=("heading",))
    after = _books(columns=(*_BOOKS.columns[:2], heading, _STATUS, pages), indexes=(index,))
    change = _change(after, step)
    (books,) = change.changed
    assert not books.dropped
    assert [i.name for i in books.added_indexes] == ["ix_books_heading"]
    (renamed,) = books.altered
    assert (renamed.before.name, renamed.after.name, renamed.renamed) == ("title", "heading", True)
    assert books.fills == (("pages", "1"),)
    assert change.description == "titles are headings"
    assert change.decisions == ("books.title: kept", "books.pages: one until counted")


def test_a_change_revision_is_numbered_after_the_chain() -> None:
    assert next_number(["0001", "0002", "rate_limits", "0003_books_add_pages"]) == "0004"
    assert next_number(["idempotency_keys"]) == "0001"
    assert next_number(["9", "10"]) == "11"


def test_a_change_revision_id_fits_alembic_version(tmp_path: Path) -> None:
    """Alembic keeps the head's id in a VARCHAR(32): a long description names the file, and
    the id is cut at a word."""
    handoff = tmp_path / "library"
    shutil.copytree(SAMPLES / "library", handoff)
    first = accept(handoff)
    assert isinstance(first, Accepted)
    v1 = render_project(plan_project(first.model))
    notes = Column(name="reader_notes_for_the_librarians", type=ColumnType.TEXT, nullable=True)
    tables = tuple(
        t.model_copy(update={"columns": (*t.columns, notes)}) for t in first.model.design.tables
    )
    changed = first.model.model_copy(
        update={"design": first.model.design.model_copy(update={"tables": tables})}
    )
    change = plan_project(changed, history=history_of(v1)).migrations.change
    assert change is not None
    assert change.file_stem.startswith("0004_authors_add_reader_notes_for_the_librarians")
    assert change.revision == "0004_authors_add_reader_notes"
    assert len(change.revision) <= 32


def test_a_key_to_a_table_a_new_step_makes_is_added_after_that_step() -> None:
    publishers = Table(name="publishers", columns=(_KEY,))
    publisher = Column(name="publisher_id", type=ColumnType.UUID, nullable=True)
    key = ForeignKey(
        name="fk_books_publisher",
        columns=("publisher_id",),
        target_table="publishers",
        target_columns=("id",),
    )
    books = _BOOKS.model_copy(
        update={
            "columns": (*_BOOKS.columns, publisher),
            "foreign_keys": (*_BOOKS.foreign_keys, key),
        }
    )
    after = SchemaDesign(tables=(_AUTHORS, publishers, books))
    change = plan_change(_BEFORE, after, ["publishers"], ({}, {}))
    assert change is not None
    assert not change.created
    (changed,) = change.changed
    assert [k.name for k in changed.added_foreign_keys] == ["fk_books_publisher"]


def test_rows_holding_null_get_the_default_of_a_column_made_not_null() -> None:
    """A default alone fills only the rows inserted later: the revision fills the others
    before the column becomes NOT NULL."""
    rank = Column(name="rank", type=ColumnType.INTEGER, nullable=True)
    before = SchemaDesign(
        tables=(_AUTHORS, _BOOKS.model_copy(update={"columns": (*_BOOKS.columns, rank)}))
    )
    ranked = rank.model_copy(
        update={"nullable": False, "default": ColumnDefault(kind=DefaultKind.LITERAL, value=0)}
    )
    after = _books(columns=(*_BOOKS.columns, ranked))
    change = plan_change(before, after, (), ({}, {}))
    assert change is not None
    (altered,) = change.changed[0].altered
    assert (altered.nullable, altered.default, altered.fill) == (True, True, "sa.text('0')")
