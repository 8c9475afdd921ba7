"""RFIs: questions found by cross-checking the artifacts against each other.

Each RFI has a stable code (documented in docs/cli.md), a severity, the artifact and the place
in it (a JSON pointer, or `table.column`), the question and a suggested resolution. RFIs do not
stop `check`; they are what a person must answer or accept before building on the result.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from gen_backend.load import RawHandoff
from gen_backend.load.source import pointer
from gen_backend.model import (
    Column,
    ColumnType,
    DefaultKind,
    HttpMethod,
    Operation,
    OperationKind,
    PermissionSource,
    Property,
    Schema,
    SchemaDesign,
    SchemaType,
    ServiceModel,
    Table,
)
from gen_backend.model.bounds import Bound, check_choices, column_range, type_range
from gen_backend.model.build import Resolved
from gen_backend.model.credentials import is_unchecked
from gen_backend.model.crossing import Crossing
from gen_backend.model.defaults import fill_value, sqlite_default
from gen_backend.model.infer import path_segments, property_column, sort_values, table_named
from gen_backend.model.integrations import Refusal, client_names
from gen_backend.model.naming import snake, table_forms
from gen_backend.model.schema import naming
from gen_backend.model.service import DataDecision
from gen_backend.model.uploads import is_file, is_multipart, upload_columns
from gen_backend.model.wire import (
    bound_columns,
    conversion,
    create_fill,
    empty_keys,
    filter_misfit,
    json_answers,
    longer_than_column,
    made_keys_of,
    nullable_answers,
    partial_bodies,
    path_keys,
    resource_attributes,
    response_row,
    row_properties,
    unanswerable_writes,
    unwrapped,
    variants,
    wrapper_of,
)


class Severity(StrEnum):
    ERROR = "error"  # the generated code would be wrong or fail without an answer
    WARNING = "warning"  # likely a mistake; the generator makes a stated choice
    INFO = "info"  # worth knowing before building


class Code(StrEnum):
    OPERATION_TABLE_UNKNOWN = "OPERATION_TABLE_UNKNOWN"
    OPERATION_TABLE_NOT_IN_DESIGN = "OPERATION_TABLE_NOT_IN_DESIGN"
    OPERATION_ID_MISSING = "OPERATION_ID_MISSING"
    PATH_KEY_UNBOUND = "PATH_KEY_UNBOUND"
    PATH_PARAM_UNBOUND = "PATH_PARAM_UNBOUND"
    KEY_PARAMETER_NARROWER = "KEY_PARAMETER_NARROWER"
    OPERATION_STUBBED = "OPERATION_STUBBED"
    LOOKUP_INFERRED = "LOOKUP_INFERRED"
    LOOKUP_INVALID = "LOOKUP_INVALID"
    PROPERTY_NO_COLUMN = "PROPERTY_NO_COLUMN"
    PROPERTY_TYPE_MISMATCH = "PROPERTY_TYPE_MISMATCH"
    PROPERTY_TYPE_CONVERTED = "PROPERTY_TYPE_CONVERTED"
    PROPERTY_LENGTH_MISMATCH = "PROPERTY_LENGTH_MISMATCH"
    PROPERTY_RANGE_MISMATCH = "PROPERTY_RANGE_MISMATCH"
    PROPERTY_ENUM_MISMATCH = "PROPERTY_ENUM_MISMATCH"
    PROPERTY_REQUIRED_BY_COLUMN = "PROPERTY_REQUIRED_BY_COLUMN"
    PROPERTY_NULLABLE_BY_COLUMN = "PROPERTY_NULLABLE_BY_COLUMN"
    PROPERTY_EMPTY_KEY = "PROPERTY_EMPTY_KEY"
    REQUIRED_COLUMN_UNSUPPLIED = "REQUIRED_COLUMN_UNSUPPLIED"
    FOREIGN_KEY_TARGET_MISSING = "FOREIGN_KEY_TARGET_MISSING"
    TABLE_NO_PRIMARY_KEY = "TABLE_NO_PRIMARY_KEY"
    DEFAULT_NOT_PORTABLE = "DEFAULT_NOT_PORTABLE"
    KEY_MADE = "KEY_MADE"
    ERROR_SHAPE_TAKEN = "ERROR_SHAPE_TAKEN"
    ERROR_SHAPE_UNFIT = "ERROR_SHAPE_UNFIT"
    DESIGN_PART_SKIPPED = "DESIGN_PART_SKIPPED"
    SCHEMA_FORMS_DISAGREE = "SCHEMA_FORMS_DISAGREE"
    MIGRATION_TABLE_MISSING = "MIGRATION_TABLE_MISSING"
    MIGRATION_TABLE_DUPLICATE = "MIGRATION_TABLE_DUPLICATE"
    MIGRATION_UNKNOWN_TABLE = "MIGRATION_UNKNOWN_TABLE"
    MIGRATION_ORDER = "MIGRATION_ORDER"
    MIGRATION_UNKNOWN_DEPENDENCY = "MIGRATION_UNKNOWN_DEPENDENCY"
    MIGRATION_BAD_FILL = "MIGRATION_BAD_FILL"
    DESIGN_CHANGE_LOSES_DATA = "DESIGN_CHANGE_LOSES_DATA"
    PERMISSION_MISSING = "PERMISSION_MISSING"
    PERMISSION_CONFLICT = "PERMISSION_CONFLICT"
    PERMISSION_UNGRANTED = "PERMISSION_UNGRANTED"
    PERMISSION_DEFAULTED = "PERMISSION_DEFAULTED"
    UNKNOWN_OPERATION = "UNKNOWN_OPERATION"
    OWNERSHIP_TABLE_MISSING = "OWNERSHIP_TABLE_MISSING"
    OWNERSHIP_COLUMN_MISSING = "OWNERSHIP_COLUMN_MISSING"
    OWNERSHIP_UNKNOWN_ROLE = "OWNERSHIP_UNKNOWN_ROLE"
    SCOPE_FR_UNUSED = "SCOPE_FR_UNUSED"
    SCOPE_EMPTY = "SCOPE_EMPTY"
    FILTER_COLUMN_MISSING = "FILTER_COLUMN_MISSING"
    FILTER_PARAM_UNDECLARED = "FILTER_PARAM_UNDECLARED"
    FILTER_OP_MISMATCH = "FILTER_OP_MISMATCH"
    OWNER_COLUMN_IN_BODY = "OWNER_COLUMN_IN_BODY"
    SECURITY_SCHEME_UNCHECKED = "SECURITY_SCHEME_UNCHECKED"
    QUERY_PARAM_UNMAPPED = "QUERY_PARAM_UNMAPPED"
    SORT_VALUE_UNMAPPED = "SORT_VALUE_UNMAPPED"
    PROPERTY_HELD_TO_ANSWER = "PROPERTY_HELD_TO_ANSWER"
    ASSUMPTION_IN_SCOPE = "ASSUMPTION_IN_SCOPE"
    INTERVENTION_PENDING = "INTERVENTION_PENDING"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    SPEC_INVALID = "SPEC_INVALID"
    DESIGN_EMPTY = "DESIGN_EMPTY"
    SPEC_NO_PATHS = "SPEC_NO_PATHS"
    INTEGRATION_NO_BASE_URL = "INTEGRATION_NO_BASE_URL"
    INTEGRATION_NO_CREDENTIAL = "INTEGRATION_NO_CREDENTIAL"
    INTEGRATION_KIND_UNSUPPORTED = "INTEGRATION_KIND_UNSUPPORTED"
    INTEGRATION_NAME_TAKEN = "INTEGRATION_NAME_TAKEN"
    INTEGRATION_VARIABLE_INVALID = "INTEGRATION_VARIABLE_INVALID"
    INTEGRATION_OPERATION_RENAMED = "INTEGRATION_OPERATION_RENAMED"
    INTEGRATION_HEADER_INVALID = "INTEGRATION_HEADER_INVALID"
    INTEGRATION_PATH_INVALID = "INTEGRATION_PATH_INVALID"


class AnswerKind(StrEnum):
    ACCEPTED = "accepted"  # as it is: the generator's choice stands
    RESOLVED = "resolved"  # by a change to the handoff (`change` says which)
    DEFERRED = "deferred"  # to later: known, and left open on purpose


class RfiAnswer(BaseModel):
    """A person's answer to an RFI (rfis.yaml), found by its code and location."""

    model_config = ConfigDict(frozen=True)

    code: str
    location: str
    answer: AnswerKind
    note: str = ""
    change: str | None = None


