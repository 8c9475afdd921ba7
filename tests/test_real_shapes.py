"""Issue 18: the shapes handoffs nobody here wrote bring, decided once and checked everywhere.

The spec-type/column-type table (`model/wire.py`), `check` and `from-handoff` agreeing on every
501, no route ignoring a path parameter, names the project uses itself, lookups, `kind:` and
representation suffixes, and a spec looser than its tables."""

from __future__ import annotations

import ast
import json
import shutil
import string
from pathlib import Path
from typing import Any

import pytest
import yaml

from gen_backend.accept import Accepted, accept
from gen_backend.load.design_common import default_from_text
from gen_backend.model import (
    ApiModel,
    Column,
    ColumnType,
    DefaultKind,
    FilterOp,
    OperationKind,
    Schema,
    SchemaType,
    Table,
)
from gen_backend.model.crossing import Crossing
from gen_backend.model.defaults import sqlite_default
from gen_backend.model.keys import HEX, key_form
from gen_backend.model.wire import admits, conversion, wrapper_of
from gen_backend.plan import plan_project
from gen_backend.plan.wire import hold_to_columns
from gen_backend.render import render_project
from gen_backend.validate.rfis import Code

from .conftest import CORPUS, FIXTURES, SAMPLES, sample_dirs

HANDOFFS = sorted(
    [*sample_dirs(), *(p for p in FIXTURES.iterdir() if (p / "handoff.yaml").is_file())],
    key=lambda p: p.name,
)


def _accepted(handoff: Path) -> Accepted:
    result = accept(handoff)
    assert isinstance(result, Accepted)
    return result


def _string(**keywords: object) -> Schema:
    return Schema.model_validate({"types": ("string",), **keywords})


def _column(kind: ColumnType, **keywords: object) -> Column:
    return Column.model_validate({"name": "c", "type": kind} | keywords)


@pytest.mark.parametrize(
    ("schema", "column", "crossing", "held"),
    [
        (_string(), _column(ColumnType.UUID), Crossing.UUID_TEXT, {"format": "uuid"}),
        (_string(), _column(ColumnType.DATE), Crossing.ISO_TEXT, {"format": "date"}),
        (_string(), _column(ColumnType.TIMESTAMPTZ), Crossing.ISO_TEXT, {"format": "date-time"}),
        (
            _string(),
            _column(ColumnType.INTEGER),
            Crossing.INTEGER_TEXT,
            {"pattern": r"^-?[0-9]{1,9}$"},
        ),
        (
            _string(),
            _column(ColumnType.NUMERIC, precision=10, scale=2),
            Crossing.DECIMAL_TEXT,
            {"pattern": r"^-?[0-9]{1,8}(\.[0-9]{1,2})?$", "places": 2},
        ),
        (
            _string(pattern=r"^\d{1,8}(\.\d{1,2})?$"),
            _column(ColumnType.NUMERIC, precision=10, scale=2),
            Crossing.DECIMAL_TEXT,
            {"pattern": None, "places": 2},  # the spec's pattern holds it; "12.50" fits it
        ),
        (
            _string(),
            _column(ColumnType.ENUM, values=("open", "closed")),
            Crossing.CHOICE_TEXT,
            {"pattern": "^(?:open|closed)$"},
        ),
        (
            Schema(types=(SchemaType.INTEGER,), format="int64"),
            _column(ColumnType.TIMESTAMPTZ),
            Crossing.EPOCH_SECONDS,
            {"minimum": 0, "maximum": 253402300799},
        ),
        (_string(format="uuid"), _column(ColumnType.TEXT), Crossing.STORED_AS_TEXT, {}),
        (
            _string(pattern=r"^([01]\d|2[0-3]):[0-5]\d$"),
            _column(ColumnType.TIME),
            Crossing.ISO_TEXT,
            {"text_form": "%H:%M"},  # answered 09:00, as the pattern wants
        ),
        (_string(format="uuid"), _column(ColumnType.UUID), Crossing.AS_IS, {}),
        (Schema(types=(SchemaType.NUMBER,)), _column(ColumnType.NUMERIC), Crossing.AS_IS, {}),
        (Schema(types=(SchemaType.OBJECT,)), _column(ColumnType.JSON), Crossing.AS_IS, {}),
        (Schema(), _column(ColumnType.BOOLEAN), Crossing.AS_IS, {}),  # any type
    ],
)
def test_each_pair_of_spec_type_and_column_type_crosses_one_way(
    schema: Schema, column: Column, crossing: Crossing, held: dict[str, object]
) -> None:
    decided = conversion(schema, column)
    assert decided.crossing is crossing
    for key, value in held.items():
        assert getattr(decided, key) == value


