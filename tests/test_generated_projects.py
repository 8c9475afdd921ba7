"""Each sample generates a project that passes its own checks, and matches its golden tree.

The golden trees under tests/golden/generated/ are the reviewed output; after an intended
change, regenerate them with `UPDATE_GOLDEN=1 pytest tests/test_generated_projects.py` and
read the diff."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gen_backend.accept import Accepted, accept
from gen_backend.model.schema import CheckConstraint, Column, ColumnType, SchemaDesign, Table
from gen_backend.plan import plan_project
from gen_backend.render import RenderedFile, render_project

from .conftest import SAMPLES, sample_dirs

GOLDEN = Path(__file__).resolve().parent / "golden" / "generated"


def _render(sample: Path) -> dict[str, RenderedFile]:
    result = accept(sample)
    assert isinstance(result, Accepted)
    return render_project(plan_project(result.model, result.rfis))


@pytest.mark.parametrize("sample", sample_dirs(), ids=lambda p: p.name)
def test_generated_tree_matches_golden(sample: Path) -> None:
    files = _render(sample)
    golden = GOLDEN / sample.name
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(golden, ignore_errors=True)
        for path, file in files.items():
            (golden / path).parent.mkdir(parents=True, exist_ok=True)
            (golden / path).write_text(file.text, encoding="utf-8")
    on_disk = {p.relative_to(golden).as_posix() for p in golden.rglob("*") if p.is_file()}
    assert on_disk == set(files), "files added or removed; UPDATE_GOLDEN=1 to accept"
    for path, file in files.items():
        assert (golden / path).read_text(encoding="utf-8") == file.text, (
            f"{sample.name}/{path} differs from its golden copy; UPDATE_GOLDEN=1 to accept"
        )


# One mypy cache per test worker, shared by the projects it checks: the libraries they import
# (SQLAlchemy, pydantic, FastAPI) are analysed once, not per project; mypy checks each cached
# module against its source, so a project's own modules are always analysed afresh.
_MYPY_CACHE = Path(tempfile.gettempdir()) / (
    f"gen-backend-mypy-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getuid()}"
)


def _run(args: list[str], cwd: Path, **extra_env: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PYTEST_"))}
    env.update(extra_env)
    env["MYPY_CACHE_DIR"] = str(_MYPY_CACHE)
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def _write(files: dict[str, RenderedFile], out: Path) -> Path:
    for path, file in files.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(file.text, encoding="utf-8")
    return out


def _generate(handoff: Path, out: Path) -> Path:
    return _write(_render(handoff), out)


@pytest.mark.parametrize("sample", sample_dirs(), ids=lambda p: p.name)
def test_generated_project_passes_its_own_checks(sample: Path, tmp_path: Path) -> None:
    out = _generate(sample, tmp_path / sample.name)
    _run(["ruff", "check", "--no-cache", "."], out)
    _run(["ruff", "format", "--check", "--no-cache", "."], out)
    _run(["mypy"], out)
    _run(["pytest", "-q", "-p", "no:cacheprovider"], out)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def _serving(project: Path, **env: str) -> Iterator[str]:
    """`uvicorn app.main:app` of a generated project on a free loopback port, once its
    readiness probe answers; its base URL. Stopped with SIGTERM, as an orchestrator would."""
    port = _free_port()
    command = ["uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [sys.executable, "-m", *command],
        cwd=project,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "uvicorn was not ready within 30 s"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        # after a graceful shutdown uvicorn re-raises the signal it stopped for
        assert server.wait(timeout=10) in (0, -signal.SIGTERM), "uvicorn did not stop on SIGTERM"


def test_uvicorn_serves_the_spec_operations(tmp_path: Path) -> None:
    """`uvicorn app.main:app` serves the generated library project on loopback, and its
    /openapi.json lists exactly the in-scope operationIds."""
    result = accept(SAMPLES / "library")
    assert isinstance(result, Accepted)
    out = _generate(SAMPLES / "library", tmp_path / "service")
    database = f"sqlite+aiosqlite:///{tmp_path / 'served.db'}"
    _run(["alembic", "upgrade", "head"], out, DATABASE_URL=database, JWT_SECRET="x" * 32)
    with (
        _serving(out, JWT_SECRET="x" * 32, DATABASE_URL=database) as base,
        urllib.request.urlopen(f"{base}/openapi.json", timeout=5) as answer,
    ):
        document = json.loads(answer.read())
    served = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert served == {op.operation_id for op in result.model.in_scope_operations}


def test_a_handoff_not_in_this_repo_passes_its_own_checks(tmp_path: Path) -> None:
    """RealWorld Conduit: its real spec and PostgreSQL schema from the shared corpus."""
    from .test_foreign_handoffs import conduit_handoff

    out = _generate(conduit_handoff(tmp_path / "handoff"), tmp_path / "conduit")
    _run(["ruff", "check", "--no-cache", "."], out)
    _run(["mypy"], out)
    _run(["pytest", "-q", "-p", "no:cacheprovider"], out)


def test_wrapped_bodies_embeds_and_other_media_types_pass_their_own_checks(tmp_path: Path) -> None:
    """`{"author": {...}}` in and out, raw image bytes, a CSV answer and a JSON:API media type:
    created, read, updated, and held to the contract by the project's OpenAPI test; pages the
    spec leaves uncapped, capped by MAX_PAGE_SIZE (`test_<list>_caps_the_page_size`); authors
    that embed their books and loans that embed their book and its author, each list in as
    many statements for 25 rows as for 1."""
    from .test_bodies_and_paging import add_media_paths, uncap_page_sizes, wrapped_library
    from .test_embeds import embed_more

    handoff = embed_more(uncap_page_sizes(add_media_paths(wrapped_library(tmp_path / "handoff"))))
    out = _generate(handoff, tmp_path / "wrapped")
    _run(["mypy"], out)
    _run(["pytest", "-q", "-p", "no:cacheprovider"], out)


@pytest.mark.parametrize(
    "spec",
    [
        "readme-parameters-style",  # path, query, header and cookie parameters in every style
        "readme-schema-types-3.1",  # 3.1 types, top-level primitive bodies
        "redoc-cafe",  # a multipart body that is a oneOf, discriminators, binary answers
        "swagger-petstore3",  # `api_key` headers, XML and form bodies
        "learn-tictactoe-3.1",  # a JSON body that is a string, 3.1 webhooks
    ],
)
def test_corpus_specs_pass_their_own_checks(spec: str, tmp_path: Path) -> None:
    """Specs nobody here wrote: the generated project holds its served OpenAPI to each."""
    from .test_foreign_handoffs import corpus_spec_handoff

    out = _generate(corpus_spec_handoff(tmp_path / "handoff", spec), tmp_path / "project")
    _run(["ruff", "check", "--no-cache", "."], out)
    _run(["mypy"], out)
    _run(["pytest", "-q", "-p", "no:cacheprovider"], out)


POSTGRES = os.environ.get("GEN_BACKEND_TEST_POSTGRES") or None  # set by .ci/run (a cluster)


def _fresh_database(name: str) -> str:
    """A new, empty PostgreSQL database on the CI cluster; its SQLAlchemy URL."""
    import asyncpg

    assert POSTGRES is not None
    admin = POSTGRES.replace("postgresql+asyncpg://", "postgresql://") + "/postgres"

    async def create() -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    return f"{POSTGRES}/{name}"


@pytest.mark.skipif(POSTGRES is None, reason="needs GEN_BACKEND_TEST_POSTGRES (.ci/run sets it)")
@pytest.mark.parametrize("sample", sample_dirs(), ids=lambda p: p.name)
def test_generated_project_passes_its_tests_on_postgresql(sample: Path, tmp_path: Path) -> None:
    """The same tests, migrations and owner checks on a real PostgreSQL (each its own database)."""
    out = _generate(sample, tmp_path / sample.name)
    url = _fresh_database(f"gen_backend_{sample.name}_{os.getpid()}")
    _run(["pytest", "-q", "-p", "no:cacheprovider"], out, TEST_DATABASE_URL=url)


OTHER_SHAPES = ["clinic", "shop", "events", "notes", "crm"]
# issue 18: real specs (the corpus's, read in place) and the shapes they bring
REAL_SHAPES = ["wire", "loose", "names", "lookup", "sids", "petstore3", "museum", "cafe", "jsonapi"]


@pytest.mark.parametrize("fixture", OTHER_SHAPES + REAL_SHAPES)
def test_handoffs_of_other_shapes_pass_their_own_checks(fixture: str, tmp_path: Path) -> None:
    """tests/fixtures/clinic, shop, events, notes and crm (see their READMEs): integer and
    bigint keys (given by the client too), a text key, a join table's two-column key, creates
    under their parent's path, owned tables listed under a parent nobody owns or in public,
    unique integers, numeric CHECKs and filters, a nullable foreign key filtered, response
    models holding a pattern, base64 bytes, a timestamp without a time zone, a delete that
    answers the row. Each project passes its own checks, on PostgreSQL as well when there is
    one."""
    out = _generate(Path(__file__).resolve().parent / "fixtures" / fixture, tmp_path / fixture)
    _run(["ruff", "check", "--no-cache", "."], out)
    _run(["mypy"], out)
    _run(["pytest", "-q", "-p", "no:cacheprovider"], out)
    if POSTGRES is not None:
        url = _fresh_database(f"gen_backend_{fixture}_{os.getpid()}")
        _run(["pytest", "-q", "-p", "no:cacheprovider"], out, TEST_DATABASE_URL=url)


@pytest.mark.skipif(POSTGRES is None, reason="needs GEN_BACKEND_TEST_POSTGRES (.ci/run sets it)")
def test_two_processes_share_one_postgresql(tmp_path: Path) -> None:
    """Two uvicorn processes of the library sample on one PostgreSQL: a row created through one
    is read through the other, and a retry with the same Idempotency-Key sent to the other is
    replayed, not run again (the keys live in the database, not in a process)."""
    import httpx
    import jwt

    out = _generate(SAMPLES / "library", tmp_path / "library")
    url = _fresh_database(f"gen_backend_two_processes_{os.getpid()}")
    secret = "two-processes-share-one-database-secret"
    _run(["alembic", "upgrade", "head"], out, DATABASE_URL=url, JWT_SECRET=secret)
    now = int(time.time())
    claims = {"sub": "librarian-1", "scope": "authors:read authors:write", "exp": now + 300}
    claims |= {"iss": "https://auth.library.example/", "aud": "library-api"}  # auth.yaml
    caller = {"Authorization": f"Bearer {jwt.encode(claims, secret, algorithm='HS256')}"}
    author = {"name": f"Written through one process {now}", "bio": None}
    retry = {**caller, "Idempotency-Key": f"two-processes-{now}"}
    with (
        _serving(out, DATABASE_URL=url, JWT_SECRET=secret) as first,
        _serving(out, DATABASE_URL=url, JWT_SECRET=secret) as second,
    ):
        created = httpx.post(f"{first}/authors", json=author, headers=retry)
        assert created.status_code == 201, created.text
        read = httpx.get(f"{second}/authors/{created.json()['id']}", headers=caller)
        assert read.status_code == 200, read.text
        assert read.json() == created.json()
        replayed = httpx.post(f"{second}/authors", json=author, headers=retry)
        assert replayed.status_code == 201, replayed.text
        assert replayed.headers["idempotent-replayed"] == "true"
        assert replayed.json() == created.json()
        listed = httpx.get(f"{first}/authors", params={"name": author["name"]}, headers=caller)
        assert listed.status_code == 200, listed.text
        assert [a["id"] for a in listed.json()["items"]] == [created.json()["id"]]


# the generated tests that another caller's rows stay hidden
_OWNER_TESTS = "hides_another_owners_row or only_the_callers_rows or under_another_owners_parent"


@pytest.mark.skipif(POSTGRES is None, reason="needs GEN_BACKEND_TEST_POSTGRES (.ci/run sets it)")
def test_row_level_security_alone_hides_other_owners_rows(tmp_path: Path) -> None:
    """With the service's owner filter taken out, the generated owner tests fail on SQLite
    (nothing else hides the rows there) and still pass on PostgreSQL, where the app's role is
    bound by row-level security: the second wall holds on its own."""
    out = _generate(SAMPLES / "tenants", tmp_path / "tenants")
    owners = out / "app" / "core" / "owners.py"
    source = owners.read_text(encoding="utf-8")
    signature = "    subject_as: Callable[[str], Owner],\n) -> list[ColumnElement[bool]]:\n"
    assert signature in source
    owners.write_text(source.replace(signature, signature + "    return []\n"), "utf-8")

    selected = ["pytest", "-q", "-p", "no:cacheprovider", "tests", "-k", _OWNER_TESTS]
    with pytest.raises(AssertionError, match=r"FAILED \S+::test_get_\w+_hides_another_owners_row"):
        _run(selected, out)  # SQLite: the filter was the only wall
    url = _fresh_database(f"gen_backend_rls_alone_{os.getpid()}")
    _run(selected, out, TEST_DATABASE_URL=url)


def test_a_validator_taken_out_of_a_generated_project_is_caught(tmp_path: Path) -> None:
    """The generated tests catch a bound removed by hand: the served document loses it with the
    code, and `test_openapi.py` holds the served bounds to the spec's."""
    out = _generate(SAMPLES / "library", tmp_path / "library")
    schemas = out / "app" / "authors" / "schemas.py"
    validated = "name: str = Field(min_length=1, max_length=200)"
    assert validated in schemas.read_text(encoding="utf-8")
    schemas.write_text(
        schemas.read_text(encoding="utf-8").replace(validated, "name: str"),
        encoding="utf-8",
    )
    selected = ["pytest", "-q", "-p", "no:cacheprovider", "tests/test_openapi.py"]
    with pytest.raises(AssertionError, match=r"the spec's \{'minLength': 1, 'maxLength': 200\}"):
        _run(selected, out)


