"""Each RFI is raised by the cross-check it belongs to, at the right place.

Every case copies the library sample, changes one thing, and expects that RFI (the sample
itself raises only ASSUMPTION_IN_SCOPE)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gen_backend.accept import Accepted, accept
from gen_backend.validate.rfis import Code, Severity

from .conftest import SAMPLES

Doc = dict[str, Any]
Mutation = Callable[[Path], None]


def edit(name: str, change: Callable[[Doc], None]) -> Mutation:
    def apply(root: Path) -> None:
        path = root / name
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    return apply


def both(first: Mutation, second: Mutation) -> Mutation:
    """Two changes, in two files, that raise one RFI together."""

    def apply(root: Path) -> None:
        first(root)
        second(root)

    return apply


def _op(data: Doc, path: str, method: str) -> Doc:
    operation: Doc = data["paths"][path][method]
    return operation


def _schema(data: Doc, name: str) -> Doc:
    schema: Doc = data["components"]["schemas"][name]
    return schema


def _require_ungranted(data: Doc) -> None:
    data["operations"]["getBook"] = ["books:audit"]
    del data["roles"]["admin"]  # "*" grants everything


def _book_by_id_or_isbn(spec: Doc) -> None:
    """A book named by its id or its ISBN, as the parameter's name says."""
    item = spec["paths"].pop("/books/{bookId}")
    item["parameters"][0].update(name="bookIdOrIsbn", schema={"type": "string"})
    spec["paths"]["/books/{bookIdOrIsbn}"] = item


def _sort_by_rating(spec: Doc) -> None:
    """Books sorted by a rating the books table does not keep."""
    sort = next(p for p in spec["paths"]["/books"]["get"]["parameters"] if p.get("name") == "sort")
    sort["schema"]["enum"] += ["rating", "-rating"]


def _shelf_path(spec: Doc) -> None:
    """The author's books listed under a shelf, which the books table has no key to."""
    item = spec["paths"].pop("/authors/{authorId}/books")
    item["get"]["parameters"][0]["name"] = "shelfId"
    spec["paths"]["/shelves/{shelfId}/books"] = item


def _default_for_get_book(data: Doc) -> None:
    del data["operations"]["getBook"]
    data["defaults"] = {"read": ["books:read"]}


def _add_binding(design: dict[str, Any]) -> None:
    """books.binding, a text a CHECK lists the values of."""
    books = design["tables"]["books"]
    books["columns"]["binding"] = {"type": "string", "max_length": 10, "default": "paper"}
    books["checks"].append({"name": "binding_known", "expr": "binding IN ('paper', 'cloth')"})


