"""Stage 3, model: the raw handoff (past the No-Go gate) -> the frozen ServiceModel.

Design intent is merged here, strongest source first: handoff.yaml `operations:` over the
spec's x- extensions; auth.yaml `operations:` over both for permissions; OpenAPI security
scopes only where nothing else names the operation.
"""

from __future__ import annotations

from dataclasses import dataclass

from gen_backend.load import RawHandoff
from gen_backend.load.raw import (
    RawAssumption,
    RawDecision,
    RawFilter,
    RawOperationIntent,
    RawPermissionDefaults,
)
from gen_backend.model import infer, wire
from gen_backend.model.api import (
    ApiModel,
    FilterOp,
    FilterSource,
    HttpMethod,
    Operation,
    OperationKind,
    ParameterLocation,
    PermissionSource,
    TableSource,
)
from gen_backend.model.errors import error_shape
from gen_backend.model.from_openapi import SpecOperation, read_api
from gen_backend.model.naming import plural, python_package, singular, snake, table_forms
from gen_backend.model.schema import SchemaDesign
from gen_backend.model.service import (
    Assumption,
    AuthModel,
    Database,
    DataDecision,
    Decision,
    Integration,
    IntegrationOperation,
    JwtSettings,
    MigrationPlan,
    MigrationStep,
    Ownership,
    Priority,
    ReleaseMode,
    Role,
    ServiceModel,
)


@dataclass(frozen=True)
class Resolved:
    """How one operation's intent was resolved, kept for the cross-checks."""

    operation_id: str
    spec_public: bool  # the spec itself says `security: []`
    spec_intent: RawOperationIntent
    handoff_intent: RawOperationIntent | None
    auth_permissions: list[str] | str | None


def build_model(raw: RawHandoff) -> tuple[ServiceModel, list[Resolved]]:
    manifest, auth, plan, document, design = (
        raw.manifest,
        raw.auth,
        raw.migrations,
        raw.openapi,
        raw.design,
    )
    # build_model runs only after the No-Go gate passed, so every artifact is present
    assert manifest is not None
    assert auth is not None
    assert auth.jwt is not None
    assert plan is not None
    assert plan.steps is not None
    assert document is not None
    assert design is not None
    parsed = read_api(document)
    priorities = tuple(
        Priority(
            fr_id=fr,
            business_value=p.business_value,
            risk_if_delayed=p.risk_if_delayed,
            deps_blocked=p.deps_blocked,
        )
        for fr, p in manifest.priorities.items()
    )
    scores = {p.fr_id: p.score for p in priorities}
    release_mode = ReleaseMode(manifest.release_mode)
    operations: list[Operation] = []
    resolved: list[Resolved] = []
    carries_fr_ids = any(
        op.intent.fr_id
        or (manifest.operations.get(op.operation.operation_id) or RawOperationIntent()).fr_id
        for op in parsed.operations
    )
    for spec_op in parsed.operations:
        op_id = spec_op.operation.operation_id
        handoff_intent = manifest.operations.get(op_id)
        auth_permissions = auth.operations.get(op_id)
        operation = _operation(
            spec_op, handoff_intent, auth_permissions, auth.defaults, parsed.api, design
        )
        # "A spec without FR-IDs is valid: everything is then in scope" (handoff contract)
        in_scope = (
            release_mode is ReleaseMode.FULL
            or not carries_fr_ids
            or operation.fr_id in manifest.mvp_scope
        )
        operations.append(
            operation.model_copy(
                update={
                    "in_scope": in_scope,
                    "priority": scores.get(operation.fr_id or "", 0.0),
                }
            )
        )
        resolved.append(
            Resolved(
                op_id, spec_op.operation.public, spec_op.intent, handoff_intent, auth_permissions
            )
        )
    jwt = auth.jwt
    shape, unfit = error_shape(
        tuple(op for op in operations if op.in_scope),
        parsed.api,
        manifest.error_format if "error_format" in manifest.model_fields_set else None,
    )
    model = ServiceModel(
        handoff_version=manifest.handoff_version,
        product=manifest.product,
        service=manifest.service,
        package=python_package(manifest.service),
        release_mode=release_mode,
        mvp_scope=tuple(manifest.mvp_scope),
        database=Database(manifest.database),
        error_format=manifest.error_format,
        error_shape=shape,
        error_shape_unfit=unfit,
        decisions=tuple(_decision(d) for d in manifest.decisions),
        constraints=tuple(manifest.constraints),
        assumptions=tuple(_assumption(a, n) for n, a in enumerate(manifest.assumptions, 1)),
        priorities=priorities,
        api=parsed.api.model_copy(update={"operations": tuple(operations)}),
        design=design,
        auth=AuthModel(
            scheme=auth.scheme or "jwt",
            jwt=JwtSettings(
                algorithms=tuple(jwt.algorithms),
                secret_env=jwt.secret_env,
                jwks_url_env=jwt.jwks_url_env,
                issuer=jwt.issuer,
                audience=jwt.audience,
                subject_claim=jwt.subject_claim,
                roles_claim=jwt.roles_claim,
                scopes_claim=jwt.scopes_claim,
                leeway_s=jwt.leeway_s,
            ),
            roles=tuple(Role(name=n, permissions=tuple(p)) for n, p in auth.roles.items()),
            ownership=tuple(
                Ownership(table=t, owner_column=o.owner_column, bypass_roles=tuple(o.bypass_roles))
                for t, o in auth.ownership.items()
            ),
        ),
        migrations=MigrationPlan(
            rollback_strategy=plan.rollback_strategy or "",
            steps=tuple(
                MigrationStep(
                    id=s.id,
                    description=s.description,
                    tables=tuple(s.tables),
                    depends_on=tuple(s.depends_on),
                    decisions=tuple(
                        DataDecision(
                            change=d.change, data=d.data, fill=d.fill, rename_to=d.rename_to
                        )
                        for d in s.decisions
                    ),
                )
                for s in plan.steps
            ),
        ),
        integrations=tuple(
            Integration(
                name=i.name,
                kind=i.kind,
                base_url_env=i.base_url_env,
                credential_env=i.credential_env,
                credential_header=i.credential_header,
                timeout_s=i.timeout_s,
                retries=i.retries,
                operations=tuple(
                    IntegrationOperation(name=o.name, method=o.method, path=o.path)
                    for o in i.operations
                ),
            )
            for i in (raw.integrations.integrations if raw.integrations else [])
        ),
        interventions=tuple(raw.interventions),
    )
    return model, resolved