def test_a_query_per_row_added_to_a_generated_list_is_caught(tmp_path: Path) -> None:
    """The statement-count tests catch an N+1: a hand-written query per listed row in
    `listBooks` makes 25 rows cost more statements than 1."""
    out = _generate(SAMPLES / "library", tmp_path / "library")
    rules = out / "app" / "books" / "rules.py"
    rules.write_text(
        '''"""listBooks, with a query per listed row (the mistake the tests must catch)."""

from sqlalchemy import literal, select

from app.books.schemas import BookPage
from app.books.service import BooksServiceBase


class BooksService(BooksServiceBase):
    async def list_books(self, **arguments: object) -> BookPage:
        page: BookPage = await super().list_books(**arguments)  # type: ignore[arg-type]
        for _ in page.items:
            await self.session.execute(select(literal(1)))
        return page
''',
        encoding="utf-8",
    )
    selected = ["pytest", "-q", "-p", "no:cacheprovider", "tests", "-k", "list_books_runs"]
    with pytest.raises(AssertionError, match=r"statements for one row, \d+ for 25"):
        _run(selected, out)


async def _sql(url: str, statement: str) -> list[tuple[object, ...]]:
    """Run one statement on the database at `url`: the rows it answers, if any."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    """The tables of the database at `url`."""
    from sqlalchemy import inspect
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


@dataclass
class _Migrated:
    """The library sample copied to a handoff folder, generated and migrated: what a test
    of a later design change starts from."""

    handoff: Path
    out: Path
    url: str  # the database v1 migrated
    runner: CliRunner
    generate: list[str]  # from-handoff's arguments

    def migrate(self, *args: str) -> None:
        _run(["alembic", *args], self.out, DATABASE_URL=self.url, JWT_SECRET="x" * 32)


def _migrated_library(
    tmp_path: Path, engine: str, name: str, edit: Callable[[Path], None] | None = None
) -> _Migrated:
    """`_Migrated` on SQLite or a fresh PostgreSQL database `name`; `edit` changes the
    handoff before v1 is generated."""
    from gen_backend.cli import app

    if engine == "postgresql" and POSTGRES is None:
        pytest.skip("needs GEN_BACKEND_TEST_POSTGRES (.ci/run sets it)")
    handoff, out = tmp_path / "handoff", tmp_path / "service"
    shutil.copytree(SAMPLES / "library", handoff)
    if edit is not None:
        edit(handoff)
    generate = ["from-handoff", str(handoff), "-o", str(out), "--no-inspect"]
    runner = CliRunner()
    assert runner.invoke(app, generate).exit_code == 0
    url = (
        f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
        if engine == "sqlite"
        else _fresh_database(f"gen_backend_{name}_{os.getpid()}")
    )
    migrated = _Migrated(handoff, out, url, runner, generate)
    migrated.migrate("upgrade", "head")
    return migrated


_AUTHOR = "6a1f6e0e-8c1d-4f44-9d43-0d6c2b1f5e01"
_BOOK = "7a1f6e0e-8c1d-4f44-9d43-0d6c2b1f5e02"
_ROWS = (
    f"INSERT INTO authors (id, name, bio) VALUES ('{_AUTHOR}', 'Ada', 'wrote notes')",
    "INSERT INTO books (id, author_id, isbn, title, published_on) "
    f"VALUES ('{_BOOK}', '{_AUTHOR}', '9780000000001', 'Notes', NULL)",
)


def _edit(handoff: Path, file: str, *replacements: tuple[str, str]) -> None:
    path = handoff / file
    text = path.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)


def _decide(handoff: Path, *decisions: str) -> None:
    """A new migration step without tables: it names the change's revision and decides what
    happens to the data the design's destructive changes would lose."""
    step = '  - id: "0004"\n    description: the design changed\n    tables: []\n'
    step += "    decisions:\n" + "".join(f"      - {d}\n" for d in decisions) if decisions else ""
    path = handoff / "migrations.yaml"
    path.write_text(path.read_text().rstrip("\n") + "\n" + step)


