"""The error paths of `gen-backend check`: every broken handoff gets one clear verdict.

Each case copies the library sample into a temporary directory, breaks one thing (or overlays a
small fixture from tests/fixtures/broken/), runs `check` twice (text and `--json`) and asserts:

* the exit code: 2 for malformed input, 3 for a No-Go HALT;
* no traceback, and no exception escaping the command;
* the message names the file and the place (line, JSON pointer or `table.column`) and a fix;
* the JSON report parses and carries `status` error/halt with the right fields;
* nothing in the handoff directory was created, changed or removed.

A case the generator gets wrong is marked `xfail(strict=True)` with the precise bug as reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gen_backend.cli import app

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_specs" / "library"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "broken"
WIDE = {"COLUMNS": "2000", "NO_COLOR": "1", "GEN_BACKEND_DEBUG": None}

Mutation = Callable[[Path], None]
Snapshot = dict[str, tuple[str, int, int]]


# ---- mutations ---------------------------------------------------------------------------------


def sub(name: str, old: str, new: str) -> Mutation:
    """Replace the first `old` in the sample's `name` by `new` (the sample must contain `old`)."""

    def mutate(root: Path) -> None:
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"the sample's {name} no longer contains {old!r}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return mutate


def put(name: str, text: str) -> Mutation:
    def mutate(root: Path) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    return mutate


def put_bytes(name: str, data: bytes) -> Mutation:
    def mutate(root: Path) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return mutate


def drop(*names: str) -> Mutation:
    def mutate(root: Path) -> None:
        for name in names:
            path = root / name
            assert path.is_file(), f"the sample has no {name}"
            path.unlink()

    return mutate


def make_dir(name: str) -> Mutation:
    """Put a directory where a file is expected (replacing the file if there is one)."""

    def mutate(root: Path) -> None:
        path = root / name
        if path.is_file():
            path.unlink()
        path.mkdir(parents=True)

    return mutate


def overlay(fixture: str, *remove: str) -> Mutation:
    """Remove `remove` from the sample, then copy tests/fixtures/broken/<fixture> on top."""

    def mutate(root: Path) -> None:
        drop(*remove)(root)
        shutil.copytree(FIXTURES / fixture, root, dirs_exist_ok=True)

    return mutate


def chain(*mutations: Mutation) -> Mutation:
    def mutate(root: Path) -> None:
        for mutation in mutations:
            mutation(root)

    return mutate


def nothing(root: Path) -> None:
    """Leave the sample as it is."""


def clear(root: Path) -> None:
    """Empty the handoff directory (it still exists)."""
    for child in root.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


# ---- the cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One broken handoff and the verdict it must get.

    For exit 2: `file` is the file the message must name (a suffix of its path), `line` the line
    and `place` the JSON pointer / `table.column` / other location it must name (None: not
    checked, for problems that have no place, such as an empty file), `says` substrings of the
    problem. For exit 3: `halts` lists (file, problem substring) of every No-Go failure, exactly.
    `target` is passed instead of the handoff directory when set (relative to it).
    """

    id: str
    mutate: Mutation
    code: int
    file: str = ""
    line: int | None = None
    place: str | None = None
    says: tuple[str, ...] = ()
    halts: tuple[tuple[str, str], ...] = ()
    target: str | None = None
    bug: str | None = None


AUTHOR_PAGE_REF = "/paths/~1authors/get/responses/200/content/application~1json/schema/$ref"
LIST_BOOKS = "/paths/~1books/get"
ALL_MISSING = (
    ("handoff.yaml", "handoff.yaml is missing"),
    ("openapi.yaml", "no OpenAPI document found"),
    ("schema.yaml", "no schema design found"),
    ("auth.yaml", "no auth & permission model found"),
    ("migrations.yaml", "no migration plan found"),
)
TINY_SCHEMA = """\
tables:
  authors:
    columns:
      id: {type: uuid, primary_key: true}
      name: {type: string}