@pytest.mark.parametrize(
    ("schema", "column", "why"),
    [
        (_string(pattern="^ord_[0-9a-z]{26}$"), _column(ColumnType.UUID), "admits no UUID"),
        (Schema(types=(SchemaType.INTEGER,)), _column(ColumnType.TEXT), "cannot hold"),
        (Schema(types=(SchemaType.NUMBER,)), _column(ColumnType.INTEGER), "cannot hold"),
        (
            Schema(types=(SchemaType.INTEGER,)),
            _column(ColumnType.NUMERIC, precision=6, scale=4),
            "fractions",
        ),
        (_string(), _column(ColumnType.BOOLEAN), "cannot hold"),
        (Schema(types=(SchemaType.ARRAY,)), _column(ColumnType.TEXT), "cannot hold"),
        (
            _string(format="uuid"),
            _column(ColumnType.STRING, max_length=20),
            "needs 36 characters",
        ),
        (
            _string(pattern="^[a-z]+$"),
            _column(ColumnType.ENUM, values=("open", "closed-now")),
            "refuses some",
        ),
    ],
)
def test_pairs_that_cannot_cross_safely_are_refused(
    schema: Schema, column: Column, why: str
) -> None:
    decided = conversion(schema, column)
    assert decided.crossing is Crossing.REFUSED
    assert why in decided.why


def _copy_with(tmp_path: Path, fixture: str, **appended: str) -> Path:
    """A copy of `fixture` with text appended to some of its files."""
    handoff = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, handoff)
    for name, text in appended.items():
        path = handoff / name.replace("_", ".", 1)
        path.write_text(path.read_text() + text)
    return handoff


RATES_SQL = """
CREATE TABLE rates (code varchar(3) PRIMARY KEY, rate numeric(6, 4) NOT NULL);
"""
RATES_STEP = """  - {id: "0003", description: rates, tables: [rates]}
"""
RATES_PATH = """
  /rates:
    get:
      operationId: listRates
      responses:
        "200":
          description: Exchange rates
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  required: [code, rate]
                  properties:
                    code: {type: string, maxLength: 3}
                    rate: {type: integer, description: in basis points}
"""


def _with_paths(handoff: Path, paths: str) -> Path:
    """`handoff` with more paths in its spec (before its components)."""
    spec = handoff / "openapi.yaml"
    text = spec.read_text()
    spec.write_text(text.replace("components:", paths.lstrip("\n") + "components:", 1))
    return handoff


def test_a_refused_pair_is_an_error_at_check_and_a_stub_with_the_same_reason(
    tmp_path: Path,
) -> None:
    """An integer over `numeric(6, 4)`: no value crosses both ways."""
    handoff = _copy_with(tmp_path, "wire", schema_sql=RATES_SQL, migrations_yaml=RATES_STEP)
    result = _accepted(_with_paths(handoff, RATES_PATH))
    (mismatch,) = [r for r in result.rfis if r.code is Code.PROPERTY_TYPE_MISMATCH]
    assert "`rates.rate`" in mismatch.question
    assert "fractions" in mismatch.question
    stubs = {op.operation_id: op.why_custom for op in plan_project(result.model).operations}
    assert stubs["listRates"] == (
        "`rate` cannot be stored in `rates.rate`: its fractions would be answered as an integer"
    )


@pytest.mark.parametrize("handoff", HANDOFFS, ids=lambda p: p.name)
def test_check_reports_every_stub_from_handoff_writes_with_its_reason(handoff: Path) -> None:
    result = _accepted(handoff)
    reported = {(r.location, r.question) for r in result.rfis if r.code is Code.OPERATION_STUBBED}
    pointers = {op.operation_id: op.pointer for op in result.model.operations}
    written = {
        (pointers[op.operation_id], op.why_custom)
        for op in plan_project(result.model, result.rfis).operations
        if op.kind is OperationKind.CUSTOM
    }
    assert {where for where, _ in reported} == {where for where, _ in written}
    for where, question in reported:
        (why,) = [why for pointer, why in written if pointer == where]
        assert f": {why}." in question


