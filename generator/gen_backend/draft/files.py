"""The drafted handoff as the text of its files: handoff.yaml, schema.yaml, auth.yaml and
migrations.yaml, each opening with a note that it was drafted and must be reviewed."""

from __future__ import annotations

import yaml

from gen_backend.draft.access import DraftAuth
from gen_backend.draft.design import Assumption, DraftDesign, DraftTable


def _header(spec: str, what: str) -> str:
    return (
        f"# Drafted by `gen-backend init` from {spec}: {what}.\n"
        "# Review it before you build on it: each guess is an assumption (A-n) in handoff.yaml.\n"
    )


def _flow(value: object) -> str:
    """One value in YAML flow style, on one line (`{type: uuid, primary_key: true}`)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1_000_000, sort_keys=False)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def handoff_yaml(
    spec: str,
    openapi: str | None,
    product: str,
    service: str,
    assumptions: list[Assumption],
    operations: dict[str, dict[str, str]],
) -> str:
    lines = [
        _header(spec, "the manifest"),
        "handoff_version: 1",
        f"product: {_flow(product)}",
        f"service: {service}",
        "release_mode: full",
        "database: postgres",
        "error_format: rfc9457",
    ]
    if openapi:
        lines += ["artifacts:", f"  openapi: {_flow(openapi)}"]
    lines.append("assumptions:")
    for number, assumption in enumerate(assumptions, 1):
        lines.append(f"  - id: A-{number}")
        lines.append(f"    text: {_flow(assumption.text)}")
        lines.append(f"    affects: {_flow(list(assumption.affects))}")
    if operations:
        lines.append("operations:")
        lines += [f"  {_flow(op)}: {_flow(intent)}" for op, intent in operations.items()]
    return "\n".join(lines) + "\n"


def schema_yaml(spec: str, design: DraftDesign) -> str:
    if not design.tables:
        what = "no path serves a resource (an object by its key, a list or a create of objects)"
        return _header(spec, what) + "\ntables: {}\n"
    lines = [_header(spec, "one table per resource the paths serve"), "tables:"]
    for table in design.tables:
        lines += _table(table)
    return "\n".join(lines) + "\n"


def _table(table: DraftTable) -> list[str]:
    width = max(len(_flow(name)) for name in table.columns) + 1
    lines = [f"  {_flow(table.name)}:", "    columns:"]
    lines += [
        f"      {(_flow(name) + ':').ljust(width)} {_flow(column.as_yaml())}"
        for name, column in table.columns.items()
    ]
    if table.indexes:
        lines.append("    indexes:")
        lines += [f"      - {_flow({'columns': list(index)})}" for index in table.indexes]
    if table.checks:
        lines.append("    checks:")
        lines += [f"      - {_flow({'name': n, 'expr': e})}" for n, e in table.checks]
    return lines


def auth_yaml(spec: str, auth: DraftAuth) -> str:
    lines = [
        _header(spec, "JWT bearer tokens; the spec's scopes are permissions"),
        "scheme: jwt",
        "jwt:",
        "  algorithms: [HS256]",
        "  secret_env: JWT_SECRET",
        f"  audience: {_flow(auth.audience)}",
        "  subject_claim: sub",
        "  roles_claim: roles",
        "  scopes_claim: scope",
        "roles:",
    ]
    lines += [f"  {_flow(role)}: {_flow(perms)}" for role, perms in auth.roles.items()]
    if auth.defaults:
        lines.append("defaults:")
        lines += [f"  {kind}: {_flow(perms)}" for kind, perms in auth.defaults.items()]
    return "\n".join(lines) + "\n"


def migrations_yaml(spec: str, design: DraftDesign) -> str:
    lines = [
        _header(spec, "one step per table, each after the tables it references"),
        "rollback_strategy: down-migrations",
        "steps:" if design.tables else "steps: []",
    ]
    step_of: dict[str, str] = {}
    for number, table in enumerate(design.tables, 1):
        step = f"{number:04d}"
        step_of[table.name] = step
        after = sorted(
            {
                step_of[column.references.split(".")[0]]
                for column in table.columns.values()
                if column.references and column.references.split(".")[0] != table.name
            }
        )
        spelled: dict[str, object] = {
            "id": step,
            "description": f"{table.name} table",
            "tables": [table.name],
        }
        if after:
            spelled["depends_on"] = after
        lines.append(f"  - {_flow(spelled)}")
    return "\n".join(lines) + "\n"
