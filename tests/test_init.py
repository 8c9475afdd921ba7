"""`gen-backend init`: a handoff drafted around a bare OpenAPI spec, accepted by `check`.

The fixture tests/fixtures/bare/openapi.yaml holds one shape of each class the draft infers;
every corpus spec and every sample's spec alone must give a handoff `check` accepts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from gen_backend.accept import Accepted, accept
from gen_backend.cli import app
from gen_backend.draft import draft_handoff, service_slug
from gen_backend.draft.design import entity_name
from gen_backend.model import OperationKind
from gen_backend.plan import plan_project
from gen_backend.render import render_project
from gen_backend.validate.rfis import Code

from .conftest import CORPUS, SAMPLES

FIXTURE = Path(__file__).parent / "fixtures" / "bare" / "openapi.yaml"
CORPUS_SPECS = sorted(p for p in (CORPUS / "specs").iterdir() if p.is_dir())
runner = CliRunner()


def _cli(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "400"})


def _spec_of(folder: Path) -> Path:
    return next(
        p for p in sorted(folder.glob("openapi.*")) if p.suffix in (".yaml", ".yml", ".json")
    )


def _tables(handoff: Path) -> dict[str, dict[str, dict[str, object]]]:
    tables = yaml.safe_load((handoff / "schema.yaml").read_text())["tables"]
    return {name: table["columns"] for name, table in tables.items()}


@pytest.mark.parametrize(
    ("schema", "entity"),
    [
        ("Pet", "Pet"),
        ("NewPet", "Pet"),
        ("PetCreate", "Pet"),
        ("SingleArticleResponse", "Article"),
        ("MultipleArticlesResponse", "Articles"),
        ("UpdateUserRequest", "User"),
        ("MenuItem", "MenuItem"),
        ("AnimalFullResponse", "Animal"),
        ("Response", "Response"),
    ],
)
def test_schema_names_are_read_as_the_entity_they_carry(schema: str, entity: str) -> None:
    assert entity_name(schema) == entity


def test_service_slug_drops_the_words_that_do_not_name_the_product() -> None:
    assert service_slug("Swagger Petstore - OpenAPI 3.0") == "petstore-api"
    assert service_slug("Conduit API") == "conduit-api"
    assert service_slug("") == "api"


def test_the_drafted_design_keys_relates_and_bounds_each_resource(tmp_path: Path) -> None:
    result = _cli("init", str(FIXTURE), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    tables = _tables(tmp_path)
    assert list(tables) == ["owners", "pets", "visits", "vets"]  # each after what it refers to
    owners, pets, visits, vets = (tables[n] for n in ("owners", "pets", "visits", "vets"))
    # keys: the schema's uuid id, its int64 id (made by the database), a made UUID where the
    # spec has none, the path parameter's column where the entity has no id
    assert owners["id"] == {"type": "uuid", "primary_key": True}
    assert pets["id"] == {"type": "bigint", "primary_key": True, "autoincrement": True}
    assert visits["id"] == {"type": "uuid", "primary_key": True}
    assert vets["username"]["primary_key"] is True
    # a nested path is a key to the parent, NOT NULL since pets are created only under it
    assert pets["owner_id"] == {
        "type": "uuid",
        "references": "owners.id",
        "on_delete": "cascade",
    }
    assert visits["pet_id"]["references"] == "pets.id"  # an `*Id` property naming a table
    assert "pets" not in owners  # an array of pets is the other side of that key
    # types, NOT NULL, lengths, enums, defaults and bounds from the schemas
    assert owners["name"] == {"type": "string", "max_length": 120}
    assert owners["city"] == {"type": "string", "nullable": True, "max_length": 80}
    assert owners["created_at"] == {"type": "timestamptz", "default": "now"}
    assert pets["species"] == {"type": "enum", "values": ["cat", "dog", "rabbit"]}
    assert pets["vaccinated"] == {"type": "boolean", "default": False}
    assert pets["traits"] == {"type": "json", "nullable": True}
    assert visits["on"] == {"type": "date"}
    assert visits["xray"] == {"type": "bytes", "nullable": True}  # base64 text is bytes
    schema = yaml.safe_load((tmp_path / "schema.yaml").read_text())["tables"]
    assert {"name": "pets_weight_kg_min", "expr": "weight_kg >= 0"} in schema["pets"]["checks"]
    assert {"columns": ["city"]} in schema["owners"]["indexes"]  # a list filters by it
    assert {"columns": ["owner_id"]} in schema["pets"]["indexes"]


def test_the_drafted_handoff_lists_each_inference_and_says_it_was_drafted(tmp_path: Path) -> None:
    assert _cli("init", str(FIXTURE), "-o", str(tmp_path)).exit_code == 0
    for name in ("handoff.yaml", "schema.yaml", "auth.yaml", "migrations.yaml"):
        assert (tmp_path / name).read_text().startswith("# Drafted by `gen-backend init`")
    manifest = yaml.safe_load((tmp_path / "handoff.yaml").read_text())
    assert manifest["product"] == "Vet Clinic API"
    assert manifest["service"] == "vet-clinic-api"
    assert manifest["release_mode"] == "full"
    assumptions = {a["id"]: a for a in manifest["assumptions"]}
    assert list(assumptions) == [f"A-{n}" for n in range(1, len(assumptions) + 1)]
    affected = {target for a in assumptions.values() for target in a["affects"]}
    assert {"visits.id", "pets.owner_id", "visits.pet_id", "pets.weight_kg"} <= affected
    auth = yaml.safe_load((tmp_path / "auth.yaml").read_text())
    assert auth["defaults"] == {"read": ["api:read"], "write": ["api:write"]}
    assert "owners:write" in auth["roles"]["writer"]  # the spec's scopes are permissions
    assert auth["roles"]["admin"] == ["*"]
    steps = yaml.safe_load((tmp_path / "migrations.yaml").read_text())["steps"]
    assert [s["tables"] for s in steps] == [["owners"], ["pets"], ["visits"], ["vets"]]
    assert steps[1]["depends_on"] == ["0001"]
    assert steps[2]["depends_on"] == ["0002"]


def test_check_accepts_the_draft_and_reads_it_as_init_reported(tmp_path: Path) -> None:
    result = _cli("init", str(FIXTURE), "-o", str(tmp_path))
    assert "10 generated, 0 left to you (501)" in result.output
    assert "next: review" in result.output
    accepted = accept(tmp_path)
    assert isinstance(accepted, Accepted)
    by_id = {op.operation_id: op for op in accepted.model.operations}
    assert by_id["getVet"].public  # `security: []`
    assert by_id["getOwner"].permissions == ("owners:read",)  # its scopes
    assert by_id["getPet"].permissions == ("api:read",)  # the defaults
    assert by_id["updatePet"].permissions == ("api:write",)
    assert {op.kind.value for op in accepted.model.operations} == {
        "list",
        "get",
        "create",
        "update",
        "delete",
    }


def test_init_never_overwrites_a_file_of_the_handoff(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE notes (id uuid PRIMARY KEY);\n")
    (tmp_path / "auth.yaml").write_text("mine: true\n")
    result = _cli("init", str(FIXTURE), "-o", str(tmp_path))
    assert "kept" in result.output
    assert "schema.sql" in result.output
    assert (tmp_path / "auth.yaml").read_text() == "mine: true\n"
    assert not (tmp_path / "schema.yaml").exists()
    assert (tmp_path / "handoff.yaml").exists()


def test_a_spec_inside_the_handoff_is_named_without_artifacts(tmp_path: Path) -> None:
    shutil.copy(FIXTURE, tmp_path / "openapi.yaml")
    assert _cli("init", str(tmp_path / "openapi.yaml"), "-o", str(tmp_path)).exit_code == 0
    assert "artifacts" not in yaml.safe_load((tmp_path / "handoff.yaml").read_text())
    assert isinstance(accept(tmp_path), Accepted)


def test_a_bare_spec_halts_with_the_init_command(tmp_path: Path) -> None:
    shutil.copy(FIXTURE, tmp_path / "openapi.yaml")
    result = _cli("check", str(tmp_path))
    assert result.exit_code == 3
    assert f"gen-backend init {tmp_path / 'openapi.yaml'} -o {tmp_path}" in result.output
    file_given = _cli("check", str(tmp_path / "openapi.yaml"))
    assert file_given.exit_code == 2
    assert "gen-backend init" in file_given.output


def test_an_invalid_spec_stops_init_and_halts_check_unless_lenient(tmp_path: Path) -> None:
    """init exits 2 on a spec that is not valid OpenAPI; check halts (a No-Go item, exit 3);
    with --lenient each violation is an RFI."""
    spec = CORPUS / "specs" / "spree-storefront" / "openapi.yaml"
    strict = _cli("init", str(spec), "-o", str(tmp_path / "strict"))
    assert strict.exit_code == 2
    assert "--lenient" in strict.output
    assert not (tmp_path / "strict").exists()  # nothing half-written
    lenient = _cli("init", str(spec), "-o", str(tmp_path / "h"), "--lenient")
    assert lenient.exit_code in (0, 1), lenient.output
    assert _cli("check", str(tmp_path / "h")).exit_code == 3
    accepted = accept(tmp_path / "h", lenient=True)
    assert isinstance(accepted, Accepted)
    invalid = [r for r in accepted.rfis if r.code.value == "SPEC_INVALID"]
    assert len(invalid) >= 3  # each path parameter declared nowhere, not only the first
    assert any("policy_slug" in r.question for r in invalid)


def test_a_spec_with_no_resources_drafts_a_design_that_stores_nothing(tmp_path: Path) -> None:
    spec = CORPUS / "specs" / "learn-tictactoe-3.1" / "openapi.yaml"
    result = _cli("init", str(spec), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((tmp_path / "schema.yaml").read_text()) == {"tables": {}}
    accepted = accept(tmp_path)
    assert isinstance(accepted, Accepted)
    assert "DESIGN_EMPTY" in {r.code.value for r in accepted.rfis}


def test_a_spec_of_webhooks_only_drafts_a_service_with_no_operation(tmp_path: Path) -> None:
    spec = CORPUS / "specs" / "learn-webhook-3.1" / "openapi.yaml"
    assert _cli("init", str(spec), "-o", str(tmp_path)).exit_code == 0
    accepted = accept(tmp_path)
    assert isinstance(accepted, Accepted)
    assert not accepted.model.operations
    assert {"SPEC_NO_PATHS", "DESIGN_EMPTY"} <= {r.code.value for r in accepted.rfis}


@pytest.mark.parametrize(
    "spec",
    [_spec_of(folder) for folder in CORPUS_SPECS]
    + [SAMPLES / name / "openapi.yaml" for name in ("library", "orders", "tenants")],
    ids=lambda p: p.parent.name,
)
def test_every_corpus_and_sample_spec_drafts_a_handoff_check_accepts(
    spec: Path, tmp_path: Path
) -> None:
    try:
        draft = draft_handoff(spec, tmp_path)
        lenient = False
    except Exception:  # an invalid upstream spec: drafted with --lenient
        draft = draft_handoff(spec, tmp_path, lenient=True)
        lenient = True
    for name, text in draft.files.items():
        (tmp_path / name).write_text(text)
    assert isinstance(accept(tmp_path, lenient=lenient), Accepted)


READ_BY_QUERY = {
    "openapi": "3.0.3",
    "info": {"title": "Planets", "version": "1"},
    "paths": {
        "/planet": {
            "get": {
                "operationId": "getPlanet",
                "parameters": [
                    {"name": "code", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "apiKey", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "One planet",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/PlanetFullResponse"}
                            }
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "PlanetFullResponse": {
                "type": "object",
                "properties": {"planet": {"$ref": "#/components/schemas/Planet"}},
            },
            "Planet": {
                "type": "object",
                "required": ["code", "name"],
                "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
            },
        }
    },
}


def test_a_row_named_by_a_required_query_parameter_is_read_as_an_item(tmp_path: Path) -> None:
    """Star Trek's `GET /animal?uid=...` answers `{"animal": {...}}`: the parameter names the
    row, so it is the key, and the read is a get of it; its tests send the row's key."""
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(READ_BY_QUERY))
    handoff = tmp_path / "handoff"
    assert _cli("init", str(spec), "-o", str(handoff)).exit_code == 0
    assert _tables(handoff)["planets"]["code"]["primary_key"] is True
    accepted = accept(handoff)
    assert isinstance(accepted, Accepted)
    get = next(op for op in accepted.model.operations if op.operation_id == "getPlanet")
    assert get.kind is OperationKind.GET
    assert [(b.param, b.column, b.is_key) for b in get.path_bindings] == [("code", "code", True)]
    tests = render_project(plan_project(accepted.model))["tests/planets/test_api.py"].text
    assert 'Request(f"/planet?code={row.code}"' in tests
    assert 'missing_url="/planet?code=absent-row"' in tests