@pytest.mark.parametrize("handoff", HANDOFFS, ids=lambda p: p.name)
def test_no_generated_route_ignores_a_path_parameter(handoff: Path) -> None:
    """Each generated (not stubbed) service method uses every path parameter it is given:
    none is taken and dropped."""
    result = _accepted(handoff)
    plan = plan_project(result.model, result.rfis)
    files = render_project(plan)
    for api in plan.apis:
        source = files.get(f"app/{api.module}/service.py")
        if source is None:
            continue
        methods = {
            node.name: node
            for node in ast.walk(ast.parse(source.text))
            if isinstance(node, ast.AsyncFunctionDef)
        }
        for op in api.operations:
            if op.kind is OperationKind.CUSTOM:
                continue
            used = {
                node.id
                for statement in methods[op.function].body
                for node in ast.walk(statement)
                if isinstance(node, ast.Name)
            }
            for param in op.params:
                if param.location == "path":
                    assert param.name in used, f"{op.operation_id} ignores {param.wire}"


VENUE_PATH = """
  /venues/{venueSlug}/bookings:
    get:
      operationId: listVenueBookings
      parameters:
        - {name: venueSlug, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: A venue's bookings
          content:
            application/json:
              schema: {$ref: "#/components/schemas/BookingList"}
"""


def test_a_path_parameter_nothing_binds_is_an_error_and_a_stub(tmp_path: Path) -> None:
    """Bookings have no key to venues: `venueSlug` would be ignored."""
    handoff = _copy_with(tmp_path, "loose")
    result = _accepted(_with_paths(handoff, VENUE_PATH))
    (unbound,) = [r for r in result.rfis if r.code is Code.PATH_PARAM_UNBOUND]
    assert unbound.location == "/paths/~1venues~1{venueSlug}~1bookings/get"
    planned = {op.operation_id: op for op in plan_project(result.model).operations}
    assert planned["listVenueBookings"].why_custom == (
        "path parameter `venueSlug` selects nothing in `bookings`"
    )


def test_a_spec_looser_than_the_table_is_held_to_it() -> None:
    """A create body the spec does not require, whose schema has no `required:` list, over
    NOT NULL columns: generated, with the body and those fields required."""
    result = _accepted(FIXTURES / "loose")
    required = {r.location for r in result.rfis if r.code is Code.PROPERTY_REQUIRED_BY_COLUMN}
    assert required == {
        f"openapi.yaml#/components/schemas/BookingInput/properties/{name}"
        for name in ("roomId", "guestName", "nights")
    }
    plan = plan_project(result.model)
    create = next(op for op in plan.operations if op.operation_id == "createBooking")
    assert create.kind is OperationKind.CREATE
    assert str(create.body.type) == "BookingInput"  # not `BookingInput | None`
    body = next(c for api in plan.apis for c in api.classes if c.name == "BookingInput")
    assert {f.name for f in body.fields if f.required} == {"room_id", "guest_name", "nights"}
    assert "note" not in {f.name for f in body.fields if f.required}


def test_a_spec_tighter_than_the_table_on_the_way_out_answers_null() -> None:
    """`Room.floor` is required and never null in the spec, over a nullable column: held
    nullable in the answer (a row without a floor is answered, not a 500), with a warning."""
    result = _accepted(FIXTURES / "loose")
    nullable = {r.location for r in result.rfis if r.code is Code.PROPERTY_NULLABLE_BY_COLUMN}
    assert nullable == {"openapi.yaml#/components/schemas/Room/properties/floor"}
    plan = plan_project(result.model)
    room = next(c for api in plan.apis for c in api.classes if c.name == "Room")
    floor = next(f for f in room.fields if f.name == "floor")
    assert floor.required
    assert floor.annotation.optional


