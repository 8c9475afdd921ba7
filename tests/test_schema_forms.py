"""The three spellings of a schema design (schema.yaml, schema.dbml, schema.sql) load to equal
models, and a handoff carrying two forms that disagree gets SCHEMA_FORMS_DISAGREE."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gen_backend.accept import Accepted, accept
from gen_backend.load.handoff import DesignForm, RawHandoff, load_design
from gen_backend.load.schema_dbml import load_schema_dbml
from gen_backend.load.schema_sql import load_schema_sql
from gen_backend.load.schema_yaml import load_schema_yaml
from gen_backend.load.source import read_source
from gen_backend.model import ColumnType, DefaultKind, OnDelete, SchemaDesign
from gen_backend.validate.rfis import Code

from .conftest import FIXTURES, SAMPLES

EQUAL = FIXTURES / "equal_design"
FORMS = ("schema.yaml", "schema.dbml", "schema.sql")


def _design(name: str) -> SchemaDesign:
    design = load_design(RawHandoff(root=EQUAL), EQUAL / name).design
    assert design is not None
    return design


@pytest.mark.parametrize("other", FORMS[1:])
def test_forms_load_to_equal_models(other: str) -> None:
    assert _design(other) == _design("schema.yaml")


def test_the_design_covers_every_feature_it_claims() -> None:
    """Equality would be cheap on a trivial design; this one exercises each normalisation."""
    design = _design("schema.sql")
    columns = [c for t in design.tables for c in t.columns]
    types = {c.type for c in columns}
    assert {
        ColumnType.UUID,
        ColumnType.STRING,
        ColumnType.TEXT,
        ColumnType.INTEGER,
        ColumnType.BOOLEAN,
        ColumnType.NUMERIC,
        ColumnType.TIMESTAMPTZ,
        ColumnType.ENUM,
    } <= types
    assert any(c.nullable for c in columns)
    assert any(c.unique for c in columns)
    assert any(c.default and c.default.kind is DefaultKind.NOW for c in columns)
    assert any(c.max_length for c in columns)
    assert any(c.precision == 10 and c.scale == 2 for c in columns)
    keys = [k for t in design.tables for k in t.foreign_keys]
    assert any(k.on_delete is OnDelete.CASCADE for k in keys)
    assert any(len(i.columns) > 1 for t in design.tables for i in t.indexes)
    assert any(t.checks for t in design.tables)


@pytest.mark.parametrize("form", FORMS)
def test_the_sample_schema_alone_is_accepted(form: str, tmp_path: Path) -> None:
    """Each form on its own is a valid handoff design (here with the library's other files)."""
    root = tmp_path / "handoff"
    shutil.copytree(SAMPLES / "library", root)
    (root / "schema.yaml").unlink()
    shutil.copy(EQUAL / form, root / form)
    (root / "migrations.yaml").write_text(
        "rollback_strategy: down-migrations\nsteps:\n"
        + "".join(
            f"  - {{id: '{n}', tables: [{t.name}]}}\n"
            for n, t in enumerate(_design(form).tables, 1)
        )
    )
    result = accept(root)
    assert isinstance(result, Accepted)
    assert result.model.design == _design("schema.yaml")


def test_disagreeing_forms_are_an_rfi(tmp_path: Path) -> None:
    root = tmp_path / "handoff"
    shutil.copytree(SAMPLES / "library", root)
    shutil.copy(EQUAL / "schema.sql", root / "schema.sql")  # a different design beside the yaml
    result = accept(root)
    assert isinstance(result, Accepted)
    (rfi,) = [r for r in result.rfis if r.code is Code.SCHEMA_FORMS_DISAGREE]
    assert rfi.location == "schema.sql"
    assert "tables" in rfi.question


def test_agreeing_forms_raise_nothing(tmp_path: Path) -> None:
    root = tmp_path / "handoff"
    shutil.copytree(SAMPLES / "library", root)
    for form in FORMS:
        shutil.copy(EQUAL / form, root / form)
    (root / "migrations.yaml").write_text(
        "rollback_strategy: down-migrations\nsteps:\n"
        + "".join(
            f"  - {{id: '{n}', tables: [{t.name}]}}\n"
            for n, t in enumerate(_design("schema.yaml").tables, 1)
        )
    )
    result = accept(root)
    assert isinstance(result, Accepted)
    assert not [r for r in result.rfis if r.code is Code.SCHEMA_FORMS_DISAGREE]


def test_a_multi_column_unique_is_one_thing_in_every_form(tmp_path: Path) -> None:
    yaml_file = tmp_path / "schema.yaml"
    yaml_file.write_text(
        "tables:\n  seats:\n    columns:\n      id: {type: integer, primary_key: true}\n"
        "      row: {type: string, max_length: 2}\n      number: {type: integer}\n"
        "    indexes:\n      - {columns: [row, number], unique: true}\n"
    )
    from_yaml, _ = load_schema_yaml(read_source(yaml_file))
    from_sql = load_schema_sql(
        tmp_path / "schema.sql",
        (
            "CREATE TABLE seats (id integer PRIMARY KEY, row varchar(2) NOT NULL,"
            " number integer NOT NULL, UNIQUE (row, number));"
        ),
    )
    from_dbml = load_schema_dbml(
        tmp_path / "schema.dbml",
        (
            "Table seats {\n  id integer [pk]\n  row varchar(2) [not null]\n"
            "  number integer [not null]\n  indexes {\n    (row, number) [unique]\n  }\n}\n"
        ),
    )
    assert from_yaml == from_sql == from_dbml
    assert from_yaml is not None
    (index,) = from_yaml.tables[0].indexes
    assert (index.name, index.columns, index.unique) == (
        "uq_seats_row_number",
        ("row", "number"),
        True,
    )


PG_DUMP = """\
CREATE TABLE public.notes (
    id integer NOT NULL,
    title character varying(100) NOT NULL,
    price numeric(8,2),
    deleted_at timestamp with time zone,
    CONSTRAINT price_not_negative CHECK ((price >= (0)::numeric))
);
CREATE SEQUENCE public.notes_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE CACHE 1;
ALTER TABLE ONLY public.notes ALTER COLUMN id SET DEFAULT nextval('public.notes_id_seq'::regclass);
CREATE TABLE public.tags (
    id bigint NOT NULL,
    label text NOT NULL,
    note_id integer REFERENCES notes ON DELETE CASCADE
);
ALTER TABLE public.tags ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.tags_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE CACHE 1
);
ALTER TABLE ONLY public.notes ADD CONSTRAINT notes_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.tags ADD CONSTRAINT tags_pkey PRIMARY KEY (id);
CREATE UNIQUE INDEX uq_notes_title_live ON public.notes USING btree (title)
    WHERE (deleted_at IS NULL);
CREATE INDEX ix_tags_label ON ONLY public.tags USING btree (label);
CREATE INDEX ix_tags_lower_label ON public.tags USING btree (lower(label));
"""

SAME_AS_YAML = """\
tables:
  tags:
    columns:
      id: {type: bigint, primary_key: true, autoincrement: true}
      label: {type: text}
      note_id: {type: integer, nullable: true, references: notes.id, on_delete: cascade}
    indexes:
      - {columns: [label], name: ix_tags_label}
  notes:
    columns:
      id: {type: integer, primary_key: true, autoincrement: true}
      title: {type: string, max_length: 100}
      price: {type: numeric, precision: 8, scale: 2, nullable: true}
      deleted_at: {type: timestamptz, nullable: true}
    indexes:
      - {columns: [title], unique: true, name: uq_notes_title_live, where: deleted_at IS NULL}
    checks:
      - {name: price_not_negative, expr: price >= 0}
"""


def test_a_pg_dump_agrees_with_the_design_it_came_from(tmp_path: Path) -> None:
    """Sequences, identities, bare REFERENCES, partial indexes, `ON ONLY` and pg_dump's casts;
    table order and key names are the dump's own choice and do not make the forms differ."""
    root = tmp_path / "handoff"
    shutil.copytree(SAMPLES / "library", root)
    (root / "schema.yaml").write_text(SAME_AS_YAML)
    (root / "schema.sql").write_text(PG_DUMP)
    (root / "migrations.yaml").write_text(
        "rollback_strategy: down-migrations\nsteps:\n  - {id: '1', tables: [notes, tags]}\n"
    )
    result = accept(root)
    assert isinstance(result, Accepted)
    codes = {(r.code, r.location) for r in result.rfis}
    assert not [c for c, _ in codes if c is Code.SCHEMA_FORMS_DISAGREE]
    notes = load_schema_sql(root / "schema.sql", PG_DUMP)
    assert notes is not None
    tags = notes.table("tags")
    assert tags is not None
    assert tags.column("id") is not None
    assert [c.autoincrement for c in tags.columns][:1] == [True]
    assert tags.foreign_keys[0].target_columns == ("id",)  # REFERENCES notes: its key
    sql_form = next(f for f in load_forms(root) if f.path.suffix == ".sql")
    assert [n.location for n in sql_form.notes] == ["index ix_tags_lower_label"]
    skipped = [r for r in result.rfis if r.code is Code.DESIGN_PART_SKIPPED]
    assert skipped == []  # notes of a second form are not raised; the first form decides
    (root / "schema.yaml").unlink()
    result = accept(root)
    assert isinstance(result, Accepted)
    (note,) = [r for r in result.rfis if r.code is Code.DESIGN_PART_SKIPPED]
    assert note.location == "line 23: index ix_tags_lower_label"


def load_forms(root: Path) -> list[DesignForm]:
    return [
        load_design(RawHandoff(root=root), root / name)
        for name in ("schema.yaml", "schema.sql")
        if (root / name).is_file()
    ]
