"""Business rules of the `tasks` domain. This file is yours: gen-backend writes it once
and never again. Override a method of TasksServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.tasks.service import TasksServiceBase


class TasksService(TasksServiceBase):
    """The `tasks` service: generated behaviour plus your rules."""