def test_a_wrapped_row_is_unwrapped_beside_what_it_does_not_keep() -> None:
    """`{"room": {...}, "notifyStaff": true}`: the row is `room`; `notifyStaff` is accepted
    and said not to be kept. A field named after the table beside the row's own fields is no
    wrapper."""
    result = _accepted(FIXTURES / "loose")
    dropped = {r.location for r in result.rfis if r.code is Code.PROPERTY_NO_COLUMN}
    assert any(where.endswith("/properties/notifyStaff") for where in dropped)
    plan = plan_project(result.model)
    create = next(op for op in plan.operations if op.operation_id == "createRoom")
    assert (create.kind, create.body.wrapper, create.why_custom) == (
        OperationKind.CREATE,
        "room",
        None,
    )
    api = result.model.api
    rooms = result.model.design.table("rooms")
    assert rooms is not None
    row = Schema.model_validate(
        {
            "properties": (
                {"name": "room", "schema": {"ref": "RoomInput"}},
                {"name": "name", "schema": {"types": ("string",)}},
            )
        }
    )
    assert wrapper_of(row, rooms, api) is None


def test_kind_suffixes_and_the_keys_a_spec_names_otherwise() -> None:
    result = _accepted(FIXTURES / "loose")
    ops = {op.operation_id: op for op in result.model.operations}
    assert ops["searchBookings"].kind is OperationKind.LIST  # handoff.yaml `kind: list`
    assert (ops["listRooms"].table, ops["listRooms"].kind) == ("rooms", OperationKind.LIST)
    room = ops["getRoom"]  # /rooms/{roomId}.json
    assert (room.kind, [(b.param, b.column) for b in room.path_bindings]) == (
        OperationKind.GET,
        [("roomId", "id")],
    )
    under = ops["listRoomBookings"]  # /rooms/{roomId}/bookings.json
    assert (under.table, [(b.param, b.column) for b in under.path_bindings]) == (
        "bookings",
        [("roomId", "room_id")],
    )
    plan = plan_project(result.model)
    rooms = next(d.table for d in plan.domains if d.table.name == "rooms")
    assert rooms.synonyms == (("room_id", "id"),)  # `roomId` answers the key


def test_lookups_declared_and_inferred() -> None:
    result = _accepted(FIXTURES / "lookup")
    plan = {op.operation_id: op for op in plan_project(result.model).operations}
    assert plan["getService"].key_lookup == (("id", "uuid.UUID"), ("name", "str"))
    assert plan["getTeam"].key_lookup == (("id", "int"), ("slug", "str"))
    inferred = {r.location for r in result.rfis if r.code is Code.LOOKUP_INFERRED}
    assert inferred == {
        "/paths/~1services~1{service_id_or_name}/get",
        "/paths/~1services~1{service_id_or_name}/delete",
    }
    services = plan["listServices"].listing  # `offset` typed as text: an opaque cursor
    assert (services.cursor_wire, services.offset) == ("offset", None)


def test_names_the_project_uses_itself_are_renamed_and_recorded() -> None:
    result = _accepted(FIXTURES / "names")
    plan = plan_project(result.model, result.rfis)
    assert set(plan.renamed) == {
        ("Page", "PageModel"),  # the ORM classes of `pages`, `repositories`
        ("Repository", "RepositoryModel"),
        ("Page", "PageSchema"),  # the spec's schemas
        ("Repository", "RepositorySchema"),
        ("get_session", "get_session_"),  # the operation `getSession`
    }
    report = render_project(plan)["GENERATION.md"].text
    assert "| `Page` | `PageSchema` |" in report
    # the app's error is `ProblemError`: a spec's `Problem` and a table `problems` keep theirs
    assert "`Problem`" not in report


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("oai-petstore-expanded", ("Error", None, {"code": "status", "message": "title"})),
        ("realworld-conduit", ("GenericErrorModel", "errors", {"body": "messages"})),
        ("redocly-museum", ("Error", None, {"type": "code", "title": "title"})),
        ("typespec-todoapp", ("Standard4XXResponse", None, {"code": "code", "message": "title"})),
        ("swagger-petstore3", None),  # declares no error schema
        ("redoc-cafe", None),  # its own is RFC 9457's
    ],
)
def test_errors_take_the_specs_own_shape(
    spec: str, expected: tuple[str, str | None, dict[str, str]] | None
) -> None:
    from gen_backend.load.openapi import load_openapi
    from gen_backend.model.errors import error_shape
    from gen_backend.model.from_openapi import read_api

    from .conftest import CORPUS

    api = read_api(load_openapi(next((CORPUS / "specs" / spec).glob("openapi.*")))).api
    shape, unfit = error_shape(api.operations, api, None)
    assert unfit is None
    found = (
        (shape.schema_name, shape.wrapper, {f.wire: f.fills.value for f in shape.fields})
        if shape
        else None
    )
    assert found == expected
    assert error_shape(api.operations, api, "rfc9457") == (None, None)  # the handoff says so


