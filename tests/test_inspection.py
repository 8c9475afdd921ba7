"""The First Article Inspection (`gen-backend inspect`): which operation comes first, how each
check is judged from the probes' evidence, and, end to end, that it passes on every sample
and catches a project broken on purpose."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import JsonValue
from typer.testing import CliRunner

from gen_backend.accept import Accepted, accept
from gen_backend.cli import app
from gen_backend.inspection import inspect_service, judge
from gen_backend.inspection.run import InspectionIndex
from gen_backend.model import ApiModel, Schema, SchemaType
from gen_backend.plan import plan_project
from gen_backend.plan.examples import distinct_examples
from gen_backend.plan.inspection import SEEDED_ROWS, ProbePlan, _unsent
from gen_backend.render import render_project

from .conftest import SAMPLES, sample_dirs


def _index(sample: str) -> InspectionIndex:
    result = accept(SAMPLES / sample)
    assert isinstance(result, Accepted)
    rendered = render_project(plan_project(result.model, result.rfis))
    data = json.loads(rendered[".gen-backend/inspection.json"].text)
    return InspectionIndex(service=data["service"], operations=tuple(data["operations"]))


def test_the_first_operation_is_the_highest_scored_generated_one() -> None:
    library = _index("library")
    # FR-001 scores 5 x 2 + 4 x 1.5 + 2 = 18; its operations keep the spec's order
    assert [op["operation_id"] for op in library.operations[:3]] == [
        "listAuthorBooks",
        "listBooks",
        "getBook",
    ]
    assert library.operations[0]["score"] == 18.0
    assert [op["operation_id"] for op in library.targets(every=False)] == ["listAuthorBooks"]
    # orders: the highest scored are left to hand-written code (501): no article yet
    orders = _index("orders")
    assert orders.operations[0]["operation_id"] == "listOrders"
    assert orders.operations[0]["kind"] == "custom"
    first = orders.targets(every=False)[0]
    assert first["operation_id"] == "listOrderItems"
    assert "listOrders" in [op["operation_id"] for op in orders.targets(every=True)]
    assert "listOrders" in [op["operation_id"] for op in orders.stubs]


ENTRY: dict[str, JsonValue] = {
    "operation_id": "listBooks",
    "method": "GET",
    "path": "/books",
    "fr_id": "FR-001",
    "score": 18.0,
    "kind": "list",
    "status": 200,
    "public": False,
    "permissions": ["books:read"],
    "probed": True,
    "invalid_input": "/query/limit",
    "out_of_bounds": "/query/limit",
    "list": True,
    "get": False,
}


def _probes(sample: str) -> dict[str, ProbePlan]:
    """The planned probes of a sample, by operation id."""
    result = accept(SAMPLES / sample)
    assert isinstance(result, Accepted)
    plan = plan_project(result.model, result.rfis)
    probes = next(f for f in plan.files if f.path == ".gen-backend/inspection_probes.py").context
    planned = probes["probes"]
    assert isinstance(planned, tuple)
    return {p.op.operation_id: p for p in planned}


def test_a_list_is_counted_over_rows_its_tables_create_operation_makes() -> None:
    """Each row sent to the create gets a unique ISBN of its own the spec's pattern admits;
    every row is under the one author its request makes (the list's parent)."""
    seeding = _probes("library")["listAuthorBooks"].seeding
    assert seeding is not None
    assert seeding.create.operation_id == "createBook"
    assert seeding.key == ("id",)
    ((where, attr, isbns),) = seeding.varied
    assert (where, attr) == (("isbn",), "isbn")
    assert len(set(isbns)) == len(isbns) >= SEEDED_ROWS
    assert all(isinstance(i, str) and re.fullmatch(r"[0-9]{13}", i) for i in isbns)


def test_seeded_values_leave_out_those_the_tests_send() -> None:
    """A row seeded with the value a test's own request sends to a unique field would make
    that request a conflict (409): those values are not offered."""
    bodies: tuple[JsonValue, ...] = ({"patient": {"nhs": 2}}, {"patient": None}, None)
    assert _unsent((1, 2, 3), ("patient", "nhs"), bodies) == (1, 3)


def test_without_a_create_that_can_make_the_rows_the_factories_do_and_say_why() -> None:
    """`order_items` rows are added to one order, each of another product (their unique
    key), which one built request cannot do; documents come as multipart."""
    probes = _probes("orders")
    assert probes["listOrderItems"].seeding is None
    unseeded = probes["listOrderItems"].unseeded
    assert unseeded == (
        "`addOrderItem` cannot make the rows: each would repeat the unique key "
        "(order_id, product_id)"
    )
    documents = probes["listCustomerDocuments"].seeding  # a multipart create, a file each
    assert documents is not None
    assert (documents.create.operation_id, documents.create.body.media) == (
        "uploadCustomerDocument",
        "multipart",
    )
    assert probes["listCustomers"].seeding is not None  # its email varied per row
    assert probes["getCustomer"].seeding is None  # a get is counted over the one row it reads


def test_factories_stand_aside_for_creates_that_set_every_parent_they_would() -> None:
    """While a probe runs, each test factory is replaced by its table's create operation,
    where the service has one; a table without one keeps its factory, and says why."""
    result = accept(SAMPLES / "orders")
    assert isinstance(result, Accepted)
    plan = plan_project(result.model, result.rfis)
    makers = next(f for f in plan.files if f.path == ".gen-backend/inspection_probes.py").context
    planned = makers["makers"]
    assert isinstance(planned, tuple)
    by_factory = {m.factory: m.seeding.create.operation_id if m.seeding else m.why for m in planned}
    assert by_factory == {
        "make_customer": "createCustomer",
        "make_product": "createProduct",
        "make_order": "no operation in scope creates rows of `orders`",
        "make_order_item": "`addOrderItem` cannot make the rows: each would repeat the unique "
        "key (order_id, product_id)",
        "make_payment": "createPayment",
        "make_customer_document": "uploadCustomerDocument",
    }


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (Schema(types=(SchemaType.INTEGER,), minimum=10, maximum=14), (11, 12, 13, 14)),
        (Schema(types=(SchemaType.INTEGER,), multiple_of=5, maximum=20), (5, 10, 15, 20)),
        (Schema(types=(SchemaType.STRING,), enum=("a", "b")), ("b", "a")),
        (Schema(types=(SchemaType.STRING,), pattern="^[A-C]$"), ("B", "C", "A")),
        (
            Schema(types=(SchemaType.STRING,), format="email"),
            ("reader+1@example.com", "reader+2@example.com", "reader+3@example.com"),
        ),
        (
            Schema(types=(SchemaType.STRING,), format="date"),
            ("2024-05-18", "2024-05-19", "2024-05-20"),
        ),
    ],
    ids=["bounded integer", "multiple of", "enum", "pattern", "email", "date"],
)
def test_distinct_examples_stay_valid_and_stop_where_the_schema_does(
    schema: Schema, expected: tuple[JsonValue, ...]
) -> None:
    api = ApiModel(title="t", version="1", openapi_version="3.1.0")
    assert distinct_examples(schema, api, 3 if len(expected) == 3 else 10) == expected


