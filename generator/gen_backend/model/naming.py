"""Name conversions between the spec's casing and the design's: camelCase <-> snake_case,
and the plural/singular forms a path segment or schema name may use for a table."""

from __future__ import annotations

import keyword
import re

_BOUNDARY_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_BOUNDARY_2 = re.compile(r"([a-z0-9])([A-Z])")


def snake(name: str) -> str:
    """`practitionerId` -> `practitioner_id`, `HTTPStatus` -> `http_status`, `a-b` -> `a_b`."""
    name = _BOUNDARY_1.sub(r"\1_\2", name)
    name = _BOUNDARY_2.sub(r"\1_\2", name)
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


def plural(word: str) -> str:
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if re.search(r"(ss|x|z|ch|sh)es$", word):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def table_forms(name: str) -> set[str]:
    """Every spelling under which `name` may refer to a table."""
    base = snake(name)
    return {base, plural(base), singular(base)}


def python_package(slug: str) -> str:
    name = re.sub(r"\W+", "_", slug).strip("_").lower() or "service"
    if name[0].isdigit():
        name = "service_" + name
    return name + "_service" if keyword.iskeyword(name) else name