def test_a_shape_nothing_can_fill_stays_rfc_9457_and_says_why() -> None:
    from gen_backend.model.errors import error_shape

    result = _accepted(FIXTURES / "lookup")
    api = result.model.api
    envelope = api.schemas_by_name["ErrorEnvelope"].schema_
    inner = envelope.properties[0].schema_.model_copy(
        update={
            "properties": (
                *envelope.properties[0].schema_.properties,
                envelope.properties[0]
                .schema_.properties[0]
                .model_copy(update={"name": "ticket", "required": True}),
            )
        }
    )
    broken = envelope.model_copy(
        update={"properties": (envelope.properties[0].model_copy(update={"schema_": inner}),)}
    )
    named = tuple(
        n.model_copy(update={"schema_": broken}) if n.name == "ErrorEnvelope" else n
        for n in api.schemas
    )
    api = api.model_copy(update={"schemas": named})
    assert error_shape(result.model.in_scope_operations, api, None) == (
        None,
        "`ErrorEnvelope` requires `ticket`, which no error knows",
    )


@pytest.mark.parametrize(
    ("expression", "kind", "on_sqlite"),
    [
        ("now()", DefaultKind.NOW, None),
        ("timezone('utc'::text, now())", DefaultKind.NOW, None),  # Supabase's created_at
        ("(now() AT TIME ZONE 'utc')", DefaultKind.NOW, None),
        ("LOCALTIMESTAMP", DefaultKind.NOW, None),
        ("gen_random_uuid()", DefaultKind.UUID, None),
        ("lower('ABC')", DefaultKind.EXPRESSION, "LOWER('ABC')"),
        ("md5(random()::text)", DefaultKind.EXPRESSION, None),
        ("now() + interval '7 days'", DefaultKind.EXPRESSION, None),
    ],
)
def test_a_default_is_the_current_time_a_new_uuid_or_an_expression_both_engines_run(
    expression: str, kind: DefaultKind, on_sqlite: str | None
) -> None:
    default, _ = default_from_text(expression)
    assert default is not None
    assert default.kind is kind
    if kind is DefaultKind.EXPRESSION:  # None: SQLite cannot run it (DEFAULT_NOT_PORTABLE)
        assert sqlite_default(str(default.value)) == on_sqlite


def test_a_key_a_path_names_rows_by_is_never_empty() -> None:
    """Petstore's `username` names users in `/user/{username}`; the spec lets it be empty,
    which would make a user no path can reach (`/user/`): held to one character at least."""
    result = _accepted(FIXTURES / "petstore3")
    empty = {r.location for r in result.rfis if r.code is Code.PROPERTY_EMPTY_KEY}
    assert {where.rsplit("#", 1)[1] for where in empty} == {
        "/components/schemas/User/properties/username"
    }
    held = hold_to_columns(result.model).service.api
    user = held.resolve(Schema(ref="User"))
    username = next(p for p in user.properties if p.name == "username")
    assert username.schema_.min_length == 1


def _petstore3_documents() -> tuple[dict[str, Any], dict[str, Any]]:
    """The petstore3 fixture's spec (from the corpus) and manifest, to change."""
    spec = yaml.safe_load((CORPUS / "specs" / "swagger-petstore3" / "openapi.yaml").read_text())
    manifest = yaml.safe_load((FIXTURES / "petstore3" / "handoff.yaml").read_text())
    return spec, manifest


