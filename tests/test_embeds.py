"""Responses that embed related rows (plan/embeds.py): which relationships each operation
loads with its rows, how, and when the generated service leaves the operation to you."""

from __future__ import annotations

import shutil
from pathlib import Path

from gen_backend.plan.api import OperationPlan
from gen_backend.plan.service_tests import embed_checks

from .conftest import SAMPLES, loans_in_scope, planned_operations

BOOK_REF = """\
    BookRef:
      type: object
      required: [id, authorId, title]
      properties:
        id: {type: string, format: uuid}
        authorId: {type: string, format: uuid}
        title: {type: string}
"""


def embed_more(root: Path) -> Path:
    """A copy of the library sample with more embedding than its own (a book embeds its
    author): an author embeds its books (one-to-many) and a loan embeds its book, which embeds
    its author (nested); the loans (FR-004) are in scope."""
    spec = root / "openapi.yaml"
    text = spec.read_text()
    author = """\
        createdAt: {type: string, format: date-time, readOnly: true}
    AuthorPage:"""
    assert author in text
    text = text.replace(
        author,
        """\
        createdAt: {type: string, format: date-time, readOnly: true}
        books: {type: array, readOnly: true, items: {$ref: "#/components/schemas/BookRef"}}
"""
        + BOOK_REF
        + "    AuthorPage:",
    )
    loan = "      required: [id, bookId, memberId, dueOn, createdAt]\n"
    assert loan in text
    text = (
        text.replace(
            loan,
            "      required: [id, bookId, memberId, dueOn, createdAt, book]\n",
        )
        + '        book: {$ref: "#/components/schemas/Book"}\n'
    )
    spec.write_text(text)
    return loans_in_scope(root)


def _options(op: OperationPlan) -> tuple[str, ...]:
    return tuple(load.option for load in op.loads)


def test_the_sample_books_embed_their_author_with_a_join() -> None:
    ops = planned_operations(SAMPLES / "library")
    for name in ("listBooks", "listAuthorBooks", "getBook", "createBook", "updateBook"):
        assert ops[name].kind.value != "custom", ops[name].why_custom
        assert _options(ops[name]) == ("joinedload(BookRow.author)",)
        assert ops[name].embeds == "BOOK_EMBEDS"
    assert ops["getAuthor"].loads == ()  # an author embeds nothing in the sample
    assert ops["deleteBook"].loads == ()  # nothing answered, nothing loaded
    assert embed_checks(ops["getBook"].loads) == (
        "(item['author'] or {}).get('id') == item['authorId']",
    )


def test_one_to_many_and_nested_embeds_load_in_batches(tmp_path: Path) -> None:
    library = tmp_path / "library"
    shutil.copytree(SAMPLES / "library", library)
    ops = planned_operations(embed_more(library))
    # an author's books: one SELECT ... IN for the whole page
    assert _options(ops["listAuthors"]) == ("selectinload(AuthorRow.books)",)
    assert embed_checks(ops["getAuthor"].loads) == (
        "all(child['authorId'] == item['id'] for child in item['books'])",
    )
    # a loan's book and that book's author: joins, nested
    assert _options(ops["listLoans"]) == (
        "joinedload(LoanRow.book).options("
        "joinedload(BookRow.author).options(selectinload(AuthorRow.books)))",
    )
    assert _options(ops["createLoan"]) == _options(ops["listLoans"])


def _variant(tmp_path: Path, old: str, new: str) -> dict[str, OperationPlan]:
    root = tmp_path / "library"
    shutil.copytree(SAMPLES / "library", root)
    spec = root / "openapi.yaml"
    text = spec.read_text()
    assert old in text
    spec.write_text(text.replace(old, new))
    return planned_operations(root)


def test_a_field_named_after_a_relationship_that_does_not_fit_it_is_left_to_you(
    tmp_path: Path,
) -> None:
    # `author` as a plain string: the ORM attribute would hand it an Author row
    ops = _variant(
        tmp_path,
        '        author: {$ref: "#/components/schemas/Author"}\n',
        "        author: {type: string}\n",
    )
    assert ops["getBook"].kind.value == "custom"
    assert ops["getBook"].why_custom is not None
    assert "author" in ops["getBook"].why_custom
    assert "relationship" in ops["getBook"].why_custom


def test_a_required_field_no_related_row_holds_is_named_by_its_path(tmp_path: Path) -> None:
    ops = _variant(
        tmp_path,
        "      required: [id, name, createdAt]\n      properties:\n",
        "      required: [id, name, createdAt, followers]\n"
        "      properties:\n        followers: {type: integer}\n",
    )
    why = ops["getBook"].why_custom
    assert why == "the response needs author.followers, which no column holds"
    assert ops["getAuthor"].why_custom == "the response needs followers, which no column holds"


def test_an_embed_that_embeds_itself_is_left_to_you(tmp_path: Path) -> None:
    # Book embeds Author, which embeds its books as Books: without end
    ops = _variant(
        tmp_path,
        "        createdAt: {type: string, format: date-time, readOnly: true}\n    AuthorPage:",
        "        createdAt: {type: string, format: date-time, readOnly: true}\n"
        '        books: {type: array, items: {$ref: "#/components/schemas/Book"}}\n'
        "    AuthorPage:",
    )
    assert ops["getBook"].kind.value == "custom"
    assert "author.books" in (ops["getBook"].why_custom or "")
