"""The No-Go gate: the manifest and the four artifacts without which implementation must not
start (the OpenAPI spec, the schema design, the auth & permission model, the migration plan).

Any failure is a HALT (exit 3). Every failure is reported at once, each with its fix.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from gen_backend.load import RawHandoff

HS_ALGORITHMS = {"HS256", "HS384", "HS512"}
KEY_SET_ALGORITHMS = {
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
}


class NoGoFailure(BaseModel):
    model_config = ConfigDict(frozen=True)

    item: str
    file: str
    problem: str
    fix: str


def no_go_failures(raw: RawHandoff) -> list[NoGoFailure]:
    failures: list[NoGoFailure] = []

    def fail(item: str, artifact: str, problem: str, fix: str) -> None:
        path = raw.paths.get(artifact)
        failures.append(
            NoGoFailure(
                item=item,
                file=raw.relative(path) if path else _expected_name(raw, artifact),
                problem=problem,
                fix=fix,
            )
        )

    if raw.manifest is None:
        fail(
            "Handoff manifest",
            "manifest",
            "handoff.yaml is missing",
            "add handoff.yaml with product, service, release_mode and database",
        )
    _check_openapi(raw, fail)
    _check_design(raw, fail)
    _check_auth(raw, fail)
    _check_migrations(raw, fail)
    for item in raw.interventions:  # an urgent request stops the phase until it is processed
        if item.waiting and item.immediate:
            failures.append(
                NoGoFailure(
                    item="No immediate human intervention waiting",
                    file=item.file,
                    problem=f"immediate: {item.title}",
                    fix="process it, then `gen-backend intervention done HANDOFF "
                    f"{item.name} --note ...` moves it to human-interventions/processed/",
                )
            )
    return failures


_Fail = Callable[[str, str, str, str], None]  # (item, artifact, problem, fix)


def _expected_name(raw: RawHandoff, artifact: str) -> str:
    if artifact == "manifest":
        return "handoff.yaml"
    overrides = raw.manifest.artifacts if raw.manifest else None
    named = getattr(overrides, "schema_" if artifact == "schema" else artifact, None)
    return str(named) if named else f"{artifact}.yaml"


def _check_openapi(raw: RawHandoff, fail: _Fail) -> None:
    item = "OpenAPI spec exists and is valid"
    if raw.openapi is None:
        fail(
            item,
            "openapi",
            "no OpenAPI document found",
            "add openapi.yaml (OpenAPI 3.0 or 3.1) or name it under `artifacts: openapi:`",
        )
        return
    if not raw.lenient:  # each violation, where --lenient reads past them as RFIs
        for problem in raw.openapi.invalid:
            where = problem.location or "/"
            line = f" (line {problem.line})" if problem.line else ""
            fail(item, "openapi", f"{problem.problem} at {where}{line}", problem.fix)
    data = raw.openapi.root.data if isinstance(raw.openapi.root.data, dict) else {}
    # a 3.1 document may describe only the webhooks the service sends (SPEC_NO_PATHS)
    if not data.get("paths") and not data.get("webhooks"):
        fail(
            item,
            "openapi",
            "the OpenAPI document declares no paths",
            "describe the API's endpoints under `paths:`",
        )


def _check_design(raw: RawHandoff, fail: _Fail) -> None:
    item = "Schema design exists (tables, columns, indexes)"
    if raw.paths.get("schema") is None:
        fail(
            item,
            "schema",
            "no schema design found",
            "add schema.yaml, schema.dbml or schema.sql, or name it under `artifacts: schema:`",
        )
        return
    design = raw.design
    if design is None:
        fail(
            item,
            "schema",
            "the schema design declares no tables",
            "declare every table the API stores, with its columns",
        )
        return
    for table in design.tables:
        if not table.columns:
            fail(
                item,
                "schema",
                f"table `{table.name}` has no columns",
                f"declare the columns of `{table.name}`",
            )
    if not design.tables:
        return  # `tables: {}`: the service stores nothing (DESIGN_EMPTY)
    # a primary key or a unique constraint is an index the database builds for it
    indexed = any(
        t.indexes or t.primary_key or any(c.unique for c in t.columns) for t in design.tables
    )
    if not indexed:
        fail(
            item,
            "schema",
            "the schema design declares no indexes",
            "declare the indexes the queries need (foreign keys, filters, sort keys)",
        )


def _check_auth(raw: RawHandoff, fail: _Fail) -> None:
    item = "Auth & permission model is defined"
    auth = raw.auth
    if auth is None:
        fail(
            item,
            "auth",
            "no auth & permission model found",
            "add auth.yaml with `scheme: jwt`, `jwt:`, `roles:` and `operations:`",
        )
        return
    if not auth.scheme:
        fail(item, "auth", "`scheme` is not set", "set `scheme: jwt`")
    elif auth.scheme.lower() != "jwt":
        fail(item, "auth", f"scheme `{auth.scheme}` is not supported", "use `scheme: jwt`")
    if auth.jwt is None or not auth.jwt.algorithms:
        fail(
            item,
            "auth",
            "`jwt.algorithms` is not set",
            "pin the accepted algorithms, e.g. `algorithms: [HS256]` or `[RS256]`",
        )
    else:
        algorithms = set(auth.jwt.algorithms)
        unknown = sorted(algorithms - HS_ALGORITHMS - KEY_SET_ALGORITHMS)
        if unknown:
            fail(
                item,
                "auth",
                f"`jwt.algorithms` has unsupported or unsafe {unknown}",
                "use HS256/384/512, RS*, PS*, ES* or EdDSA; never `none`",
            )
        if algorithms & HS_ALGORITHMS and algorithms & KEY_SET_ALGORITHMS:
            fail(
                item,
                "auth",
                "`jwt.algorithms` mixes HMAC and public-key algorithms",
                "pin one family, so an RS public key can never verify an HS token",
            )
        if algorithms & HS_ALGORITHMS and not auth.jwt.secret_env:
            fail(
                item,
                "auth",
                "HS* algorithms need `jwt.secret_env`",
                "name the environment variable that holds the signing secret",
            )
        if algorithms & KEY_SET_ALGORITHMS and not auth.jwt.jwks_url_env:
            fail(
                item,
                "auth",
                "RS*/ES* algorithms need `jwt.jwks_url_env`",
                "name the environment variable that holds the JWKS URL",
            )
    if not auth.roles and not auth.operations and auth.defaults is None:
        fail(
            item,
            "auth",
            "no permission model: neither `roles:`, `operations:` nor `defaults:` is set",
            "map roles to permissions and operations to the permissions they require",
        )


def _check_migrations(raw: RawHandoff, fail: _Fail) -> None:
    item = "Migration plan exists (order and rollback strategy)"
    plan = raw.migrations
    if plan is None:
        fail(
            item,
            "migrations",
            "no migration plan found",
            "add migrations.yaml with `rollback_strategy:` and ordered `steps:`",
        )
        return
    stores_nothing = raw.design is not None and not raw.design.tables
    if plan.steps is None or (not plan.steps and not stores_nothing):
        fail(
            item,
            "migrations",
            "the migration plan has no steps",
            "list the steps in order, each with an `id` and the `tables` it creates",
        )
    if not plan.rollback_strategy:
        fail(
            item,
            "migrations",
            "the migration plan has no rollback strategy",
            "set `rollback_strategy:` (e.g. `down-migrations`)",
        )
