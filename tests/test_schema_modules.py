"""Where each API schema's class lives: in the domain that uses it, or, used by several, in
the domain that answers it as its own row, unless the schema modules would then import each
other in a cycle (then in `app/common/schemas.py`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from gen_backend.accept import Accepted, accept
from gen_backend.plan import ProjectPlan, plan_project
from gen_backend.plan.schemas import _cycle

from .conftest import SAMPLES


def _plan(handoff: Path) -> ProjectPlan:
    result = accept(handoff)
    assert isinstance(result, Accepted)
    return plan_project(result.model)


def _modules(plan: ProjectPlan) -> dict[str, str]:
    return {c.name: api.module for api in plan.apis for c in api.classes}


def test_a_row_embedded_elsewhere_lives_in_the_domain_that_answers_it() -> None:
    """`Author` is answered by `getAuthor` and embedded in `Book`: the books' schemas import
    it from the authors'."""
    plan = _plan(SAMPLES / "library")
    modules = _modules(plan)
    assert (modules["Author"], modules["Book"], modules["Problem"]) == (
        "authors",
        "books",
        "common",
    )
    books = next(api for api in plan.apis if api.module == "books")
    assert ("authors", ("Author",)) in books.imports


def test_rows_that_embed_each_other_go_to_common(tmp_path: Path) -> None:
    """An `Author` listing its books and a `Book` embedding its author would make the authors'
    and the books' schema modules import each other: both classes live in common."""
    handoff = shutil.copytree(SAMPLES / "library", tmp_path / "library")
    spec = handoff / "openapi.yaml"
    shown = "        createdAt: {type: string, format: date-time, readOnly: true}\n"
    text = spec.read_text()
    start = text.index("    Author:\n")
    at = text.index(shown, start) + len(shown)
    books = "        books: {type: array, items: {$ref: '#/components/schemas/Book'}}\n"
    spec.write_text(text[:at] + books + text[at:])
    modules = _modules(_plan(handoff))
    assert (modules["Author"], modules["Book"]) == ("common", "common")
    assert modules["AuthorPage"] == "authors"


def test_a_cycle_is_found_through_any_number_of_modules() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {"a", "b", "c"}
    assert _cycle({"a": {"b"}, "b": {"common"}, "c": {"common"}}) == set()


def test_a_class_that_refers_to_itself_is_rebuilt_and_so_is_what_refers_to_it(
    tmp_path: Path,
) -> None:
    """A mentor who is an author: `Author` refers to itself, so pydantic completes it at the
    end of its module (`model_rebuild()`), and `AuthorPage`, which holds authors, after it;
    nothing else is rebuilt."""
    handoff = shutil.copytree(SAMPLES / "library", tmp_path / "library")
    spec = handoff / "openapi.yaml"
    shown = "        createdAt: {type: string, format: date-time, readOnly: true}\n"
    text = spec.read_text()
    at = text.index(shown, text.index("    Author:\n")) + len(shown)
    mentor = "        mentor: {$ref: '#/components/schemas/Author'}\n"
    spec.write_text(text[:at] + mentor + text[at:])
    rebuilt = {api.module: api.rebuilt for api in _plan(handoff).apis}
    assert rebuilt == {"authors": ("Author", "AuthorPage"), "books": (), "common": ()}
