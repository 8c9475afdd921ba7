"""The faster OpenAPI meta-schema check in load/openapi.py judges exactly like the stock one.

`_with_crawled_meta_schema` only changes how the meta-schema's references are indexed, so on
any document it must report the same errors (message and place) as openapi-spec-validator's own
validator, for OpenAPI 3.0 (draft 4 meta-schema) and 3.1 (draft 2020-12, `$dynamicRef`). In 3.1
the meta-schema only checks that a schema object is an object; the JSON Schema inside it is
checked by the validator's second pass, which is the same class in both.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.shortcuts import get_validator_cls
from openapi_spec_validator.validation.types import SpecValidatorType
from pydantic import JsonValue

from gen_backend.errors import HandoffInputError
from gen_backend.load.openapi import _with_crawled_meta_schema, load_openapi

SAMPLES = Path(__file__).resolve().parent.parent / "sample_specs"

# (sample, text of its openapi.yaml, what replaces it): each breaks the document in one place,
# several of them inside schemas, where the 3.1 meta-schema follows `$dynamicRef`s
BREAKS = [
    ("library", "  version: 1.0.0\n", ""),
    ("library", "{name: name, in: query,", "{name: name, in: body,"),
    ("library", "          description: A page of authors\n", ""),
    ("library", '{$ref: "#/components/schemas/AuthorPage"}', "{$ref: 3}"),
    ("library", "name: {type: string, minLength: 1,", "name: {type: 7, minLength: 1,"),
    ("library", "name: {type: string, minLength: 1,", "name: {type: string, minLength: -1,"),
    ("library", "required: [id, name, createdAt]", "required: name"),
    ("library", 'bio: {type: [string, "null"]}', "bio: 5"),
    ("library", "      additionalProperties: false\n", "      allOf: [{type: nope}]\n"),
    ("tenants", "  version: 0.9.0\n", ""),
    ("tenants", "          in: query\n", "          in: body\n"),
    ("tenants", "slug: {type: string,", "slug: {type: 7,"),
    ("tenants", "      additionalProperties: false\n", "      nullable: yes-please\n"),
]


def _document(sample: str, old: str = "", new: str = "") -> dict[str, JsonValue]:
    """The sample's OpenAPI document, with the first `old` in its text replaced by `new`."""
    text = (SAMPLES / sample / "openapi.yaml").read_text(encoding="utf-8")
    assert old in text, f"the {sample} sample no longer contains {old!r}"
    document = yaml.safe_load(text.replace(old, new, 1))
    assert isinstance(document, dict)
    return document


def _errors(validator: SpecValidatorType, document: dict[str, JsonValue]) -> list[str]:
    """Every error of the meta-schema pass, then what `validate` raises (the verdict `check`
    reports: some broken documents make the second pass raise a plain KeyError), with places."""
    found = [
        f"{error.message} at {list(error.path)}"
        for error in validator.schema_validator.iter_errors(document)
    ]
    try:
        validate(document, cls=validator)
    except Exception as exc:  # any exception is a verdict to compare
        message = getattr(exc, "message", str(exc))
        found.append(f"{type(exc).__name__}: {message} at {list(getattr(exc, 'path', []))}")
    return found


@pytest.mark.parametrize(("sample", "old", "new"), BREAKS)
def test_same_errors_as_openapi_spec_validator(sample: str, old: str, new: str) -> None:
    document = _document(sample, old, new)
    stock = get_validator_cls(document)
    expected = _errors(stock, document)
    assert expected, "the break should make the document invalid"
    assert _errors(_with_crawled_meta_schema(stock), document) == expected


@pytest.mark.parametrize("sample", ["library", "orders", "tenants"])
def test_valid_samples_stay_valid(sample: str) -> None:
    document = _document(sample)
    assert _errors(_with_crawled_meta_schema(get_validator_cls(document)), document) == []


def test_an_invalid_document_is_reported_at_its_place(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(_document(*BREAKS[2])), encoding="utf-8")
    with pytest.raises(HandoffInputError) as caught:
        load_openapi(spec)
    problem = caught.value.problem
    assert problem.location == "/paths/~1authors/get/responses/200"
    assert problem.problem == "invalid OpenAPI: 'description' is a required property"