def test_a_json_api_resource_is_drafted_as_its_attributes_and_answered_from_the_row() -> None:
    """tests/fixtures/jsonapi: `{"data": {"id", "type", "attributes": {...}}}` documents. The
    attributes are the table's columns; `{policy_slug}` and `{token}` name rows by unique
    columns; the ORM class answers `attributes` as the row; the contract test takes the
    created wishlist's token where the answer holds it; `DELETE
    /wishlists/{token}/remove_item/{item_id}` is an action on the wishlist, not its delete."""
    fixture = Path(__file__).parent / "fixtures" / "jsonapi"
    tables = _tables(fixture)
    assert list(tables["policies"]) == ["id", "type", "name", "slug", "body"]
    assert tables["policies"]["slug"]["unique"] is True
    assert tables["wishlists"]["token"]["unique"] is True
    accepted = accept(fixture)
    assert isinstance(accepted, Accepted)
    kinds = {op.operation_id: op.kind for op in plan_project(accepted.model).operations}
    assert kinds == {
        "listPolicies": OperationKind.LIST,
        "showPolicy": OperationKind.GET,
        "createWishlist": OperationKind.CREATE,
        "showWishlist": OperationKind.GET,
        "deleteWishlist": OperationKind.DELETE,
        "removeWishedItem": OperationKind.CUSTOM,
    }
    files = render_project(plan_project(accepted.model))
    assert "def attributes(self) -> Self:" in files["app/policies/models.py"].text
    contract = files["tests/contract/test_schemathesis.py"].text
    assert '"deleteWishlist": {"token": "$response.body#/data/attributes/token"}' in contract