_PRICE = "      price:        {type: numeric, precision: 10, scale: 2, nullable: true}\n"
_INDEX = "      - {columns: [status, title]}\n"
_CHECK = '      - {name: price_not_negative, expr: "price >= 0"}\n'


def _columns_change(handoff: Path) -> None:
    """Columns added (nullable, NOT NULL filled by a decision), dropped, widened, defaulted,
    and made NOT NULL (filled by a decision, or by the new default)."""
    _edit(
        handoff,
        "schema.yaml",
        ("      bio:        {type: text, nullable: true}\n", ""),
        ("name:       {type: string, max_length: 200}", "name: {type: string, max_length: 300}"),
        ("published_on: {type: date, nullable: true}", "published_on: {type: date}"),
        (
            "in_stock:     {type: boolean, default: true}",
            "in_stock: {type: boolean, default: false}",
        ),
        (
            _PRICE,
            "      price: {type: numeric, precision: 10, scale: 2, default: 0}\n"
            + "      website: {type: string, max_length: 200, nullable: true}\n"
            + "      pages: {type: integer}\n",
        ),
    )
    _decide(
        handoff,
        "{change: authors.bio, data: exported to the CMS first}",
        "{change: books.pages, data: counted later, fill: 1}",
        "{change: books.published_on, data: unknown dates are the epoch, fill: '1970-01-01'}",
    )
    # books.pages has no place in the create body yet: createBook is left to rules.py
    (handoff / "rfis.yaml").write_text(
        "answers:\n  - {code: REQUIRED_COLUMN_UNSUPPLIED, location: books.pages, "
        "answer: accepted, note: createBook is written by hand}\n"
    )


