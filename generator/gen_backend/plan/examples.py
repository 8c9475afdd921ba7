"""Valid example values for a schema, for the generated tests: deterministic, and within every
bound the spec states (lengths, ranges, enums, formats, patterns)."""

from __future__ import annotations

import base64
import datetime
import math
import re
import string
from collections.abc import Callable
from decimal import Decimal
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

from pydantic import JsonValue

from gen_backend.model import ApiModel, Schema, SchemaType
from gen_backend.model.bounds import Order, Range
from gen_backend.model.uploads import is_base64

_FORMATS: dict[str, str] = {
    "uuid": "6f1c2a4e-8b3d-4c5e-9f7a-1b2c3d4e5f60",
    "date": "2024-05-17",
    "date-time": "2024-05-17T10:30:00+00:00",
    "time": "10:30:00Z",
    "email": "reader@example.com",
    "uri": "https://example.com/a",
    "url": "https://example.com/a",
    "decimal": "12.50",
}


class NoExampleError(Exception):
    """The schema admits no value this generator can produce."""


def example(schema: Schema, api: ApiModel, *, variant: int = 0, depth: int = 0) -> JsonValue:
    if depth > 8:
        raise NoExampleError("too deep")
    schema = api.resolve(schema)
    if schema.has_const:
        return schema.const
    if schema.enum:
        values = [v for v in schema.enum if v is not None]
        if values:
            return values[variant % len(values)]
    for group in (schema.one_of, schema.any_of):
        if group:
            return example(group[0], api, variant=variant, depth=depth + 1)
    if schema.all_of or schema.properties or SchemaType.OBJECT in schema.types:
        return {
            prop.name: example(prop.schema_, api, variant=variant, depth=depth + 1)
            for prop in api.object_properties(schema)
            if prop.required and not api.is_read_only(prop.schema_)
        }
    kind = schema.primary_type
    if kind is SchemaType.STRING:
        return _string(schema, variant)
    if kind is SchemaType.INTEGER:
        low = int(schema.minimum) if schema.minimum is not None else 1
        if schema.exclusive_minimum is not None:
            low = int(schema.exclusive_minimum) + 1
        return low + (variant % 3 if schema.maximum is None or low + 2 <= schema.maximum else 0)
    if kind is SchemaType.NUMBER:
        if schema.minimum is not None:
            return float(schema.minimum)
        if schema.exclusive_minimum is not None:
            return float(schema.exclusive_minimum) + 1
        return 12.5
    if kind is SchemaType.BOOLEAN:
        return True
    if kind is SchemaType.ARRAY or schema.items is not None:
        if schema.items is None:
            return []
        count = max(schema.min_items or 0, 1)
        return [
            example(schema.items, api, variant=variant + i, depth=depth + 1) for i in range(count)
        ]
    return "example"


def held(value: JsonValue, holds: Range | None) -> JsonValue:
    """`value`, or, for a number its column would refuse (a CHECK, a numeric's precision),
    the least number the column holds (its greatest, when it is open below)."""
    if holds is None or isinstance(value, bool) or not isinstance(value, int | float):
        return value
    sendable = holds.sendable
    if sendable.admits(Decimal(str(value))):
        return value
    inside = holds.least
    if inside is None and sendable.high is not None:
        inside = sendable.high.value
    if inside is None:
        return value
    return int(inside) if isinstance(value, int) and inside == int(inside) else float(inside)


def in_order(values: dict[str, JsonValue], orders: tuple[Order, ...]) -> dict[str, JsonValue]:
    """`values` (by column) with each one a CHECK puts after another moved after it where it
    is not: a day for a date or a date-time, an hour for a time, 1 for a number."""
    placed = dict(values)
    for _ in orders:  # a chain (a < b < c) settles within as many rounds as it has links
        for order in orders:
            if order.later not in placed or order.earlier not in placed:
                continue
            earlier, later = _ordinal(placed[order.earlier]), _ordinal(placed[order.later])
            if earlier is None or later is None or earlier[0] != later[0]:
                continue
            if later[1] > earlier[1] or (later[1] == earlier[1] and not order.strict):
                continue
            placed[order.later] = _after(placed[order.earlier])
    return placed


