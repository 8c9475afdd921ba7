"""Every real OpenAPI document of the shared corpus loads to the model, or fails with a clear
exit-2 message. None crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gen_backend.errors import HandoffInputError
from gen_backend.load.openapi import load_openapi
from gen_backend.model.api import OperationKind
from gen_backend.model.from_openapi import read_api

from .conftest import CORPUS

SPECS = sorted(
    next(p for p in d.iterdir() if p.name.startswith("openapi."))
    for d in (CORPUS / "specs").glob("*")  # empty, not an error, when the corpus is missing
    if d.is_dir()
)
INVALID_UPSTREAM = {
    # the three documents SOURCES.md records as failing openapi-spec-validator
    # each with its cause in one line: where it is, and what is wrong there
    "redoc-petstore-demo": (
        "/components/schemas/User/properties/addresses/items",
        1159,
        "a list where OpenAPI allows an object",
    ),
    "redoc-petstore-demo-3.1": (
        "/info/license",
        54,
        "`url` is not allowed together with `identifier`",
    ),
    "spree-storefront": (
        "/paths/~1api~1v2~1storefront~1policies~1{policy_slug}/get",
        1370,
        "path parameter `policy_slug` is declared neither here nor on its path",
    ),
}


def test_the_corpus_is_there() -> None:
    assert len(SPECS) == 23, "../shared/corpus/specs should hold 23 documents"


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.parent.name)
def test_spec_loads_or_fails_clearly(spec: Path) -> None:
    name = spec.parent.name
    if name in INVALID_UPSTREAM:
        where, line, cause = INVALID_UPSTREAM[name]
        with pytest.raises(HandoffInputError) as caught:
            read_api(load_openapi(spec))
        problem = caught.value.problem
        assert (problem.file, problem.location, problem.line) == (spec, where, line)
        assert problem.problem == f"invalid OpenAPI: {cause}"
        return
    parsed = read_api(load_openapi(spec))
    api = parsed.api
    assert api.openapi_version.startswith(("3.0", "3.1", "3.2"))
    ids = [op.operation_id for op in api.operations]
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    for op in api.operations:
        assert op.kind is OperationKind.CUSTOM  # no design yet: nothing is inferred
        for parameter in op.parameters:
            assert parameter.name
    for named in api.schemas:
        api.object_properties(named.schema_)  # follows refs and allOf without looping


def test_multi_file_spec_follows_refs_across_files() -> None:
    spec = CORPUS / "specs" / "redocly-openapi-starter" / "openapi.yaml"
    api = read_api(load_openapi(spec)).api
    assert len(api.operations) == 12
    # schemas defined in their own files are named after the file
    assert {"MenuItem", "MenuItemList", "Order", "OrderItem", "Page"} <= {
        s.name for s in api.schemas
    }
    assert api.schemas_by_name["MenuItem"].pointer == "components/schemas/MenuItem.yaml#"
    by_id = {op.operation_id: op for op in api.operations}
    # parameters defined in components/parameters/*.yaml, reached through paths/*.yaml
    assert [p.name for p in by_id["listMenuItems"].parameters] == [
        "after",
        "before",
        "sort",
        "filter",
        "search",
        "limit",
    ]


def test_circular_schemas_stay_finite() -> None:
    spec = CORPUS / "specs" / "readme-schema-circular" / "openapi.yaml"
    api = read_api(load_openapi(spec)).api
    assert api.schemas
    for named in api.schemas:
        assert api.resolve(named.schema_) is not None


def test_operation_counts_match_the_corpus_record() -> None:
    """SOURCES.md counts operations per document; the loader must find every one."""
    expected = {
        "readme-star-trek": 120,
        "realworld-conduit": 19,
        "swagger-petstore3": 19,
        "typespec-todoapp": 8,
        "readme-parameters-style": 25,
        "learn-webhook-3.1": 0,
    }
    for name, count in expected.items():
        spec = next((CORPUS / "specs" / name).glob("openapi.*"))
        assert len(read_api(load_openapi(spec)).api.operations) == count, name
