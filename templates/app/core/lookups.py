"""A path parameter that names a row by one of several columns (`{idOrSlug}`)."""

from collections.abc import Callable

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import InstrumentedAttribute


def looked_up(
    value: str, *columns: tuple[InstrumentedAttribute[object], Callable[[str], object]]
) -> ColumnElement[bool]:
    """The row a path's `value` names, by the first column whose type it can be read as (a
    UUID-shaped value by the key, anything else by a unique name): none if it fits none."""
    for column, read in columns:
        try:
            return column == read(value)
        except ValueError:
            continue
    return false()