CASES: list[tuple[str, Mutation, Code, str]] = [
    (
        "table unknown",
        edit(
            "openapi.yaml",
            lambda d: d["paths"].update(
                {
                    "/stats": {
                        "get": {
                            "operationId": "getStats",
                            "x-fr-id": "FR-001",
                            "responses": {"200": {"description": "ok"}},
                        }
                    }
                }
            ),
        ),
        Code.OPERATION_TABLE_UNKNOWN,
        "/paths/~1stats/get",
    ),
    (
        "x-table not in design",
        edit("openapi.yaml", lambda d: _op(d, "/books", "get").update({"x-table": "volumes"})),
        Code.OPERATION_TABLE_NOT_IN_DESIGN,
        "/paths/~1books/get",
    ),
    (
        "property without column",
        edit(
            "openapi.yaml",
            lambda d: _schema(d, "Book")["properties"].update({"rating": {"type": "number"}}),
        ),
        Code.PROPERTY_NO_COLUMN,
        "openapi.yaml#/components/schemas/Book/properties/rating",
    ),
    (
        "type mismatch",
        edit(
            "openapi.yaml",
            lambda d: _schema(d, "BookCreate")["properties"].update(
                {"inStock": {"type": "string"}}
            ),
        ),
        Code.PROPERTY_TYPE_MISMATCH,
        "openapi.yaml#/components/schemas/BookCreate/properties/inStock",
    ),
    (
        "an operation left to hand-written code",
        edit("openapi.yaml", lambda d: _op(d, "/books", "get").update({"x-kind": "custom"})),
        Code.OPERATION_STUBBED,
        "/paths/~1books/get",
    ),
    (
        "a property the spec leaves optional that a NOT NULL column needs",
        edit(
            "openapi.yaml",
            lambda d: _schema(d, "BookCreate").update(
                required=[n for n in _schema(d, "BookCreate")["required"] if n != "title"]
            ),
        ),
        Code.PROPERTY_REQUIRED_BY_COLUMN,
        "openapi.yaml#/components/schemas/BookCreate/properties/title",
    ),
    (
        "an answer's required property over a nullable column",
        edit(
            "openapi.yaml",
            lambda d: _schema(d, "Book").update(
                required=[*_schema(d, "Book")["required"], "publishedOn"],
                properties={
                    **_schema(d, "Book")["properties"],
                    "publishedOn": {"type": "string", "format": "date"},
                },
            ),
        ),
        Code.PROPERTY_NULLABLE_BY_COLUMN,
        "openapi.yaml#/components/schemas/Book/properties/publishedOn",
    ),
    (
        "a text key nothing sends",
        edit(
            "schema.yaml",
            lambda d: d["tables"]["authors"]["columns"].update(
                id={"type": "string", "max_length": 40, "primary_key": True}
            ),
        ),
        Code.KEY_MADE,
        "authors.id",
    ),
    (
        "a default SQLite cannot evaluate",
        edit(
            "schema.yaml",
            lambda d: d["tables"]["authors"]["columns"].update(
                token={"type": "string", "default": "md5(random()::text)"}
            ),
        ),
        Code.DEFAULT_NOT_PORTABLE,
        "authors.token",
    ),
    (
        "errors in the spec's own shape",
        both(
            edit("handoff.yaml", lambda d: d.pop("error_format")),
            edit(
                "openapi.yaml",
                lambda d: d["components"]["schemas"].update(
                    Problem={
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    }
                ),
            ),
        ),
        Code.ERROR_SHAPE_TAKEN,
        "openapi.yaml#/components/schemas/Problem",
    ),
    (
        "an error shape nothing fills",
        both(
            edit("handoff.yaml", lambda d: d.pop("error_format")),
            edit(
                "openapi.yaml",
                lambda d: d["components"]["schemas"].update(
                    Problem={
                        "type": "object",
                        "required": ["ticket"],
                        "properties": {
                            "ticket": {"type": "integer"},
                            "message": {"type": "string"},
                        },
                    }
                ),
            ),
        ),
        Code.ERROR_SHAPE_UNFIT,
        "/components/schemas",
    ),
    (
        "a lookup by a column that is not unique",
        edit(
            "handoff.yaml",
            lambda d: d["operations"].update(getBook={"lookup": {"bookId": ["id", "title"]}}),
        ),
        Code.LOOKUP_INVALID,
        "/operations/getBook/lookup/bookId",
    ),
    (
        "a lookup inferred from the parameter's name",
        edit("openapi.yaml", lambda d: _book_by_id_or_isbn(d)),
        Code.LOOKUP_INFERRED,
        "/paths/~1books~1{bookIdOrIsbn}/get",
    ),
    (
        "a sort value naming no column",
        edit("openapi.yaml", lambda d: _sort_by_rating(d)),
        Code.SORT_VALUE_UNMAPPED,
        "/paths/~1books/get/parameters/7",
    ),
    (
        "a path parameter nothing in the table selects",
        edit("openapi.yaml", lambda d: _shelf_path(d)),
        Code.PATH_PARAM_UNBOUND,
        "/paths/~1shelves~1{shelfId}~1books/get",
    ),
    (
        "a plain string over a date column",
        edit(
            "openapi.yaml",
            lambda d: _schema(d, "BookCreate")["properties"].update(
                {"publishedOn": {"type": "string"}}
            ),
        ),
        Code.PROPERTY_TYPE_CONVERTED,
        "openapi.yaml#/components/schemas/BookCreate/properties/publishedOn",
    ),
    (
        "length longer than column",
        edit(
            "openapi.yaml",
            lambda d: _schema(d, "BookCreate")["properties"]["title"].update({"maxLength": 500}),
        ),
        Code.PROPERTY_LENGTH_MISMATCH,
        "openapi.yaml#/components/schemas/BookCreate/properties/title",
    ),
    (
        "range wider than column",
        both(
            edit(
                "schema.yaml",
                lambda d: d["tables"]["books"]["columns"].update(
                    {"copies": {"type": "smallint", "default": 1}}
                ),
            ),
            edit(
                "openapi.yaml",
                lambda d: _schema(d, "BookCreate")["properties"].update(
                    {"copies": {"type": "integer", "minimum": 0, "maximum": 100000}}
                ),
            ),
        ),
        Code.PROPERTY_RANGE_MISMATCH,
        "openapi.yaml#/components/schemas/BookCreate/properties/copies",
    ),
    (
        "minimum below a CHECK",
        edit(
            "openapi.yaml",
            lambda d: _schema(d, "BookCreate")["properties"]["price"].update({"minimum": -5}),
        ),
        Code.PROPERTY_RANGE_MISMATCH,
        "openapi.yaml#/components/schemas/BookCreate/properties/price",
    ),
    (
        "no bound where a CHECK sets one",
        edit(
            "openapi.yaml",
            lambda d: _schema(d, "BookCreate")["properties"]["price"].pop("minimum"),
        ),
        Code.PROPERTY_RANGE_MISMATCH,
        "openapi.yaml#/components/schemas/BookCreate/properties/price",
    ),
    (
        "maximum beyond a numeric's precision",
        edit(
            "openapi.yaml",
            lambda d: _schema(d, "BookCreate")["properties"]["price"].update({"maximum": 1e12}),
        ),
        Code.PROPERTY_RANGE_MISMATCH,
        "openapi.yaml#/components/schemas/BookCreate/properties/price",
    ),
    (
        "enum outside column values",
        edit(
            "openapi.yaml",
            lambda d: _schema(d, "BookUpdate")["properties"]["status"].update(
                {"enum": ["draft", "gone"]}
            ),
        ),
        Code.PROPERTY_ENUM_MISMATCH,
        "openapi.yaml#/components/schemas/BookUpdate/properties/status",
    ),
    (
        "texts outside a CHECK's list",
        both(
            edit("schema.yaml", _add_binding),
            edit(
                "openapi.yaml",
                lambda d: _schema(d, "BookCreate")["properties"].update(
                    {"binding": {"type": "string", "maxLength": 10}}
                ),
            ),
        ),
        Code.PROPERTY_ENUM_MISMATCH,
        "openapi.yaml#/components/schemas/BookCreate/properties/binding",
    ),
    (
        "NOT NULL column nobody supplies",
        edit(
            "schema.yaml",
            lambda d: d["tables"]["books"]["columns"].update(
                {"shelf": {"type": "string", "max_length": 20}}
            ),
        ),
        Code.REQUIRED_COLUMN_UNSUPPLIED,
        "books.shelf",
    ),
    (
        "foreign key to a missing table",
        edit(
            "schema.yaml",
            lambda d: d["tables"]["books"]["columns"]["author_id"].update(
                {"references": "writers.id"}
            ),
        ),
        Code.FOREIGN_KEY_TARGET_MISSING,
        "books.author_id",
    ),
    (
        "table without a primary key",
        edit("schema.yaml", lambda d: d["tables"]["loans"]["columns"]["id"].pop("primary_key")),
        Code.TABLE_NO_PRIMARY_KEY,
        "loans",
    ),
    (
        "filter op that does not fit its column",
        edit(
            "handoff.yaml",
            lambda d: d["operations"]["listBooks"]["filters"].update(
                available={"column": "title", "op": "true_only"}
            ),
        ),
        Code.FILTER_OP_MISMATCH,
        "/operations/listBooks/filters/available",
    ),
    (
        "owner column offered in a create body",
        edit(
            "auth.yaml",
            lambda d: d["ownership"].update(
                {"books": {"owner_column": "author_id", "bypass_roles": ["admin"]}}
            ),
        ),
        Code.OWNER_COLUMN_IN_BODY,
        "openapi.yaml#/components/schemas/BookCreate/properties/authorId",
    ),
    (
        "a security scheme the generated code cannot check",
        edit(
            "openapi.yaml",
            lambda d: d["components"]["securitySchemes"].update(
                {"bearerAuth": {"type": "http", "scheme": "basic"}}
            ),
        ),
        Code.SECURITY_SCHEME_UNCHECKED,
        "/components/securitySchemes/bearerAuth",
    ),
    (
        "table in no step",
        edit("migrations.yaml", lambda d: d["steps"].pop()),
        Code.MIGRATION_TABLE_MISSING,
        "/steps",
    ),
    (
        "table in two steps",
        edit("migrations.yaml", lambda d: d["steps"][2]["tables"].append("books")),
        Code.MIGRATION_TABLE_DUPLICATE,
        "/steps/2/tables",
    ),
    (
        "step before the table it references",
        edit(
            "migrations.yaml",
            lambda d: d.update(
                steps=[
                    {"id": "0001", "tables": ["books"]},
                    {"id": "0002", "tables": ["authors"]},
                    {"id": "0003", "tables": ["loans"]},
                ]
            ),
        ),
        Code.MIGRATION_ORDER,
        "/steps/0/tables",
    ),
    (
        "step depends on a later step",
        edit("migrations.yaml", lambda d: d["steps"][0].update(depends_on=["0003"])),
        Code.MIGRATION_ORDER,
        "/steps/0/depends_on",
    ),
    (
        "step names an unknown table",
        edit("migrations.yaml", lambda d: d["steps"][0]["tables"].append("shelves")),
        Code.MIGRATION_UNKNOWN_TABLE,
        "/steps/0/tables",
    ),
    (
        "a decision fills existing rows with no value of the column's type",
        edit(
            "migrations.yaml",
            lambda d: d["steps"][2].update(
                decisions=[{"change": "loans.due_on", "data": "due at once", "fill": "soon"}]
            ),
        ),
        Code.MIGRATION_BAD_FILL,
        "/steps/2/decisions/0/fill",
    ),
    (
        "unknown dependency",
        edit("migrations.yaml", lambda d: d["steps"][1].update(depends_on=["0009"])),
        Code.MIGRATION_UNKNOWN_DEPENDENCY,
        "/steps/1/depends_on",
    ),
    (
        "no permission decision",
        edit("auth.yaml", lambda d: d["operations"].pop("getBook")),
        Code.PERMISSION_MISSING,
        "/operations/getBook",
    ),
    (
        "an operation takes the default permissions",
        edit("auth.yaml", lambda d: _default_for_get_book(d)),
        Code.PERMISSION_DEFAULTED,
        "/defaults/read",
    ),
    (
        "permission no role grants",
        edit("auth.yaml", lambda d: _require_ungranted(d)),
        Code.PERMISSION_UNGRANTED,
        "/operations/getBook",
    ),
    (
        "sources disagree on permissions",
        edit(
            "openapi.yaml",
            lambda d: _op(d, "/books/{bookId}", "get").update({"x-permissions": ["books:write"]}),
        ),
        Code.PERMISSION_CONFLICT,
        "/operations/getBook",
    ),
    (
        "auth names an unknown operation",
        edit("auth.yaml", lambda d: d["operations"].update(listShelves=["books:read"])),
        Code.UNKNOWN_OPERATION,
        "/operations/listShelves",
    ),
    (
        "ownership on a missing table",
        edit(
            "auth.yaml", lambda d: d["ownership"].update({"shelves": {"owner_column": "owner_id"}})
        ),
        Code.OWNERSHIP_TABLE_MISSING,
        "/ownership/shelves",
    ),
    (
        "ownership without its owner column",
        edit("auth.yaml", lambda d: d["ownership"].update({"books": {"owner_column": "owner_id"}})),
        Code.OWNERSHIP_COLUMN_MISSING,
        "books.owner_id",
    ),
    (
        "unknown bypass role",
        edit("auth.yaml", lambda d: d["ownership"]["loans"]["bypass_roles"].append("auditor")),
        Code.OWNERSHIP_UNKNOWN_ROLE,
        "/ownership/loans/bypass_roles",
    ),
    (
        "FR-ID in scope that no operation carries",
        edit("handoff.yaml", lambda d: d["mvp_scope"].append("FR-009")),
        Code.SCOPE_FR_UNUSED,
        "/mvp_scope/3",
    ),
    (
        "nothing in scope",
        edit("handoff.yaml", lambda d: d.update(mvp_scope=["FR-404"])),
        Code.SCOPE_EMPTY,
        "/mvp_scope",
    ),
    (
        "assumption touches scope",
        edit(
            "handoff.yaml",
            lambda d: d["assumptions"].append(
                {"id": "A-3", "text": "Authors never change their name", "affects": ["authors"]}
            ),
        ),
        Code.ASSUMPTION_IN_SCOPE,
        "/assumptions/2",
    ),
    (
        "unmapped query parameter",
        edit(
            "openapi.yaml",
            lambda d: _op(d, "/books", "get")["parameters"].append(
                {"name": "shelf", "in": "query", "schema": {"type": "string"}}
            ),
        ),
        Code.QUERY_PARAM_UNMAPPED,
        "/paths/~1books/get/parameters/8",
    ),
    (
        "filter on a missing column",
        edit(
            "handoff.yaml",
            lambda d: d["operations"]["listBooks"]["filters"].update(
                q={"columns": ["title", "subtitle"], "op": "contains"}
            ),
        ),
        Code.FILTER_COLUMN_MISSING,
        "/operations/listBooks/filters/q",
    ),
    (
        "filter that is no query parameter",
        edit(
            "handoff.yaml",
            lambda d: d["operations"]["listBooks"]["filters"].update(genre={"column": "status"}),
        ),
        Code.FILTER_PARAM_UNDECLARED,
        "/operations/listBooks/filters/genre",
    ),
    (
        "operation without operationId",
        edit("openapi.yaml", lambda d: _op(d, "/books", "get").pop("operationId")),
        Code.OPERATION_ID_MISSING,
        "/paths/~1books/get",
    ),
    (
        "path key that selects nothing",
        edit(
            "openapi.yaml",
            lambda d: d["paths"].update({"/books/{isbn13}": d["paths"].pop("/books/{bookId}")}),
        ),
        Code.PATH_KEY_UNBOUND,
        "/paths/~1books~1{isbn13}/get",
    ),
    (
        "misspelt key",
        edit(
            "schema.yaml", lambda d: d["tables"]["books"]["columns"]["price"].update(nulable=True)
        ),
        Code.UNKNOWN_KEY,
        "/tables/books/columns/price/nulable",
    ),
]