def _ordinal(value: JsonValue) -> tuple[str, float] | None:
    """A value as (its kind, a number in its order): a number, or the date, time or date-time
    a text holds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "number", float(value)
    if not isinstance(value, str):
        return None
    try:
        if len(value) > 15:
            moment = datetime.datetime.fromisoformat(value)
            return "date-time", moment.replace(tzinfo=moment.tzinfo or datetime.UTC).timestamp()
        if ":" not in value:
            return "date", float(datetime.date.fromisoformat(value).toordinal())
        clock = datetime.time.fromisoformat(value)
        return (
            "time",
            clock.hour * 3600 + clock.minute * 60 + clock.second + clock.microsecond / 1e6,
        )
    except ValueError:
        return None


def _after(value: JsonValue) -> JsonValue:
    """The value one step after `value` (see `in_order`), in its own form."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value
    if not isinstance(value, str):
        return value + 1
    kind = _ordinal(value)
    if kind is None:
        return value
    if kind[0] == "date-time":
        return (datetime.datetime.fromisoformat(value) + datetime.timedelta(days=1)).isoformat()
    if kind[0] == "date":
        return (datetime.date.fromisoformat(value) + datetime.timedelta(days=1)).isoformat()
    clock = datetime.time.fromisoformat(value)
    return clock.replace(hour=(clock.hour + 1) % 24).isoformat()


def distinct_examples(schema: Schema, api: ApiModel, most: int) -> tuple[JsonValue, ...]:
    """Up to `most` different valid values of a scalar schema, for rows that must not share it
    (a unique column); fewer when the schema admits fewer this generator can make."""
    schema = api.resolve(schema)
    found: dict[str, JsonValue] = {}  # by type and value: 1 and True are different values
    # a pattern's shortest strings first, then longer ones while more are wanted
    for longer in range(3 if schema.pattern else 1):
        for variant in range(1, most * 20):
            try:
                value = _distinct(schema, api, variant, longer)
            except NoExampleError:
                break
            if _fits(schema, value):
                found.setdefault(repr((type(value).__name__, value)), value)
            if len(found) == most:
                return tuple(found.values())
    return tuple(found.values())


def unique_example(schema: Schema, api: ApiModel, variant: int) -> JsonValue:
    """A valid example of a scalar schema that differs for each `variant` wherever the schema
    admits it (`example` keeps a format's value and an integer within three), for a field a
    unique column holds: two tests' requests must not repeat it."""
    schema = api.resolve(schema)
    try:
        value = _distinct(schema, api, variant)
    except NoExampleError:
        value = None
    if value is not None and _fits(schema, value):
        return value
    if schema.primary_type is SchemaType.INTEGER and schema.maximum is not None:
        low = example(schema, api)
        if isinstance(low, int) and not isinstance(low, bool) and schema.maximum >= low:
            return low + variant % (int(schema.maximum) - low + 1)  # within its bounds
    return example(schema, api, variant=variant)


def _distinct(schema: Schema, api: ApiModel, variant: int, longer: int = 0) -> JsonValue:
    """The `variant`th value of a schema, where `example` would repeat itself: a format's
    fixed example, or a number kept within three values."""
    kind = schema.primary_type
    if schema.enum or schema.has_const:
        return example(schema, api, variant=variant)
    if kind is SchemaType.INTEGER:
        low = int(schema.minimum) if schema.minimum is not None else 1
        if schema.exclusive_minimum is not None:
            low = int(schema.exclusive_minimum) + 1
        return low + variant
    if kind is SchemaType.NUMBER:
        least = schema.minimum if schema.minimum is not None else schema.exclusive_minimum
        return float(least or 0) + variant
    if kind is SchemaType.STRING and schema.format in _FORMATS:
        day = datetime.date(2024, 5, 17) + datetime.timedelta(days=variant)
        return {
            "uuid": f"6f1c2a4e-8b3d-4c5e-9f7a-{variant:012x}",
            "date": day.isoformat(),
            "date-time": f"{day.isoformat()}T10:30:00+00:00",
            "time": f"10:{variant // 60 % 60:02d}:{variant % 60:02d}",
            "email": f"reader+{variant}@example.com",
            "uri": f"https://example.com/a{variant}",
            "url": f"https://example.com/a{variant}",
            "decimal": f"{12 + variant}.50",
        }[schema.format]
    if kind is SchemaType.STRING and schema.pattern and longer:
        return pattern_example(schema.pattern, variant, longer)
    return example(schema, api, variant=variant)


