"""Business rules of the `projects` domain. This file is yours: gen-backend writes it once
and never again. Override a method of ProjectsServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.projects.service import ProjectsServiceBase


class ProjectsService(ProjectsServiceBase):
    """The `projects` service: generated behaviour plus your rules."""
