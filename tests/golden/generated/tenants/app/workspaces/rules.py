"""Business rules of the `workspaces` domain. This file is yours: gen-backend writes it once
and never again. Override a method of WorkspacesServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.workspaces.service import WorkspacesServiceBase


class WorkspacesService(WorkspacesServiceBase):
    """The `workspaces` service: generated behaviour plus your rules."""