def _constraints_change(handoff: Path) -> None:
    editor = "{type: uuid, nullable: true, references: authors.id, on_delete: set_null}"
    _edit(
        handoff,
        "schema.yaml",
        (_PRICE, _PRICE + f"      editor_id: {editor}\n"),
        (_INDEX, _INDEX + "      - {columns: [published_on]}\n"),
        (
            "title:        {type: string, max_length: 300}",
            "title: {type: string, max_length: 300, unique: true}",
        ),
        (_CHECK, _CHECK + '      - {name: title_not_blank, expr: "length(title) > 0"}\n'),
    )
    _decide(handoff, "{change: books.title, data: titles are unique already}")


def _table_added(handoff: Path) -> None:
    """A table added in a new migration step, as handoff-v1 asks, and a key to it from a
    table already made: the step's revision, then the change's."""
    publishers = "  publishers:\n    columns:\n      id: {type: uuid, primary_key: true}\n"
    publisher = "{type: uuid, nullable: true, references: publishers.id, on_delete: set_null}"
    _edit(
        handoff,
        "schema.yaml",
        ("  loans:\n", publishers + "      name: {type: text}\n  loans:\n"),
        (_PRICE, _PRICE + f"      publisher_id: {publisher}\n"),
    )
    path = handoff / "migrations.yaml"
    step = '  - id: "0004"\n    description: publishers\n    tables: [publishers]\n'
    path.write_text(path.read_text().rstrip("\n") + "\n" + step)


