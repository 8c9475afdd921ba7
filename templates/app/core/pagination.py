"""Paging: page numbers and page links for list envelopes, and opaque cursors for keyset
paging (`?cursor=...`), which stays correct while rows are added and removed."""

import base64
import binascii
import datetime
import decimal
import enum
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import JsonValue
from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.orm import InstrumentedAttribute

from app.core.problem import invalid_parameter

# the order of a list: (column, descending) pairs, the primary key last
Ordering = Sequence[tuple[InstrumentedAttribute[object], bool]]


@dataclass(frozen=True)
class Page:
    """Where one page of a list stands, and the URLs of its neighbours."""

    total: int
    limit: int
    offset: int
    url: str
    page_param: str | None = None
    limit_param: str | None = None
    offset_param: str | None = None
    cursor_param: str | None = None  # set for keyset paging, which has no page numbers
    next_cursor: str | None = None  # the cursor of the page after this one, if there is one
    start_cursor: str | None = None  # the cursor of this page's first row
    resumed: bool = False  # the page was asked for with a cursor: rows come before it

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1

    @property
    def pages(self) -> int:
        return max((self.total + self.limit - 1) // self.limit, 1) if self.limit else 1

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None if self.cursor_param else self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.resumed if self.cursor_param else self.page > 1

    @property
    def self_url(self) -> str:
        return self.url

    @property
    def first(self) -> str:
        if self.cursor_param:
            return self._with({self.cursor_param: None})
        return self._at(1)

    @property
    def last(self) -> str | None:
        return None if self.cursor_param else self._at(self.pages)

    @property
    def prev(self) -> str | None:
        if self.cursor_param:
            return None  # a cursor only leads forward
        return self._at(self.page - 1) if self.page > 1 else None

    @property
    def next(self) -> str | None:
        if self.cursor_param:
            return self._with({self.cursor_param: self.next_cursor}) if self.next_cursor else None
        return self._at(self.page + 1) if self.page < self.pages else None

    def _at(self, page: int) -> str:
        """This URL moved to `page`, every other query parameter kept."""
        if self.page_param:
            return self._with({self.page_param: str(page)})
        if self.offset_param:
            return self._with({self.offset_param: str((page - 1) * self.limit)})
        return self._with({})

    def _with(self, changes: dict[str, str | None]) -> str:
        """This URL with query parameters set (or removed, for None) and the page size kept."""
        parts = urlsplit(self.url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if self.limit_param:
            query[self.limit_param] = str(self.limit)
        for name, value in changes.items():
            if value is None:
                query.pop(name, None)
            else:
                query[name] = value
        return urlunsplit(parts._replace(query=urlencode(query)))


def encode_cursor(order_by: Ordering, row: object) -> str:
    """The cursor after `row`: its values of the ordering columns, as URL-safe text."""
    values = [_plain(getattr(row, column.key)) for column, _ in order_by]
    text = json.dumps(values, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def after_cursor(order_by: Ordering, cursor: str, *, param: str) -> ColumnElement[bool]:
    """The rows that come after the cursor's row in `order_by` (nulls sort last): a keyset
    condition. A cursor this list did not make is a 422 pointing at `param`."""
    values = _decode(order_by, cursor, param)
    clauses: list[ColumnElement[bool]] = []
    for index, (column, descending) in enumerate(order_by):
        ties = [
            earlier.is_(None) if value is None else earlier == value
            for (earlier, _), value in zip(order_by[:index], values[:index], strict=True)
        ]
        value = values[index]
        if value is None:
            continue  # nulls sort last: after a null come only more nulls (the ties above)
        beyond = column < value if descending else column > value
        if getattr(column.expression, "nullable", True):
            beyond = or_(beyond, column.is_(None))
        clauses.append(and_(*ties, beyond))
    return or_(*clauses) if clauses else false()


def _decode(order_by: Ordering, cursor: str, param: str) -> list[object]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(order_by):
            raise ValueError("a cursor of another list")
        return [
            None if value is None else _revive(column, value)
            for (column, _), value in zip(order_by, raw, strict=True)
        ]
    except (ValueError, TypeError, binascii.Error, NotImplementedError, decimal.InvalidOperation):
        raise invalid_parameter(
            "query", param, "invalid_cursor", "not a cursor of this list; start without one"
        ) from None


def _plain(value: object) -> JsonValue:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot page by a {type(value).__name__} column")


def _revive(column: InstrumentedAttribute[object], value: JsonValue) -> object:
    """A cursor value back as the column's Python type."""
    kind: type[object] = column.type.python_type
    if isinstance(value, str):
        if kind is datetime.datetime:
            return datetime.datetime.fromisoformat(value)
        if kind is datetime.date:
            return datetime.date.fromisoformat(value)
        if kind is datetime.time:
            return datetime.time.fromisoformat(value)
        if kind is uuid.UUID:
            return uuid.UUID(value)
        if kind is decimal.Decimal:
            return decimal.Decimal(value)
        if issubclass(kind, enum.Enum):
            return kind(value)
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str | int | bool) and type(value) is kind:
        return value
    raise ValueError("a cursor value of another type")
