"""The API's changes between two runs, each breaking a client or not (plan.api_changes)."""

from __future__ import annotations

import copy

from pydantic import JsonValue

from gen_backend.plan.api_changes import api_changes

_STRING: JsonValue = {"type": "string", "bounds": {}}
_BOOK: JsonValue = {"object": {"id": [True, _STRING], "title": [True, _STRING]}}
_LIST: dict[str, JsonValue] = {
    "method": "GET",
    "path": "/books",
    "operation_id": "listBooks",
    "parameters": {"query:q": [False, _STRING]},
    "request": None,
    "response": ["200", "application/json", {"array": _BOOK}],
    "statuses": ["200"],
    "links": {},
}
_CREATE: dict[str, JsonValue] = {
    "method": "POST",
    "path": "/books",
    "operation_id": "createBook",
    "parameters": {},
    "request": ["application/json", {"object": {"title": [True, _STRING]}}],
    "response": ["201", "application/json", _BOOK],
    "statuses": ["201"],
    "links": {},
}


def _changed(contract: dict[str, JsonValue], **changes: JsonValue) -> dict[str, JsonValue]:
    return {**copy.deepcopy(contract), **changes}


def _lines(before: list[JsonValue], after: list[JsonValue]) -> list[tuple[bool, str]]:
    return [(c.breaking, f"{c.operation}: {c.what}") for c in api_changes(before, after)]


def test_the_same_api_has_no_changes() -> None:
    assert api_changes([_LIST, _CREATE], [_CREATE, _LIST]) == []


def test_an_operation_removed_breaks_and_one_added_does_not() -> None:
    assert _lines([_LIST, _CREATE], [_LIST]) == [(True, "POST /books (createBook): removed")]
    assert _lines([_LIST], [_LIST, _CREATE]) == [(False, "POST /books (createBook): added")]


def test_a_new_required_input_breaks_an_optional_one_does_not() -> None:
    required = _changed(
        _LIST, parameters={"query:q": [False, _STRING], "query:shelf": [True, _STRING]}
    )
    optional = _changed(
        _LIST, parameters={"query:q": [False, _STRING], "query:shelf": [False, _STRING]}
    )
    assert _lines([_LIST], [required]) == [
        (True, "GET /books (listBooks): parameter `query:shelf` added, required")
    ]
    assert _lines([_LIST], [optional]) == [
        (False, "GET /books (listBooks): parameter `query:shelf` added")
    ]
    loosened = _changed(_LIST, parameters={"query:q": [False, _STRING]})
    tightened = _changed(_LIST, parameters={"query:q": [True, _STRING]})
    assert _lines([tightened], [loosened]) == [
        (False, "GET /books (listBooks): parameter `query:q` no longer required")
    ]
    assert _lines([loosened], [tightened])[0][0] is True


def test_a_response_field_removed_breaks_a_request_field_added_optional_does_not() -> None:
    fewer = _changed(
        _CREATE, response=["201", "application/json", {"object": {"id": [True, _STRING]}}]
    )
    assert _lines([_CREATE], [fewer]) == [
        (True, "POST /books (createBook): response field `title` removed")
    ]
    more = _changed(
        _CREATE,
        request=[
            "application/json",
            {"object": {"title": [True, _STRING], "isbn": [False, _STRING]}},
        ],
    )
    assert _lines([_CREATE], [more]) == [
        (False, "POST /books (createBook): request body field `isbn` added")
    ]
    moved = _changed(_CREATE, response=["200", "application/json", _BOOK])
    assert _lines([_CREATE], [moved]) == [
        (
            True,
            "POST /books (createBook): response changed: "
            "201 application/json -> 200 application/json",
        )
    ]


