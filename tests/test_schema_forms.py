"""The three spellings of a schema design (schema.yaml, schema.dbml, schema.sql) load to equal
models, and a handoff carrying two forms that disagree gets SCHEMA_FORMS_DISAGREE."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gen_backend.accept import Accepted, accept
from gen_backend.load.handoff import RawHandoff, load_design
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