def _rename(handoff: Path) -> None:
    """A column renamed: the decision says so, so its values move with it."""
    _edit(
        handoff,
        "schema.yaml",
        (
            "      bio:        {type: text, nullable: true}",
            "      biography: {type: text, nullable: true}",
        ),
    )
    _decide(handoff, "{change: authors.bio, rename_to: biography, data: kept under the new name}")


def _enum_change(handoff: Path) -> None:
    _edit(
        handoff,
        "schema.yaml",
        (
            "values: [draft, published, archived]",
            "values: [draft, published, archived, out_of_print]",
        ),
    )


def _enum_value_removed(handoff: Path) -> None:
    """PostgreSQL cannot drop an enum value: the type is made again, rows kept."""
    _edit(handoff, "schema.yaml", ("[draft, published, archived]", "[draft, published]"))
    _decide(handoff, "{change: books.status, data: no book was ever archived}")


def _ownership_change(handoff: Path) -> None:
    """A table dropped (with its data decided), and another's row security changed."""
    from .test_history import REVIEWS_TABLE

    _edit(handoff, "schema.yaml", (REVIEWS_TABLE, ""))
    _edit(handoff, "migrations.yaml", ("tables: [reviews]", "tables: []"))
    _edit(handoff, "auth.yaml", ("bypass_roles: [librarian, admin]", "bypass_roles: [admin]"))
    path = handoff / "migrations.yaml"
    path.write_text(
        path.read_text().rstrip("\n")
        + '\n  - id: "0005"\n    description: reviews go, librarians see their own loans\n'
        + "    tables: []\n    decisions:\n      - {change: reviews, data: archived elsewhere}\n"
    )