def test_who_may_call_an_operation_is_compared() -> None:
    """A token or a permission newly needed breaks a caller; one no longer needed does not."""
    route = ("GET", "/books")
    label = "GET /books (listBooks)"

    def lines(was: tuple[bool, frozenset[str]], now: tuple[bool, frozenset[str]]) -> list[str]:
        found = api_changes([_LIST], [_LIST], ({route: was}, {route: now}))
        return [f"{'breaking' if c.breaking else 'compatible'}: {c.what}" for c in found]

    read, write = frozenset({"books:read"}), frozenset({"books:read", "books:write"})
    assert lines((True, frozenset()), (False, read)) == ["breaking: now needs a bearer token"]
    assert lines((False, read), (True, frozenset())) == ["compatible: public now: no token needed"]
    assert lines((False, read), (False, write)) == [
        "breaking: now needs the permission `books:write`"
    ]
    assert lines((False, write), (False, read)) == [
        "compatible: no longer needs the permission `books:write`"
    ]
    assert lines((False, read), (False, read)) == []
    assert label in str(
        api_changes([_LIST], [_LIST], ({route: (True, read)}, {route: (False, read)}))
    )


def test_a_status_declared_or_dropped_is_compatible() -> None:
    more = _changed(_LIST, statuses=["200", "429"])
    assert _lines([_LIST], [more]) == [(False, "GET /books (listBooks): may answer 429")]
    assert _lines([more], [_LIST]) == [(False, "GET /books (listBooks): no longer answers 429")]


_STATUS: JsonValue = {"enum": ["draft", "out"]}


def _with_status(status: JsonValue, *, required: bool = True) -> dict[str, JsonValue]:
    book: JsonValue = {"object": {"title": [True, _STRING], "status": [required, status]}}
    return _changed(
        _CREATE,
        request=["application/json", book],
        response=["201", "application/json", book],
    )


def test_enum_values_widen_what_is_sent_and_are_noted_for_what_is_read() -> None:
    more = _with_status({"enum": ["draft", "gone", "out"]})
    assert _lines([_with_status(_STATUS)], [more]) == [
        (False, "POST /books (createBook): request body field `status` takes gone"),
        (False, "POST /books (createBook): response field `status` takes gone"),
    ]
    (read,) = [c for c in api_changes([_with_status(_STATUS)], [more]) if "response" in c.what]
    assert read.migration == "handle `status` being gone"
    fewer = _with_status({"enum": ["draft"]})
    assert _lines([_with_status(_STATUS)], [fewer]) == [
        (True, "POST /books (createBook): request body field `status` no longer takes out"),
        (False, "POST /books (createBook): response field `status` no longer takes out"),
    ]


def test_a_field_that_may_be_absent_breaks_a_reader_and_a_required_one_a_sender() -> None:
    optional = _with_status(_STATUS, required=False)
    assert _lines([_with_status(_STATUS)], [optional]) == [
        (True, "POST /books (createBook): response field `status` may be absent now"),
        (False, "POST /books (createBook): request body field `status` no longer required"),
    ]


def test_fields_inside_array_items_and_bounds_are_compared() -> None:
    def listing(title: JsonValue) -> dict[str, JsonValue]:
        item: JsonValue = {"object": {"id": [True, _STRING], "title": [True, title]}}
        page: JsonValue = {"object": {"items": [True, {"array": item}]}}
        return _changed(_LIST, response=["200", "application/json", page])

    short: JsonValue = {"type": "string", "bounds": {"maxLength": 100}}
    long: JsonValue = {"type": "string", "bounds": {"maxLength": 300}}
    assert _lines([listing(short)], [listing(long)]) == [
        (
            False,
            "GET /books (listBooks): response field `items[].title`: "
            "bounds {'maxLength': 100} -> {'maxLength': 300}",
        )
    ]
    query: JsonValue = {"query:q": [False, long]}
    narrowed = _changed(_LIST, parameters={"query:q": [False, short]})
    assert _lines([_changed(_LIST, parameters=query)], [narrowed])[0][0] is True
    assert _lines([narrowed], [_changed(_LIST, parameters=query)])[0][0] is False
    number: JsonValue = {"type": "integer", "bounds": {}}
    retyped = _changed(_LIST, parameters={"query:q": [False, number]})
    assert _lines([_LIST], [retyped]) == [
        (True, "GET /books (listBooks): parameter `query:q` changed type")
    ]