def _rename_book_path_param(root: Path) -> None:
    text = (root / "openapi.yaml").read_text().replace("{bookId}", "{isbn13}")
    (root / "openapi.yaml").write_text(text.replace("name: bookId", "name: isbn13"))


CASES = [
    (name, _rename_book_path_param if code is Code.PATH_KEY_UNBOUND else mutation, code, where)
    for name, mutation, code, where in CASES
]


def _accept(root: Path) -> Accepted:
    result = accept(root)
    assert isinstance(result, Accepted), result
    return result


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(SAMPLES / "library", root)
    return root


def test_the_sample_raises_only_its_deliberate_rfi(library: Path) -> None:
    codes = [r.code for r in _accept(library).rfis]
    assert codes == [Code.ASSUMPTION_IN_SCOPE]


@pytest.mark.parametrize(
    ("mutation", "code", "where"), [pytest.param(m, c, w, id=n) for n, m, c, w in CASES]
)
def test_cross_check_raises(library: Path, mutation: Mutation, code: Code, where: str) -> None:
    mutation(library)
    rfis = _accept(library).rfis
    found = [r for r in rfis if r.code is code]
    assert found, f"expected {code}, got {[(r.code.value, r.location) for r in rfis]}"
    assert where in [r.location for r in found]
    for rfi in found:
        assert rfi.question
        assert rfi.suggestion
        assert rfi.artifact