def _fits(schema: Schema, value: JsonValue) -> bool:
    """Whether `value` keeps the bounds a scalar schema states."""
    if isinstance(value, str):
        try:
            matches = schema.pattern is None or re.search(schema.pattern, value) is not None
        except re.error:
            matches = False  # a pattern Python cannot read: no value is known to match it
        return (
            matches
            and len(value) >= (schema.min_length or 0)
            and (schema.max_length is None or len(value) <= schema.max_length)
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (
            (schema.minimum is None or value >= schema.minimum)
            and (schema.maximum is None or value <= schema.maximum)
            and (schema.exclusive_minimum is None or value > schema.exclusive_minimum)
            and (schema.exclusive_maximum is None or value < schema.exclusive_maximum)
            and (not schema.multiple_of or value % schema.multiple_of == 0)
        )
    return value is not None


def _string(schema: Schema, variant: int) -> str:
    if is_base64(schema):
        return base64.b64encode(f"example {variant}".encode()).decode("ascii")
    if schema.format in _FORMATS and _admits(schema.pattern, _FORMATS[schema.format]):
        return _FORMATS[schema.format]
    if schema.pattern:
        text = pattern_example(schema.pattern, variant)
    else:
        text = f"example {variant}" if variant else "example"
    low, high = schema.min_length or 0, schema.max_length
    if len(text) < low:
        text += "x" * (low - len(text))
    if high is not None and len(text) > high:
        text = text[-high:] if schema.pattern is None else text
    if schema.pattern and not re.search(schema.pattern, text):
        raise NoExampleError(f"cannot satisfy pattern {schema.pattern!r}")
    return text


def _admits(pattern: str | None, text: str) -> bool:
    try:
        return pattern is None or re.search(pattern, text) is not None
    except re.error:
        return True


def pattern_example(pattern: str, variant: int = 0, longer: int = 0) -> str:
    """A string that matches `pattern`, varied by `variant` (so unique columns get new values);
    each repeat `longer` times more than its least (within its bound), for more such values."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise NoExampleError(str(exc)) from None
    counter = [variant]
    return _emit(parsed, counter, longer)


SLOT_VALUES = 10**6  # how many strings a pattern's slots should tell apart, if they fit


def pattern_slots(
    pattern: str, fits: Callable[[str], bool], longest: int | None = None
) -> tuple[str, ...] | None:
    """The characters a string matching `pattern` takes, position by position: the `n`th
    string picks from each position's options by the digits of `n` (mixed radix), so
    different numbers give different strings. Repeats grow (within `longest` characters)
    until the slots tell SLOT_VALUES strings apart. None when the pattern cannot be walked,
    or a string made from the slots does not match it or does not `fits`."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    best: tuple[str, ...] | None = None
    for longer in range(8):
        try:
            slots = tuple(_slots(parsed, longer))
        except NoExampleError:
            return None
        if longest is not None and len(slots) > longest:
            break
        if not all(fits(slotted(slots, n)) for n in (*range(64), 10**3, 10**4, 10**5)):
            break
        best = slots
        if math.prod(len(options) for options in slots) >= SLOT_VALUES:
            break
    return best


def slotted(slots: tuple[str, ...], n: int) -> str:
    """The `n`th string of `slots` (the generated factories do the same): its last position
    varies first, so these strings stay apart from `pattern_example`'s, whose first does."""
    out = []
    for options in reversed(slots):
        out.append(options[n % len(options)])
        n //= len(options)
    return "".join(reversed(out))


def _slots(parsed: object, longer: int) -> list[str]:
    """Each position's options, as `_emit` walks the pattern (repeats `longer` times more)."""
    out: list[str] = []
    for op, arg in parsed:  # type: ignore[attr-defined]
        if op is sre_constants.LITERAL:
            out.append(chr(arg))
        elif op is sre_constants.ANY:
            out.append(string.ascii_lowercase)
        elif op is sre_constants.IN:
            options = "".join(dict.fromkeys(_class(arg)))
            if not options:
                raise NoExampleError("empty character class")
            out.append(options)
        elif op in _REPEATS:
            low, high, item = arg
            least = max(low, 1 if low == 0 and high else 0)
            for _ in range(min(least + longer, high)):
                out.extend(_slots(item, longer))
        elif op is sre_constants.SUBPATTERN:
            out.extend(_slots(arg[-1], longer))
        elif op is sre_constants.BRANCH:
            out.extend(_slots(arg[1][0], longer))
        elif op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue
        elif op is sre_constants.NOT_LITERAL:
            out.append(string.ascii_lowercase.replace(chr(arg), ""))
        else:
            raise NoExampleError(f"unsupported pattern element {op}")
    return out


_CATEGORIES = {
    sre_constants.CATEGORY_DIGIT: string.digits,
    sre_constants.CATEGORY_WORD: string.ascii_lowercase + string.digits,
    sre_constants.CATEGORY_SPACE: " ",
    sre_constants.CATEGORY_NOT_DIGIT: string.ascii_lowercase,
    sre_constants.CATEGORY_NOT_WORD: "-",
    sre_constants.CATEGORY_NOT_SPACE: string.ascii_lowercase,
}


_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)


