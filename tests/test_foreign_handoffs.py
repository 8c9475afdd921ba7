"""Handoffs nobody here wrote: the shared contract's own examples, and RealWorld Conduit (its
real OpenAPI document and its real PostgreSQL schema from the corpus, read in place)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gen_backend.accept import Accepted, accept
from gen_backend.model import EnvelopeShape, OperationKind, PermissionSource
from gen_backend.validate.rfis import Code

from .conftest import CORPUS, SHARED


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


def _yaml_blocks(markdown: str) -> list[str]:
    blocks: list[str] = []
    current: list[str] = []
    inside = False
    for line in markdown.splitlines():
        if line.startswith("```yaml"):
            inside, current = True, []
        elif line.startswith("```") and inside:
            inside = False
            blocks.append("\n".join(current) + "\n")
        elif inside:
            current.append(line)
    return blocks


SHARED_EXAMPLE_SPEC = """\
openapi: 3.0.3
info: {title: Bookshelf, version: "1"}
paths:
  /books:
    get:
      operationId: listBooks
      x-fr-id: FR-001
      parameters:
        - {name: author, in: query, schema: {type: string, format: uuid}}
        - {name: q, in: query, schema: {type: string}}
        - {name: published_after, in: query, schema: {type: string, format: date-time}}
        - {name: available, in: query, schema: {type: boolean}}
        - {name: day, in: query, schema: {type: string, format: date}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Book"}}
    post:
      operationId: createBook
      x-fr-id: FR-001
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Book"}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Book"}
  /books/{bookId}/payments:
    post:
      operationId: createBookPayment
      parameters:
        - {name: bookId, in: path, required: true, schema: {type: string}}
      responses:
        "201": {description: created}
  /health:
    get:
      operationId: getHealth
      x-fr-id: FR-002
      security: []
      responses:
        "200": {description: ok}
components:
  schemas:
    Book:
      type: object
      properties:
        id: {type: string, format: uuid, readOnly: true}
        authorId: {type: string, format: uuid}
        isbn: {type: string, maxLength: 13}
        title: {type: string, maxLength: 300}
"""


def test_the_shared_contract_examples_are_accepted(tmp_path: Path) -> None:
    """handoff-v1.md's own YAML examples, verbatim, with a small spec around them."""
    blocks = _yaml_blocks((SHARED / "handoff-v1.md").read_text())
    by_first_key = {b.split(":", 1)[0].strip(): b for b in blocks}
    root = _write(
        tmp_path,
        {
            "handoff.yaml": by_first_key["handoff_version"],
            "schema.yaml": by_first_key["tables"],
            "auth.yaml": by_first_key["scheme"],
            "migrations.yaml": by_first_key["rollback_strategy"],
            "integrations.yaml": by_first_key["integrations"],
            "openapi.yaml": SHARED_EXAMPLE_SPEC,
        },
    )
    result = accept(root)
    assert isinstance(result, Accepted)
    model = result.model
    assert (model.product, model.release_mode.value, model.database.value) == (
        "Bookshelf",
        "mvp",
        "postgres",
    )
    ops = {op.operation_id: op for op in model.operations}
    books = ops["listBooks"]
    assert books.kind is OperationKind.LIST
    assert books.envelope is not None
    assert books.envelope.shape is EnvelopeShape.BARE_ARRAY
    assert {f.param: (f.op.value, f.columns) for f in books.filters} == {
        "author": ("eq", ("author_id",)),
        "q": ("contains", ("title", "isbn")),
        "published_after": ("gte", ("published_on",)),
        "available": ("true_only", ("in_stock",)),
        "day": ("same_day", ("published_at",)),
    }
    payment = ops["createBookPayment"]
    assert (payment.fr_id, payment.table, payment.idempotent) == ("FR-002", "book_payments", True)
    assert payment.permission_source is PermissionSource.HANDOFF
    assert ops["getHealth"].public
    assert model.auth.ownership_of("books") is not None
    codes = {(r.code, r.location) for r in result.rfis}
    # the example's filters name columns its example schema does not have: real questions
    assert (Code.FILTER_COLUMN_MISSING, "/operations/listBooks/filters/available") in codes
    # `book_payments` is named by handoff.yaml but absent from the example design
    assert (Code.OPERATION_TABLE_NOT_IN_DESIGN, "/paths/~1books~1{bookId}~1payments/post") in codes
    assert (Code.ASSUMPTION_IN_SCOPE, "/assumptions/0") in codes


@pytest.fixture
def conduit(tmp_path: Path) -> Path:
    return conduit_handoff(tmp_path)


