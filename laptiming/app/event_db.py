"""The event database as the app's screens read it and change it between sessions: the day, a session's
results, and making results official, provisional again or timed again. Every call opens its own
connection (blocking: call from a worker); the running session is :class:`~laptiming.app.adapter.Timing`'s.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from laptiming import engine
from laptiming.engine import SessionResult
from laptiming.export import render, result_rows, write_atomically
from laptiming.files import beside_database
from laptiming.service.control import (
    ResultsStatus,
    confirm_results,
    current_flag,
    reopen_results,
    results_status,
    resume_timing,
)
from laptiming.service.day import DaySession as ServiceDaySession
from laptiming.service.day import day_sessions
from laptiming.service.entries import KnownCar, known_cars
from laptiming.service.decoder_link import DecoderLink
from laptiming.service.lock import lock_holder
from laptiming.store import (
    CorrectionRecord,
    SessionPhase,
    SessionRecord,
    list_sessions,
    load_corrections,
    load_passings,
    load_setup,
    open_event_db,
)
from laptiming.store.gaps import journal_gaps
from laptiming.store.sessions import load_entries


class FlagShown(enum.Enum):
    """What the app shows as the track's flag: the flags officials show (``service.control.Flag``) and the
    states around them (waiting for green, finished)."""

    WAITING = "waiting for green"
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    CHECKERED = "checkered"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class DaySession:
    """One session of the day as the session picker lists it."""

    record: SessionRecord
    entries: int


class EventDatabase:
    """One event database as the screens see it between sessions (no decoder, no running session)."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)

    def sessions(self) -> list[SessionRecord]:
        """Every session of the event, oldest first (read-only)."""
        if not self.db_path.exists():
            return []
        db = open_event_db(self.db_path, readonly=True)
        try:
            return list_sessions(db)
        finally:
            db.close()

    def day(self) -> list[DaySession]:
        """The day's sessions with their entry counts (service.day), for the session picker (read-only)."""
        if not self.db_path.exists():
            return []
        db = open_event_db(self.db_path, readonly=True)
        try:
            entries = {item.session_id: item.entries for item in day_sessions(db)}
            return [DaySession(record, entries.get(record.session_id, 0)) for record in list_sessions(db)]
        finally:
            db.close()

    def day_sheet(self) -> tuple[list[ServiceDaySession], tuple[str, ...]]:
        """The Day screen: every session with entries, passings, flag, results status and who is timing it
        (service.day), and the drivers (else car numbers) of the session expected next."""
        if not self.db_path.exists():
            return [], ()
        db = open_event_db(self.db_path, readonly=True)
        try:
            sessions = day_sessions(db)
            expected = next((s for s in sessions if s.expected_next), None)
            entries = () if expected is None else load_entries(db, expected.session_id)
            return sessions, tuple(entry.driver or entry.number for entry in entries)
        finally:
            db.close()

    def next_session(self) -> SessionRecord | None:
        """The session to run next: one left running, else the first planned one."""
        sessions = self.sessions()
        for phase in (SessionPhase.RUNNING, SessionPhase.PLANNED):
            for record in sessions:
                if record.phase is phase:
                    return record
        return None

    def result(self, session_id: int) -> tuple[SessionResult, list[CorrectionRecord]]:
        """A session's results recomputed from its journal and corrections (read-only)."""
        db = open_event_db(self.db_path, readonly=True)
        try:
            return _derived(db, session_id), load_corrections(db, session_id)
        finally:
            db.close()

    def export_results(self, session_id: int) -> Path:
        """Write a session's results as CSV beside the event database; where."""
        out = beside_database(self.db_path, "results", session_id, ".csv")
        result, _ = self.result(session_id)
        write_atomically(out, render("results", result_rows(result), "csv"))
        return out

    def live_session(self) -> tuple[SessionRecord, SessionResult, FlagShown | None, bool, DecoderLink | None,
                                    bool] | None:
        """The session on track for the board, with the flag it shows, whether a recorder times it now, what that
        recorder says it hears from its decoder and whether it holds passings it cannot write yet: the newest
        running one, else the newest finished (read-only)."""
        sessions = self.sessions()
        for phase in (SessionPhase.RUNNING, SessionPhase.FINISHED):
            chosen = [record for record in sessions if record.phase is phase]
            if chosen:
                record = chosen[-1]
                db = open_event_db(self.db_path, readonly=True)
                try:
                    shown = current_flag(db, record.session_id, None)
                    holder = lock_holder(self.db_path, record.session_id) if phase is SessionPhase.RUNNING else None
                    return (record, _derived(db, record.session_id), None if shown is None else FlagShown(shown.value),
                            holder is not None, None if holder is None else holder.decoder,
                            holder is not None and holder.journal_held)
                finally:
                    db.close()
        return None

    def confirm(self, session_id: int, made_by: str) -> None:
        """Make a finished session's results official (corrections then need reopening)."""
        db = open_event_db(self.db_path)
        try:
            confirm_results(db, session_id, made_by=made_by)
        finally:
            db.close()

    def known_cars(self, transponders: list[int]) -> dict[int, KnownCar]:
        """The car of each transponder (service.entries), read-only (blocking: call from a worker)."""
        db = open_event_db(self.db_path, readonly=True)
        try:
            return known_cars(db, transponders)
        finally:
            db.close()

    def reopen(self, session_id: int, made_by: str, reason: str) -> None:
        """Official results back to provisional, with why, so they can be corrected (blocking: call from a worker)."""
        db = open_event_db(self.db_path)
        try:
            reopen_results(db, session_id, made_by=made_by, reason=reason)
        finally:
            db.close()

    def resume(self, session_id: int, made_by: str, reason: str) -> None:
        """A session finished too soon, running again with why (blocking: call from a worker)."""
        db = open_event_db(self.db_path)
        try:
            resume_timing(db, session_id, made_by=made_by, reason=reason)
        finally:
            db.close()

    def missing_passings_of(self, session_id: int) -> dict[int, list[tuple[int, int]]]:
        """Passing numbers the session's decoder gave that no session journaled, per decoder (read-only)."""
        db = open_event_db(self.db_path, readonly=True)
        try:
            return journal_gaps(db, load_passings(db, session_id))
        finally:
            db.close()

    def results_status(self, session_id: int) -> ResultsStatus:
        """Live, provisional or official (read-only)."""
        db = open_event_db(self.db_path, readonly=True)
        try:
            return results_status(db, session_id)
        finally:
            db.close()


def _derived(db: Database, session_id: int) -> SessionResult:
    """A session's results recomputed from its journal and corrections."""
    return engine.derive_session(load_passings(db, session_id), load_setup(db, session_id))
