"""The record of what the migrations were generated from, and the design's changes since."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from gen_backend.accept import Accepted, accept
from gen_backend.model.schema import Column, ColumnType, Index, SchemaDesign, Table
from gen_backend.plan import plan_project
from gen_backend.plan.history import (
    History,
    design_changes,
    design_of,
    ownership_of,
    recorded_revisions,
)
from gen_backend.render import RenderedFile, render_project

from .conftest import SAMPLES


def test_a_run_records_the_design_its_revisions_were_generated_from() -> None:
    result = accept(SAMPLES / "tenants")
    assert isinstance(result, Accepted)
    plan = plan_project(result.model)
    planned = next(f for f in plan.files if f.path == ".gen-backend/revisions.json")
    record = json.loads(json.dumps(planned.context["record"]))  # as written and read back
    assert design_of(record) == result.model.design
    files = [r["file"] for r in record["revisions"]]
    assert files[0] == f"migrations/versions/{plan.revisions[0].file_stem}.py"
    assert files[-1] == f"migrations/versions/{plan.rate_limits.revision}.py"
    assert record["ownership"][0]["table"] == "workspaces"


def test_a_record_it_cannot_read_holds_no_design() -> None:
    assert design_of(None) is None
    assert design_of({"record_version": 99, "design": {"tables": []}}) is None
    assert design_of({"record_version": 1, "design": {"tables": [{"name": 1}]}}) is None


def _design(*tables: Table) -> SchemaDesign:
    return SchemaDesign(tables=tables)


def test_the_changes_name_each_table_and_column_added_removed_or_changed() -> None:
    key = Column(name="id", type=ColumnType.UUID, primary_key=True)
    title = Column(name="title", type=ColumnType.STRING, max_length=300)
    before = _design(
        Table(name="books", columns=(key, title)),
        Table(name="loans", columns=(key,)),
    )
    after = _design(
        Table(
            name="books",
            columns=(
                key,
                title.model_copy(update={"max_length": 250, "nullable": True}),
                Column(name="isbn", type=ColumnType.STRING, max_length=13),
            ),
            indexes=(Index(name="ix_books_title", columns=("title",)),),
        ),
        Table(name="authors", columns=(key,)),
    )
    assert [(str(c), c.destructive) for c in design_changes(before, after)] == [
        ("table `authors` added", False),
        ("table `loans` removed", True),
        ("column `books.isbn` added", True),  # NOT NULL, no default: existing rows have none
        ("column `books.title` changed: nullable False -> True, max_length 300 -> 250", True),
        ("table `books`: its indexes changed", False),
    ]
    assert design_changes(after, after) == []


def test_a_change_is_destructive_only_where_it_could_lose_or_refuse_a_value() -> None:
    def changed(before: Column, after: Column) -> tuple[bool, str | None]:
        old = _design(Table(name="t", columns=(before,)))
        (change,) = design_changes(old, _design(Table(name="t", columns=(after,))))
        return change.destructive, change.why

    count = Column(name="n", type=ColumnType.INTEGER)
    assert changed(count, count.model_copy(update={"type": ColumnType.BIGINT})) == (False, None)
    assert changed(count, count.model_copy(update={"type": ColumnType.STRING}))[0]
    text = Column(name="s", type=ColumnType.STRING, max_length=50, nullable=True)
    assert changed(text, text.model_copy(update={"max_length": 80})) == (False, None)
    assert changed(text, text.model_copy(update={"max_length": 20})) == (
        True,
        "text longer than 20",
    )
    assert changed(text, text.model_copy(update={"nullable": False}))[0]  # rows holding null
    unbounded = text.model_copy(update={"max_length": None})
    assert changed(unbounded, text)[0]  # any length, then 50
    assert changed(text, unbounded) == (False, None)
    amount = Column(name="a", type=ColumnType.NUMERIC)
    assert changed(amount, amount.model_copy(update={"precision": 10, "scale": 2}))[0]
    assert not changed(amount.model_copy(update={"precision": 10, "scale": 2}), amount)[0]
    kind = Column(name="k", type=ColumnType.ENUM, values=("a", "b"), enum_name="k_kind")
    assert not changed(kind, kind.model_copy(update={"values": ("a", "b", "c")}))[0]
    assert changed(kind, kind.model_copy(update={"values": ("a",)}))[0]


def test_a_column_gone_beside_a_new_one_of_its_type_is_asked_about_not_guessed() -> None:
    key = Column(name="id", type=ColumnType.UUID, primary_key=True)
    title = Column(name="title", type=ColumnType.STRING, max_length=300)
    before = _design(Table(name="books", columns=(key, title)))
    after = _design(Table(name="books", columns=(key, title.model_copy(update={"name": "name"}))))
    removed = [c for c in design_changes(before, after) if "removed" in str(c)]
    assert [str(c) for c in removed] == [
        "column `books.title` removed (renamed to `name`? say so in the migration plan)"
    ]
    assert removed[0].destructive


REVIEWS_TABLE = """  reviews:
    columns:
      id:      {type: uuid, primary_key: true}
      book_id: {type: uuid, references: books.id, on_delete: cascade}
      body:    {type: text}