def _problem(probe: str, status: int, **more: JsonValue) -> dict[str, JsonValue]:
    return {
        "probe": probe,
        "status": status,
        "content_type": "application/problem+json",
        "body": {"type": "about:blank", "title": "t", "status": status, **more},
        "www_authenticate": "Bearer" if status == 401 else None,
        "statements": 0,
    }


def _page(probe: str, rows: int, statements: int) -> dict[str, JsonValue]:
    return {
        "probe": probe,
        "status": 200,
        "content_type": "application/json",
        "body": {"items": [{}] * rows, "total": rows},
        "statements": statements,
    }


def _evidence(**replaced: dict[str, JsonValue] | None) -> dict[str, JsonValue]:
    exchanges: dict[str, dict[str, JsonValue] | None] = {
        "no_token": _problem("no_token", 401),
        "no_permission": _problem("no_permission", 403),
        "invalid": _problem("invalid", 422, errors=[{"pointer": "/query/limit"}]),
        "out_of_bounds": _problem("out_of_bounds", 422, errors=[{"pointer": "/query/limit"}]),
        "not_json": _problem("not_json", 400),
        "missing": _problem("missing", 404),
        "fault": _problem("fault", 500),
        "valid": _page("valid", 20, 2),
        "rows_1": _page("rows_1", 1, 2),
        "rows_25": _page("rows_25", 25, 2),
    }
    exchanges.update(replaced)
    return {
        "route": ["GET", "/books"],
        "differences": [],
        "exchanges": [e for e in exchanges.values() if e is not None],
        "items": "items",
    }