class Rfi(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: Code
    severity: Severity
    artifact: str
    location: str
    question: str
    suggestion: str
    answer: RfiAnswer | None = None

    @property
    def open(self) -> bool:
        return self.answer is None


_ITEM_KINDS = {OperationKind.GET, OperationKind.REPLACE, OperationKind.UPDATE, OperationKind.DELETE}
_WRITE_KINDS = {OperationKind.CREATE, OperationKind.REPLACE, OperationKind.UPDATE}


class _Checker:
    def __init__(self, raw: RawHandoff, model: ServiceModel, resolved: list[Resolved]) -> None:
        self.raw = raw
        self.model = model
        self.resolved = {r.operation_id: r for r in resolved}
        self.rfis: list[Rfi] = []
        self._seen: set[tuple[Code, str, str]] = set()
        self.files = {
            name: raw.relative(path) if path else f"{name}.yaml" for name, path in raw.paths.items()
        }
        self.files["manifest"] = "handoff.yaml"
        # the named schemas a partial update takes, whose fields a create cannot require
        self.partial = partial_bodies(model.in_scope_operations, model.api, model.design)
        self.path_keys = path_keys(model.in_scope_operations)
        self.json_answers = json_answers(model.in_scope_operations, model.design, model.api)

    def add(
        self,
        code: Code,
        severity: Severity,
        artifact: str,
        location: str,
        question: str,
        suggestion: str,
    ) -> None:
        key = (code, artifact, location)
        if key not in self._seen:
            self._seen.add(key)
            self.rfis.append(
                Rfi(
                    code=code,
                    severity=severity,
                    artifact=self.files[artifact],
                    location=location,
                    question=question,
                    suggestion=suggestion,
                )
            )

    # ---- operations ---------------------------------------------------------------------------

    def operations(self) -> None:
        for op in self.model.in_scope_operations:
            if op.operation_id_derived:
                self.add(
                    Code.OPERATION_ID_MISSING,
                    Severity.INFO,
                    "openapi",
                    op.pointer,
                    f"{op.method.upper()} {op.path} has no operationId; it is called "
                    f"`{op.operation_id}` here.",
                    "give the operation an operationId, so names stay stable",
                )
            self.permissions(op)  # every in-scope operation, with or without a table
            if op.table is None:
                self.add(
                    Code.OPERATION_TABLE_UNKNOWN,
                    # a public endpoint without a table is usually a health or info endpoint
                    Severity.INFO if op.public else Severity.WARNING,
                    "openapi",
                    op.pointer,
                    f"Which table does `{op.operation_id}` ({op.method.upper()} {op.path}) "
                    "work on? Neither its path nor its schemas name one.",
                    "set `x-table` on the operation or `table:` under handoff.yaml "
                    "`operations:`; without it the operation is generated as a custom "
                    "endpoint for hand-written code",
                )
                continue
            table = self.model.design.table(op.table)
            if table is None:
                self.add(
                    Code.OPERATION_TABLE_NOT_IN_DESIGN,
                    Severity.ERROR,
                    "openapi",
                    op.pointer,
                    f"`{op.operation_id}` names table `{op.table}` "
                    f"({op.table_source.value}), which the schema design does not have.",
                    "correct the table name or add the table to the schema design",
                )
                continue
            if op.kind in _ITEM_KINDS and not any(b.is_key for b in op.path_bindings):
                self.add(
                    Code.PATH_KEY_UNBOUND,
                    Severity.WARNING,
                    "openapi",
                    op.pointer,
                    f"Which column of `{table.name}` does the last path parameter of "
                    f"{op.path} select by?",
                    f"name it after the primary key ({', '.join(table.primary_key)}) or a "
                    "unique column",
                )
            keyless = op.kind in _ITEM_KINDS and not any(b.is_key for b in op.path_bindings)
            unbound = [  # the item key's own question is PATH_KEY_UNBOUND
                name
                for name in op.unbound_path_params
                if not (keyless and path_segments(op.path)[-1] == "{" + name + "}")
            ]
            if op.kind is not OperationKind.CUSTOM and unbound:
                names = ", ".join(f"`{name}`" for name in unbound)
                self.add(
                    Code.PATH_PARAM_UNBOUND,
                    Severity.ERROR,
                    "openapi",
                    op.pointer,
                    f"{op.path} names {names}, but `{table.name}` has no column it selects "
                    f"(no key, no foreign key to the table before it): `{op.operation_id}` "
                    "would ignore it, so it is left as a 501 stub.",
                    f"add a foreign key from `{table.name}` to the table the parameter names, "
                    "or name the column with `lookup:` or `table:` under handoff.yaml "
                    "`operations:`",
                )
            self.properties(op, table)
            self.filters(op, table)
            self.sorts(op, table)
            self.bound_parameters(op, table)
            self.lookups(op, table)

    def properties(self, op: Operation, table: Table) -> None:
        api = self.model.api
        if op.kind in _WRITE_KINDS and op.request_body and op.request_body.body.schema_:
            self.wrapped_beside(op, table, op.request_body.body.schema_)
            located = self._row_schema(op.request_body.body.schema_, table)
            for prop, column in empty_keys(op, table, api, self.path_keys):
                self.add(
                    Code.PROPERTY_EMPTY_KEY,
                    Severity.WARNING,
                    "openapi",
                    f"{located[1]}/properties/{prop.name}",
                    f"`{prop.name}` of `{op.operation_id}` may be empty in the spec, but "
                    f"`{table.name}.{column.name}` names rows in a path, where an empty one "
                    "cannot be reached: the service takes one character at least (a 422 "
                    "otherwise), and the served document says so.",
                    f"set `minLength: 1` (or a pattern) on `{prop.name}`",
                )
            for written, answered in unanswerable_writes(op, table, api, self.json_answers):
                self.add(
                    Code.PROPERTY_HELD_TO_ANSWER,
                    Severity.WARNING,
                    "openapi",
                    f"{located[1]}/properties/{written.name}",
                    f"`{written.name}` of `{op.operation_id}` is stored as JSON in "
                    f"`{table.name}`, and answered as {_schema_name(answered.schema_)}, but "
                    f"the request takes it as {_schema_name(written.schema_)}: a value only "
                    "the request's schema takes would be stored and then fail every answer. "
                    "The request is held to the answer's schema (a 422 otherwise), and the "
                    "served document says so.",
                    f"give `{written.name}` the answer's schema in the request, or widen the "
                    "answer's",
                )
            files = self._upload_columns(op, table)
            for prop, where in self._row_properties(*located):
                if prop.name in files:
                    if not files[prop.name]:
                        self.add(
                            Code.PROPERTY_NO_COLUMN,
                            Severity.WARNING,
                            "openapi",
                            f"{where}/properties/{prop.name}",
                            f"File `{prop.name}` of `{op.operation_id}` has no column in "
                            f"`{table.name}` to keep its bytes, name, media type or size. "
                            "Where does it go?",
                            f"add a bytea column `{snake(prop.name)}` (or `file_name`, "
                            f"`content_type`, `size_bytes`) to `{table.name}`, or leave it to "
                            "hand-written code in the service layer",
                        )
                elif not api.is_read_only(prop.schema_):
                    self.property(op, table, prop, where, request=True)
        if op.kind in _WRITE_KINDS | {OperationKind.GET, OperationKind.LIST}:
            row = response_row(op, table, api)
            if row is not None:
                located = self._row_schema(row, table)
                places = list(self._row_properties(*located))
                for prop, where in places:
                    self.property(op, table, prop, where, request=False)
                defined = {prop.name: where for prop, where in places}
                for prop, column in nullable_answers(op, table, api):
                    self.add(
                        Code.PROPERTY_NULLABLE_BY_COLUMN,
                        Severity.WARNING,
                        "openapi",
                        f"{defined.get(prop.name, located[1])}/properties/{prop.name}",
                        f"`{prop.name}` is required and never null in the answer of "
                        f"`{op.operation_id}`, but `{table.name}.{column.name}` may be NULL: "
                        "the service answers null where the row holds none, and the served "
                        "document says so.",
                        f"make `{table.name}.{column.name}` NOT NULL (with a default or a "
                        f"value every write sends), or mark `{prop.name}` nullable in the spec",
                    )
        if op.kind is OperationKind.CREATE:
            self.required_columns(op, table)
        ownership = self.model.auth.ownership_of(table.name)
        if (
            ownership
            and op.kind in _WRITE_KINDS
            and op.request_body
            and op.request_body.body.schema_
        ):
            row, where = self._row_schema(op.request_body.body.schema_, table)
            for prop in api.object_properties(row):
                if snake(prop.name) == ownership.owner_column and not api.is_read_only(
                    prop.schema_
                ):
                    self.add(
                        Code.OWNER_COLUMN_IN_BODY,
                        Severity.WARNING,
                        "openapi",
                        f"{where}/properties/{prop.name}",
                        f"`{op.operation_id}` accepts `{prop.name}`, but "
                        f"`{table.name}.{ownership.owner_column}` is the owner column, filled "
                        "from the token's subject and never from a body.",
                        "remove the property from the request body (or mark it readOnly); "
                        "the generated service ignores it",
                    )

    def lookups(self, op: Operation, table: Table) -> None:
        """A declared lookup that cannot be, and one inferred from a parameter's name."""
        resolved = self.resolved.get(op.operation_id)
        handoff = resolved.handoff_intent if resolved else None
        declared = (handoff.lookup if handoff and handoff.lookup else None) or (
            resolved.spec_intent.lookup if resolved else None
        )
        where, artifact = (
            (f"/operations/{op.operation_id}/lookup", "manifest")
            if handoff and handoff.lookup
            else (f"{op.pointer}/x-lookup", "openapi")
        )
        used = {b.param for b in op.path_bindings if b.alternatives}
        for param, columns in (declared or {}).items():
            if param in used:
                continue
            self.add(
                Code.LOOKUP_INVALID,
                Severity.ERROR,
                artifact,
                f"{where}/{param}",
                f"`{op.operation_id}` cannot look `{param}` up by {columns}: a lookup is the "
                "last path parameter of a get, replace, update or delete, and names columns "
                f"of `{table.name}` that each select one row (a key or a unique column).",
                "name the item's parameter and its key or unique columns",
            )
        for binding in op.path_bindings:
            if binding.alternatives and not (declared and binding.param in declared):
                columns = [binding.column, *binding.alternatives]
                self.add(
                    Code.LOOKUP_INFERRED,
                    Severity.INFO,
                    "openapi",
                    op.pointer,
                    f"`{{{binding.param}}}` of `{op.operation_id}` is taken to name a row of "
                    f"`{table.name}` by {' or '.join(f'`{c}`' for c in columns)}: a value of "
                    f"`{columns[0]}`'s type selects by it, anything else by "
                    f"`{columns[-1]}`.",
                    f"declare it under handoff.yaml `operations: {op.operation_id}: lookup:` "
                    "to confirm it, or rename the parameter",
                )

    def bound_parameters(self, op: Operation, table: Table) -> None:
        """The path and filter parameters bound to one column, against the column's type."""
        by_name = {p.name: p for p in op.parameters}
        for name, column_name in bound_columns(op):
            parameter, column = by_name.get(name), table.column(column_name)
            if parameter is None or column is None:
                continue
            schema = self.model.api.resolve(parameter.schema_)
            if schema.items is not None:
                schema = self.model.api.resolve(schema.items)
            location = parameter.pointer or f"{op.pointer}/parameters"
            self.crossing(op, table, column, name, schema, location, request=True)
            if any(b.is_key and b.param == name for b in op.path_bindings):
                self.narrow_key(op, table, column, name, schema, location)

    def narrow_key(
        self, op: Operation, table: Table, column: Column, name: str, schema: Schema, where: str
    ) -> None:
        """A key parameter bounded tighter than its column: rows past the bound exist (a
        create or another writer makes them) but this operation cannot reach them."""
        holds = column_range(table, column)
        stated = _stated(schema, below=False)
        if stated is None or holds is None or not column.type.is_integer:
            return
        if holds.high is not None and not _past(holds.high, stated, below=False):
            return
        self.add(
            Code.KEY_PARAMETER_NARROWER,
            Severity.WARNING,
            "openapi",
            where,
            f"`{name}` of `{op.operation_id}` takes keys up to {_number(stated.value)} but "
            f"`{table.name}.{column.name}` holds larger ones: a row with a larger key cannot "
            f"be reached through {op.method.value.upper()} {op.path} (a 422). The parameter "
            "keeps the spec's bound; the generated tests that reach a row through it are "
            "left out, since their rows' keys may pass it.",
            f"raise the parameter's maximum to the column's, or bound `{column.name}` with a CHECK",
        )

    def _upload_columns(self, op: Operation, table: Table) -> dict[str, set[str]]:
        """The files of a multipart create body: property -> the columns that keep it."""
        body = op.request_body.body if op.request_body else None
        if body is None or body.schema_ is None or not is_multipart(body.content_type):
            return {}
        kinds = {
            c.name: "bytes"
            if c.type is ColumnType.BYTES
            else "str"
            if c.type.is_textual
            else "int"
            if c.type.is_integer
            else c.type.value
            for c in table.columns
        }
        return {
            prop.name: set(upload_columns(snake(prop.name), kinds).values())
            if op.kind is OperationKind.CREATE
            else set()
            for prop in self.model.api.object_properties(body.schema_)
            if is_file(self.model.api.resolve(prop.schema_))
        }

    def wrapped_beside(self, op: Operation, table: Table, body: Schema) -> None:
        """What a request sends beside the row it wraps (`{"item": {...}, "tags": [...]}`)."""
        api = self.model.api
        wrapper = wrapper_of(body, table, api)
        if wrapper is None:
            return
        where = self._defined_at(body)
        if not wrapper.required:
            self.add(
                Code.PROPERTY_REQUIRED_BY_COLUMN,
                Severity.WARNING,
                "openapi",
                f"{where}/properties/{wrapper.name}",
                f"`{wrapper.name}` of `{op.operation_id}` is optional in the spec, but it "
                f"carries the `{table.name}` row: the service requires it (a 422 names it "
                "when it is missing), and the served document says so.",
                f"mark `{wrapper.name}` required in the spec",
            )
        for prop in api.object_properties(body):
            if prop.name != wrapper.name:
                self.add(
                    Code.PROPERTY_NO_COLUMN,
                    Severity.WARNING,
                    "openapi",
                    f"{where}/properties/{prop.name}",
                    f"`{prop.name}`, sent beside the `{wrapper.name}` row of "
                    f"`{op.operation_id}`, is accepted and not kept: only the row is written "
                    f"to `{table.name}`.",
                    f"write `{prop.name}` by hand in the service layer, or drop it from the "
                    "request body",
                )

    def _row_schema(self, schema: Schema, table: Table) -> tuple[Schema, str]:
        """Unwrap `{"book": {...}}` bodies; return the row schema and where it is defined."""
        api = self.model.api
        schema = unwrapped(schema, table, api)
        return schema, self._defined_at(schema)

    def _row_properties(self, row: Schema, where: str) -> Iterator[tuple[Property, str]]:
        """Each property of a row (`model.wire.row_properties`), with where it is defined:
        a JSON:API resource's attributes in their own object, a variant's in the variant."""
        api = self.model.api
        if members := variants(row, api):  # each property where a variant has it
            for prop in row_properties(row, api):
                having = next(
                    m for m in members if any(p.name == prop.name for p in row_properties(m, api))
                )
                yield prop, self._defined_at(having)
            return
        attributes = resource_attributes(row, api)
        inner = api.object_properties(attributes.schema_) if attributes else ()
        held = (
            self._defined_at(attributes.schema_)
            if attributes and attributes.schema_.ref
            else f"{where}/properties/attributes"
        )
        for prop in row_properties(row, api):
            yield prop, held if any(prop.schema_ is p.schema_ for p in inner) else where

    def _defined_at(self, schema: Schema) -> str:
        """Where `schema` is defined: its named schema's pointer, or its own place inline."""
        if schema.ref:
            return self.model.api.schemas_by_name[schema.ref].pointer
        return schema.source or "inline schema"

    def property(
        self, op: Operation, table: Table, prop: Property, where: str, *, request: bool
    ) -> None:
        api = self.model.api
        schema = api.resolve(prop.schema_)
        location = f"{where}/properties/{prop.name}"
        column = property_column(prop.name, table)
        if column is None:
            if self._is_embedded(prop.schema_):
                return
            self.add(
                Code.PROPERTY_NO_COLUMN,
                Severity.WARNING,
                "openapi",
                location,
                f"Property `{prop.name}` of `{op.operation_id}` has no column in "
                f"`{table.name}`. Is it computed, stored elsewhere, or missing from the "
                "design?",
                f"add a column `{snake(prop.name)}` to `{table.name}`, or leave it to "
                "hand-written code in the service layer",
            )
            return
        if self.crossing(op, table, column, prop.name, schema, location, request=request):
            return
        if not request:
            return
        if longer_than_column(schema, column):
            said = f"maxLength {schema.max_length}" if schema.max_length else "no maxLength"
            self.add(
                Code.PROPERTY_LENGTH_MISMATCH,
                Severity.WARNING,
                "openapi",
                location,
                f"Property `{prop.name}` has {said} but column `{table.name}."
                f"{column.name}` holds at most {column.max_length} characters: the service "
                "takes no more (a 422 names it), and the served document says so.",
                f"set `maxLength: {column.max_length}` on the property",
            )
        beyond = _beyond_column(schema, table, column)
        if beyond is not None:
            said, bound, keyword = beyond
            self.add(
                Code.PROPERTY_RANGE_MISMATCH,
                Severity.WARNING,
                "openapi",
                location,
                f"Property `{prop.name}` allows {said} but column `{table.name}."
                f"{column.name}` ({column.type.value}) holds {bound}: the service refuses "
                "such a value with a 422 that the spec does not announce.",
                f"set `{keyword}` on the property, or change the column or its CHECK",
            )
        listed = [
            texts
            for check in table.checks
            if (texts := check_choices(check.expression).get(column.name)) is not None
        ]
        if column.type is ColumnType.ENUM or listed:
            allowed = set(column.values) if column.type is ColumnType.ENUM else set(listed[0])
            given = {str(v) for v in schema.enum or ()}
            if not given or not given <= allowed:
                self.add(
                    Code.PROPERTY_ENUM_MISMATCH,
                    Severity.WARNING,
                    "openapi",
                    location,
                    f"Property `{prop.name}` allows {sorted(given) or 'any string'} but "
                    f"column `{table.name}.{column.name}` allows {sorted(allowed)}.",
                    f"set `enum: {sorted(allowed)}` on the property",
                )

    def crossing(
        self,
        op: Operation,
        table: Table,
        column: Column,
        name: str,
        schema: Schema,
        location: str,
        *,
        request: bool,
    ) -> bool:
        """Raise what the spec-type/column-type table (`model.wire`) decides for a value of
        `op`; True when no value can cross, so nothing more is worth asking of it."""
        decided = conversion(schema, column)
        spelled = "/".join(t.value for t in schema.types) or "any"
        if schema.format:
            spelled += f" ({schema.format})"
        where = f"`{table.name}.{column.name}` ({column.type.value})"
        if decided.crossing is Crossing.REFUSED:
            self.add(
                Code.PROPERTY_TYPE_MISMATCH,
                Severity.ERROR,
                "openapi",
                location,
                f"`{name}` of `{op.operation_id}` is {spelled}, stored in {where}: "
                f"{decided.why}. The operation is left as a 501 stub.",
                "make the spec's type match the column, or change the column",
            )
            return True
        if decided.converts and decided.unstated and request:
            self.add(
                Code.PROPERTY_TYPE_CONVERTED,
                Severity.WARNING,
                "openapi",
                location,
                f"`{name}` of `{op.operation_id}` is {spelled}, stored in {where}: the "
                f"service takes only {decided.why} (a 422 for any other value, which the "
                "served document states) and answers it in the spec's type.",
                "state the column's form in the spec (its format or pattern), or change the column",
            )
        return False

    def _is_embedded(self, schema: Schema) -> bool:
        """An object (or list of objects) named after another table: an embedded relation."""
        api = self.model.api
        target = schema.items if schema.items is not None else schema
        resolved = api.resolve(target)
        if resolved.items is not None:
            target = resolved.items
        if target.ref and table_named(target.ref, self.model.design):
            return True
        return (
            bool(api.resolve(target).properties) or SchemaType.OBJECT in api.resolve(target).types
        )

    def required_columns(self, op: Operation, table: Table) -> None:
        """What a create must fill and how (`model.wire.create_fill`, as the plan does)."""
        api = self.model.api
        ownership = self.model.auth.ownership_of(table.name)
        fill = create_fill(
            op, table, api, ownership.owner_column if ownership else None, self.partial
        )
        files = {c for columns in self._upload_columns(op, table).values() for c in columns}
        row, where = (
            self._row_schema(op.request_body.body.schema_, table)
            if (op.request_body and op.request_body.body.schema_)
            else (None, "")
        )
        for column_name, made in made_keys_of(op, table, api).items():
            what = "text key" if table.primary_key == (column_name,) else "unique text column"
            self.add(
                Code.KEY_MADE,
                Severity.INFO,
                "schema",
                f"{table.name}.{column_name}",
                f"`{table.name}.{column_name}` is a {what} without a default: where a request "
                f"of `{op.operation_id}` does not send it, the service makes it: "
                f"{made.described}.",
                "give the column a default, or send it in the request, to decide otherwise",
            )
        for prop in fill.required:
            column = property_column(prop.name, table)
            assert column is not None  # create_fill pairs each with its column
            self.add(
                Code.PROPERTY_REQUIRED_BY_COLUMN,
                Severity.WARNING,
                "openapi",
                f"{where}/properties/{prop.name}",
                f"`{prop.name}` of `{op.operation_id}` is optional in the spec, but "
                f"`{table.name}.{column.name}` is NOT NULL without a default: the service "
                "requires it (a 422 names it when it is missing or null), and the served "
                "document says so.",
                f"mark `{prop.name}` required in the spec, or give the column a default",
            )
        for column in fill.unfilled:
            if column.name in files:
                continue
            shared = (
                row is not None
                and row.ref in self.partial
                and any(
                    property_column(p.name, table) == column for p in api.object_properties(row)
                )
            )
            self.add(
                Code.REQUIRED_COLUMN_UNSUPPLIED,
                Severity.ERROR,
                "schema",
                f"{table.name}.{column.name}",
                f"`{table.name}.{column.name}` is NOT NULL without a default, but the "
                f"create body of `{op.operation_id}` "
                + (
                    "leaves it optional in a schema that a partial update also takes"
                    if shared
                    else "does not supply it and the server cannot fill it"
                )
                + ". Where does its value come from? Until then the create answers 501.",
                "add the property to the create body (required), give the column a "
                "default, or make it nullable",
            )

    def filters(self, op: Operation, table: Table) -> None:
        params = {p.name for p in op.parameters}
        for flt in op.filters:
            where = (
                f"{op.pointer}/x-filters/{flt.param}"
                if flt.source.value == "x-filters"
                else f"/operations/{op.operation_id}/filters/{flt.param}"
            )
            artifact = "openapi" if flt.source.value == "x-filters" else "manifest"
            for name in flt.columns:
                if table.column(name) is None:
                    self.add(
                        Code.FILTER_COLUMN_MISSING,
                        Severity.ERROR,
                        artifact,
                        where,
                        f"Filter `{flt.param}` of `{op.operation_id}` uses column "
                        f"`{table.name}.{name}`, which does not exist.",
                        "name a column of the table",
                    )
            if flt.param not in params:
                self.add(
                    Code.FILTER_PARAM_UNDECLARED,
                    Severity.WARNING,
                    artifact,
                    where,
                    f"Filter `{flt.param}` is not a query parameter of "
                    f"`{op.operation_id}` in the spec.",
                    "declare the query parameter in the OpenAPI document",
                )
        by_name = {p.name: p for p in op.parameters}
        for flt in op.filters:
            problem = filter_misfit(flt, by_name.get(flt.param), table, self.model.api)
            if problem:
                self.add(
                    Code.FILTER_OP_MISMATCH,
                    Severity.WARNING,
                    "openapi" if flt.source.value == "x-filters" else "manifest",
                    f"{op.pointer}/x-filters/{flt.param}"
                    if flt.source.value == "x-filters"
                    else f"/operations/{op.operation_id}/filters/{flt.param}",
                    f"Filter `{flt.param}` of `{op.operation_id}` uses `{flt.op.value}`, but "
                    f"{problem}.",
                    "choose an op that fits the column and the parameter (docs/handoff.md)",
                )
        for name in op.unmapped_query_params:
            parameter = by_name.get(name)
            self.add(
                Code.QUERY_PARAM_UNMAPPED,
                Severity.WARNING,
                "openapi",
                parameter.pointer
                if parameter and parameter.pointer
                else f"{op.pointer}/parameters",
                f"What does query parameter `{name}` of `{op.operation_id}` do? It "
                + (
                    f"is named after column `{table.name}.{column.name}`, whose "
                    f"{column.type.value} values it cannot be compared with, and "
                    if (column := table.column(snake(name)) or table.column(name))
                    else "matches no column and "
                )
                + "no declared filter.",
                "declare it under `x-filters` (or handoff.yaml `operations: filters:`); "
                "otherwise it is left to hand-written code",
            )

    def sorts(self, op: Operation, table: Table) -> None:
        """Sort values the spec lists that name no column of the table."""
        columns = [c.name for c in table.columns]
        unmapped = [s.value for s in sort_values(op, columns, self.model.api) if not s.column]
        if not unmapped:
            return
        parameter = next(p for p in op.parameters if p.name == op.sort_params[0])
        self.add(
            Code.SORT_VALUE_UNMAPPED,
            Severity.WARNING,
            "openapi",
            parameter.pointer or f"{op.pointer}/parameters",
            f"`{parameter.name}` of `{op.operation_id}` lists "
            f"{', '.join(f'`{v}`' for v in unmapped)}, which name no column of "
            f"`{table.name}`: they are taken, and the rows come in the list's own order "
            "(by key).",
            f"add the column to `{table.name}`, or take the value out of the enum",
        )

    def security_schemes(self) -> None:
        """Schemes the in-scope operations list that the generated code does not check."""
        schemes = {scheme.name: scheme for scheme in self.model.api.security_schemes}
        for op in self.model.in_scope_operations:
            if op.public:
                continue
            for requirement in op.security:
                for name, _ in requirement.schemes:
                    scheme = schemes.get(name)
                    if scheme is None or not is_unchecked(scheme):
                        continue
                    what = " ".join(
                        part for part in (scheme.kind.value, scheme.scheme, scheme.location) if part
                    )
                    self.add(
                        Code.SECURITY_SCHEME_UNCHECKED,
                        Severity.WARNING,
                        "openapi",
                        f"/components/securitySchemes/{name}",
                        f"Security scheme `{name}` ({what}) is not checked by the generated "
                        "code: the operations that list it take the bearer token (JWT) "
                        "in its place.",
                        "use a bearer token, or an API key in a header or cookie; or check "
                        "this scheme in hand-written code",
                    )

    def permissions(self, op: Operation) -> None:
        auth = self.model.auth
        if not op.public and not op.permissions:
            self.add(
                Code.PERMISSION_MISSING,
                Severity.ERROR,
                "auth",
                f"/operations/{op.operation_id}",
                f"Which permission does `{op.operation_id}` ({op.method.upper()} "
                f"{op.path}) require? No artifact decides it.",
                f"add `{op.operation_id}: [<permission>]` (or `public`) under auth.yaml "
                "`operations:`, or permissions for every such operation under `defaults:`",
            )
        for permission in op.permissions:
            if not auth.grants(permission):
                self.add(
                    Code.PERMISSION_UNGRANTED,
                    Severity.WARNING,
                    "auth",
                    f"/operations/{op.operation_id}",
                    f"No role grants `{permission}`, which `{op.operation_id}` requires; "
                    "only a token scope could.",
                    f"grant `{permission}` to a role under `roles:`",
                )
        resolved = self.resolved.get(op.operation_id)
        if resolved is None:
            return
        opinions = {
            "auth.yaml": resolved.auth_permissions,
            "handoff.yaml": resolved.handoff_intent.permissions
            if resolved.handoff_intent
            else None,
            "x-permissions": resolved.spec_intent.permissions,
            "OpenAPI `security: []`": "public" if resolved.spec_public else None,
        }
        said = {k: _as_set(v) for k, v in opinions.items() if v is not None}
        if len({frozenset(v) for v in said.values()}) > 1:
            winner = op.permission_source.value
            self.add(
                Code.PERMISSION_CONFLICT,
                Severity.WARNING,
                "auth",
                f"/operations/{op.operation_id}",
                f"The artifacts disagree on `{op.operation_id}`: "
                + "; ".join(f"{k} says {sorted(v)}" for k, v in said.items())
                + ".",
                f"make them agree; until then {winner} decides",
            )

    def error_shape(self) -> None:
        """Which shape the error answers take: the spec's own, or RFC 9457 and why."""
        shape, unfit = self.model.error_shape, self.model.error_shape_unfit
        if shape is not None:
            filled = ", ".join(f"`{f.wire}` ({f.fills.value})" for f in shape.fields)
            self.add(
                Code.ERROR_SHAPE_TAKEN,
                Severity.INFO,
                "openapi",
                self.model.api.schemas_by_name[shape.schema_name].pointer,
                f"Errors are answered in the spec's own shape `{shape.schema_name}`"
                + (f" (inside `{shape.wrapper}`)" if shape.wrapper else "")
                + f": {filled}; the request id is in the `X-Request-Id` header.",
                "set `error_format: rfc9457` in handoff.yaml for RFC 9457 problem details instead",
            )
        elif unfit is not None:
            self.add(
                Code.ERROR_SHAPE_UNFIT,
                Severity.WARNING,
                "openapi",
                "/components/schemas",
                f"The spec's error schema cannot carry the service's errors: {unfit}. They "
                "are answered as RFC 9457 problem details, which the served document says.",
                "make the schema's other fields optional, or name a schema that fits with "
                "handoff.yaml `error_format:`",
            )

    def permission_defaults(self) -> None:
        """Which operations took auth.yaml's `defaults:`, per class, so a reviewer sees which
        way each went (and that none was made public by it)."""
        defaults = self.raw.auth.defaults if self.raw.auth else None
        if defaults is None:
            return
        taken: dict[str, list[Operation]] = defaultdict(list)
        for op in self.model.in_scope_operations:
            if op.permission_source is PermissionSource.DEFAULTS:
                reads = op.method in (HttpMethod.GET, HttpMethod.HEAD)
                taken["all" if defaults.all is not None else "read" if reads else "write"].append(
                    op
                )
        for key, ops in taken.items():
            names = ", ".join(op.operation_id for op in ops[:8])
            more = f" and {len(ops) - 8} more" if len(ops) > 8 else ""
            self.add(
                Code.PERMISSION_DEFAULTED,
                Severity.INFO,
                "auth",
                f"/defaults/{key}",
                f"{len(ops)} operation{'s' if len(ops) != 1 else ''} that nothing else gives "
                f"permissions take the `{key}` default {list(ops[0].permissions)}: "
                f"{names}{more}.",
                "name an operation under `operations:` (or `public`) where the default is "
                "not right for it",
            )

    # ---- design, migrations, auth, scope -----------------------------------------------------

    def design(self) -> None:
        design = self.model.design
        if not design.tables:
            self.add(
                Code.DESIGN_EMPTY,
                Severity.WARNING,
                "schema",
                "/tables",
                "The design has no tables: the service stores nothing, so every operation "
                "answers 501 until it is written by hand.",
                "declare the tables the API stores (and a migration step for each), or write "
                "each operation in its rules.py",
            )
        for table in design.tables:
            for column in table.columns:
                default = column.default
                if (
                    default is not None
                    and default.kind is DefaultKind.EXPRESSION
                    and sqlite_default(str(default.value)) is None
                ):
                    self.add(
                        Code.DEFAULT_NOT_PORTABLE,
                        Severity.ERROR,
                        "schema",
                        f"{table.name}.{column.name}",
                        f"`{table.name}.{column.name}` defaults to `{default.value}`, which "
                        "SQLite (the embedded default, and the tests' database) cannot "
                        "evaluate: the migration sets the default on PostgreSQL only, and on "
                        "SQLite a row inserted without the column is refused.",
                        "use a default both engines run (a literal, now(), "
                        "gen_random_uuid()), or fill the value in the service",
                    )
            if not table.primary_key:
                covering = next(
                    (
                        i
                        for i in table.indexes
                        if i.unique and set(i.columns) == {c.name for c in table.columns}
                    ),
                    None,
                )
                self.add(
                    Code.TABLE_NO_PRIMARY_KEY,
                    Severity.ERROR,
                    "schema",
                    table.name,
                    f"Table `{table.name}` has no primary key; how is one row identified?",
                    f"make ({', '.join(covering.columns)}) the primary key"
                    if covering
                    else "declare a primary key",
                )
            for key in table.foreign_keys:
                target = design.table(key.target_table)
                missing = [
                    c for c in key.target_columns if target is None or target.column(c) is None
                ]
                if target is None or missing:
                    what = (
                        f"table `{key.target_table}`"
                        if target is None
                        else f"column `{key.target_table}.{missing[0]}`"
                    )
                    self.add(
                        Code.FOREIGN_KEY_TARGET_MISSING,
                        Severity.ERROR,
                        "schema",
                        f"{table.name}.{','.join(key.columns)}",
                        f"`{table.name}.{', '.join(key.columns)}` references {what}, "
                        "which the design does not have.",
                        "add the referenced table or column, or fix the reference",
                    )
        for form in self.raw.designs[:1]:
            artifact = self.raw.relative(form.path)
            self.files[artifact] = artifact
            for note in form.notes:
                self.add(
                    Code.DESIGN_PART_SKIPPED,
                    Severity.WARNING,
                    artifact,
                    f"line {note.line}: {note.location}" if note.line else note.location,
                    f"{note.problem[:1].upper()}{note.problem[1:]}. Is it needed?",
                    "create it in a hand-written migration, or describe it with plain columns",
                )
        primary = self.raw.designs[0] if self.raw.designs else None
        for other in self.raw.designs[1:]:
            if primary and _canonical(other.design) != _canonical(primary.design):
                self.add(
                    Code.SCHEMA_FORMS_DISAGREE,
                    Severity.ERROR,
                    "schema",
                    self.raw.relative(other.path),
                    f"{self.raw.relative(other.path)} and "
                    f"{self.raw.relative(primary.path)} describe different designs: "
                    f"{_first_difference(_canonical(primary.design), _canonical(other.design))}.",
                    "keep one form, or make the forms agree",
                )

    def _decision_fill(self, decision: DataDecision, at: str) -> None:
        """A decision's `fill` is a value of the column it names, which the design has."""
        if decision.fill is None:
            return
        table_name, _, column_name = decision.change.partition(".")
        table = self.model.design.table(table_name)
        column = table.columns_by_name.get(column_name) if table else None
        if column is None:
            problem = f"names `{decision.change}`, which is no column of the schema design"
            fix = "name the column as `table.column`"
        else:
            try:
                fill_value(decision.fill, column)
                return
            except ValueError as error:
                problem = f"is no {column.type} value for `{decision.change}` ({error})"
                fix = f"give a {column.type} value the rows of `{table_name}` can hold"
        self.add(
            Code.MIGRATION_BAD_FILL,
            Severity.ERROR,
            "migrations",
            at,
            f"The fill {decision.fill!r} {problem}: the migration could not give it to the "
            "existing rows.",
            fix,
        )

    def migrations(self) -> None:
        design = self.model.design
        steps = self.model.migrations.steps
        position = {step.id: n for n, step in enumerate(steps)}
        where: dict[str, list[int]] = defaultdict(list)
        for n, step in enumerate(steps):
            at = pointer("steps", n)
            for table in step.tables:
                where[table].append(n)
                if design.table(table) is None:
                    self.add(
                        Code.MIGRATION_UNKNOWN_TABLE,
                        Severity.ERROR,
                        "migrations",
                        at + "/tables",
                        f"Step {step.id} creates `{table}`, which the schema design does not have.",
                        "remove it or add the table",
                    )
            for k, decision in enumerate(step.decisions):
                self._decision_fill(decision, pointer("steps", n, "decisions", k, "fill"))
            for dependency in step.depends_on:
                if dependency not in position:
                    self.add(
                        Code.MIGRATION_UNKNOWN_DEPENDENCY,
                        Severity.ERROR,
                        "migrations",
                        at + "/depends_on",
                        f"Step {step.id} depends on step "
                        f"`{dependency}`, which the plan does not have.",
                        "name an existing step id",
                    )
                elif position[dependency] >= n:
                    self.add(
                        Code.MIGRATION_ORDER,
                        Severity.ERROR,
                        "migrations",
                        at + "/depends_on",
                        f"Step {step.id} depends on step {dependency}, which comes after it.",
                        "order the steps so dependencies come first",
                    )
        for design_table in design.tables:
            steps_of = where.get(design_table.name, [])
            if not steps_of:
                self.add(
                    Code.MIGRATION_TABLE_MISSING,
                    Severity.ERROR,
                    "migrations",
                    "/steps",
                    f"Table `{design_table.name}` is in no migration step. When is it created?",
                    f"add `{design_table.name}` to the `tables` of one step",
                )
                continue
            if len(steps_of) > 1:
                ids = ", ".join(steps[n].id for n in steps_of)
                self.add(
                    Code.MIGRATION_TABLE_DUPLICATE,
                    Severity.ERROR,
                    "migrations",
                    pointer("steps", steps_of[1], "tables"),
                    f"Table `{design_table.name}` is created by more than one step ({ids}).",
                    "keep it in exactly one step",
                )
            mine = steps_of[0]
            for key in design_table.foreign_keys:
                theirs = where.get(key.target_table)
                if key.target_table != design_table.name and theirs and theirs[0] > mine:
                    self.add(
                        Code.MIGRATION_ORDER,
                        Severity.ERROR,
                        "migrations",
                        pointer("steps", mine, "tables"),
                        f"Step {steps[mine].id} creates `{design_table.name}`, which references "
                        f"`{key.target_table}`, created later by step "
                        f"{steps[theirs[0]].id}.",
                        f"move `{design_table.name}` after `{key.target_table}`, or swap the steps",
                    )

    def ownership(self) -> None:
        roles = {r.name for r in self.model.auth.roles}
        for owned in self.model.auth.ownership:
            at = pointer("ownership", owned.table)
            table = self.model.design.table(owned.table)
            if table is None:
                self.add(
                    Code.OWNERSHIP_TABLE_MISSING,
                    Severity.ERROR,
                    "auth",
                    at,
                    f"Ownership is declared on `{owned.table}`, which the schema design "
                    "does not have.",
                    "fix the table name",
                )
            elif table.column(owned.owner_column) is None:
                self.add(
                    Code.OWNERSHIP_COLUMN_MISSING,
                    Severity.ERROR,
                    "auth",
                    f"{owned.table}.{owned.owner_column}",
                    f"`{owned.table}` is owned through `{owned.owner_column}`, but the "
                    "table has no such column.",
                    f"add `{owned.owner_column}` to `{owned.table}` or name its owner column",
                )
            for role in owned.bypass_roles:
                if role not in roles:
                    self.add(
                        Code.OWNERSHIP_UNKNOWN_ROLE,
                        Severity.WARNING,
                        "auth",
                        at + "/bypass_roles",
                        f"Bypass role `{role}` of `{owned.table}` is not defined under `roles:`.",
                        "define the role or remove it",
                    )

    def unknown_operations(self) -> None:
        known = {op.operation_id for op in self.model.operations}
        manifest = self.raw.manifest
        assert manifest
        assert self.raw.auth
        for artifact, names in (
            ("manifest", manifest.operations),
            ("auth", self.raw.auth.operations),
        ):
            for name in names:
                if name not in known:
                    self.add(
                        Code.UNKNOWN_OPERATION,
                        Severity.WARNING,
                        artifact,
                        pointer("operations", name),
                        f"`{name}` is not an operationId of the OpenAPI document.",
                        "fix the operationId, or remove the entry",
                    )

    def scope(self) -> None:
        carried = {op.fr_id for op in self.model.operations}
        for n, fr in enumerate(self.model.mvp_scope):
            if fr not in carried:
                self.add(
                    Code.SCOPE_FR_UNUSED,
                    Severity.WARNING,
                    "manifest",
                    pointer("mvp_scope", n),
                    f"{fr} is in the MVP scope, but no operation carries it.",
                    "tag its operations with `x-fr-id` (or "
                    "`fr_id` under handoff.yaml `operations:`), or drop it from the scope",
                )
        if self.model.operations and not self.model.in_scope_operations:
            self.add(
                Code.SCOPE_EMPTY,
                Severity.ERROR,
                "manifest",
                "/mvp_scope",
                "No operation is in scope: nothing would be built.",
                "list the FR-IDs to build under `mvp_scope`, or use `release_mode: full`",
            )

    def assumptions(self) -> None:
        in_scope = self.model.in_scope_operations
        tables = {op.table for op in in_scope if op.table}
        names = (
            tables
            | {op.operation_id for op in in_scope}
            | {op.fr_id for op in in_scope if op.fr_id}
        )
        for n, assumption in enumerate(self.model.assumptions):
            touched = [a for a in assumption.affects if a.split(".")[0] in names]
            if not assumption.affects:
                words = set(re.findall(r"[a-z_]+", assumption.text.lower()))
                touched = sorted(t for t in tables if table_forms(t) & words)
            if touched:
                self.add(
                    Code.ASSUMPTION_IN_SCOPE,
                    Severity.INFO,
                    "manifest",
                    pointer("assumptions", n),
                    f'Assumption {assumption.id} ("{assumption.text}") is inherited '
                    f"and touches {', '.join(touched)}, which is in scope. Does it still "
                    "hold?",
                    "confirm it, or turn it into a decision or a constraint",
                )

    def interventions(self) -> None:
        """An end-of-phase intervention waits, and generation goes on (an immediate one is a
        No-Go item)."""
        for item in self.model.interventions:
            if item.waiting and not item.immediate:
                self.files[item.file] = item.file
                self.add(
                    Code.INTERVENTION_PENDING,
                    Severity.INFO,
                    item.file,
                    "front matter",
                    f"Human intervention waiting (end of phase): {item.title}",
                    "fold it in before the gate, then `gen-backend intervention done "
                    f"HANDOFF {item.name} --note ...`",
                )

    def integrations(self) -> None:
        """Each integration the project cannot call as the handoff has it, and what was
        decided in its place (model/integrations.py decides; the plan follows)."""
        built, refused = client_names(self.model)
        integrations = self.model.integrations
        for index, refusal in refused:
            item = integrations[index]
            at = pointer("integrations", index)
            if refusal is Refusal.KIND:
                self.add(
                    Code.INTEGRATION_KIND_UNSUPPORTED,
                    Severity.WARNING,
                    "integrations",
                    f"{at}/kind",
                    f"Integration `{item.name}` is of kind `{item.kind}`; only `http` "
                    "integrations get a client, so this one is left to hand-written code.",
                    "call it from app/<domain>/rules.py with its own client, or describe it "
                    "as `kind: http`",
                )
            elif refusal is Refusal.HEADER:
                self.add(
                    Code.INTEGRATION_HEADER_INVALID,
                    Severity.ERROR,
                    "integrations",
                    f"{at}/credential_header",
                    f"Integration `{item.name}` sends its credential in "
                    f"`{item.credential_header}`, which is no HTTP header name; it gets no "
                    "client.",
                    "name a header of letters, digits and `-` (`X-Api-Key`), or leave "
                    "`credential_header` out for `Authorization: Bearer`",
                )
            elif refusal is Refusal.VARIABLE:
                self.add(
                    Code.INTEGRATION_VARIABLE_INVALID,
                    Severity.ERROR,
                    "integrations",
                    at,
                    f"Integration `{item.name}` names an environment variable that cannot "
                    "be one (letters, digits and `_`, not first a digit); it gets no client.",
                    "rename `base_url_env` or `credential_env` (`PAYMENTS_BASE_URL`)",
                )
            else:
                self.add(
                    Code.INTEGRATION_NAME_TAKEN,
                    Severity.ERROR,
                    "integrations",
                    f"{at}/name",
                    f"Integration `{item.name}` would give the project a name already taken: "
                    "a setting or variable (`<NAME>_BASE_URL`, `<NAME>_TIMEOUT_S`, "
                    "`<NAME>_RETRIES`, its own) another integration or the service has, or a "
                    "Python name (its getter, its client class) another integration or the "
                    "generated files use; it gets no client.",
                    "give it another name, or name other variables",
                )
        for names in built:
            index = integrations.index(names.integration)
            at = pointer("integrations", index)
            if names.derived_base_url:
                self.add(
                    Code.INTEGRATION_NO_BASE_URL,
                    Severity.WARNING,
                    "integrations",
                    at,
                    f"Integration `{names.integration.name}` names no `base_url_env`: its "
                    f"base URL is read from `{names.base_url_env}`.",
                    f"name the variable in `base_url_env`, or answer this RFI to keep "
                    f"`{names.base_url_env}`",
                )
            if not names.integration.credential_env:
                self.add(
                    Code.INTEGRATION_NO_CREDENTIAL,
                    Severity.WARNING,
                    "integrations",
                    at,
                    f"Integration `{names.integration.name}` names no credential variable: "
                    "its calls carry no credential.",
                    "name the variable holding its key or token in `credential_env` (sent "
                    "as `Authorization: Bearer`, or in `credential_header`), or answer this "
                    "RFI if it needs none",
                )
            for n in names.invalid_paths:
                spec = names.integration.operations[n]
                self.add(
                    Code.INTEGRATION_PATH_INVALID,
                    Severity.ERROR,
                    "integrations",
                    f"{at}/operations/{n}/path",
                    f"Operation `{spec.name}` of `{names.integration.name}` has the path "
                    f"`{spec.path}`, which is no URL path; its client has no method for it.",
                    "write the path as it is sent (`/charges/{charge_id}`), characters "
                    "outside URLs escaped (`%20`), slots of letters, digits, `_`, `-`, `.`",
                )
            for op in names.operations:
                if op.renamed:
                    self.add(
                        Code.INTEGRATION_OPERATION_RENAMED,
                        Severity.INFO,
                        "integrations",
                        f"{at}/operations/{op.index}",
                        f"Operation `{op.spec.name}` of `{names.integration.name}` would "
                        "shadow another method of its client: it is "
                        f"`{names.module}().{op.method}()`.",
                        "give the operation another name",
                    )

    def in_file(self, file: Path) -> str:
        """The artifact key of a file found by the loader (an unknown key's, a spec file's)."""
        artifact = self.raw.relative(file)
        self.files[artifact] = artifact
        return artifact

    def unknown_keys(self) -> None:
        for unknown in self.raw.unknown_keys:
            self.add(
                Code.UNKNOWN_KEY,
                Severity.WARNING,
                self.in_file(unknown.file),
                f"{unknown.at}/{unknown.key}",
                f"`{unknown.key}` is not a key of the handoff format here; it is ignored.",
                "check its spelling against docs/handoff.md, or remove it",
            )

    def spec_validity(self) -> None:
        """The validation errors `--lenient` let through, one RFI each; a document of
        webhooks without paths."""
        document = self.raw.openapi
        data = document.root.data if document else None
        if isinstance(data, dict) and not data.get("paths"):
            self.add(
                Code.SPEC_NO_PATHS,
                Severity.WARNING,
                "openapi",
                "/webhooks",
                "The spec declares webhooks but no paths: the service serves none of its own "
                "operations (only its probes), and sending the webhooks is left to "
                "hand-written code.",
                "describe the operations the service serves under `paths:`",
            )
        for problem in document.invalid if document else ():
            self.add(
                Code.SPEC_INVALID,
                Severity.WARNING,
                self.in_file(problem.file),
                problem.location or "/",
                f"{problem.problem.removeprefix('invalid OpenAPI: ')}"
                + (f" (line {problem.line})" if problem.line else "")
                + "; read anyway (--lenient), so what is built there may not be what the "
                "author meant.",
                problem.fix,
            )


def cross_check(raw: RawHandoff, model: ServiceModel, resolved: list[Resolved]) -> list[Rfi]:
    checker = _Checker(raw, model, resolved)
    checker.spec_validity()
    checker.operations()
    checker.security_schemes()
    checker.permission_defaults()
    checker.error_shape()
    checker.design()
    checker.migrations()
    checker.ownership()
    checker.unknown_operations()
    checker.scope()
    checker.assumptions()
    checker.interventions()
    checker.integrations()
    checker.unknown_keys()
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(checker.rfis, key=lambda r: order[r.severity])


def _as_set(value: list[str] | str) -> set[str]:
    return {"public"} if value == "public" else set(value)


def _beyond_column(schema: Schema, table: Table, column: Column) -> tuple[str, str, str] | None:
    """Where a number property admits values its column does not hold: (what it allows, what
    the column holds, the keyword that fits it), or None. A stated bound past the column's
    type (a smallint's 32767, a numeric's precision) or past a CHECK (`price > 0`) counts, and
    so does no bound at all where a CHECK sets one; an unbounded property beside a type's own
    range does not (its request model is held to that range, see `plan.api.held_to`)."""
    if schema.primary_type not in (SchemaType.INTEGER, SchemaType.NUMBER):
        return None
    width, holds = type_range(column), column_range(table, column)
    if holds is None:
        return None
    for below in (True, False):
        end = holds.low if below else holds.high
        if end is None:
            continue
        stated = _stated(schema, below=below)
        if stated is None:
            if width is not None and end == (width.low if below else width.high):
                continue
        elif not _past(stated, end, below=below):
            continue
        value = _number(end.value)
        if below:
            said = f"down to {_number(stated.value)}" if stated else "any number below"
            bound = f"{'more than' if end.strict else 'at least'} {value}"
            keyword = f"{'exclusiveMinimum' if end.strict else 'minimum'}: {value}"
        else:
            said = f"up to {_number(stated.value)}" if stated else "any number above"
            bound = f"{'less than' if end.strict else 'at most'} {value}"
            keyword = f"{'exclusiveMaximum' if end.strict else 'maximum'}: {value}"
        return said, bound, keyword
    return None


def _schema_name(schema: Schema) -> str:
    """A schema as a question names it: `TodoLabels` (also where it wraps that one alone, or
    that one or null), else its types."""
    if schema.ref:
        return f"`{schema.ref}`"
    for group in (schema.all_of, schema.any_of, schema.one_of):
        named = [part.ref for part in group if part.types != (SchemaType.NULL,)]
        if len(named) == 1 and named[0]:
            return f"`{named[0]}`"
    return "/".join(t.value for t in schema.types) or "any value"


def _stated(schema: Schema, *, below: bool) -> Bound | None:
    """The spec's own lower (or upper) bound of a number."""
    loose, strict = (
        (schema.minimum, schema.exclusive_minimum)
        if below
        else (schema.maximum, schema.exclusive_maximum)
    )
    if loose is not None:
        return Bound(Decimal(str(loose)))
    return Bound(Decimal(str(strict)), strict=True) if strict is not None else None


def _past(stated: Bound, end: Bound, *, below: bool) -> bool:
    """Whether a value within `stated` can lie beyond `end`."""
    if stated.value == end.value:
        return end.strict and not stated.strict
    return stated.value < end.value if below else stated.value > end.value


def _number(value: Decimal) -> str:
    """A bound as the spec would write it (4999999999, not 5E+9; 99999999.99)."""
    return str(int(value)) if value == value.to_integral_value() else str(value.normalize())


def _canonical(design: SchemaDesign | None) -> SchemaDesign | None:
    """A design with what its spelling may choose freely taken out: the order of tables and
    of their constraints, and foreign-key names (schema.yaml cannot name them; pg_dump calls
    them `<table>_<column>_fkey`)."""
    if design is None:
        return None
    return SchemaDesign(
        tables=tuple(
            table.model_copy(
                update={
                    "foreign_keys": tuple(
                        sorted(
                            (
                                key.model_copy(
                                    update={
                                        "name": naming.foreign_key(
                                            table.name, key.columns, key.target_table
                                        )
                                    }
                                )
                                for key in table.foreign_keys
                            ),
                            key=lambda k: (k.columns, k.target_table),
                        )
                    ),
                    "indexes": tuple(sorted(table.indexes, key=lambda i: i.name)),
                    "checks": tuple(sorted(table.checks, key=lambda c: c.name)),
                }
            )
            for table in sorted(design.tables, key=lambda t: t.name)
        )
    )


def _first_difference(left: SchemaDesign | None, right: SchemaDesign | None) -> str:
    if left is None or right is None:
        return "one of them declares no tables"
    left_names = [t.name for t in left.tables]
    right_names = [t.name for t in right.tables]
    if set(left_names) != set(right_names):
        return f"tables {sorted(left_names)} vs {sorted(right_names)}"
    for table in left.tables:
        other = right.table(table.name)
        assert other is not None
        for column in table.columns:
            twin = other.column(column.name)
            if twin != column:
                return f"column `{table.name}.{column.name}` differs"
        for field in ("indexes", "foreign_keys", "checks"):
            if getattr(table, field) != getattr(other, field):
                return f"{field.replace('_', ' ')} of `{table.name}` differ"
        if table.columns != other.columns:
            return f"column order of `{table.name}` differs"
    return "table order differs"
