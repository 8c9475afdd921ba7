"""Python types and call arguments in the plan as values, not source text.

Each type knows the source text a template writes (`str(t)`), the classes it names and the
wire formats of app/core/formats.py it uses, so no stage reads a generated annotation back.
A `Keyword` is one `Field(...)` or `Query(...)` argument whose value is kept as a value: a
bound is a number, a pattern a text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from pydantic import JsonValue

# an integer type's ends, written as powers of two (`2**63 - 1`, `-(2**63)`)
_POWERS = {2**bits: bits for bits in (15, 31, 63)}


class PyType:
    """A type annotation of the generated code."""

    def __str__(self) -> str:
        raise NotImplementedError

    def parts(self) -> Iterator[PyType]:
        """The types this one is built from (not itself)."""
        return iter(())

    def walk(self) -> Iterator[PyType]:
        yield self
        for part in self.parts():
            yield from part.walk()

    @property
    def optional(self) -> bool:
        return False

    @property
    def bare(self) -> PyType:
        """The type without its `| None`."""
        return self

    @property
    def plain(self) -> PyType:
        """The type without the wire formats and bounds around its values."""
        return self

    @property
    def class_name(self) -> str | None:
        """The class this type is, without its `| None` (`Book` of `Book | None`)."""
        bare = self.bare
        return bare.name if isinstance(bare, ClassRef) else None

    @property
    def classes(self) -> frozenset[str]:
        """The classes of the project this type names."""
        return frozenset(t.name for t in self.walk() if isinstance(t, ClassRef))

    @property
    def formats(self) -> frozenset[str]:
        """The wire formats of app/core/formats.py this type uses (`IsoFormat`)."""
        return frozenset(t.format for t in self.walk() if isinstance(t, WireFormat))

    def mentions(self, name: str) -> bool:
        """Whether a scalar `name` (`UploadFile`) is among this type's parts."""
        return any(isinstance(t, Scalar) and t.name == name for t in self.walk())

    def or_none(self) -> PyType:
        return self if self.optional else Optional(self)


@dataclass(frozen=True)
class Scalar(PyType):
    """A type the project imports or builds in: `int`, `uuid.UUID`, `JsonValue`."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ClassRef(PyType):
    """A class the project declares (a pydantic schema)."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class LiteralOf(PyType):
    values: tuple[str | int, ...]

    def __str__(self) -> str:
        return f"Literal[{', '.join(repr(v) for v in self.values)}]"


@dataclass(frozen=True)
class Around(PyType):
    """A type built around one other (`inner`): its plain form is built around the plain
    inner type, unless it is a mark on the value that the plain form drops."""

    inner: PyType

    def parts(self) -> Iterator[PyType]:
        yield self.inner

    @property
    def plain(self) -> PyType:
        return dataclasses.replace(self, inner=self.inner.plain)


@dataclass(frozen=True)
class ListOf(Around):
    def __str__(self) -> str:
        return f"list[{self.inner}]"


@dataclass(frozen=True)
class DictOf(Around):
    """A JSON object of any keys, each value an `inner`."""

    def __str__(self) -> str:
        return f"dict[str, {self.inner}]"


@dataclass(frozen=True)
class UnionOf(PyType):
    """A value that may be any of `members` (a `oneOf`)."""

    members: tuple[PyType, ...]

    def __str__(self) -> str:
        return " | ".join(str(m) for m in self.members)

    def parts(self) -> Iterator[PyType]:
        yield from self.members

    @property
    def optional(self) -> bool:
        return any(m.optional for m in self.members)

    @property
    def plain(self) -> PyType:
        return UnionOf(tuple(m.plain for m in self.members))


@dataclass(frozen=True)
class Optional(Around):
    def __str__(self) -> str:
        return f"{self.inner} | None"

    @property
    def optional(self) -> bool:
        return True

    @property
    def bare(self) -> PyType:
        return self.inner


@dataclass(frozen=True)
class WireFormat(Around):
    """A value sent in another form than its type's own (app/core/formats.py):
    `Annotated[datetime.date, IsoFormat()]`."""

    format: str = ""  # the class of app/core/formats.py
    arguments: tuple[Keyword, ...] = ()

    def __str__(self) -> str:
        return f"Annotated[{self.inner}, {self.format}({arguments(self.arguments)})]"

    @property
    def plain(self) -> PyType:
        return self.inner.plain


@dataclass(frozen=True)
class Bounded(Around):
    """A value held to `Field(...)` bounds: an item of a list, a root model's value."""

    bounds: tuple[Keyword, ...] = ()

    def __str__(self) -> str:
        return f"Annotated[{self.inner}, Field({arguments(self.bounds)})]"

    @property
    def plain(self) -> PyType:
        return self.inner.plain


@dataclass(frozen=True)
class Name:
    """A name of the generated code used as a value (`KEY_PATTERN`)."""

    name: str


KeywordValue = int | Decimal | str | bool | None | dict[str, int] | Name


@dataclass(frozen=True)
class Keyword:
    """One keyword argument of a call in the generated code, its value kept as a value."""

    key: str
    value: KeywordValue
    # the generator's own, not the spec's (an integer's 64-bit range, a column's): written
    # with powers of two, and no bound the spec sets
    implied: bool = False

    def __str__(self) -> str:
        return f"{self.key}={self.source}"

    @property
    def source(self) -> str:
        return value_source(self.value, powers=self.implied)

    @property
    def number(self) -> Decimal | None:
        """The value, where it is a number (a bound)."""
        if isinstance(self.value, bool) or not isinstance(self.value, int | Decimal):
            return None
        return Decimal(self.value)

    @property
    def positional(self) -> bool:
        return not self.key


def positional(value: KeywordValue) -> Keyword:
    """An argument passed by position."""
    return Keyword("", value)


def arguments(keywords: tuple[Keyword, ...]) -> str:
    """The source of a call's arguments, positional ones first as they were given."""
    return ", ".join(k.source if k.positional else str(k) for k in keywords)


def value_source(value: KeywordValue, *, powers: bool = False) -> str:
    """A value as source text (a decimal spelled as it was made: `Decimal("0.5")` writes
    `0.5`); with `powers`, an integer type's ends as powers of two."""
    if isinstance(value, Name):
        return value.name
    if isinstance(value, bool) or value is None or isinstance(value, str | dict):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if powers and -value in _POWERS:
        return f"-(2**{_POWERS[-value]})"
    if powers and value + 1 in _POWERS:
        return f"2**{_POWERS[value + 1]} - 1"
    return str(value)


@dataclass(frozen=True, eq=False)
class JsonLiteral:
    """A JSON value the generated code writes as a Python literal (a test's request body)."""

    value: JsonValue

    def __str__(self) -> str:
        return repr(self.value)

    @property
    def is_object(self) -> bool:
        return isinstance(self.value, dict)

    def source(self, replaced: Mapping[str, str], spread: str | None = None) -> str:
        """An object's literal with the values of `replaced` keys (set if absent) written as
        the Python source given (`{"authorId": str(author.id)}`), and then the entries of the
        mapping named `spread`, if any (`**values`)."""
        if not isinstance(self.value, dict) or not (replaced or spread):
            return str(self)
        items = {repr(k): repr(v) for k, v in self.value.items() if k not in replaced}
        items |= {repr(k): v for k, v in replaced.items()}
        order = [repr(k) for k in (*self.value, *replaced)]
        entries = [f"{k}: {items[k]}" for k in dict.fromkeys(order)]
        return "{" + ", ".join(entries + ([f"**{spread}"] if spread else [])) + "}"