def _choose(options: str, counter: list[int]) -> str:
    if not options:
        raise NoExampleError("empty character class")
    choice = options[counter[0] % len(options)]
    counter[0] //= max(len(options), 1)
    return choice


def _emit(parsed: object, counter: list[int], longer: int = 0) -> str:
    out: list[str] = []
    for op, arg in parsed:  # type: ignore[attr-defined]
        if op is sre_constants.LITERAL:
            out.append(chr(arg))
        elif op is sre_constants.ANY:
            out.append("a")
        elif op is sre_constants.IN:
            out.append(_choose(_class(arg), counter))
        elif op in (
            sre_constants.MAX_REPEAT,
            sre_constants.MIN_REPEAT,
            sre_constants.POSSESSIVE_REPEAT,
        ):
            low, _high, item = arg
            least = max(low, 1 if low == 0 and _high else 0)
            times = min(least + longer, _high) if longer else least
            out.extend(_emit(item, counter, longer) for _ in range(times))
        elif op is sre_constants.SUBPATTERN:
            out.append(_emit(arg[-1], counter, longer))
        elif op is sre_constants.BRANCH:
            out.append(_emit(arg[1][0], counter, longer))
        elif op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue
        elif op is sre_constants.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        else:
            raise NoExampleError(f"unsupported pattern element {op}")
    return "".join(out)


def _class(items: list[tuple[object, object]]) -> str:
    chars: list[str] = []
    negate = False
    for op, arg in items:
        if op is sre_constants.NEGATE:
            negate = True
        elif op is sre_constants.LITERAL:
            chars.append(chr(int(str(arg))))
        elif op is sre_constants.RANGE and isinstance(arg, tuple):
            first, last = int(arg[0]), int(arg[1])
            chars.extend(chr(c) for c in range(first, min(last, first + 25) + 1))
        elif op is sre_constants.CATEGORY:
            chars.extend(_CATEGORIES.get(arg, "a"))
    if negate:
        return "".join(c for c in string.ascii_lowercase + string.digits if c not in chars)
    return "".join(chars)
