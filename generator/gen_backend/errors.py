"""The one error type for bad input: it names the file, the place in it and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with one input file."""

    file: Path
    location: str  # a JSON pointer, `table.column`, or "line L, column C"
    problem: str
    fix: str
    line: int | None = None
    column: int | None = None

    def place(self) -> str:
        parts = [str(self.file)]
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        if self.location:
            parts.append(self.location)
        return ": ".join(parts)


class HandoffInputError(Exception):
    """A handoff file cannot be read. The CLI turns this into exit code 2 and one message."""

    def __init__(self, problem: InputProblem) -> None:
        super().__init__(f"{problem.place()}: {problem.problem}")
        self.problem = problem
