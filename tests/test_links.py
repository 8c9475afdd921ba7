"""The spec's OpenAPI links (plan/links.py): which ones a route serves on its success response,
and in what form. The generated stateful contract tests follow the served ones."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import SAMPLES, loans_in_scope, planned_operations


def test_the_library_serves_its_links_by_operation_id() -> None:
    ops = planned_operations(SAMPLES / "library")
    by_id = {"authorId": "$response.body#/id"}
    assert ops["createAuthor"].links == {
        "GetAuthor": {"operationId": "getAuthor", "parameters": by_id},
        # a `$ref` into components/links, resolved
        "UpdateAuthor": {"operationId": "updateAuthor", "parameters": by_id},
        # a parameter named with its place
        "ListAuthorBooks": {
            "operationId": "listAuthorBooks",
            "parameters": {"path.authorId": "$response.body#/id"},
        },
    }
    book = {"bookId": "$response.body#/id"}
    # GetBook names its target by operationRef; LendBook leads to the loans, out of scope
    assert ops["createBook"].links == {
        "GetBook": {"operationId": "getBook", "parameters": book},
        "UpdateBook": {"operationId": "updateBook", "parameters": book},
        "DeleteBook": {"operationId": "deleteBook", "parameters": book},
    }
    assert ops["getBook"].links is None


def test_a_link_is_kept_when_its_target_is_served_and_dropped_when_it_cannot_be_followed(
    tmp_path: Path,
) -> None:
    root = loans_in_scope(Path(shutil.copytree(SAMPLES / "library", tmp_path / "library")))
    spec = root / "openapi.yaml"
    text = spec.read_text()
    link = '              parameters: {bookId: "$response.body#/id"}\n'
    assert text.count(link) == 3
    # the update's link names a parameter updateBook does not have
    text = text.replace(
        "              operationId: updateBook\n" + link,
        "              operationId: updateBook\n"
        '              parameters: {isbn: "$response.body#/isbn"}\n',
    )
    # the get's reference leads nowhere
    text = text.replace("~1books~1{bookId}/get", "~1books~1{bookId}/head")
    spec.write_text(text)
    links = planned_operations(root)["createBook"].links
    assert links == {
        "DeleteBook": {
            "operationId": "deleteBook",
            "parameters": {"bookId": "$response.body#/id"},
        },
        # the loans are in scope now: the link and its request body are served
        "LendBook": {
            "operationId": "createLoan",
            "requestBody": {"bookId": "$response.body#/id", "dueOn": "2030-01-31"},
            "description": "Lend the new book (loans are out of this release's scope)",
        },
    }