def test_every_code_has_a_case() -> None:
    covered = {code for _, _, code, _ in CASES}
    covered_elsewhere = {
        Code.SCHEMA_FORMS_DISAGREE,  # test_schema_forms
        Code.INTERVENTION_PENDING,  # the orders sample's golden
        Code.DESIGN_PART_SKIPPED,  # test_schema_forms (an expression index in schema.sql)
        Code.PROPERTY_EMPTY_KEY,  # test_real_shapes (petstore3: no text key in the library)
        Code.KEY_PARAMETER_NARROWER,  # test_real_shapes (petstore3: no integer key here)
        Code.PROPERTY_HELD_TO_ANSWER,  # test_real_shapes (notes: no JSON column here)
        Code.SPEC_INVALID,  # test_init (--lenient on an invalid corpus spec)
        Code.DESIGN_EMPTY,  # test_init (a spec with no resource)
        Code.SPEC_NO_PATHS,  # test_init (a spec of webhooks only)
        Code.DESIGN_CHANGE_LOSES_DATA,  # test_generate (against an earlier run's service)
        Code.INTEGRATION_NO_BASE_URL,  # test_integrations, with the others of its kind
        Code.INTEGRATION_NO_CREDENTIAL,
        Code.INTEGRATION_KIND_UNSUPPORTED,
        Code.INTEGRATION_NAME_TAKEN,
        Code.INTEGRATION_VARIABLE_INVALID,
        Code.INTEGRATION_OPERATION_RENAMED,
        Code.INTEGRATION_HEADER_INVALID,
        Code.INTEGRATION_PATH_INVALID,
    }
    assert not set(Code) - covered - covered_elsewhere


def test_errors_sort_first(library: Path) -> None:
    edit("auth.yaml", lambda d: d["operations"].pop("getBook"))(library)
    severities = [r.severity for r in _accept(library).rfis]
    assert severities[0] is Severity.ERROR
    assert severities == sorted(
        severities, key=[Severity.ERROR, Severity.WARNING, Severity.INFO].index
    )
