"""`gen-backend init`: draft a handoff around a bare OpenAPI document.

load (the spec) -> model (ApiModel) -> draft (tables, auth, assumptions) -> the files' text.
A pure function of the spec: the command layer writes the files, never over existing ones.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from gen_backend.draft import files
from gen_backend.draft.access import draft_auth
from gen_backend.draft.design import Assumption, declared_intent, draft_design
from gen_backend.load.openapi import load_openapi
from gen_backend.model.from_openapi import read_api

DEFAULT_OPENAPI = "openapi.yaml"
# words of a title that do not name the product
_NOISE = {"api", "apis", "openapi", "swagger", "spec", "specification", "rest", "service"}


@dataclass(frozen=True)
class Draft:
    files: dict[str, str]  # file name in the handoff -> its text
    assumptions: tuple[Assumption, ...]
    invalid: int  # validation errors let through by --lenient


def draft_handoff(spec: Path, handoff_dir: Path, *, lenient: bool = False) -> Draft:
    """Raises HandoffInputError for a spec that cannot be read (or, without `lenient`, that
    fails validation)."""
    document = load_openapi(spec, lenient=lenient)
    api = read_api(document).api
    product = api.title.strip() or spec.parent.resolve().name
    service = service_slug(product)
    design = draft_design(api)
    auth = draft_auth(api, service)
    intent = declared_intent(design)
    declared = (
        [
            Assumption(
                f"{len(intent)} operation(s) serve a table at a path that does not name it "
                "(`GET /animal/search`): their `table:` and `kind:` are declared under "
                "`operations:`",
                tuple(f"operations.{op}" for op in intent),
            )
        ]
        if intent
        else []
    )
    assumptions = (
        *design.assumptions,
        *declared,
        *auth.assumptions,
        Assumption(
            "Release mode is full: every operation is in scope and equally ranked (no FR-IDs)",
            ("release_mode",),
        ),
    )
    openapi = os.path.relpath(spec.resolve(), handoff_dir.resolve())
    where = spec.name
    drafted = {
        "handoff.yaml": files.handoff_yaml(
            where,
            None if openapi == DEFAULT_OPENAPI else openapi,
            product,
            service,
            list(assumptions),
            intent,
        ),
        "auth.yaml": files.auth_yaml(where, auth),
        "migrations.yaml": files.migrations_yaml(where, design),
        "schema.yaml": files.schema_yaml(where, design),
    }
    return Draft(
        files=drafted,
        assumptions=assumptions,
        invalid=len(document.invalid),
    )


def service_slug(title: str) -> str:
    """`Swagger Petstore - OpenAPI 3.0` -> `swagger-petstore-api`."""
    words = [w for w in re.findall(r"[a-z][a-z0-9]*", title.lower()) if w not in _NOISE]
    return "-".join([*words[:4], "api"])