"""

MALFORMED: list[Case] = [
    # -- YAML / JSON syntax, one per artifact -----------------------------------------------------
    Case(
        "yaml-syntax-handoff",
        sub("handoff.yaml", "service: library-api", "service: library-api: oops"),
        2,
        "handoff.yaml",
        line=3,
        says=("invalid YAML",),
    ),
    Case(
        "yaml-syntax-schema",
        sub("schema.yaml", "name:       {type: string, max_length: 200}", "name: type: string"),
        2,
        "schema.yaml",
        line=5,
        says=("invalid YAML",),
    ),
    Case(
        "yaml-syntax-auth",
        sub("auth.yaml", "secret_env: JWT_SECRET", "secret_env: JWT: SECRET"),
        2,
        "auth.yaml",
        line=4,
        says=("invalid YAML",),
    ),
    Case(
        "yaml-syntax-migrations",
        sub(
            "migrations.yaml",
            "rollback_strategy: down-migrations",
            "rollback_strategy: down: migrations",
        ),
        2,
        "migrations.yaml",
        line=1,
        says=("invalid YAML",),
    ),
    Case(
        "yaml-syntax-integrations",
        put("integrations.yaml", "integrations:\n  - name: payments\n    kind: http: rest\n"),
        2,
        "integrations.yaml",
        line=3,
        says=("invalid YAML",),
    ),
    Case(
        "yaml-syntax-openapi",
        sub("openapi.yaml", "  title: Library API", "  title: Library: API"),
        2,
        "openapi.yaml",
        line=3,
        says=("invalid YAML",),
    ),
    Case(
        "yaml-syntax-unclosed-flow",
        sub("auth.yaml", "algorithms: [HS256]", "algorithms: [HS256"),
        2,
        "auth.yaml",
        line=4,
        says=("invalid YAML",),
    ),
    Case(
        "json-syntax-openapi",
        chain(
            drop("openapi.yaml"),
            put(
                "openapi.json",
                '{\n  "openapi": "3.1.0",\n  "info": {"title": "Library"'
                ' "version": "1"},\n  "paths": {}\n}\n',
            ),
        ),
        2,
        "openapi.json",
        line=3,
        says=("invalid JSON",),
    ),
    Case(
        "json-openapi-version-unsupported",
        chain(
            drop("openapi.yaml"),
            put(
                "openapi.json",
                '{\n  "openapi": "2.0.1",\n  "info": {"title": "Library",'
                ' "version": "1"},\n  "paths": {}\n}\n',
            ),
        ),
        2,
        "openapi.json",
        line=2,
        place="/openapi",
        says=("2.0.1",),
    ),
    Case(
        "yaml-tab-indentation",
        put("schema.yaml", "tables:\n\tauthors: {}\n"),
        2,
        "schema.yaml",
        line=2,
        says=("invalid YAML",),
    ),
    # -- handoff.yaml: wrong types and values -----------------------------------------------------
    Case(
        "handoff-is-a-scalar",
        put("handoff.yaml", "Library\n"),
        2,
        "handoff.yaml",
        line=1,
        place="/",
        says=("dictionary",),
    ),
    Case(
        "handoff-version-not-a-number",
        sub("handoff.yaml", "handoff_version: 1", "handoff_version: one"),
        2,
        "handoff.yaml",
        line=1,
        place="/handoff_version",
        says=("handoff_version",),
    ),
    Case(
        "handoff-product-missing",
        sub("handoff.yaml", "product: Library\n", ""),
        2,
        "handoff.yaml",
        place="/product",
        says=("`product` is required",),
    ),
    Case(
        "handoff-service-not-a-slug",
        sub("handoff.yaml", "service: library-api", "service: library api!"),
        2,
        "handoff.yaml",
        line=3,
        place="/service",
        says=("service",),
    ),
    Case(
        "handoff-release-mode-bad",
        sub("handoff.yaml", "release_mode: MVP", "release_mode: beta"),
        2,
        "handoff.yaml",
        line=4,
        place="/release_mode",
        says=("release_mode",),
    ),
    Case(
        "handoff-database-bad",
        sub("handoff.yaml", "database: postgres", "database: mysql"),
        2,
        "handoff.yaml",
        line=6,
        place="/database",
        says=("database",),
    ),
    Case(
        "handoff-mvp-scope-is-a-string",
        sub("handoff.yaml", "mvp_scope: [FR-001, FR-002, FR-003]", "mvp_scope: FR-001"),
        2,
        "handoff.yaml",
        line=5,
        place="/mvp_scope",
        says=("mvp_scope",),
    ),
    Case(
        "handoff-priority-not-a-mapping",
        sub(
            "handoff.yaml",
            "FR-001: {business_value: 5, risk_if_delayed: 4, deps_blocked: 2}",
            "FR-001: 5",
        ),
        2,
        "handoff.yaml",
        line=24,
        place="/priorities/FR-001",
        says=("FR-001",),
    ),
    Case(
        "handoff-priority-out-of-range",
        sub("handoff.yaml", "FR-001: {business_value: 5", "FR-001: {business_value: 9"),
        2,
        "handoff.yaml",
        line=24,
        place="/priorities/FR-001/business_value",
        says=("business_value",),
    ),
    Case(
        "handoff-artifacts-not-a-mapping",
        sub("handoff.yaml", "error_format: rfc9457", "artifacts: openapi.yaml"),
        2,
        "handoff.yaml",
        line=7,
        place="/artifacts",
        says=("artifacts",),
    ),
    Case(
        "handoff-filter-op-unknown",
        sub("handoff.yaml", "op: contains", "op: fuzzy"),
        2,
        "handoff.yaml",
        line=32,
        place="/operations/listBooks/filters/q/op",
        says=("`op`",),
    ),
    Case(
        "handoff-filter-without-column",
        sub("handoff.yaml", "author: {column: author_id}", "author: {op: eq}"),
        2,
        "handoff.yaml",
        line=31,
        place="/operations/listBooks/filters/author",
        says=("column",),
    ),
    Case(
        "handoff-operation-idempotent-not-bool",
        sub("handoff.yaml", "  listBooks:\n", "  listBooks:\n    idempotent: sometimes\n"),
        2,
        "handoff.yaml",
        line=30,
        place="/operations/listBooks/idempotent",
        says=("idempotent",),
    ),
    # -- schema.yaml ------------------------------------------------------------------------------
    Case(
        "schema-tables-is-a-number",
        put("schema.yaml", "tables: 5\n"),
        2,
        "schema.yaml",
        line=1,
        place="/tables",
        says=("tables",),
    ),
    Case(
        "schema-table-is-a-list",
        put("schema.yaml", "tables:\n  authors: [id, name]\n"),
        2,
        "schema.yaml",
        line=2,
        place="/tables/authors",
        says=("authors",),
    ),
    Case(
        "schema-column-not-a-mapping",
        sub("schema.yaml", "bio:        {type: text, nullable: true}", "bio: text"),
        2,
        "schema.yaml",
        line=6,
        place="/tables/authors/columns/bio",
        says=("bio",),
    ),
    Case(
        "schema-unknown-column-type",
        sub(
            "schema.yaml",
            "name:       {type: string, max_length: 200}",
            "name:       {type: varchar2, max_length: 200}",
        ),
        2,
        "schema.yaml",
        line=5,
        place="/tables/authors/columns/name/type",
        says=("type",),
    ),
    Case(
        "schema-enum-without-values",
        sub(
            "schema.yaml",
            "{type: enum, values: [draft, published, archived], default: draft}",
            "{type: enum, default: draft}",
        ),
        2,
        "schema.yaml",
        line=16,
        place="/tables/books/columns/status/type",
        says=("books.status", "values"),
    ),
    Case(
        "schema-values-on-non-enum",
        sub(
            "schema.yaml",
            "title:        {type: string, max_length: 300}",
            "title:        {type: string, values: [a, b]}",
        ),
        2,
        "schema.yaml",
        line=15,
        place="/tables/books/columns/title/values",
        says=("books.title",),
    ),
    Case(
        "schema-enum-default-not-a-value",
        sub("schema.yaml", "archived], default: draft}", "archived], default: lost}"),
        2,
        "schema.yaml",
        line=16,
        place="/tables/books/columns/status/default",
        says=("lost",),
    ),
    Case(
        "schema-max-length-zero",
        sub("schema.yaml", "{type: string, max_length: 200}", "{type: string, max_length: 0}"),
        2,
        "schema.yaml",
        line=5,
        place="/tables/authors/columns/name/max_length",
        says=("max_length",),
    ),
    Case(
        "schema-index-on-unknown-column",
        sub("schema.yaml", "- {columns: [name]}", "- {columns: [nmae]}"),
        2,
        "schema.yaml",
        line=9,
        place="/tables/authors/indexes/0/columns",
        says=("authors.nmae",),
    ),
    Case(
        "schema-index-without-columns",
        sub("schema.yaml", "- {columns: [name]}", "- {columns: []}"),
        2,
        "schema.yaml",
        line=9,
        place="/tables/authors/indexes/0/columns",
        says=("columns",),
    ),
    Case(
        "schema-bad-references-format",
        sub("schema.yaml", "references: authors.id", "references: authors"),
        2,
        "schema.yaml",
        line=13,
        place="/tables/books/columns/author_id/references",
        says=("references",),
    ),
    Case(
        "schema-bad-on-delete",
        sub("schema.yaml", "on_delete: cascade", "on_delete: explode"),
        2,
        "schema.yaml",
        line=13,
        place="/tables/books/columns/author_id/on_delete",
        says=("on_delete",),
    ),
    Case(
        "schema-check-not-sql",
        sub("schema.yaml", 'expr: "price >= 0"', 'expr: "price >= >= ("'),
        2,
        "schema.yaml",
        line=25,
        place="/tables/books/checks/0/expr",
        says=("not valid SQL",),
    ),
    Case(
        "schema-unknown-format",
        chain(
            sub("handoff.yaml", "error_format: rfc9457", "artifacts: {schema: schema.txt}"),
            drop("schema.yaml"),
            put("schema.txt", "authors(id, name)\n"),
        ),
        2,
        "schema.txt",
        says=("unknown schema design format",),
    ),
    # -- schema.dbml / schema.sql -----------------------------------------------------------------
    Case(
        "dbml-parse-error",
        overlay("dbml-parse-error", "schema.yaml"),
        2,
        "schema.dbml",
        line=6,
        says=("DBML does not parse",),
    ),
    Case(
        "dbml-unknown-type",
        overlay("dbml-unknown-type", "schema.yaml"),
        2,
        "schema.dbml",
        place="books.cover",
        says=("picture_blob",),
    ),
    Case(
        "dbml-many-to-many",
        chain(
            drop("schema.yaml"),
            put(
                "schema.dbml",
                "Table authors {\n  id uuid [pk]\n  name text [unique]\n}\n"
                "Table books {\n  id uuid [pk]\n}\n"
                "Ref: books.id <> authors.id\n",
            ),
        ),
        2,
        "schema.dbml",
        place="Ref books.id <> authors.id",
        says=("many-to-many",),
    ),
    Case(
        "dbml-bad-check",
        chain(
            drop("schema.yaml"),
            put(
                "schema.dbml",
                "Table books {\n  id uuid [pk]\n  price numeric(10,2)\n"
                "  checks {\n    price >= 0\n  }\n}\n",
            ),
        ),
        2,
        "schema.dbml",
        line=5,
        place="table books checks",
        says=("check",),
    ),
    Case(
        "sql-parse-error",
        overlay("sql-parse-error", "schema.yaml"),
        2,
        "schema.sql",
        line=10,
        says=("SQL does not parse",),
    ),
    Case(
        "sql-unsupported-type",
        overlay("sql-unsupported-type", "schema.yaml"),
        2,
        "schema.sql",
        line=10,
        place="books.location",
        says=("GEOMETRY",),
    ),
    Case(
        "sql-unsupported-type-shared-name",
        overlay("sql-unsupported-type-shared-name", "schema.yaml"),
        2,
        "schema.sql",
        line=9,
        place="books.name",
        says=("GEOMETRY",),
    ),
    Case(
        "dbml-ref-to-unknown-table",
        chain(
            drop("schema.yaml"),
            put(
                "schema.dbml",
                "Table authors {\n  id uuid [pk]\n  name text [unique]\n}\n"
                "Table books {\n  id uuid [pk]\n  author_id uuid [ref: > publishers.id]\n}\n",
            ),
        ),
        2,
        "schema.dbml",
        place="books.author_id",
        says=("publishers",),
    ),
    Case(
        "dbml-index-on-unknown-column",
        chain(
            drop("schema.yaml"),
            put(
                "schema.dbml",
                "Table authors {\n  id uuid [pk]\n  name text\n  indexes {\n    nmae\n  }\n}\n",
            ),
        ),
        2,
        "schema.dbml",
        line=5,
        says=("nmae", "authors"),
    ),
    Case(
        "sql-index-on-unknown-column",
        chain(
            drop("schema.yaml"),
            put(
                "schema.sql",
                "CREATE TABLE authors (id uuid PRIMARY KEY, name text);\n"
                "CREATE INDEX ix_authors_nmae ON authors (nmae);\n",
            ),
        ),
        2,
        "schema.sql",
        line=2,
        says=("nmae",),
    ),
    Case(
        "sql-index-on-unknown-table",
        chain(
            drop("schema.yaml"),
            put(
                "schema.sql",
                "CREATE TABLE authors (\n    id uuid PRIMARY KEY\n);\n\n"
                "CREATE INDEX ix_books_title ON books (title);\n",
            ),
        ),
        2,
        "schema.sql",
        line=5,
        place="index ix_books_title",
        says=("unknown table",),
    ),
    # -- auth.yaml / migrations.yaml / integrations.yaml -----------------------------------------
    Case(
        "auth-algorithms-is-a-string",
        sub("auth.yaml", "algorithms: [HS256]", "algorithms: HS256"),
        2,
        "auth.yaml",
        line=3,
        place="/jwt/algorithms",
        says=("algorithms",),
    ),
    Case(
        "auth-roles-is-a-list",
        sub("auth.yaml", "roles:\n  member:", "roles: [member]\nx_roles:\n  member:"),
        2,
        "auth.yaml",
        line=10,
        place="/roles",
        says=("roles",),
    ),
    Case(
        "auth-operation-permission-bad",
        sub("auth.yaml", "getHealth: public", "getHealth: everyone"),
        2,
        "auth.yaml",
        line=29,
        place="/operations/getHealth",
        says=("getHealth",),
    ),
    Case(
        "auth-ownership-without-owner-column",
        sub("auth.yaml", "loans: {owner_column: member_id, ", "loans: {"),
        2,
        "auth.yaml",
        line=31,
        place="/ownership/loans/owner_column",
        says=("owner_column",),
    ),
    Case(
        "migrations-steps-not-a-list",
        put("migrations.yaml", "rollback_strategy: down-migrations\nsteps: all at once\n"),
        2,
        "migrations.yaml",
        line=2,
        place="/steps",
        says=("steps",),
    ),
    Case(
        "migrations-step-without-id",
        sub("migrations.yaml", '- id: "0001"', '- ident: "0001"'),
        2,
        "migrations.yaml",
        line=3,
        place="/steps/0/id",
        says=("`id` is required",),
    ),
    Case(
        "integrations-retries-many",
        put(
            "integrations.yaml",
            "integrations:\n  - name: payments\n    kind: http\n"
            "    base_url_env: PAYMENTS_BASE_URL\n    retries: many\n",
        ),
        2,
        "integrations.yaml",
        line=5,
        place="/integrations/0/retries",
        says=("retries",),
    ),
    Case(
        "integrations-method-unknown",
        put(
            "integrations.yaml",
            "integrations:\n  - name: payments\n    operations:\n"
            "      - {name: charge, method: FETCH, path: /charges}\n",
        ),
        2,
        "integrations.yaml",
        line=4,
        place="/integrations/0/operations/0/method",
        says=("method",),
    ),
    Case(
        "integrations-not-a-list",
        put("integrations.yaml", "integrations: payments\n"),
        2,
        "integrations.yaml",
        line=1,
        place="/integrations",
        says=("integrations",),
    ),
    # -- openapi ----------------------------------------------------------------------------------
    Case(
        "openapi-ref-unresolvable",
        sub("openapi.yaml", '"#/components/schemas/AuthorPage"', '"#/components/schemas/Nope"'),
        2,
        "openapi.yaml",
        line=25,
        place=AUTHOR_PAGE_REF,
        says=("points at nothing", "Nope"),
    ),
    Case(
        "openapi-ref-missing-file",
        sub("openapi.yaml", '"#/components/schemas/AuthorPage"', '"shared/pages.yaml#/AuthorPage"'),
        2,
        "openapi.yaml",
        line=25,
        place=AUTHOR_PAGE_REF,
        says=("shared/pages.yaml", "does not exist"),
    ),
    Case(
        "openapi-ref-to-directory",
        chain(
            make_dir("shared"),
            sub("openapi.yaml", '"#/components/schemas/AuthorPage"', '"shared#/AuthorPage"'),
        ),
        2,
        "openapi.yaml",
        line=25,
        place=AUTHOR_PAGE_REF,
        says=("shared#/AuthorPage",),
    ),
    Case(
        "openapi-ref-remote",
        sub(
            "openapi.yaml",
            '"#/components/schemas/AuthorPage"',
            '"https://schemas.example.com/page.yaml#/AuthorPage"',
        ),
        2,
        "openapi.yaml",
        line=25,
        place=AUTHOR_PAGE_REF,
        says=("remote",),
    ),
    Case(
        "openapi-ref-anchor",
        sub("openapi.yaml", '"#/components/schemas/AuthorPage"', '"#AuthorPage"'),
        2,
        "openapi.yaml",
        line=25,
        place=AUTHOR_PAGE_REF,
        says=("anchor",),
    ),
    Case(
        "openapi-ref-into-file-dangling",
        overlay("openapi-ref-into-file-dangling"),
        2,
        "openapi.yaml",
        line=16,
        place="/paths/~1health/get/responses/200/content/application~1json/schema/$ref",
        says=("Healthy", "schemas.yaml"),
    ),
    Case(
        "openapi-ref-nested-dangling",
        overlay("openapi-ref-nested-dangling"),
        2,
        "components/schemas.yaml",
        line=6,
        place="/Health/properties/checks/$ref",
        says=("Checks", "common.yaml"),
    ),
    Case(
        "openapi-ref-target-has-yaml-error",
        chain(
            sub("openapi.yaml", '"#/components/schemas/AuthorPage"', '"pages.yaml#/AuthorPage"'),
            put("pages.yaml", "AuthorPage:\n  type: object\n  properties: {a: b: c}\n"),
        ),
        2,
        "pages.yaml",
        line=3,
        says=("invalid YAML",),
    ),
    Case(
        "openapi-ref-target-not-utf8",
        chain(
            sub("openapi.yaml", '"#/components/schemas/AuthorPage"', '"pages.yaml#/AuthorPage"'),
            put_bytes("pages.yaml", b"AuthorPage:\n  description: caf\xe9\n"),
        ),
        2,
        "pages.yaml",
        says=("UTF-8",),
    ),
    Case(
        "openapi-ref-cycle",
        chain(
            sub("openapi.yaml", '"#/components/schemas/AuthorPage"', '"#/components/schemas/A"'),
            sub(
                "openapi.yaml",
                "  schemas:\n",
                '  schemas:\n    A: {$ref: "#/components/schemas/B"}\n'
                '    B: {$ref: "#/components/schemas/A"}\n',
            ),
        ),
        2,
        "openapi.yaml",
        says=("cycle", "/components/schemas/"),
    ),
    Case(
        "openapi-swagger-2",
        put("openapi.yaml", 'swagger: "2.0"\ninfo: {title: Library, version: "1"}\npaths: {}\n'),
        2,
        "openapi.yaml",
        line=1,
        place="/swagger",
        says=("Swagger 2.0",),
    ),
    Case(
        "openapi-version-unsupported",
        sub("openapi.yaml", "openapi: 3.1.0", "openapi: 2.5.0"),
        2,
        "openapi.yaml",
        line=1,
        place="/openapi",
        says=("2.5.0",),
    ),
    Case(
        "openapi-version-missing",
        sub("openapi.yaml", "openapi: 3.1.0\n", ""),
        2,
        "openapi.yaml",
        place="/openapi",
        says=("openapi",),
    ),
    Case(
        "openapi-not-a-mapping",
        put("openapi.yaml", "- /books\n- /authors\n"),
        2,
        "openapi.yaml",
        place="/",
        says=("not an OpenAPI document",),
    ),
    Case(
        "openapi-x-filters-no-column",
        sub(
            "openapi.yaml",
            "      operationId: listBooks\n",
            "      operationId: listBooks\n      x-filters: {author: {op: eq}}\n",
        ),
        2,
        "openapi.yaml",
        line=103,
        place=f"{LIST_BOOKS}/x-filters/author",
        says=("x-filters",),
    ),
    Case(
        "openapi-x-filters-is-a-list",
        sub(
            "openapi.yaml",
            "      operationId: listBooks\n",
            "      operationId: listBooks\n      x-filters: [author, q]\n",
        ),
        2,
        "openapi.yaml",
        line=103,
        place=f"{LIST_BOOKS}/x-filters",
        says=("x-filters",),
    ),
    Case(
        "openapi-x-filters-bad-op",
        sub(
            "openapi.yaml",
            "      operationId: listBooks\n",
            "      operationId: listBooks\n"
            "      x-filters: {author: {column: author_id, op: around}}\n",
        ),
        2,
        "openapi.yaml",
        line=103,
        place=f"{LIST_BOOKS}/x-filters/author/op",
        says=("x-filters",),
    ),
    Case(
        "openapi-x-table-not-a-string",
        sub(
            "openapi.yaml",
            "      operationId: listBooks\n",
            "      operationId: listBooks\n      x-table: 5\n",
        ),
        2,
        "openapi.yaml",
        line=103,
        place=f"{LIST_BOOKS}/x-table",
        says=("x-table",),
    ),
    Case(
        "openapi-x-fr-id-is-a-list",
        sub("openapi.yaml", "x-fr-id: FR-002", "x-fr-id: [FR-002]"),
        2,
        "openapi.yaml",
        line=14,
        place="/paths/~1authors/get/x-fr-id",
        says=("x-fr-id",),
    ),
    # -- empty, unreadable, missing ---------------------------------------------------------------
    Case("empty-handoff", put("handoff.yaml", ""), 2, "handoff.yaml", says=("empty",)),
    Case("empty-schema", put("schema.yaml", "# nothing yet\n"), 2, "schema.yaml", says=("empty",)),
    Case("empty-auth", put("auth.yaml", ""), 2, "auth.yaml", says=("empty",)),
    Case(
        "empty-openapi",
        put("openapi.yaml", ""),
        2,
        "openapi.yaml",
        says=("not an OpenAPI document",),
    ),
    Case(
        "not-utf8-schema-yaml",
        put_bytes("schema.yaml", b"# caf\xe9\n" + (SAMPLE / "schema.yaml").read_bytes()),
        2,
        "schema.yaml",
        says=("UTF-8",),
    ),
    Case(
        "not-utf8-handoff",
        put_bytes("handoff.yaml", b"product: Libr\xff\xfery\n"),
        2,
        "handoff.yaml",
        says=("UTF-8",),
    ),
    Case(
        "not-utf8-openapi",
        put_bytes(
            "openapi.yaml",
            (SAMPLE / "openapi.yaml")
            .read_bytes()
            .replace(b"Library API", b"Biblioth\xe8que API", 1),
        ),
        2,
        "openapi.yaml",
        says=("UTF-8",),
    ),
    Case(
        "not-utf8-dbml",
        chain(drop("schema.yaml"), put_bytes("schema.dbml", b"Table caf\xe9 {\n  id uuid\n}\n")),
        2,
        "schema.dbml",
        says=("utf-8",),
    ),
    Case(
        "handoff-dir-missing",
        nothing,
        2,
        "does-not-exist",
        target="does-not-exist",
        says=("not a directory",),
    ),
    Case(
        "handoff-dir-is-a-file",
        nothing,
        2,
        "handoff.yaml",
        target="handoff.yaml",
        says=("not a directory",),
    ),
    Case(
        "intervention-is-a-directory",
        make_dir("human-interventions/active/note.md"),
        2,
        "note.md",
        says=("cannot be read",),
    ),
    Case(
        "intervention-front-matter-unclosed",
        put("human-interventions/active/isbn.md", "---\nphase: all\ntitle: ISBN-10\nBody.\n"),
        2,
        "isbn.md",
        place="line 1",
        says=("not closed",),
    ),
    Case(
        "intervention-front-matter-bad-yaml",
        put("human-interventions/active/isbn.md", "---\ntitle: a: b\n---\nBody.\n"),
        2,
        "isbn.md",
        line=2,
        says=("invalid YAML",),
    ),
    Case(
        "not-utf8-intervention",
        put_bytes("human-interventions/processed/old.md", b"---\ntitle: caf\xe9\n---\n"),
        2,
        "old.md",
        says=("utf-8",),
    ),
]

HALTS: list[Case] = [
    Case(
        "nogo-handoff-missing",
        drop("handoff.yaml"),
        3,
        halts=(("handoff.yaml", "handoff.yaml is missing"),),
    ),
    Case(
        "nogo-openapi-missing",
        drop("openapi.yaml"),
        3,
        halts=(("openapi.yaml", "no OpenAPI document found"),),
    ),
    Case(
        "nogo-openapi-no-paths",
        put("openapi.yaml", "openapi: 3.1.0\ninfo: {title: Library, version: '1'}\npaths: {}\n"),
        3,
        halts=(("openapi.yaml", "declares no paths"),),
    ),
    # an OpenAPI document that parses but is not valid OpenAPI: each violation a No-Go failure
    Case(
        "nogo-openapi-invalid-info-without-version",
        sub("openapi.yaml", "  version: 1.0.0\n", ""),
        3,
        halts=(("openapi.yaml", "invalid OpenAPI: 'version' is a required property at /info"),),
    ),
    Case(
        "nogo-openapi-invalid-parameter-in",
        sub("openapi.yaml", "{name: name, in: query,", "{name: name, in: body,"),
        3,
        halts=(("openapi.yaml", "at /paths/~1authors/get/parameters/2/in (line 19)"),),
    ),
    Case(
        "nogo-schema-missing",
        drop("schema.yaml"),
        3,
        halts=(("schema.yaml", "no schema design found"),),
    ),
    Case(
        "nogo-schema-no-tables",
        put("schema.yaml", "tables:\n"),  # `tables: {}` says the service stores nothing
        3,
        halts=(("schema.yaml", "declares no tables"),),
    ),
    Case(
        "nogo-table-without-columns",
        put(
            "schema.yaml",
            TINY_SCHEMA + "    indexes:\n      - {columns: [name]}\n"
            "  books:\n    comment: to be designed\n",
        ),
        3,
        halts=(("schema.yaml", "table `books` has no columns"),),
    ),
    Case(  # a primary key is an index, so this design has none at all
        "nogo-no-indexes",
        put("schema.yaml", TINY_SCHEMA.replace(", primary_key: true", "")),
        3,
        halts=(("schema.yaml", "declares no indexes"),),
    ),
    Case(
        "nogo-auth-missing",
        drop("auth.yaml"),
        3,
        halts=(("auth.yaml", "no auth & permission model found"),),
    ),
    Case(
        "nogo-auth-no-scheme",
        sub("auth.yaml", "scheme: jwt\n", ""),
        3,
        halts=(("auth.yaml", "`scheme` is not set"),),
    ),
    Case(
        "nogo-auth-no-algorithms",
        sub("auth.yaml", "  algorithms: [HS256]\n", ""),
        3,
        halts=(("auth.yaml", "`jwt.algorithms` is not set"),),
    ),
    Case(
        "nogo-auth-algorithm-none",
        sub("auth.yaml", "algorithms: [HS256]", "algorithms: [none]"),
        3,
        halts=(("auth.yaml", "unsupported or unsafe"),),
    ),
    Case(
        "nogo-auth-no-key-source",
        sub("auth.yaml", "  secret_env: JWT_SECRET\n", ""),
        3,
        halts=(("auth.yaml", "need `jwt.secret_env`"),),
    ),
    Case(
        "nogo-auth-no-roles-or-operations",
        put("auth.yaml", "scheme: jwt\njwt:\n  algorithms: [HS256]\n  secret_env: JWT_SECRET\n"),
        3,
        halts=(("auth.yaml", "neither `roles:`, `operations:` nor `defaults:`"),),
    ),
    Case(
        "nogo-migrations-missing",
        drop("migrations.yaml"),
        3,
        halts=(("migrations.yaml", "no migration plan found"),),
    ),
    Case(
        "nogo-migrations-no-steps",
        put("migrations.yaml", "rollback_strategy: down-migrations\n"),
        3,
        halts=(("migrations.yaml", "has no steps"),),
    ),
    Case(
        "nogo-migrations-no-rollback",
        sub("migrations.yaml", "rollback_strategy: down-migrations\n", ""),
        3,
        halts=(("migrations.yaml", "no rollback strategy"),),
    ),
    Case(
        "nogo-migrations-neither-steps-nor-rollback",
        put("migrations.yaml", "steps: []\n"),
        3,
        halts=(("migrations.yaml", "has no steps"), ("migrations.yaml", "no rollback strategy")),
    ),
    Case(
        "nogo-several-missing",
        drop("openapi.yaml", "auth.yaml", "migrations.yaml"),
        3,
        halts=(
            ("openapi.yaml", "no OpenAPI document found"),
            ("auth.yaml", "no auth & permission model found"),
            ("migrations.yaml", "no migration plan found"),
        ),
    ),
    Case("nogo-everything-missing", clear, 3, halts=ALL_MISSING),
    Case(
        "nogo-artifact-override-missing",
        sub("handoff.yaml", "error_format: rfc9457", "artifacts: {openapi: api/library.yaml}"),
        3,
        halts=(("api/library.yaml", "no OpenAPI document found"),),
    ),
    Case(
        "nogo-artifact-is-a-directory",
        make_dir("auth.yaml"),
        3,
        halts=(("auth.yaml", "no auth & permission model found"),),
    ),
]


def _params(cases: list[Case]) -> list[Any]:
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else [],
        )
        for case in cases
    ]


# ---- the harness -------------------------------------------------------------------------------


def snapshot(root: Path) -> Snapshot:
    """Every entry under `root` with its kind, size and modification time."""
    if not root.exists():
        return {}
    entries: Snapshot = {}
    for path in [root, *sorted(root.rglob("*"))]:
        stat = path.lstat()
        kind = "dir" if path.is_dir() else "file"
        entries[path.relative_to(root).as_posix()] = (kind, stat.st_size, stat.st_mtime_ns)
    return entries


def prepare(tmp_path: Path, case: Case) -> tuple[Path, Path]:
    """(the handoff directory, the argument to pass) for `case`."""
    handoff = tmp_path / "handoff"
    shutil.copytree(SAMPLE, handoff)
    case.mutate(handoff)
    return handoff, handoff / case.target if case.target else handoff


def run(target: Path, *extra: str) -> tuple[int, str, str]:
    """(exit code, stdout, all output) of `gen-backend check target`, asserting it ended cleanly."""
    result = CliRunner().invoke(app, ["check", str(target), *extra], env=WIDE)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"an exception escaped the command: {result.exception!r}\n{result.output}"
    )
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.output


def flat(text: str) -> str:
    return " ".join(text.split())


def check_error_text(case: Case, output: str) -> None:
    text = flat(output)
    assert text.count("error:") == 1, f"expected exactly one message:\n{output}"
    assert case.file in text, f"the message does not name {case.file}:\n{output}"
    if case.line is not None:
        assert f"line {case.line}" in text, f"the message does not name line {case.line}"
    if case.place is not None:
        assert case.place in text, f"the message does not name {case.place}"
    for fragment in case.says:
        assert fragment in text, f"the message does not say {fragment!r}"
    assert "fix:" in text


def check_error_json(case: Case, stdout: str) -> None:
    payload = json.loads(stdout)
    assert payload["status"] == "error"
    assert payload["schema_version"] == 1
    error = payload["error"]
    assert set(error) >= {"file", "line", "column", "location", "problem", "fix"}
    assert Path(error["file"]).as_posix().endswith(case.file), error["file"]
    if case.line is not None:
        assert error["line"] == case.line, error
    if case.place is not None:
        assert error["location"] == case.place, error
    for fragment in case.says:
        assert fragment in f"{error['problem']} {error['location']}", error
    assert error["fix"]


def check_halt_text(case: Case, output: str) -> None:
    text = flat(output)
    assert "HALT" in text
    for file, problem in case.halts:
        assert f"({file}): {problem}" in text or (file in text and problem in text), (
            f"the report does not name {file}: {problem}:\n{output}"
        )
    assert text.count("fix:") == len(case.halts), output


def check_halt_json(case: Case, stdout: str) -> None:
    payload = json.loads(stdout)
    assert payload["status"] == "halt"
    assert payload["schema_version"] == 1
    failures = payload["no_go"]
    assert len(failures) == len(case.halts), failures
    for failure in failures:
        assert set(failure) >= {"item", "file", "problem", "fix"}
        assert failure["item"]
        assert failure["fix"]
    for file, problem in case.halts:
        assert any(f["file"] == file and problem in f["problem"] for f in failures), (
            f"no No-Go failure for {file}: {problem} in {failures}"
        )


# ---- the tests ---------------------------------------------------------------------------------


def test_the_sample_is_accepted(tmp_path: Path) -> None:
    """The harness itself: the unbroken sample passes, so every failure below is the mutation's."""
    handoff, target = prepare(tmp_path, Case("sample", nothing, 0))
    before = snapshot(handoff)
    code, stdout, _ = run(target, "--json")
    assert code == 0
    assert json.loads(stdout)["status"] == "accepted"
    assert snapshot(handoff) == before


