"""The OpenAPI document: read, every local `$ref` followed (across files), validated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from urllib.parse import unquote, urlsplit

from jsonschema.exceptions import ValidationError, best_match, relevance
from jsonschema.validators import validator_for
from openapi_spec_validator import validate
from openapi_spec_validator.shortcuts import get_validator_cls
from openapi_spec_validator.validation.types import SpecValidatorType
from pydantic import JsonValue
from referencing import Registry, Resource

from gen_backend.errors import HandoffInputError, InputProblem
from gen_backend.load.source import SourceFile, pointer, read_source, unescape_pointer_token

SUPPORTED_VERSIONS = ("3.0.", "3.1.", "3.2.")


@dataclass(frozen=True)
class Located:
    """A node of the document, with the file and JSON pointer it was found at."""

    file: SourceFile
    at: str
    value: JsonValue

    def child(self, *tokens: str | int) -> Located:
        value = self.value
        at = self.at
        for token in tokens:
            if isinstance(value, Mapping) and isinstance(token, str):
                value = value.get(token)
            elif isinstance(value, list) and isinstance(token, int) and token < len(value):
                value = value[token]
            else:
                value = None
            at += "/" + str(token).replace("~", "~0").replace("/", "~1")
        return Located(self.file, at, value)

    def error(self, problem: str, fix: str) -> HandoffInputError:
        return self.file.error(self.at, problem, fix)


@dataclass
class OpenApiDocument:
    root: SourceFile
    files: dict[Path, SourceFile] = field(default_factory=dict)
    # validation errors let through by `--lenient` (each reported as an RFI), else none
    invalid: tuple[InputProblem, ...] = ()

    @property
    def path(self) -> Path:
        return self.root.path

    @property
    def top(self) -> Located:
        return Located(self.root, "", self.root.data)

    def follow(self, node: Located) -> Located:
        """The node itself, or what its `$ref` (and the target's own `$ref`s) point at."""
        seen: set[tuple[Path, str]] = set()
        while isinstance(node.value, Mapping) and isinstance(node.value.get("$ref"), str):
            key = (node.file.path, node.at)
            if key in seen:
                raise node.error(
                    "a `$ref` cycle that never reaches a definition",
                    "point the `$ref` at a real definition",
                )
            seen.add(key)
            node = self.target(node)
        return node

    def target(self, node: Located) -> Located:
        """The target of the `$ref` at `node` (one step)."""
        assert isinstance(node.value, Mapping)
        ref = node.value["$ref"]
        assert isinstance(ref, str)
        ref_at = node.child("$ref")
        parts = urlsplit(ref)
        if parts.scheme or parts.netloc:
            raise ref_at.error(
                f"remote `$ref` `{ref}` is not supported",
                "copy the referenced document into the handoff and refer to it by a relative path",
            )
        file = node.file
        if parts.path:
            target_path = (node.file.path.parent / unquote(parts.path)).resolve()
            if not target_path.is_file():
                raise ref_at.error(
                    f"`$ref` `{ref}` names a file that does not exist ({target_path})",
                    "fix the path of the `$ref`",
                )
            file = self._file(target_path)
        fragment = unquote(parts.fragment)
        if fragment and not fragment.startswith("/"):
            raise ref_at.error(
                f"`$ref` `{ref}` uses an anchor, not a JSON pointer",
                "write the fragment as a JSON pointer, e.g. #/components/...",
            )
        value: JsonValue = file.data
        for token in fragment.split("/")[1:] if fragment else []:
            key = unescape_pointer_token(token)
            if isinstance(value, Mapping) and key in value:
                value = value[key]
            elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
                value = value[int(key)]
            else:
                raise ref_at.error(
                    f"`$ref` `{ref}` points at nothing: `{key}` is not in {file.path.name}",
                    "fix the JSON pointer of the `$ref`",
                )
        return Located(file, fragment, value)

    def _file(self, path: Path) -> SourceFile:
        if path not in self.files:
            self.files[path] = read_source(path)
        return self.files[path]


def load_openapi(path: Path, *, lenient: bool = False) -> OpenApiDocument:
    """Raises HandoffInputError for a document that cannot be read; one that fails validation
    too, unless `lenient`, where its errors are kept in `invalid` and reading goes on."""
    root = read_source(path)
    document = OpenApiDocument(root=root, files={path.resolve(): root})
    data = root.data
    if not isinstance(data, Mapping):
        raise root.error(
            "",
            "not an OpenAPI document (expected a mapping at the top)",
            "start the file with `openapi: 3.1.0`, `info:` and `paths:`",
        )
    version = data.get("openapi")
    if "swagger" in data:
        raise root.error(
            "/swagger", "Swagger 2.0 is not supported", "convert the document to OpenAPI 3.0 or 3.1"
        )
    if not isinstance(version, str) or not version.startswith(SUPPORTED_VERSIONS):
        raise root.error(
            "/openapi",
            f"unsupported or missing `openapi` version: {version!r}",
            "declare `openapi: 3.0.3` or `openapi: 3.1.0`",
        )
    _check_references(document)
    document.invalid = _validate(document, lenient=lenient)
    return document


def _check_references(document: OpenApiDocument) -> None:
    """Resolve every `$ref` reachable from the root, so a broken one is reported where it is."""
    pending = [document.top]
    seen: set[tuple[Path, str]] = set()
    while pending:
        node = pending.pop()
        key = (node.file.path, node.at)
        if key in seen:
            continue
        seen.add(key)
        value = node.value
        if isinstance(value, Mapping):
            if isinstance(value.get("$ref"), str):
                pending.append(document.follow(node))  # raises at a cycle of bare `$ref`s
            # `$ref`s inside x- extensions are the extension's business, not OpenAPI's
            pending.extend(
                node.child(k)
                for k, v in value.items()
                if isinstance(v, Mapping | list) and not str(k).startswith("x-")
            )
        elif isinstance(value, list):
            pending.extend(
                node.child(i) for i, v in enumerate(value) if isinstance(v, Mapping | list)
            )


# Validation is most of the time `check` takes, and a pure function of the files' content:
# remember the documents that passed, keyed by every file the document reaches.
_VALID: set[tuple[tuple[str, str], ...]] = set()


def _validate(document: OpenApiDocument, *, lenient: bool) -> tuple[InputProblem, ...]:
    root = document.root
    assert isinstance(root.data, Mapping)  # load_openapi checked the top level
    key = tuple(sorted((str(path), source.text) for path, source in document.files.items()))
    if key in _VALID:
        return ()
    spec_validator = _with_crawled_meta_schema(get_validator_cls(root.data))
    base_uri = root.path.resolve().as_uri()
    try:
        validate(root.data, base_uri=base_uri, cls=spec_validator)
    except Exception as exc:  # the validator raises many kinds; each is the spec's fault
        # a failure against the meta-schema is reported at its most relevant cause (the
        # validator's own error names only the outermost `oneOf` that failed)
        meta = list(spec_validator.schema_validator.iter_errors(root.data))
        first = _problem(root, best_match(meta, key=_relevance), exc)
        if not lenient:
            raise HandoffInputError(first) from None
        if meta:
            causes = [best_match([error], key=_relevance) for error in meta]
            every = [_problem(root, cause, exc) for cause in causes]
        else:  # the document's own rules (a path parameter declared nowhere, ...)
            errors = spec_validator(root.data, base_uri=base_uri).iter_errors()
            every = [_problem(root, None, error) for error in errors]
        found = {(p.location, p.problem): p for p in every}
        return tuple(found.values()) or (first,)
    if len(_VALID) < 64:
        _VALID.add(key)
    return ()


def _problem(root: SourceFile, cause: ValidationError | None, exc: Exception) -> InputProblem:
    """One readable problem: at the meta-schema `cause` where there is one, else at `exc`."""
    path = cause.absolute_path if cause is not None else getattr(exc, "path", ()) or ()
    at = "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)
    message = (
        _readable(cause)
        if cause is not None
        else getattr(exc, "message", None) or str(exc).splitlines()[0]
    )
    fix = (
        "correct the document so it validates against the OpenAPI specification "
        "(openapi-spec-validator shows the details)"
    )
    if unresolved := _UNRESOLVED_PARAMETER.search(message):
        name, method, path_template = unresolved.groups()
        at = pointer("paths", path_template, method)
        message = f"path parameter `{name}` is declared neither here nor on its path"
        fix = f"declare `{name}` under `parameters:` (in: path, required: true)"
    return root.problem(at if at != "/" else "", f"invalid OpenAPI: {_shorten(message)}", fix)


def _relevance(error: ValidationError) -> tuple[object, ...]:
    """jsonschema's relevance (best_match descends to the least key), except that "`$ref` is
    required" (the other branch of every `Schema | Reference` choice) is the least relevant
    cause: the schema itself is."""
    return (_wants_ref(error), *cast(tuple[object, ...], relevance(error)))


def _wants_ref(error: ValidationError) -> bool:
    return error.validator == "required" and error.validator_value == ["$ref"]


def _readable(error: ValidationError) -> str:
    """One line saying what is wrong with the value at the error's place, without quoting the
    value itself (a whole schema, often)."""
    keyword, expected = error.validator, error.validator_value
    if keyword in ("oneOf", "anyOf") and error.context:
        causes = [e for e in error.context if not _wants_ref(e)] or list(error.context)
        here = [e for e in causes if e.absolute_path == error.absolute_path]
        if here and all(e.validator == "type" for e in here):
            allowed = sorted({t for e in here for t in _as_list(e.validator_value)})
            return f"{_kind(error.instance)} where OpenAPI allows {_types(allowed)}"
        deeper = best_match(causes, key=_relevance)
        return _readable(deeper) if deeper is not None else "fits none of the allowed forms"
    if keyword == "type":
        return f"{_kind(error.instance)} where OpenAPI allows {_types(_as_list(expected))}"
    if keyword == "not" and isinstance(expected, Mapping) and "required" in expected:
        names = " and ".join(f"`{name}`" for name in _as_list(expected["required"]))
        path = list(error.schema_path)  # [..., "dependentSchemas", <field>, "not"]
        if len(path) >= 3 and path[-3] == "dependentSchemas":
            return f"{names} is not allowed together with `{path[-2]}`"
        return f"{names} is not allowed here"
    if keyword == "enum":
        choices = ", ".join(repr(choice) for choice in _as_list(expected))
        return f"{error.instance!r} is not one of {choices}"
    if keyword in ("required", "additionalProperties", "unevaluatedProperties"):
        return error.message
    text = repr(error.instance)
    return (
        "the value" + error.message[len(text) :]
        if error.message.startswith(text)
        else error.message
    )


def _as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


_TYPE_WORDS = {
    "object": "an object",
    "array": "a list",
    "string": "a text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def _types(names: list[str]) -> str:
    return " or ".join(_TYPE_WORDS.get(name, name) for name in names)


def _kind(value: object) -> str:
    """What a JSON value is, in words."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return "null" if value is None else f"the text {str(value)[:40]!r}"


_FAST_VALIDATORS: dict[SpecValidatorType, SpecValidatorType] = {}


def _with_crawled_meta_schema(spec_validator: SpecValidatorType) -> SpecValidatorType:
    """`spec_validator`, checking documents against a meta-schema whose references are indexed once.

    openapi-spec-validator's first pass validates the document against the OpenAPI meta-schema
    with a `jsonschema` validator whose root schema stays "uncrawled" in its `referencing`
    registry. The 3.1 and 3.2 meta-schemas use `$dynamicRef`, and each dynamic reference that
    misses in that registry crawls the whole meta-schema again (hundreds of subschemas), then
    throws the crawl away: most of the time a large document took. Here the same meta-schema,
    with the same validator class (so the same keywords, and no format checking), sits in a
    registry crawled once, and the root is a bare `$ref` to it, so nothing is left to crawl.
    Crawling only indexes `$id`s and anchors, so every reference resolves to the same subschema
    and the verdicts and errors stay openapi-spec-validator's own.
    """
    if spec_validator not in _FAST_VALIDATORS:
        meta_schema = spec_validator.schema_validator.schema
        resource = Resource.from_contents(meta_schema)  # its dialect comes from its `$schema`
        uri = resource.id()
        assert uri is not None  # every OpenAPI meta-schema names itself
        registry = Registry().with_resource(uri, resource).crawl()
        schema_validator = validator_for(meta_schema)({"$ref": uri}, registry=registry)
        _FAST_VALIDATORS[spec_validator] = type(
            spec_validator.__name__, (spec_validator,), {"schema_validator": schema_validator}
        )
    return _FAST_VALIDATORS[spec_validator]


_UNRESOLVED_PARAMETER = re.compile(r"parameter '([^']+)' for '(\w+)' operation in '([^']+)'")


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
