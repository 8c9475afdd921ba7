"""The project plan: every file of the generated service, who owns it, and what it renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from gen_backend.model import ServiceModel
from gen_backend.plan.database import RevisionPlan, TablePlan, plan_revisions, plan_table
from gen_backend.plan.names import identifier

RESERVED_PACKAGES = {"core", "tests", "migrations", "main", "app"}


class FileOwner(StrEnum):
    GENERATED = "generated"  # rewritten by every run; a header line says so
    USER = "user"  # written once, then the user's: never overwritten


@dataclass(frozen=True)
class PlannedFile:
    path: str  # relative to the output directory, POSIX separators
    template: str  # relative to templates/
    owner: FileOwner
    context: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DomainPlan:
    package: str  # app/<package>/
    table: TablePlan


@dataclass(frozen=True)
class ProjectPlan:
    service: ServiceModel
    domains: tuple[DomainPlan, ...]
    revisions: tuple[RevisionPlan, ...]
    files: tuple[PlannedFile, ...]

    def domain_of(self, table: str) -> DomainPlan:
        return next(d for d in self.domains if d.table.name == table)


def _package(table: str, taken: set[str]) -> str:
    name = identifier(table).rstrip("_").lstrip("_") or "rows"
    if name in RESERVED_PACKAGES:
        name += "_domain"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate


def plan_project(service: ServiceModel) -> ProjectPlan:
    taken: set[str] = set()
    domains = []
    tables: dict[str, TablePlan] = {}
    for table in service.design.tables:
        package = _package(table.name, taken)
        tables[table.name] = plan_table(table, f"app.{package}.models")
        domains.append(DomainPlan(package=package, table=tables[table.name]))
    revisions = plan_revisions(service.design, service.migrations.steps, tables)

    files: list[PlannedFile] = []

    def add(
        path: str,
        template: str | None = None,
        owner: FileOwner = FileOwner.GENERATED,
        **context: object,
    ) -> None:
        files.append(
            PlannedFile(path=path, template=template or path + ".j2", owner=owner, context=context)
        )

    add("pyproject.toml")
    add("README.md")
    add(".env.example")
    add("alembic.ini")
    add("migrations/env.py")
    add("migrations/script.py.mako")
    for revision in revisions:
        add(
            f"migrations/versions/{revision.file_stem}.py",
            "migrations/versions/revision.py.j2",
            revision=revision,
        )
    add("app/__init__.py")
    add("app/main.py")
    add("app/models.py")
    for module in ("__init__", "config", "db"):
        add(f"app/core/{module}.py")
    for domain in domains:
        add(f"app/{domain.package}/__init__.py", "app/domain/__init__.py.j2", domain=domain)
        add(f"app/{domain.package}/models.py", "app/domain/models.py.j2", domain=domain)
    add("tests/__init__.py")
    add("tests/conftest.py")
    add("tests/test_migrations.py")
    return ProjectPlan(
        service=service, domains=tuple(domains), revisions=revisions, files=tuple(files)
    )