# change kind -> (the design's change, a query on the migrated database and what it answers)
_CHANGES = {
    "columns": (
        _columns_change,
        "SELECT name, pages, website, published_on, "
        "(SELECT count(*) FROM books WHERE price = 0) FROM authors, books",
        [("Ada", 1, None, "1970-01-01", 1)],
    ),
    "constraints": (_constraints_change, "SELECT title, editor_id FROM books", [("Notes", None)]),
    "enum_value_removed": (_enum_value_removed, "SELECT status FROM books", [("draft",)]),
    "table_added": (_table_added, "SELECT publisher_id FROM books", [(None,)]),
    "rename": (_rename, "SELECT biography FROM authors", [("wrote notes",)]),
    "enum": (_enum_change, f"UPDATE books SET status = 'out_of_print' WHERE id = '{_BOOK}'", []),
    "table_and_row_security": (_ownership_change, "SELECT title FROM books", [("Notes",)]),
}


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@pytest.mark.parametrize("kind", sorted(_CHANGES))
def test_a_design_change_migrates_a_database_that_holds_rows(
    kind: str, engine: str, tmp_path: Path
) -> None:
    """v1 generated and migrated, rows written; the design changed and the service
    regenerated: the revisions v1 wrote are byte for byte the same, one new revision carries
    the change, `alembic upgrade head` on the same database keeps the rows in the new shape,
    and the new revision downgrades back."""
    from gen_backend.cli import app

    from .test_history import add_reviews

    change, query, answer = _CHANGES[kind]
    before = add_reviews if kind == "table_and_row_security" else None
    v1 = _migrated_library(tmp_path, engine, f"change_{kind}", before)
    handoff, out, url, runner, generate = v1.handoff, v1.out, v1.url, v1.runner, v1.generate
    for statement in _ROWS:
        asyncio.run(_sql(url, statement))
    versions = out / "migrations" / "versions"
    written = {p.name: p.read_bytes() for p in versions.glob("*.py")}

    change(handoff)
    again = runner.invoke(app, generate)
    assert again.exit_code == 0, again.output
    assert {p.name: p.read_bytes() for p in versions.glob("*.py") if p.name in written} == written
    added = sorted(p.name for p in versions.glob("*.py") if p.name not in written)
    # a new step's revision, then the change's; or the change's alone
    assert len(added) == (2 if kind == "table_added" else 1), added
    assert runner.invoke(app, [*generate, "--check"]).exit_code == 0  # a third run adds nothing
    v1.migrate("upgrade", "head")
    found = asyncio.run(_sql(url, query))
    assert [
        tuple(str(v) if isinstance(v, datetime.date) else v for v in row) for row in found
    ] == answer
    if kind == "enum":  # the new value held; the downgrade cannot drop it while a row has it
        asyncio.run(_sql(url, f"UPDATE books SET status = 'draft' WHERE id = '{_BOOK}'"))
    v1.migrate("downgrade", "-1")
    assert asyncio.run(_sql(url, "SELECT title FROM books")) == [("Notes",)]
    v1.migrate("upgrade", "head")
    # the service's own checks of its migrations: the chain's every step down and up, the
    # models matching the DDL it makes, and the database read back against the new design
    own = (
        {}
        if engine == "sqlite"
        else {"TEST_DATABASE_URL": _fresh_database(f"{kind}_{os.getpid()}")}
    )
    checks = ["pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py"]
    _run([*checks, "tests/test_schema.py"], out, **own)


