"""How a value crosses between its spec type and its column type (see `model.wire`, which
decides it): what the request model holds the value to on the way in, what it hands the
service, and how the row's value is answered on the way out."""

from __future__ import annotations

from enum import StrEnum

from gen_backend.model.base import Frozen


class Crossing(StrEnum):
    AS_IS = "as_is"  # the spec's type holds the column's values: no conversion
    UUID_TEXT = "uuid_text"  # a plain string over a uuid column: a UUID's text, both ways
    ISO_TEXT = "iso_text"  # a plain string over a date, time or timestamp: ISO 8601 text
    INTEGER_TEXT = "integer_text"  # a plain string over an integer column: its digits
    DECIMAL_TEXT = "decimal_text"  # a string over a numeric column: decimal text
    CHOICE_TEXT = "choice_text"  # a plain string over an enum column: one of its values
    EPOCH_SECONDS = "epoch_seconds"  # an integer over a timestamp: Unix seconds
    STORED_AS_TEXT = "stored_as_text"  # a uuid, date, time or decimal kept in a text column
    REFUSED = "refused"  # no safe conversion: the operations that need one are stubs


class Conversion(Frozen):
    """The decision for one (spec schema, column) pair."""

    crossing: Crossing
    # what the value is held to on the wire, beyond what the spec says: a format the column's
    # type needs (uuid, date, date-time, time), a pattern of its text, a range
    format: str | None = None
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    places: int | None = None  # decimals a numeric's text is answered with
    text_form: str | None = None  # a time of day's form where the spec's pattern wants one

    why: str = ""  # a refusal's reason; else what the request is held to, for the RFI
    # whether the request is held to a form the spec does not state (check says so); a
    # `format: decimal` over a numeric column, say, states it
    unstated: bool = True

    @property
    def converts(self) -> bool:
        return self.crossing not in (Crossing.AS_IS, Crossing.REFUSED)
