"""The First Article Inspection: the service's own probes run against its app on a fresh
database, and the five checks judged from what they recorded (docs/inspection.md)."""

from gen_backend.inspection.checks import Check, OperationInspection, judge
from gen_backend.inspection.run import (
    InspectionIndex,
    InspectionRunError,
    inspect_service,
    read_index,
)

__all__ = [
    "Check",
    "InspectionIndex",
    "InspectionRunError",
    "OperationInspection",
    "inspect_service",
    "judge",
    "read_index",
]