def _operation(
    spec_op: SpecOperation,
    handoff: RawOperationIntent | None,
    auth_permissions: list[str] | str | None,
    defaults: RawPermissionDefaults | None,
    api: ApiModel,
    design: SchemaDesign,
) -> Operation:
    operation = spec_op.operation
    spec = spec_op.intent
    fr_id = (handoff.fr_id if handoff and handoff.fr_id else None) or spec.fr_id

    table_name = (handoff.table if handoff else None) or spec.table
    table = (
        (design.table(table_name) or infer.table_named(table_name, design)) if table_name else None
    )
    source = (
        (TableSource.HANDOFF if handoff and handoff.table else TableSource.EXTENSION)
        if table_name
        else TableSource.UNKNOWN
    )
    segment_index: int | None = None
    if table_name is None:
        if found := infer.table_from_path(operation.path, design):
            table, segment_index = found
            source = TableSource.PATH
        elif table := infer.table_from_schemas(operation, api, design):
            source = TableSource.SCHEMA
    if table is not None and segment_index is None:
        found = infer.table_from_path(operation.path, design)
        segment_index = (
            found[1]
            if found and found[0].name == table.name
            else _segment_of(operation.path, table.name)
        )
    # the handoff's `kind:` (or the spec's `x-kind`) over what the path and method suggest
    chosen = (handoff.kind if handoff and handoff.kind else None) or spec.kind
    kind = chosen or infer.classify(operation, table, source, segment_index, api)
    if table is None:
        kind = OperationKind.CUSTOM  # a kind names what to do with a table

    updates: dict[str, object] = {
        "fr_id": fr_id,
        "table": table.name if table else table_name,
        "table_source": source,
        "kind": kind,
    }
    if table is not None:
        lookups = (handoff.lookup if handoff and handoff.lookup else None) or spec.lookup or {}
        bindings = infer.with_lookups(
            infer.path_bindings(operation, table, kind, design), operation, table, kind, lookups
        )
        bound = {b.param for b in bindings}
        updates["path_bindings"] = bindings
        updates["unbound_path_params"] = tuple(
            p.name for p in operation.parameters_in(ParameterLocation.PATH) if p.name not in bound
        )
        if kind is OperationKind.LIST:
            declared, filter_source = _declared_filters(handoff, spec)
            paging = infer.pagination(operation, frozenset(declared))
            updates["pagination"] = paging
            updates["envelope"] = infer.list_envelope(operation, api)
            filters, sort, unmapped = infer.filters(
                operation, table, declared, filter_source, paging, api
            )
            query = {p.name: p for p in operation.parameters_in(ParameterLocation.QUERY)}
            incomparable = {
                f.param
                for f in filters
                if f.source is FilterSource.COLUMN_NAME
                and wire.incomparable(f, query[f.param], table, api)
            }
            filters = tuple(f for f in filters if f.param not in incomparable)
            unmapped = (*unmapped, *sorted(incomparable))
            updates.update(filters=filters, sort_params=sort, unmapped_query_params=unmapped)

    idempotent = next(
        (i.idempotent for i in (handoff, spec) if i is not None and i.idempotent is not None), None
    )
    updates["idempotent"] = kind is OperationKind.CREATE if idempotent is None else idempotent
    updates.update(_permissions(operation, handoff, spec, auth_permissions, defaults))
    return operation.model_copy(update=updates)


