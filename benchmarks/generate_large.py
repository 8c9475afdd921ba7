"""How long `from-handoff` takes on a large handoff, and how much memory it needs.

Synthesises a handoff of 100 tables and 500 operations (list, get, create, update and delete
per table, each table but the first pointing at the one before it), then runs acceptance, plan
and render in this process and reports wall time and peak memory per stage. Target (issue 3):
under 10 s and under 500 MB on a 2-core machine. Measured here, never asserted in tests.

Beside wall time it reports CPU time (this process and the ruff it starts), which leaves out
waiting for the disk or for a core. On a machine shared with other work both still vary with the
load, so compare before and after by runs taken in turns, minutes apart at most.

    .venv/bin/python benchmarks/generate_large.py [--tables 100]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import yaml

from gen_backend.accept import Accepted, accept
from gen_backend.plan import plan_project
from gen_backend.render import render_project


def synthesise(root: Path, tables: int) -> None:
    names = [f"item{n:03d}s" for n in range(tables)]
    schema: dict[str, object] = {}
    paths: dict[str, object] = {}
    components: dict[str, object] = {}
    auth_ops: dict[str, list[str]] = {}
    for n, name in enumerate(names):
        columns: dict[str, object] = {
            "id": {"type": "uuid", "primary_key": True},
            "title": {"type": "string", "max_length": 200},
            "amount": {"type": "numeric", "precision": 12, "scale": 2, "nullable": True},
            "created_at": {"type": "timestamptz", "default": "now"},
        }
        indexes: list[object] = [{"columns": ["title"]}]
        if n:
            columns["parent_id"] = {
                "type": "uuid",
                "references": f"{names[n - 1]}.id",
                "nullable": True,
            }
            indexes.append({"columns": ["parent_id"]})
        schema[name] = {"columns": columns, "indexes": indexes}
        cls = f"Item{n:03d}"
        props: dict[str, object] = {
            "title": {"type": "string", "maxLength": 200},
            "amount": {"type": ["number", "null"]},
        }
        components[f"{cls}Create"] = {"type": "object", "required": ["title"], "properties": props}
        components[cls] = {
            "type": "object",
            "required": ["id", "title"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                **props,
                "createdAt": {"type": "string", "format": "date-time"},
            },
        }
        components[f"{cls}Page"] = {
            "type": "object",
            "required": ["items", "total"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{cls}"}},
                "total": {"type": "integer"},
            },
        }
        one = {"$ref": f"#/components/schemas/{cls}"}
        key = [
            {
                "name": "id",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "format": "uuid"},
            }
        ]
        body = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{cls}Create"}}
            },
        }
        ok = {"description": "ok", "content": {"application/json": {"schema": one}}}
        paths[f"/{name}"] = {
            "get": {
                "operationId": f"list{cls}",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{cls}Page"}
                            }
                        },
                    }
                },
            },
            "post": {"operationId": f"create{cls}", "requestBody": body, "responses": {"201": ok}},
        }
        paths[f"/{name}/{{id}}"] = {
            "get": {"operationId": f"get{cls}", "parameters": key, "responses": {"200": ok}},
            "patch": {
                "operationId": f"update{cls}",
                "parameters": key,
                "requestBody": body,
                "responses": {"200": ok},
            },
            "delete": {
                "operationId": f"delete{cls}",
                "parameters": key,
                "responses": {"204": {"description": "gone"}},
            },
        }
        for verb in ("list", "create", "get", "update", "delete"):
            auth_ops[f"{verb}{cls}"] = [f"{name}:{'read' if verb in ('list', 'get') else 'write'}"]
    files = {
        "handoff.yaml": {
            "handoff_version": 1,
            "product": "Large",
            "service": "large-api",
            "release_mode": "full",
            "database": "postgres",
        },
        "schema.yaml": {"tables": schema},
        "openapi.yaml": {
            "openapi": "3.1.0",
            "info": {"title": "Large", "version": "1"},
            "paths": paths,
            "components": {"schemas": components},
        },
        "auth.yaml": {
            "scheme": "jwt",
            "jwt": {"algorithms": ["HS256"], "secret_env": "S"},
            "roles": {"admin": ["*"]},
            "operations": auth_ops,
        },
        "migrations.yaml": {
            "rollback_strategy": "down-migrations",
            "steps": [
                {"id": f"{n + 1:04d}", "description": f"{name} table", "tables": [name]}
                for n, name in enumerate(names)
            ],
        },
    }
    for file, data in files.items():
        (root / file).write_text(yaml.safe_dump(data, sort_keys=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        synthesise(root, args.tables)
        stages: list[tuple[str, float, float]] = []
        start = mark = (time.perf_counter(), _cpu_seconds())

        def lap(stage: str) -> None:
            nonlocal mark
            now = (time.perf_counter(), _cpu_seconds())
            stages.append((stage, now[0] - mark[0], now[1] - mark[1]))
            mark = now

        result = accept(root)
        assert isinstance(result, Accepted), result
        lap("accept")
        plan = plan_project(result.model, result.rfis)
        lap("plan")
        files = render_project(plan)
        lap("render + ruff")
        stages.append(("total", mark[0] - start[0], mark[1] - start[1]))
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    operations = len(result.model.operations)
    print(f"handoff: {args.tables} tables, {operations} operations -> {len(files)} files")
    print(f"  {'stage':14} {'wall':>8} {'cpu':>8}")
    for stage, wall, cpu in stages:
        print(f"  {stage:14} {wall:6.2f} s {cpu:6.2f} s")
    print("  (target: total wall < 10 s)")
    print(f"  peak memory    {rss_peak:6.0f} MB RSS   (target < 500 MB)")


def _cpu_seconds() -> float:
    """CPU time of this process and of the finished processes it started (ruff)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