def _petstore3_with(tmp_path: Path, spec: dict[str, Any], manifest: dict[str, Any]) -> Path:
    """The petstore3 fixture with `spec` and `manifest` in the place of its own."""
    handoff = tmp_path / "petstore3"
    shutil.copytree(FIXTURES / "petstore3", handoff)
    (handoff / "openapi.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    manifest["artifacts"]["openapi"] = "openapi.yaml"
    (handoff / "handoff.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    return handoff


def test_a_literal_route_is_declared_before_a_parameter_that_would_take_its_segment(
    tmp_path: Path,
) -> None:
    """Redoc's petstore demo lists `/pet/{petId}` before `/pet/findByStatus`: declared in
    that order, `GET /pet/findByStatus` would be `getPetById` with `findByStatus` for id."""
    spec, manifest = _petstore3_documents()
    spec["paths"] = {
        path: spec["paths"][path]
        for path in sorted(spec["paths"], key=lambda path: "{" not in path)
    }
    result = _accepted(_petstore3_with(tmp_path, spec, manifest))
    files = render_project(plan_project(result.model))
    router = files["app/pet/router.py"].text
    declared = [line.strip() for line in router.splitlines() if line.startswith('    "/pet')]
    assert declared.index('"/pet/findByStatus",') < declared.index('"/pet/{petId}",')
    assert declared.index('"/pet/findByTags",') < declared.index('"/pet/{petId}",')
    # the methods only `/pet/{petId}` has are refused on the literal paths (405, not 422)
    assert "from app.core.refused import refuse_methods" in files["app/main.py"].text
    assert "app/core/refused.py" in files


def test_a_query_parameter_of_many_values_filters_by_any_of_them(tmp_path: Path) -> None:
    """`?status=available&status=sold` over the `status` column: one of them (`in`); a filter
    declared `eq` for it would compare a list with a text, so `check` refuses it."""
    spec, manifest = _petstore3_documents()
    parameter = spec["paths"]["/pet/findByStatus"]["get"]["parameters"][0]
    parameter["schema"] = {"type": "array", "items": parameter["schema"]}
    declared = _accepted(_petstore3_with(tmp_path / "declared", spec, manifest))
    mismatched = [r for r in declared.rfis if r.code is Code.FILTER_OP_MISMATCH]
    assert [r.location for r in mismatched] == ["/operations/findPetsByStatus/filters/status"]

    del manifest["operations"]["findPetsByStatus"]["filters"]
    inferred = _accepted(_petstore3_with(tmp_path / "inferred", spec, manifest))
    find = next(op for op in inferred.model.api.operations if op.operation_id == "findPetsByStatus")
    assert [(f.param, f.columns, f.op) for f in find.filters] == [
        ("status", ("status",), FilterOp.IN)
    ]


def test_a_query_parameter_its_columns_values_cannot_be_compared_with_filters_nothing(
    tmp_path: Path,
) -> None:
    """Conduit's `?favorited=jake` (who favorited) beside a boolean `favorited`: a parameter
    named after a column whose values it cannot hold is no filter by it, and `check` asks."""
    spec, manifest = _petstore3_documents()
    parameter = spec["paths"]["/pet/findByStatus"]["get"]["parameters"][0]
    parameter["schema"] = {"type": "integer"}
    del manifest["operations"]["findPetsByStatus"]["filters"]
    result = _accepted(_petstore3_with(tmp_path, spec, manifest))
    find = next(op for op in result.model.api.operations if op.operation_id == "findPetsByStatus")
    assert (find.filters, find.unmapped_query_params) == ((), ("status",))
    asked = [r.question for r in result.rfis if r.code is Code.QUERY_PARAM_UNMAPPED]
    assert any("named after column `pet.status`, whose enum values" in q for q in asked), asked


_RECORD = {
    "types": ["object"],
    "properties": [
        {"name": "name", "schema": {"types": ["string"]}, "required": True},
        {"name": "color", "schema": {"types": ["string"]}},
    ],
}
_PATCH_RECORD = {  # TypeSpec's merge-patch form of it: nothing required, color nullable
    "types": ["object"],
    "properties": [
        {"name": "name", "schema": {"types": ["string"]}},
        {"name": "color", "schema": {"types": ["string", "null"]}},
    ],
}
_LABELS_API = ApiModel.model_validate(
    {
        "title": "labels",
        "version": "1",
        "openapi_version": "3.0.3",
        "schemas": [
            {"name": "Record", "pointer": "#/Record", "schema": _RECORD},
            {"name": "PatchRecord", "pointer": "#/PatchRecord", "schema": _PATCH_RECORD},
        ],
    }
)


@pytest.mark.parametrize(
    ("wider", "narrower", "admitted"),
    [
        ({"ref": "Record"}, {"ref": "PatchRecord"}, False),  # a label without its name
        ({"ref": "PatchRecord"}, {"ref": "Record"}, True),
        (  # typespec-todoapp's labels: text, texts, a record or records
            {"any_of": [{"types": ["string"]}, {"ref": "Record"}]},
            {"any_of": [{"types": ["string"]}, {"ref": "PatchRecord"}]},
            False,
        ),
        ({"any_of": [{"types": ["string"]}, {"ref": "Record"}]}, {"ref": "Record"}, True),
        (  # the notes fixture: a request stricter than the answer
            {"types": ["array", "null"], "items": {"types": ["string"]}},
            {"types": ["array"], "items": {"types": ["string"], "max_length": 30}, "max_items": 9},
            True,
        ),
        ({"types": ["array"], "max_items": 3}, {"types": ["array"]}, False),
        ({"types": ["number"]}, {"types": ["integer"]}, True),
        ({"types": ["string"], "enum": ["a", "b"]}, {"types": ["string"]}, False),
        ({"ref": "Record"}, {"types": ["object"]}, False),  # free-form: any object at all
        ({"types": ["integer"], "maximum": 10}, {"types": ["integer"], "maximum": 5}, True),
    ],
)
def test_a_json_value_is_admitted_where_every_value_the_request_takes_can_be_answered(
    wider: dict[str, object], narrower: dict[str, object], admitted: bool
) -> None:
    assert (
        admits(Schema.model_validate(wider), Schema.model_validate(narrower), _LABELS_API)
        is admitted
    )


def test_a_json_column_written_in_a_looser_schema_than_answered_is_held_to_the_answer(
    tmp_path: Path,
) -> None:
    """The notes fixture's `labels` (a JSON column) sent as texts or numbers, answered as
    texts: a number stored would fail every answer, so the request takes texts, and `check`
    says why."""
    handoff = tmp_path / "notes"
    shutil.copytree(FIXTURES / "notes", handoff)
    spec = yaml.safe_load((handoff / "openapi.yaml").read_text())
    labels = spec["components"]["schemas"]["NoteInput"]["properties"]["labels"]
    labels["items"] = {"type": ["string", "integer"]}
    (handoff / "openapi.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))

    result = _accepted(handoff)
    held = {r.location for r in result.rfis if r.code is Code.PROPERTY_HELD_TO_ANSWER}
    assert held == {"openapi.yaml#/components/schemas/NoteInput/properties/labels"}
    api = hold_to_columns(result.model).service.api
    sent = api.resolve(Schema(ref="NoteInput"))
    written = next(p for p in sent.properties if p.name == "labels").schema_
    answered = next(p for p in api.resolve(Schema(ref="Note")).properties if p.name == "labels")
    assert admits(answered.schema_, written, api)
    as_written = _accepted(FIXTURES / "notes").rfis  # a stricter request is left as it is
    assert Code.PROPERTY_HELD_TO_ANSWER not in {r.code for r in as_written}


def test_a_key_parameter_bounded_tighter_than_its_column_is_asked_and_not_walked_past(
    tmp_path: Path,
) -> None:
    """Redoc's petstore demo reads an order only by an `orderId` of 1 to 5 while creating
    one makes any id: the rows the tests make soon pass 5, so no HTTP test reaches a row
    through that parameter, and `check` says why."""
    spec, manifest = _petstore3_documents()
    for method in spec["paths"]["/store/order/{orderId}"].values():
        method["parameters"][0]["schema"].update(minimum=1, maximum=5)

    result = _accepted(_petstore3_with(tmp_path, spec, manifest))
    narrow = {r.location for r in result.rfis if r.code is Code.KEY_PARAMETER_NARROWER}
    assert narrow == {
        "/paths/~1store~1order~1{orderId}/get/parameters/0",
        "/paths/~1store~1order~1{orderId}/delete/parameters/0",
    }
    files = render_project(plan_project(result.model, result.rfis))
    tests = files["tests/order/test_api.py"].text
    assert "/store/order/{row.id}" not in tests
    assert "place_order" in tests  # the operations the bound does not touch keep theirs
    # generated, though not probed: the inspection does not count it a 501 stub
    index = json.loads(files[".gen-backend/inspection.json"].text)
    get = next(op for op in index["operations"] if op["operation_id"] == "getOrderById")
    assert (get["kind"], get["probed"]) == ("get", False)


@pytest.mark.parametrize(
    ("pattern", "made"),
    [
        (r"^AD[0-9a-fA-F]{32}$", ("AD", "hex", 32)),  # Twilio's sid
        (r"^cus_[a-zA-Z0-9]{14}$", ("cus_", "alnum", 14)),  # Stripe's
        (None, ("", "uuid", 36)),  # no form given: a UUID's text
        (r"^\d+$", None),  # no fixed length: left to the request
        (r"^[0-9]{6}$", None),  # too few to be made at random
    ],
)
def test_a_text_key_nothing_sends_is_made_in_the_specs_form(
    pattern: str | None, made: tuple[str, str, int] | None
) -> None:
    key = _column(ColumnType.STRING, name="sid", max_length=40, primary_key=True)
    table = Table(name="things", columns=(key,))
    answered = _string(pattern=pattern) if pattern else _string()
    form = key_form(key, table, answered)
    if made is None:
        assert form is None
        return
    assert form is not None
    kinds = {"hex": HEX, "alnum": string.digits + string.ascii_letters, "uuid": ""}
    assert (form.prefix, form.alphabet, form.length) == (made[0], kinds[made[1]], made[2])
    assert key_form(key.model_copy(update={"max_length": 20}), table, answered) == (
        form if len(form.prefix) + form.length <= 20 else None
    )


def test_the_sids_fixture_makes_its_keys_and_takes_its_owner_from_the_path() -> None:
    result = _accepted(FIXTURES / "sids")
    assert {(r.code, r.location) for r in result.rfis if r.code is Code.KEY_MADE} == {
        (Code.KEY_MADE, "addresses.sid")
    }
    unmapped = [r for r in result.rfis if r.code is Code.QUERY_PARAM_UNMAPPED]
    assert [r.question.split("`")[1] for r in unmapped] == ["PageToken"]
    files = render_project(plan_project(result.model))
    service = files["app/addresses/service.py"].text
    assert "raise ProblemError(404" in service
    assert 'text_key("AD", "0123456789abcdef", 32)' in files["app/addresses/models.py"].text


def test_a_unique_code_nothing_sends_is_made_but_a_nullable_one_is_left_empty() -> None:
    """The museum's `confirmation_code` (unique, NOT NULL) is made by the service; the orders
    sample's `provider_reference` (unique, nullable: the payment provider's id) is not."""
    museum = _accepted(FIXTURES / "museum")
    made = {r.location for r in museum.rfis if r.code is Code.KEY_MADE}
    assert made == {"tickets.confirmation_code"}
    assert Code.REQUIRED_COLUMN_UNSUPPLIED not in {r.code for r in museum.rfis}
    orders = _accepted(SAMPLES / "orders")
    assert Code.KEY_MADE not in {r.code for r in orders.rfis}


def test_a_value_is_read_only_where_it_wraps_a_read_only_schema() -> None:
    """Redoc's petstore demo: `id: {allOf: [{$ref: Id}]}`, where `Id` is readOnly. Sent in a
    create, it is not written; served, it says readOnly (schemathesis then sends none, and
    does not look for the row by it)."""
    api = ApiModel.model_validate(
        {
            "title": "ids",
            "version": "1",
            "openapi_version": "3.0.3",
            "schemas": [
                {
                    "name": "Id",
                    "pointer": "#/Id",
                    "schema": {"types": ["integer"], "read_only": True},
                }
            ],
        }
    )
    assert api.is_read_only(Schema.model_validate({"all_of": [{"ref": "Id"}]}))
    assert api.is_read_only(Schema(ref="Id"))
    assert not api.is_read_only(Schema.model_validate({"all_of": [{"ref": "Id"}, {"types": []}]}))
    files = render_project(plan_project(_accepted(SAMPLES / "library").model))
    assert 'id: uuid.UUID = Field(json_schema_extra={"readOnly": True})' in (
        files["app/books/schemas.py"].text
    )