TYPED_TWICE = {
    "openapi": "3.0.3",
    "info": {"title": "Payments", "version": "1"},
    "paths": {
        "/payments": {
            "post": {
                "operationId": "createPayment",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/New"}}
                    },
                },
                "responses": {
                    "201": {
                        "description": "made",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Payment"}}
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "New": {
                "type": "object",
                "required": ["amount", "units"],
                "properties": {"amount": {"type": "number"}, "units": {"type": "number"}},
            },
            "Payment": {
                "type": "object",
                "required": ["id", "amount", "units"],
                "properties": {
                    "id": {"type": "string"},
                    "amount": {"type": "string", "example": "12.50"},
                    "units": {"type": "integer"},
                },
            },
        }
    },
}


def test_a_value_typed_one_way_sent_and_another_answered_gets_a_column_holding_both(
    tmp_path: Path,
) -> None:
    """Spree sends `amount` as a number and answers it as text: a `numeric` column holds
    both (a float could not answer decimal text). `units` is sent as a number and answered
    as an integer: no column answers every number as an integer, so it is JSON, and the
    request is held to the answer's integer. Each is an assumption, and the create is
    generated rather than refused."""
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(TYPED_TWICE))
    handoff = tmp_path / "handoff"
    assert _cli("init", str(spec), "-o", str(handoff)).exit_code == 0
    columns = _tables(handoff)["payments"]
    assert (columns["amount"]["type"], columns["units"]["type"]) == ("numeric", "json")
    assumed = (handoff / "handoff.yaml").read_text()
    assert "`payments.amount` is typed number and string in different places" in assumed
    accepted = accept(handoff)
    assert isinstance(accepted, Accepted)
    create = next(op for op in plan_project(accepted.model).operations)
    assert create.kind is OperationKind.CREATE, create.why_custom
    held = [r.location for r in accepted.rfis if r.code is Code.PROPERTY_HELD_TO_ANSWER]
    assert held == ["openapi.yaml#/components/schemas/New/properties/units"], held