"""
REVIEWS_STEP = """  - id: "0004"
    description: reviews of books
    tables: [reviews]
    depends_on: ["0002"]
"""


def add_reviews(handoff: Path) -> None:
    """A new table in a new migration step, as handoff-v1 asks of a table added later."""
    schema = handoff / "schema.yaml"
    text = schema.read_text()
    schema.write_text(text.replace("  loans:\n", REVIEWS_TABLE + "  loans:\n", 1))
    migrations = handoff / "migrations.yaml"
    migrations.write_text(migrations.read_text().rstrip("\n") + "\n" + REVIEWS_STEP)


def history_of(files: dict[str, RenderedFile]) -> History:
    """What a run that wrote `files` leaves for the next: its record, and its revisions as
    written (output.read_history, without the disk)."""
    record = json.loads(files[".gen-backend/revisions.json"].text)
    entries = recorded_revisions(record)
    return History(
        revisions=entries,
        texts={e.revision: files[f"migrations/versions/{e.file_stem}.py"].text for e in entries},
        design=design_of(record),
        ownership=ownership_of(record),
    )


def test_a_new_step_comes_after_the_recorded_head_and_the_old_revisions_stay(
    tmp_path: Path,
) -> None:
    """After `reviews` is added: its revision follows the head the earlier run recorded (the
    rate limits table's), so a database at that head has exactly it to run; every revision
    the earlier run wrote renders as it did."""
    handoff = tmp_path / "library"
    shutil.copytree(SAMPLES / "library", handoff)
    first = accept(handoff)
    assert isinstance(first, Accepted)
    v1_plan = plan_project(first.model)
    v1 = render_project(v1_plan)
    record = json.loads(v1[".gen-backend/revisions.json"].text)
    recorded = tuple(e.revision for e in recorded_revisions(record))
    assert recorded == ("0001", "0002", "0003", "idempotency_keys", "rate_limits")

    add_reviews(handoff)
    second = accept(handoff)
    assert isinstance(second, Accepted)
    v2_plan = plan_project(second.model, history=history_of(v1))
    v2 = render_project(v2_plan)
    new = next(r for r in v2_plan.revisions if r.revision == "0004")
    assert new.down_revision == "rate_limits"
    for entry in record["revisions"]:
        assert v2[entry["file"]].text == v1[entry["file"]].text, entry["file"]
    log = json.loads(v2[".gen-backend/revisions.json"].text)["revisions"]
    assert [e["revision"] for e in log] == [*recorded, "0004"]
    # without a record, the order is the plan's own: the new step before the service's tables
    fresh = plan_project(second.model)
    assert next(r for r in fresh.revisions if r.revision == "0004").down_revision == "0003"


def test_a_table_gone_beside_a_new_one_with_its_columns_is_asked_about() -> None:
    key = Column(name="id", type=ColumnType.UUID, primary_key=True)
    title = Column(name="title", type=ColumnType.TEXT)
    before = _design(Table(name="books", columns=(key, title)))
    after = _design(Table(name="volumes", columns=(key, title)))
    (removed,) = [c for c in design_changes(before, after) if "removed" in str(c)]
    assert str(removed).startswith("table `books` removed (renamed to `volumes`?")
    assert removed.destructive