def _segment_of(path: str, table: str) -> int | None:
    """The index of the last literal path segment that spells `table`, if any; else of the
    last one that spells its last word (`/documents/{id}` for `customer_documents`)."""
    segments = infer.path_segments(path)
    literals = [i for i in range(len(segments) - 1, -1, -1) if not segments[i].startswith("{")]
    for index in literals:
        if table in table_forms(segments[index]):
            return index
    for index in literals:
        if snake(table).endswith("_" + plural(singular(snake(segments[index])))):
            return index
    return None


def _declared_filters(
    handoff: RawOperationIntent | None, spec: RawOperationIntent
) -> tuple[dict[str, tuple[list[str], FilterOp]], FilterSource | None]:
    chosen: dict[str, RawFilter] | None
    if handoff and handoff.filters is not None:
        chosen, source = handoff.filters, FilterSource.HANDOFF
    elif spec.filters is not None:
        chosen, source = spec.filters, FilterSource.EXTENSION
    else:
        return {}, None
    return {param: (f.column_names, f.op) for param, f in chosen.items()}, source


def _permissions(
    operation: Operation,
    handoff: RawOperationIntent | None,
    spec: RawOperationIntent,
    auth_permissions: list[str] | str | None,
    defaults: RawPermissionDefaults | None,
) -> dict[str, object]:
    for value, source in (
        (auth_permissions, PermissionSource.AUTH_YAML),
        (handoff.permissions if handoff else None, PermissionSource.HANDOFF),
        (spec.permissions, PermissionSource.EXTENSION),
    ):
        if value == "public":
            return {"public": True, "permissions": (), "permission_source": PermissionSource.PUBLIC}
        if isinstance(value, list):
            return {"public": False, "permissions": tuple(value), "permission_source": source}
    if operation.public:
        return {"permission_source": PermissionSource.PUBLIC}
    scopes = tuple(
        dict.fromkeys(
            scope
            for requirement in operation.security
            for _, scheme_scopes in requirement.schemes
            for scope in scheme_scopes
        )
    )
    if scopes:
        return {"permissions": scopes, "permission_source": PermissionSource.SECURITY_SCOPES}
    if defaults is not None:
        reads = operation.method in (HttpMethod.GET, HttpMethod.HEAD)
        chosen = (
            defaults.all
            if defaults.all is not None
            else (defaults.read if reads else defaults.write)
        )
        if chosen:
            return {"permissions": tuple(chosen), "permission_source": PermissionSource.DEFAULTS}
    return {"permission_source": PermissionSource.NONE}


def _decision(raw: RawDecision | str) -> Decision:
    return (
        Decision(decision=raw)
        if isinstance(raw, str)
        else Decision(decision=raw.decision, intent=raw.intent)
    )


def _assumption(raw: RawAssumption | str, number: int) -> Assumption:
    if isinstance(raw, str):
        return Assumption(id=f"A-{number}", text=raw)
    return Assumption(id=raw.id, text=raw.text, affects=tuple(raw.affects))