def _failed(evidence: dict[str, JsonValue], entry: dict[str, JsonValue] = ENTRY) -> list[str]:
    return [c.name for c in judge(entry, evidence).failed]


def test_clean_evidence_passes_every_check() -> None:
    result = judge(ENTRY, _evidence())
    assert [c.name for c in result.checks] == [
        "OpenAPI alignment",
        "Error handling",
        "Validation",
        "Auth",
        "Query analysis",
    ]
    assert not result.failed


def test_each_check_fails_on_its_own_evidence() -> None:
    assert _failed({**_evidence(), "differences": ["GET /books 200: ..."]}) == ["OpenAPI alignment"]
    stub = {**_page("valid", 0, 0), "status": 501}
    assert _failed(_evidence(valid=stub)) == ["OpenAPI alignment"]
    # no token let in: the 401 of the error handling and the auth check both fail
    assert _failed(_evidence(no_token=_page("no_token", 20, 2))) == ["Error handling", "Auth"]
    unnamed = _problem("invalid", 422, errors=[{"pointer": "/query/offset"}])
    assert _failed(_evidence(invalid=unnamed)) == ["Validation"]
    # a bound the code no longer checks: the value beyond it is taken
    assert _failed(_evidence(out_of_bounds=_page("out_of_bounds", 20, 2))) == ["Validation"]
    plain = {**_problem("not_json", 400), "content_type": "application/json"}
    assert _failed(_evidence(not_json=plain)) == ["Error handling"]
    leaky = _problem("fault", 500, detail="Traceback (most recent call last): RuntimeError")
    assert _failed(_evidence(fault=leaky)) == ["Error handling"]
    # a statement per row
    assert _failed(_evidence(rows_25=_page("rows_25", 25, 26))) == ["Query analysis"]


def test_what_an_operation_cannot_provoke_is_not_held_against_it() -> None:
    public = {
        **ENTRY,
        "public": True,
        "permissions": [],
        "invalid_input": None,
        "out_of_bounds": None,
    }
    evidence = _evidence(no_token=None, no_permission=None, invalid=None, out_of_bounds=None)
    assert not judge(public, evidence).failed
    get = {**ENTRY, "list": False, "get": True}
    assert not judge(get, _evidence(valid=_page("valid", 1, 3))).failed
    assert _failed(_evidence(valid=_page("valid", 1, 4)), get) == ["Query analysis"]


def _run_inspect(service: Path) -> tuple[int, dict[str, JsonValue]]:
    result = CliRunner().invoke(app, ["inspect", str(service)])
    report = json.loads((service / "inspection.json").read_text())
    assert isinstance(report, dict)
    return result.exit_code, report


