"""The day's sessions as the Day screen and ``laptiming sessions`` show them, read in one pass.

For each session: id, name, type, phase, planned slot, how many cars are entered, how many passings
it has, the flag it shows, how final its results are, who is timing it now, and which planned
session is expected next (the first planned one by its planned start, then by id).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from laptiming.engine import SessionType
from laptiming.service.control import Flag, ResultsStatus, current_flag, results_status
from laptiming.service.lock import LockHolder, lock_holder
from laptiming.store import SessionPhase, list_sessions
from laptiming.store.database import db_path


@dataclass(frozen=True, slots=True)
class DaySession:
    """One session of the day, with its counts and state."""

    session_id: int
    name: str
    session_type: SessionType
    phase: SessionPhase
    planned_start: str | None
    planned_end: str | None
    entries: int
    passings: int
    flag: Flag | None
    results: ResultsStatus | None  # None while planned: nothing timed yet
    timed_by: LockHolder | None
    expected_next: bool
    capacity: int | None = None  # cars the roster plan lets on track at once (None: no plan says)

    @property
    def cars_text(self) -> str:
        """The cars entered, and the plan's capacity beside them once walk-ups took the session past it."""
        over = self.capacity is not None and self.entries > self.capacity
        return f"{self.entries} (plan {self.capacity})" if over else str(self.entries)

    @property
    def untimed(self) -> bool:
        """Running, and no program times it (its recorder stopped or crashed, the app quit): its standings stand."""
        return self.phase is SessionPhase.RUNNING and self.timed_by is None


def _counts(db: Database, sql: str) -> dict[int, int]:
    return {int(session_id): int(count) for session_id, count in db.execute(sql).fetchall()}


def day_sessions(db: Database) -> list[DaySession]:
    """Every session in id order, with entries, passings, flag, results status, recorder and the next one marked.

    Works on a read-only connection; the recorder is looked up through the lock file beside the database.
    """
    records = list_sessions(db)
    entries = _counts(db, "SELECT session_id, COUNT(*) FROM session_entries GROUP BY session_id")
    passings = _counts(db, "SELECT session_id, COUNT(*) FROM session_passings GROUP BY session_id")
    planned = [r for r in records if r.phase is SessionPhase.PLANNED]
    planned.sort(key=lambda r: (r.planned_start is None, r.planned_start or "", r.session_id))
    next_id = planned[0].session_id if planned else None
    path = db_path(db)
    on_disk = path != ":memory:" and Path(path).is_file()
    return [
        DaySession(
            session_id=r.session_id,
            name=r.name,
            session_type=r.rules.session_type,
            phase=r.phase,
            planned_start=r.planned_start,
            planned_end=r.planned_end,
            entries=entries.get(r.session_id, 0),
            passings=passings.get(r.session_id, 0),
            flag=current_flag(db, r.session_id),
            results=None if r.phase is SessionPhase.PLANNED else results_status(db, r.session_id),
            timed_by=lock_holder(path, r.session_id) if on_disk and r.phase is SessionPhase.RUNNING else None,
            expected_next=r.session_id == next_id,
            capacity=r.capacity,
        )
        for r in records
    ]
