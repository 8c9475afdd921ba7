"""Stage 4, plan: decide every file of the generated project, its owner and its context."""

from gen_backend.plan.project import FileOwner, PlannedFile, ProjectPlan, plan_project

__all__ = ["FileOwner", "PlannedFile", "ProjectPlan", "plan_project"]