def test_a_resource_of_several_shapes_is_one_table_answered_as_the_shape_it_holds(
    tmp_path: Path,
) -> None:
    """Redoc's cafe serves menu items that are a beverage or a dessert (`oneOf`, told
    apart by `category`): one table holds every variant's columns, the discriminator an
    enum of the variants' values; the list answers each row as its variant, where a field
    a variant requires is held to allow the NULL its column may hold; `{menuItemId}` under
    `/menu` names the row by its key."""
    spec = CORPUS / "specs" / "redoc-cafe" / "openapi.yaml"
    handoff = tmp_path / "handoff"
    assert _cli("init", str(spec), "-o", str(handoff)).exit_code in (0, 1)
    menus = _tables(handoff)["menus"]
    assert menus["category"] == {"type": "enum", "values": ["beverage", "dessert"]}
    assert menus["volume"]["nullable"] is True  # a dessert has none
    assert menus["created_at"]["default"] == "now"  # read-only, and created by a form
    accepted = accept(handoff)
    assert isinstance(accepted, Accepted)
    planned = {op.operation_id: op for op in plan_project(accepted.model).operations}
    assert planned["listMenuItems"].kind is OperationKind.LIST, planned["listMenuItems"].why_custom
    assert planned["deleteMenuItem"].kind is OperationKind.DELETE
    schemas = render_project(plan_project(accepted.model))["app/common/schemas.py"].text
    assert "volume: float | None" in schemas