_CLIENT = '''"""One request to the service, in process, as an admin: its status and JSON body."""
import asyncio
import json
import sys

import httpx
import jwt

from app.core.config import get_settings
from app.main import create_app
from scripts.dev_token import claims_for


async def main(method: str, path: str, body: str) -> None:
    settings = get_settings()
    key = settings.jwt_verification_key()
    token = jwt.encode(
        claims_for(settings, subject="e2e", roles=["admin"]), key, settings.jwt_algorithms[0]
    )
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        answer = await client.request(
            method,
            path,
            json=json.loads(body) if body else None,
            headers={"Authorization": f"Bearer {token}"},
        )
    sys.stdout.write(json.dumps([answer.status_code, answer.json() if answer.content else None]))


asyncio.run(main(*sys.argv[1:4]))
'''


def _call(out: Path, url: str, method: str, path: str, body: object = None) -> tuple[int, object]:
    """`method path` with `body` through the generated service's app, on the database at
    `url`: the status and the JSON answer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PYTEST_"))}
    env.update(DATABASE_URL=url, JWT_SECRET="x" * 32, PYTHONPATH=str(out))
    client = out.parent / "client.py"
    client.write_text(_CLIENT)
    done = subprocess.run(
        [sys.executable, str(client), method, path, json.dumps(body) if body is not None else ""],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    status, answer = json.loads(done.stdout)
    return int(status), answer


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_rows_written_through_the_api_are_served_in_the_new_shape(
    engine: str, tmp_path: Path
) -> None:
    """Rows written through v1's API; a column and an enum value added to the design and the
    spec; regenerated and migrated: the old rows are served with the new field (null), a new
    row takes it, and the next phase got a notice of the compatible API change."""
    from gen_backend.cli import app

    v1 = _migrated_library(tmp_path, engine, "served")
    handoff, out, url = v1.handoff, v1.out, v1.url
    status, author = _call(out, url, "POST", "/authors", {"name": "Ada"})
    assert status == 201, author
    assert isinstance(author, dict)
    book = {"authorId": author["id"], "isbn": "9780000000001", "title": "Notes"}
    status, written = _call(out, url, "POST", "/books", book)
    assert status == 201, written
    assert isinstance(written, dict)

    statuses = "[draft, published, archived]"
    website = "{type: [string, 'null'], maxLength: 200}"
    _edit(
        handoff,
        "schema.yaml",
        (statuses, "[draft, published, archived, out_of_print]"),
        (_PRICE, _PRICE + "      website: {type: string, max_length: 200, nullable: true}\n"),
    )
    spec = handoff / "openapi.yaml"
    text = spec.read_text().replace(
        "enum: [draft, published, archived]", "enum: [draft, published, archived, out_of_print]"
    )
    price = '        price: {type: [number, "null"], minimum: 0, maximum: 99999999.99}\n'
    served = '        price: {type: [number, "null"]}\n'
    text = text.replace(price, price + f"        website: {website}\n")
    spec.write_text(text.replace(served, served + f"        website: {website}\n"))
    again = v1.runner.invoke(app, v1.generate)
    assert again.exit_code == 0, again.output
    v1.migrate("upgrade", "head")

    status, kept = _call(out, url, "GET", f"/books/{written['id']}")
    assert status == 200, kept
    assert isinstance(kept, dict)
    assert (kept["title"], kept["website"], kept["status"]) == ("Notes", None, "draft")
    fresh = {
        **book,
        "isbn": "9780000000002",
        "website": "https://example.org/notes",
        "status": "out_of_print",
    }
    status, made = _call(out, url, "POST", "/books", fresh)
    assert status == 201, made
    assert isinstance(made, dict)
    assert (made["website"], made["status"]) == (fresh["website"], "out_of_print")
    (notice,) = (handoff / "human-interventions" / "active").glob("*-06-api-update/content.md")
    assert "urgency: end-of-phase" in notice.read_text()


def _every_table_changed(design: SchemaDesign) -> SchemaDesign:
    """Each kind of change at once, on every table of a design: a column added (unique, with
    a check) and one dropped, an enum value added, lengths widened, an index dropped; a table
    that nothing refers to dropped, and a table made outside any migration step."""
    referenced = {k.target_table for t in design.tables for k in t.foreign_keys}
    leaf = next(t.name for t in reversed(design.tables) if t.name not in {*referenced})
    tables = []
    for table in (t for t in design.tables if t.name != leaf):
        used = {c for i in table.indexes for c in i.columns} | set(table.primary_key)
        used |= {c for k in table.foreign_keys for c in k.columns}
        used |= {c.name for c in table.columns if c.unique or c.type is ColumnType.ENUM}
        used |= {c.name for c in table.columns for ch in table.checks if c.name in ch.expression}
        gone = next((c for c in table.columns if c.nullable and c.name not in used), None)
        columns = [
            c.model_copy(update={"values": (*c.values, "zz_new")})
            if c.type is ColumnType.ENUM
            else c.model_copy(update={"max_length": c.max_length + 10})
            if c.max_length
            else c
            for c in table.columns
            if c is not gone
        ]
        code = Column(name="sweep_code", type=ColumnType.STRING, max_length=20, nullable=True)
        check = CheckConstraint(name=f"{table.name}_code_long", expression="length(sweep_code) > 2")
        plain = [i for i in table.indexes if not i.unique]
        tables.append(
            table.model_copy(
                update={
                    "columns": (*columns, code.model_copy(update={"unique": True})),
                    "checks": (*table.checks, check),
                    "indexes": tuple(i for i in table.indexes if i not in plain[:1]),
                }
            )
        )
    key = Column(name="id", type=ColumnType.UUID, primary_key=True)
    tables.append(
        Table(name="sweep_tags", columns=(key, Column(name="name", type=ColumnType.TEXT)))
    )
    return design.model_copy(update={"tables": tuple(tables)})


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@pytest.mark.parametrize("sample", ["orders", "tenants"])
def test_every_kind_of_change_to_every_table_of_a_sample_migrates(
    sample: str, engine: str, tmp_path: Path
) -> None:
    """A sample's design (DBML, SQL; composite keys, row security, enums shared by tables)
    with every table changed at once: one new revision, no old one rewritten, and the
    service's own migration and schema tests pass on the database v1 migrated."""
    from .test_history import history_of

    if engine == "postgresql" and POSTGRES is None:
        pytest.skip("needs GEN_BACKEND_TEST_POSTGRES (.ci/run sets it)")
    accepted = accept(SAMPLES / sample)
    assert isinstance(accepted, Accepted)
    out = tmp_path / "service"
    v1 = render_project(plan_project(accepted.model, accepted.rfis))
    _write(v1, out)
    url = (
        f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
        if engine == "sqlite"
        else _fresh_database(f"gen_backend_sweep_{sample}_{os.getpid()}")
    )
    migrate = {"DATABASE_URL": url, "JWT_SECRET": "x" * 32}
    _run(["alembic", "upgrade", "head"], out, **migrate)
    changed = accepted.model.model_copy(
        update={"design": _every_table_changed(accepted.model.design)}
    )
    v2 = render_project(plan_project(changed, accepted.rfis, history_of(v1)))
    revisions = "migrations/versions/"
    assert all(v2[p].text == f.text for p, f in v1.items() if p.startswith(revisions))
    assert len([p for p in v2 if p.startswith(revisions) and p not in v1]) == 1
    _write(v2, out)
    _run(["alembic", "upgrade", "head"], out, **migrate)
    _run(["alembic", "downgrade", "-1"], out, **migrate)
    _run(["alembic", "upgrade", "head"], out, **migrate)
    own = {} if engine == "sqlite" else {"TEST_DATABASE_URL": _fresh_database(f"sweep_{sample}")}
    checks = ["pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py"]
    _run([*checks, "tests/test_schema.py"], out, **own)
