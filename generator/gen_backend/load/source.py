"""Reading YAML/JSON files, and pinning a JSON pointer in them to a line for error messages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, JsonValue, ValidationError
from pydantic_core import ErrorDetails

from gen_backend.errors import HandoffInputError, InputProblem

try:
    from yaml import CSafeLoader as _FastLoader
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    from yaml import SafeLoader as _FastLoader  # type: ignore[assignment]


class _Loader(_FastLoader):
    """Safe loading that refuses a key given twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key `{key}`", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# YAML 1.2 (which OpenAPI recommends) reads only true/false as booleans: `on`, `yes`, `no`, `y`
# stay strings. Numbers written with leading zeros (`0001`, a migration step id) stay text.
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        # YAML 1.2's core schema has no implicit timestamps: `2024-01-01` stays text
        if tag
        not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in _FastLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|0o[0-7_]+)$"),
    list("-+0123456789"),
)


def _unique_pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key `{key}`")
        result[key] = value
    return result


M = TypeVar("M", bound=BaseModel)


def escape_pointer_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    return "".join("/" + escape_pointer_token(t) for t in tokens)


def unescape_pointer_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


@dataclass
class SourceFile:
    """One parsed YAML or JSON file. Line numbers are worked out only when an error needs them."""

    path: Path
    text: str
    data: JsonValue
    _lines: dict[str, tuple[int, int]] | None = field(default=None, repr=False)

    def position(self, json_pointer: str) -> tuple[int, int] | None:
        """(line, column), 1-based, of the node at `json_pointer`, or of its nearest parent."""
        if self._lines is None:
            self._lines = _line_map(self.text)
        probe = json_pointer
        while True:
            if probe in self._lines:
                return self._lines[probe]
            if not probe:
                return None
            probe = probe.rsplit("/", 1)[0]

    def problem(self, json_pointer: str, problem: str, fix: str) -> InputProblem:
        position = self.position(json_pointer)
        return InputProblem(
            file=self.path,
            location=json_pointer or "/",
            problem=problem,
            fix=fix,
            line=position[0] if position else None,
            column=position[1] if position else None,
        )

    def error(self, json_pointer: str, problem: str, fix: str) -> HandoffInputError:
        return HandoffInputError(self.problem(json_pointer, problem, fix))


def _line_map(text: str) -> dict[str, tuple[int, int]]:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, tuple[int, int]] = {}

    def walk(node: yaml.Node, at: str) -> None:
        lines[at] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = at + "/" + escape_pointer_token(str(key.value))
                lines[child] = (key.start_mark.line + 1, key.start_mark.column + 1)
                walk(value, child)
                lines[child] = (key.start_mark.line + 1, key.start_mark.column + 1)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, f"{at}/{index}")

    if root is not None:
        walk(root, "")
    return lines


def read_source(path: Path) -> SourceFile:
    """Parse a YAML (or JSON, which is YAML) file; a syntax error names its line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise HandoffInputError(
            InputProblem(path, "", f"not UTF-8 text ({exc.reason})", "save the file as UTF-8")
        ) from None
    except OSError as exc:
        raise HandoffInputError(
            InputProblem(path, "", f"cannot be read: {exc.strerror}", "check the path")
        ) from None
    try:
        if path.suffix.lower() == ".json":
            data: object = json.loads(text, object_pairs_hook=_unique_pairs)
        else:
            data = load_yaml(text)
    except json.JSONDecodeError as exc:
        raise HandoffInputError(
            InputProblem(
                path,
                "",
                f"invalid JSON: {exc.msg}",
                "fix the JSON syntax",
                line=exc.lineno,
                column=exc.colno,
            )
        ) from None
    except ValueError as exc:  # a duplicate key in JSON, or a YAML value that cannot be built
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        fix = "give each key once" if "duplicate key" in str(exc) else "correct the value"
        raise HandoffInputError(InputProblem(path, "", f"invalid {kind}: {exc}", fix)) from None
    except yaml.YAMLError as exc:
        raise HandoffInputError(yaml_problem(path, exc)) from None
    return SourceFile(path=path, text=text, data=_plain(data))


def load_yaml(text: str) -> object:
    """Parse YAML safely, refusing duplicate keys."""
    return yaml.load(text, Loader=_Loader)


def yaml_problem(path: Path, exc: yaml.YAMLError, first_line: int = 1) -> InputProblem:
    """One clear message for a YAML error, its position counted from `first_line`."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        return InputProblem(
            path,
            "",
            f"invalid YAML: {exc.problem or exc.context}",
            "fix the YAML syntax at that place (indentation, a missing ':' or quote, "
            "a key given twice)",
            line=mark.line + first_line if mark else None,
            column=mark.column + 1 if mark else None,
        )
    return InputProblem(path, "", f"invalid YAML: {exc}", "fix the YAML syntax")


def _plain(value: object) -> JsonValue:
    """YAML may produce dates and non-string keys; the model wants plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # dates, timestamps


def parse_as(source: SourceFile, model: type[M], *, what: str) -> M:
    """Validate a file's data against its raw format; the first error becomes one clear message."""
    if source.data is None:
        raise source.error("", f"the file is empty; expected {what}", f"write {what} into it")
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        raise _first_error(source, exc.errors()) from None


def _first_error(source: SourceFile, errors: list[ErrorDetails]) -> HandoffInputError:
    error = errors[0]
    loc = [str(part) for part in error["loc"] if not _is_union_tag(part)]
    at = pointer(*loc)
    key = loc[-1] if loc else "the document"
    kind = error["type"]
    if kind == "missing":
        return source.error(at, f"`{key}` is required here", f"add `{key}`")
    if kind == "extra_forbidden":
        return source.error(at, f"unknown key `{key}`", f"remove `{key}` or check its spelling")
    if kind in ("literal_error", "enum"):
        expected = error.get("ctx", {}).get("expected", "")
        return source.error(at, f"`{key}`: {error['msg']}", f"use one of {expected}")
    return source.error(at, f"`{key}`: {error['msg']}", _fix_for(kind))


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the member type's name to the location of union errors ("str", "list[str]")
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool"})


def _fix_for(kind: str) -> str:
    return {
        "string_type": "write a string (quote it if YAML reads it as something else)",
        "int_type": "write a whole number",
        "int_parsing": "write a whole number",
        "float_type": "write a number",
        "bool_type": "write true or false",
        "list_type": "write a list (`[a, b]` or one `- item` per line)",
        "dict_type": "write a mapping of `key: value` lines",
        "model_type": "write a mapping of `key: value` lines",
        "greater_than_equal": "use a larger number",
        "less_than_equal": "use a smaller number",
    }.get(kind, "correct the value as the handoff format describes (docs/handoff.md)")


def walk_extras(model: BaseModel, at: str = "") -> Iterator[tuple[str, str]]:
    """(pointer, key) for every key a raw model accepted without knowing it."""
    for key in model.model_extra or {}:
        yield at, key
    for name, info in type(model).model_fields.items():
        yield from _walk_value(
            getattr(model, name), f"{at}/{escape_pointer_token(info.alias or name)}"
        )


def _walk_value(value: object, at: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, BaseModel):
        yield from walk_extras(value, at)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_value(item, f"{at}/{escape_pointer_token(str(key))}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk_value(item, f"{at}/{index}")