def conduit_handoff(tmp_path: Path) -> Path:
    """A handoff around RealWorld Conduit's real spec and PostgreSQL schema (read in place)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    spec = CORPUS / "specs" / "realworld-conduit" / "openapi.yml"
    schema = (
        CORPUS / "db" / "realworld-conduit-postgres" / "migrations" / "20210924225358_initial.sql"
    )
    return _write(
        tmp_path,
        {
            "handoff.yaml": f"""\
            handoff_version: 1
            product: Conduit
            service: conduit-api
            release_mode: full
            database: postgres
            artifacts:
              openapi: {spec}
              schema: {schema}
            """,
            "auth.yaml": """\
            scheme: jwt
            jwt: {algorithms: [HS256], secret_env: JWT_SECRET}
            roles:
              user: [articles:read, articles:write, users:read, users:write]
            operations:
              Login: public
              CreateUser: public
              GetArticles: public
              GetArticle: public
              GetArticleComments: public
              GetTags: public
              GetProfileByUsername: public
            """,
            "migrations.yaml": """\
            rollback_strategy: down-migrations
            steps:
              - {id: "0001", tables: [User, Tag]}
              - {id: "0002", tables: [Article, ArticleTags, Comment, _UserFavorites, _UserFollows]}
            """,
        },
    )


def test_conduit_is_understood(conduit: Path) -> None:
    result = accept(conduit)
    assert isinstance(result, Accepted)
    ops = {op.operation_id: op for op in result.model.operations}
    assert len(ops) == 19
    articles = ops["GetArticles"]
    assert (articles.kind, articles.table) == (OperationKind.LIST, "Article")
    assert articles.envelope is not None
    assert (articles.envelope.items_field, articles.envelope.total_field) == (
        "articles",
        "articlesCount",
    )
    assert articles.pagination is not None
    assert (articles.pagination.limit_param, articles.pagination.offset_param) == (
        "limit",
        "offset",
    )
    get = ops["GetArticle"]
    assert (get.kind, [(b.param, b.column, b.is_key) for b in get.path_bindings]) == (
        OperationKind.GET,
        [("slug", "slug", True)],
    )  # a unique index makes slug a key
    comments = ops["GetArticleComments"]
    (parent,) = comments.path_bindings
    assert (comments.table, parent.column, parent.parent_table, parent.parent_column) == (
        "Comment",
        "articleId",
        "Article",
        "slug",
    )
    delete = ops["DeleteArticleComment"]
    assert delete.kind is OperationKind.DELETE
    assert ("id", "id", True) in [(b.param, b.column, b.is_key) for b in delete.path_bindings]
    assert ops["CreateArticleFavorite"].kind is OperationKind.CUSTOM
    assert ops["Login"].kind is OperationKind.CUSTOM


def test_conduit_raises_the_questions_a_reviewer_would(conduit: Path) -> None:
    result = accept(conduit)
    assert isinstance(result, Accepted)
    found = {(r.code, r.location) for r in result.rfis}
    expected = {
        (Code.REQUIRED_COLUMN_UNSUPPLIED, "Article.slug"),  # derived from the title
        (Code.REQUIRED_COLUMN_UNSUPPLIED, "Article.authorId"),  # the caller, not the body
        (Code.TABLE_NO_PRIMARY_KEY, "_UserFavorites"),  # Prisma's implicit join table
        (Code.OPERATION_TABLE_UNKNOWN, "/paths/~1profiles~1{username}/get"),  # a view of User
        (Code.PROPERTY_NO_COLUMN, "openapi.yml#/components/schemas/User/properties/token"),
        (Code.QUERY_PARAM_UNMAPPED, "/paths/~1articles/get/parameters/0"),  # tag
    }
    assert expected <= found
    # the wrapped body {"user": {...}} is unwrapped: email/username/password are supplied
    assert not {
        loc
        for code, loc in found
        if code is Code.REQUIRED_COLUMN_UNSUPPLIED and loc.startswith("User.")
    }
    missing = {loc for code, loc in found if code is Code.PERMISSION_MISSING}
    assert missing == {
        "/operations/GetCurrentUser",
        "/operations/UpdateCurrentUser",
        "/operations/FollowUserByUsername",
        "/operations/UnfollowUserByUsername",
        "/operations/GetArticlesFeed",
        "/operations/CreateArticle",
        "/operations/UpdateArticle",
        "/operations/DeleteArticle",
        "/operations/CreateArticleComment",
        "/operations/DeleteArticleComment",
        "/operations/CreateArticleFavorite",
        "/operations/DeleteArticleFavorite",
    }


def corpus_spec_handoff(tmp_path: Path, spec: str) -> Path:
    """A handoff around one corpus spec and a one-table design: nearly every operation is a
    501 stub, so what is exercised is the contract itself (names, parameters in every style,
    bodies of every media type and shape, responses) in a generated project."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    document = next((CORPUS / "specs" / spec).glob("openapi.*"))
    return _write(
        tmp_path,
        {
            "handoff.yaml": f"""\
            handoff_version: 1
            product: {spec}
            service: corpus-{spec.replace(".", "-")}
            release_mode: full
            database: postgres
            artifacts:
              openapi: {document}
            """,
            "schema.yaml": """\
            tables:
              notes:
                columns:
                  id: {type: uuid, primary_key: true}
                  text: {type: string, max_length: 100}
                indexes:
                  - {columns: [text]}
            """,
            "auth.yaml": """\
            scheme: jwt
            jwt: {algorithms: [HS256], secret_env: JWT_SECRET}
            roles:
              user: [notes:read]
            """,
            "migrations.yaml": """\
            rollback_strategy: down-migrations
            steps:
              - {id: "0001", tables: [notes]}
            """,
        },
    )
