"""The scheduler's exceptions, all in one place.

    ScheduleError            anything the scheduler reports to the user as a clear error
    ├── ScheduleInputError   the entries, plan or roster file is bad; carries every problem
    │                        found, each naming its file, line and column; nothing is scheduled
    ├── ScheduleOutputError  an output file cannot be written (missing or read-only folder,
    │                        a roster that would be overwritten); names the file; nothing written
    └── SolverError          the constraint solver failed in a way the input cannot explain

Bad arguments to our own functions stay ``ValueError``. The command line prints a
``ScheduleError`` on stderr (one line per input problem) and exits with code 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class InputProblem:
    """One thing wrong with an input file, located by file, line and column (or key)."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        column = f" column '{self.column}':" if self.column else ""
        return f"{where}:{column} {self.message}"


class ScheduleError(Exception):
    """Base of every error raised by :mod:`scheduler`."""


class ScheduleInputError(ScheduleError):
    """One or more input files are malformed; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[InputProblem]) -> None:
        self.problems: tuple[InputProblem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("ScheduleInputError needs at least one problem")
        first = str(self.problems[0])
        more = len(self.problems) - 1
        super().__init__(first if not more else f"{first} (and {more} more problems)")


class SolverError(ScheduleError):
    """The CP-SAT solver returned an error status (a model bug, not a user mistake)."""


class ScheduleOutputError(ScheduleError):
    """An output (roster, sheet) cannot be written where asked; nothing was written."""
