"""Text keys the service makes itself.

A table keyed by text that no create sends (Twilio's `sid`, Stripe's `id`), or with a unique
text column no create sends (a ticket's confirmation code), would leave every create a 501:
nothing fills it. The service makes one instead, in the form the spec gives
the key in its answer, where that form is a literal prefix and a run of characters from one
class (`^AD[0-9a-fA-F]{32}$`: `AD` and 32 hex digits); where the spec gives no form (or says
`format: uuid`), a new UUID's text. A pattern of another shape, or a column too short for the
key, leaves the key to the request (REQUIRED_COLUMN_UNSUPPLIED as before)."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from re import _parser as sre_parse  # type: ignore[attr-defined]  # the stdlib regex parser

from gen_backend.model.api import Schema
from gen_backend.model.schema import Column, ColumnType, Table

HEX = string.digits + "abcdef"
_ALPHABETS = (  # the widest a class admits all of is the one drawn from
    string.digits + string.ascii_letters,
    string.digits + string.ascii_uppercase,
    string.digits + string.ascii_lowercase,
    HEX,
    HEX.upper(),
)


@dataclass(frozen=True)
class MadeKey:
    """A key made as `prefix` and `length` random characters of `alphabet`; with no
    alphabet, a new UUID's text."""

    prefix: str
    alphabet: str  # the characters after the prefix are drawn from
    length: int  # how many of them

    @property
    def is_uuid(self) -> bool:
        return not self.alphabet

    @property
    def described(self) -> str:
        if self.is_uuid:
            return "a new UUID's text, as the spec gives no other form"
        run = "hex digits" if self.alphabet.lower() == HEX else "letters and digits"
        head = f"`{self.prefix}` and " if self.prefix else ""
        return f"{head}{self.length} random {run}, as the spec's pattern has it"


UUID_TEXT = MadeKey("", "", 36)


def key_form(key: Column, table: Table, answered: Schema | None) -> MadeKey | None:
    """How the service makes `key` (the table's one-column key, or a unique column), answered
    as `answered` (resolved; None where the spec does not answer it), or None where it cannot:
    not text of the table's own (a foreign key), or not a form it can make."""
    if not _made_here(key, table):
        return None
    pattern = answered.pattern if answered is not None else None
    given = answered.format if answered is not None else None
    form = _form(pattern) if pattern else UUID_TEXT if given in (None, "uuid") else None
    if form is None or (
        key.max_length is not None and key.max_length < len(form.prefix) + form.length
    ):
        return None
    return form


def _made_here(column: Column, table: Table) -> bool:
    refers = any(column.name in fk.columns for fk in table.foreign_keys)
    return (
        # a nullable column is left empty (an id another system gives it later)
        (table.primary_key == (column.name,) or (column.unique and not column.nullable))
        and column.type in (ColumnType.STRING, ColumnType.TEXT)
        and column.default is None
        and not column.autoincrement
        and not refers
    )


def _form(pattern: str) -> MadeKey | None:
    """`^PREFIX[class]{n}$` as a MadeKey; None for any other shape."""
    try:
        parsed = list(sre_parse.parse(pattern))
    except re.error:
        return None
    if parsed and parsed[0][0] is sre_parse.AT:
        parsed = parsed[1:]
    if parsed and parsed[-1][0] is sre_parse.AT:
        parsed = parsed[:-1]
    prefix = ""
    while parsed and parsed[0][0] is sre_parse.LITERAL:
        prefix += chr(parsed.pop(0)[1])
    if len(parsed) != 1 or parsed[0][0] is not sre_parse.MAX_REPEAT:
        return None
    low, high, item = parsed[0][1]
    if low != high or len(item) != 1 or item[0][0] is not sre_parse.IN:
        return None
    allowed = _characters(item[0][1])
    alphabet = next((a for a in _ALPHABETS if set(a) <= allowed), None)
    if alphabet is None:
        return None
    return MadeKey(prefix, alphabet, int(low))


def _characters(items: list[tuple[object, object]]) -> set[str]:
    """The characters a character class admits (ranges and single characters only)."""
    found: set[str] = set()
    for kind, value in items:
        if kind is sre_parse.LITERAL and isinstance(value, int):
            found.add(chr(value))
        elif kind is sre_parse.RANGE and isinstance(value, tuple):
            found |= {chr(c) for c in range(value[0], value[1] + 1)}
        else:
            return set()
    return found
