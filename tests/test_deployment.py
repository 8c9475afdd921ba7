"""What a generated project needs to run beyond its code: a Dockerfile that copies files the
project has, probes on paths the spec leaves free, and migrations that run one step at a time."""

from __future__ import annotations

import re

from gen_backend.accept import Accepted, accept
from gen_backend.plan import plan_project
from gen_backend.plan.project import HealthPlan, plan_health
from gen_backend.render import RenderedFile, render_project

from .conftest import SAMPLES


def _render(sample: str) -> dict[str, RenderedFile]:
    result = accept(SAMPLES / sample)
    assert isinstance(result, Accepted)
    return render_project(plan_project(result.model, result.rfis))


def test_the_dockerfile_copies_what_the_project_has_and_serves_it() -> None:
    files = _render("library")
    dockerfile = files["Dockerfile"].text
    for source in re.findall(r"^COPY (.+) \S+$", dockerfile, flags=re.MULTILINE):
        for path in source.split():
            assert path in files or any(f.startswith(path + "/") for f in files), path
    assert "uvicorn app.main:app" in dockerfile
    assert "--workers ${WEB_CONCURRENCY}" in dockerfile
    assert "--timeout-graceful-shutdown" in dockerfile
    assert "/readyz" in dockerfile  # the HEALTHCHECK asks readiness
    assert "USER app" in dockerfile  # not root
    assert "alembic upgrade head" not in dockerfile.split("CMD", 1)[1]  # never at start-up


def test_the_probes_step_aside_for_the_specs_own_paths() -> None:
    assert plan_health({"/books", "/health"}) == HealthPlan("/healthz", "/readyz")
    moved = plan_health({"/healthz"})
    assert (moved.live, moved.ready) == ("/_service/healthz", "/_service/readyz")


def test_a_revision_uses_an_earlier_revisions_enum_without_making_it_again() -> None:
    """`currency` is made by 0001 (customers); 0002 (products) must not make it again, or an
    upgrade from 0001 to 0002 in a run of its own fails on PostgreSQL."""
    files = _render("orders")
    versions = {p: f.text for p, f in files.items() if p.startswith("migrations/versions/0")}
    first = next(t for p, t in versions.items() if p.startswith("migrations/versions/0001"))
    second = next(t for p, t in versions.items() if p.startswith("migrations/versions/0002"))
    assert 'sa.Enum("EUR", "USD", "GBP", name="currency")' in first
    assert 'existing_enum("EUR", "USD", "GBP", name="currency")' in second
    assert "create_type=False" in second