@pytest.mark.parametrize("case", _params(MALFORMED))
def test_malformed_input_exits_2_naming_file_and_place(tmp_path: Path, case: Case) -> None:
    handoff, target = prepare(tmp_path, case)
    before = snapshot(handoff)
    target_existed = target.exists()

    code, _, output = run(target)
    assert code == 2, output
    check_error_text(case, output)

    code, stdout, output = run(target, "--json")
    assert code == 2, output
    check_error_json(case, stdout)

    assert snapshot(handoff) == before, "check wrote into the handoff directory"
    assert target.exists() == target_existed


@pytest.mark.parametrize("case", _params(HALTS))
def test_no_go_halts_with_exit_3_reporting_every_failure(tmp_path: Path, case: Case) -> None:
    handoff, target = prepare(tmp_path, case)
    before = snapshot(handoff)

    code, _, output = run(target)
    assert code == 3, output
    check_halt_text(case, output)

    code, stdout, output = run(target, "--json")
    assert code == 3, output
    check_halt_json(case, stdout)

    assert snapshot(handoff) == before, "check wrote into the handoff directory"


def test_case_ids_are_unique() -> None:
    ids = [case.id for case in MALFORMED + HALTS]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 35


def test_console_script_reports_without_traceback(tmp_path: Path) -> None:
    """End to end through the real entry point: a YAML error is exit 2 and one clean message."""
    handoff = tmp_path / "handoff"
    shutil.copytree(SAMPLE, handoff)
    sub("schema.yaml", "name:       {type: string, max_length: 200}", "name: type: string")(handoff)
    before = snapshot(handoff)
    env = {k: v for k, v in os.environ.items() if k != "GEN_BACKEND_DEBUG"}
    env["COLUMNS"] = "2000"
    completed = subprocess.run(
        [sys.executable, "-m", "gen_backend", "check", str(handoff)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 2, output
    assert "Traceback" not in output
    assert "internal error" not in output
    assert "schema.yaml" in completed.stderr
    assert "line 5" in completed.stderr
    assert snapshot(handoff) == before
