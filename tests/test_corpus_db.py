"""The real schema designs of the shared corpus: each loads, or fails with a message that names
the file and the place. None crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gen_backend.errors import HandoffInputError
from gen_backend.load.schema_dbml import load_schema_dbml
from gen_backend.load.schema_sql import load_schema_sql
from gen_backend.model.schema import ColumnType, SchemaDesign

from .conftest import CORPUS

DB = CORPUS / "db"
DESIGNS = sorted([*DB.rglob("*.sql"), *DB.rglob("*.dbml")])


def _load(path: Path) -> SchemaDesign | None:
    text = path.read_text(encoding="utf-8")
    return load_schema_sql(path, text) if path.suffix == ".sql" else load_schema_dbml(path, text)


def test_the_corpus_is_there() -> None:
    assert len(DESIGNS) >= 20, "../shared/corpus/db should hold the schema designs"


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: str(p.relative_to(DB)))
def test_design_loads_or_fails_clearly(path: Path) -> None:
    try:
        design = _load(path)
    except HandoffInputError as exc:
        problem = exc.problem
        assert problem.file == path
        assert problem.line is not None or problem.location, "the message must name a place"
        assert problem.fix
        return
    for table in design.tables if design else ():
        assert table.columns
        for key in table.foreign_keys:
            assert key.columns
            assert key.target_table


def test_chinook_postgres_reads_keys_and_types() -> None:
    design = _load(DB / "chinook" / "Chinook_PostgreSql.sql")
    assert design is not None
    assert len(design.tables) == 11
    track = design.table("track")
    assert track is not None
    assert track.primary_key == ("track_id",)
    assert {fk.target_table for fk in track.foreign_keys} == {"album", "genre", "media_type"}
    unit_price = track.column("unit_price")
    assert unit_price is not None
    assert (unit_price.type, unit_price.precision, unit_price.scale) == (ColumnType.NUMERIC, 10, 2)


def test_prisma_migration_reads_the_realworld_design() -> None:
    design = _load(DB / "realworld-conduit" / "migration_init.sql")
    assert design is not None
    assert len(design.tables) == 7


def test_sqlite_dialect_is_refused_at_the_first_table() -> None:
    with pytest.raises(HandoffInputError) as caught:
        _load(DB / "chinook" / "Chinook_Sqlite.sql")
    assert caught.value.problem.line == 71  # CREATE TABLE [Album]; the DROPs before it are skipped