@pytest.mark.parametrize("sample", sample_dirs(), ids=lambda p: p.name)
def test_from_handoff_ends_with_an_inspection_that_passes(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / sample.name
    result = CliRunner().invoke(app, ["from-handoff", str(sample), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "every check passed" in result.output
    report = json.loads((out / "inspection.json").read_text())
    (inspected,) = report["operations"]
    assert [c["name"] for c in inspected["checks"] if c["passed"]] == [
        "OpenAPI alignment",
        "Error handling",
        "Validation",
        "Auth",
        "Query analysis",
    ]
    assert {e["probe"] for e in inspected["exchanges"]} >= {"valid", "fault", "missing"}
    (query,) = [c for c in inspected["checks"] if c["name"] == "Query analysis"]
    if sample.name == "library":  # listAuthorBooks, its books made by createBook
        assert "the 25 rows made through the app: `createBook`" in query["findings"]
        (seed,) = [e for e in inspected["exchanges"] if e["probe"] == "seed"]
        assert (seed["method"], seed["url"], seed["status"]) == ("POST", "/books", 201)
        # the book its request reads and the 25 listed, each with its author: all by the app
        assert inspected["rows_made"] == "28 through the app (`createAuthor` 2, `createBook` 26)"
    assert any("rows made" in f for f in query["findings"]), query
    assert (out / "INSPECTION.md").read_text().startswith("# First Article Inspection")


def test_a_handoff_not_in_this_repo_ends_with_an_inspection_that_passes(tmp_path: Path) -> None:
    """RealWorld Conduit's real spec and PostgreSQL schema (the shared corpus): its first
    generated operation passes all five checks. Conduit has no create the generator writes
    (they are left to hand-written code), so the factories make its rows, and say why."""
    from .test_foreign_handoffs import conduit_handoff

    out = tmp_path / "conduit"
    handoff = conduit_handoff(tmp_path / "handoff")
    generate = ["from-handoff", str(handoff), "-o", str(out), "--accept-open-rfis"]
    result = CliRunner().invoke(app, generate)  # its questions are open: generated anyway
    assert result.exit_code == 0, result.output
    assert "every check passed" in result.output
    report = json.loads((out / "inspection.json").read_text())
    (inspected,) = report["operations"]
    assert all(c["passed"] for c in inspected["checks"])
    assert "by the test factories" in inspected["rows_made"]
    assert "no operation in scope creates rows of" in inspected["rows_made"]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = accept(SAMPLES / "library")
    assert isinstance(result, Accepted)
    out = tmp_path_factory.mktemp("inspected") / "library"
    for path, file in render_project(plan_project(result.model, result.rfis)).items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(file.text, encoding="utf-8")
    return out


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _no_auth(service: Path) -> None:
    """The first endpoint's route without its auth dependency."""
    _edit(
        service / "app" / "books" / "router.py",
        'require("books:read")',
        "lambda: None",
    )


def _no_validator(service: Path) -> None:
    """The first endpoint's page size without its bounds (`le=100` in the spec)."""
    router = service / "app" / "books" / "router.py"
    text = router.read_text()
    start = text.index("async def list_author_books(")
    bounded = "Query(ge=1, le=100)"
    at = text.index(bounded, start)
    router.write_text(text[:at] + "Query()" + text[at + len(bounded) :])


def _lazy_load(service: Path) -> None:
    """A lazy load per listed row in the first endpoint (an N+1): each book's author loaded
    on its own, as `refresh` does (async SQLAlchemy's explicit form of a lazy load)."""
    (service / "app" / "books" / "rules.py").write_text(
        '''"""listAuthorBooks loading each listed book's author on its own."""

from app.books.models import Book as BookRow
from app.books.schemas import BookPage
from app.books.service import BooksServiceBase


class BooksService(BooksServiceBase):
    async def list_author_books(self, **arguments: object) -> BookPage:
        page: BookPage = await super().list_author_books(**arguments)  # type: ignore[arg-type]
        for item in page.items:
            row = await self.session.get(BookRow, item.id)
            assert row is not None
            await self.session.refresh(row, ["author"])
        return page
''',
        encoding="utf-8",
    )


def _renamed_field(service: Path) -> None:
    """A response field under another name than the spec's (`title` answered as `name`)."""
    schemas = service / "app" / "books" / "schemas.py"
    text = schemas.read_text()
    start = text.index("class Book(ApiSchema):")
    field = re.compile(r"title: str = Field\(")
    match = field.search(text, start)
    assert match is not None
    schemas.write_text(
        text[: match.start()] + 'title: str = Field(alias="name", ' + text[match.end() :]
    )


@pytest.mark.parametrize(
    ("breakage", "caught"),
    [
        (_no_auth, {"Auth", "Error handling"}),
        (_no_validator, {"OpenAPI alignment", "Validation"}),
        (_lazy_load, {"Query analysis"}),
        (_renamed_field, {"OpenAPI alignment"}),
    ],
    ids=["auth dependency dropped", "validator removed", "lazy load in a list", "field renamed"],
)
def test_a_project_broken_on_purpose_fails_its_inspection(
    library: Path, tmp_path: Path, breakage: object, caught: set[str]
) -> None:
    service = tmp_path / "library"
    shutil.copytree(library, service)
    assert callable(breakage)
    breakage(service)
    (result,) = inspect_service(service)
    assert result.operation_id == "listAuthorBooks"
    assert {c.name for c in result.failed} == caught, [c.findings for c in result.failed]
    exit_code, report = _run_inspect(service)
    assert exit_code == (3 if len(caught) >= 3 else 1)
    assert report["failed_checks"] == len(caught)


def test_rows_the_app_refuses_are_made_by_the_factories_and_the_refusal_recorded(
    library: Path, tmp_path: Path
) -> None:
    """A business rule that refuses an author's sixth book: five of the listed rows are made
    through the app, the refusal is in the evidence, the factories make the other twenty."""
    service = tmp_path / "library"
    shutil.copytree(library, service)
    (service / "app" / "books" / "rules.py").write_text(
        '''"""An author has at most five books."""

from sqlalchemy import func, select

from app.books.models import Book as BookRow
from app.books.schemas import Book, BookCreate
from app.books.service import BooksServiceBase
from app.core.problem import ProblemError


class BooksService(BooksServiceBase):
    async def create_book(self, **arguments: object) -> Book:
        body = arguments["body"]
        assert isinstance(body, BookCreate)
        held = await self.session.scalar(
            select(func.count()).select_from(BookRow).where(BookRow.author_id == body.author_id)
        )
        if held is not None and held >= 5:
            raise ProblemError(409, "An author has at most five books")
        return await super().create_book(**arguments)  # type: ignore[arg-type]
''',
        encoding="utf-8",
    )
    (result,) = inspect_service(service)
    assert not result.failed, [c.findings for c in result.failed]
    (query,) = [c for c in result.checks if c.name == "Query analysis"]
    assert query.findings[1] == (
        "5 of the 25 rows made through the app (`createBook`), the rest by the test factories: "
        "it refused one (seed_refused) or answered a key of no row"
    )
    (refused,) = [e for e in result.exchanges if e["probe"] == "seed_refused"]
    assert refused["status"] == 409
    # each book the factories make has its own author first, which the app makes
    assert result.rows_made == (
        "28 through the app (`createAuthor` 22, `createBook` 6); 20 by the test factories "
        "(`books` 20: `createBook` refused one (seed_refused) or answered a key of no row)"
    )
    rows_25 = next(e for e in result.exchanges if e["probe"] == "rows_25")
    body = rows_25["body"]
    assert isinstance(body, dict)
    assert isinstance(body["items"], list)
    assert len(body["items"]) == 25


def test_a_create_answering_a_key_of_no_row_leaves_the_rows_to_the_factories(
    library: Path, tmp_path: Path
) -> None:
    """createBook answers 201 with another id than the row it stored: the probes cannot read
    its rows back, so the factories make every book, and the report says so."""
    service = tmp_path / "library"
    shutil.copytree(library, service)
    (service / "app" / "books" / "rules.py").write_text(
        '''"""createBook answering an id of no book."""

import uuid

from app.books.schemas import Book
from app.books.service import BooksServiceBase


class BooksService(BooksServiceBase):
    async def create_book(self, **arguments: object) -> Book:
        book = await super().create_book(**arguments)  # type: ignore[arg-type]
        return book.model_copy(update={"id": uuid.uuid4()})
''',
        encoding="utf-8",
    )
    (result,) = inspect_service(service)
    assert not result.failed, [c.findings for c in result.failed]
    (query,) = [c for c in result.checks if c.name == "Query analysis"]
    assert query.findings[1].startswith("0 of the 25 rows made through the app (`createBook`)")
    assert result.rows_made is not None
    assert "by the test factories (`books` 26: `createBook` refused one" in result.rows_made


def test_the_contract_tests_follow_links_and_catch_a_created_row_that_cannot_be_read(
    library: Path, tmp_path: Path
) -> None:
    """The generated stateful contract test follows the spec's links (createAuthor ->
    getAuthor): an author the app creates but cannot find again fails it, though every
    operation alone still keeps its contract."""
    service = tmp_path / "library"
    shutil.copytree(library, service)
    _edit(
        service / "app" / "authors" / "service.py",
        "row = await self.rows.get(AuthorRow.id == author_id)",
        "row = await self.rows.get(AuthorRow.id == uuid.uuid4())",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PYTEST_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/contract"],
        cwd=service,
        env={**env, "CONTRACT_EXAMPLES": "10"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed" in done.stdout, done.stdout
    failed = "FAILED tests/contract/test_schemathesis.py::test_workflows_keep_their_contract"
    assert failed in done.stdout, done.stdout
    assert "Created resource not found" in done.stdout, done.stdout


def test_errors_in_the_specs_own_shape_are_judged_in_it() -> None:
    """Where the index says the errors take the spec's shape, an answer in that media type
    with a body passes, and a 422 must name the field somewhere in it."""
    from gen_backend.inspection.checks import _problem as judged

    entry: dict[str, JsonValue] = {"errors": {"media_type": "application/json", "shape": "Error"}}
    spec_shaped: dict[str, JsonValue] = {
        "status": 422,
        "content_type": "application/json",
        "body": {"error": {"code": "unprocessable_entity", "details": [{"field": "/query/x"}]}},
    }
    assert judged(spec_shaped, 422, entry) is None
    assert judged(_problem("invalid", 422), 422, entry) == (
        "answered as application/problem+json, not application/json"
    )
    assert judged({**spec_shaped, "body": {}}, 422, entry) == "the body is no `Error`"
    assert judged(_problem("invalid", 422), 422, {}) is None  # an index of RFC 9457 errors


@pytest.mark.parametrize("fixture", ["wire", "loose", "names", "lookup", "sids"])
def test_every_operation_of_the_real_shape_fixtures_passes_its_inspection(
    fixture: str, tmp_path: Path
) -> None:
    """Issue 18's fixtures, one class of real specs' shapes each: `inspect --all` passes
    every check of every operation (none is a stub)."""
    from .conftest import FIXTURES

    out = tmp_path / fixture
    generated = CliRunner().invoke(
        app, ["from-handoff", str(FIXTURES / fixture), "-o", str(out), "--no-inspect"]
    )
    assert generated.exit_code == 0, generated.output
    inspected = CliRunner().invoke(app, ["inspect", str(out), "--all"])
    assert inspected.exit_code == 0, inspected.output
    report = json.loads((out / "inspection.json").read_text())
    failed = [
        (op["operation_id"], check["name"])
        for op in report["operations"]
        for check in op["checks"]
        if not check["passed"]
    ]
    assert not failed
