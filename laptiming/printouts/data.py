"""What printouts need from the event database: sessions with their results, and the whole day.

All database access of the printouts is here, so it can later call the timing service instead.
Results are recomputed from the journal and corrections by the engine, as every command does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from laptiming import engine
from laptiming.engine import SessionResult, SessionType
from laptiming.errors import InputError
from laptiming.report import result_clock
from laptiming.service.clocktime import DecoderClock
from laptiming.service.control import ResultsStatus, results_status
from laptiming.store import (
    CorrectionRecord,
    SessionPhase,
    SessionRecord,
    db_name,
    get_session,
    list_sessions,
    load_corrections,
    load_passings,
    load_setup,
    open_event_db,
)


@dataclass(frozen=True, slots=True)
class SessionSheet:
    """One session as printouts see it: names, flags, state, result and corrections."""

    event_name: str
    session_id: int
    name: str
    session_type: SessionType
    phase: SessionPhase
    state: ResultsStatus  # live, provisional or official, as the timing service says: printed in every footer
    green_us: int | None
    finish_us: int | None
    planned_start: str | None
    planned_end: str | None
    result: SessionResult
    corrections: tuple[CorrectionRecord, ...]
    driver_ids: dict[int, int]  # car id -> driver id (drivers table) in this session
    clock: DecoderClock | None = None  # the decoder's clock, learned from the passings: how its times read at the track


@dataclass(frozen=True, slots=True)
class EventDay:
    """Every timed session of the event (running or finished), oldest first, and the drivers' names."""

    event_name: str
    sessions: tuple[SessionSheet, ...]
    drivers: dict[int, str]


def event_name(db: Database) -> str:
    """The event's name (set by ``laptiming schedule``), or the database file's name."""
    row = db.execute("SELECT name FROM event ORDER BY id LIMIT 1").fetchone()
    return row[0] if row and row[0] else Path(db_name(db)).stem


def _driver_ids(db: Database, session_id: int) -> dict[int, int]:
    rows = db.execute(
        "SELECT car_id, driver_id FROM session_entries WHERE session_id = ? AND driver_id IS NOT NULL", [session_id]
    )
    return {int(car_id): int(driver_id) for car_id, driver_id in rows}


def _sheet(db: Database, record: SessionRecord, name: str) -> SessionSheet:
    result = engine.derive_session(load_passings(db, record.session_id), load_setup(db, record.session_id))
    return SessionSheet(
        event_name=name,
        session_id=record.session_id,
        name=record.name,
        session_type=record.rules.session_type,
        phase=record.phase,
        state=results_status(db, record.session_id),
        green_us=record.green_us,
        finish_us=result.finish_at_us,
        planned_start=record.planned_start,
        planned_end=record.planned_end,
        result=result,
        corrections=tuple(load_corrections(db, record.session_id)),
        driver_ids=_driver_ids(db, record.session_id),
        clock=result_clock(result),
    )


def latest_finished(db: Database) -> SessionRecord:
    """The newest finished session (what ``laptiming print`` uses without ``--session``)."""
    finished = [r for r in list_sessions(db) if r.phase is SessionPhase.FINISHED]
    if not finished:
        raise InputError(f"no finished session yet in {db_name(db)}; name one with --session")
    return finished[-1]


def load_session_sheet(db_path: str | Path, session_id: int | None = None) -> SessionSheet:
    """A session's sheet (the latest finished one when no id is given)."""
    db = open_event_db(db_path, readonly=True)
    try:
        record = latest_finished(db) if session_id is None else get_session(db, session_id)
        return _sheet(db, record, event_name(db))
    finally:
        db.close()


def load_event_day(db_path: str | Path, session_ids: Iterable[int] | None = None) -> EventDay:
    """Every session that has started (or the ones named), with results, and the drivers' names."""
    db = open_event_db(db_path, readonly=True)
    try:
        name = event_name(db)
        wanted = None if session_ids is None else set(session_ids)
        records = [
            r for r in list_sessions(db)
            if (r.phase is not SessionPhase.PLANNED if wanted is None else r.session_id in wanted)
        ]
        sessions = tuple(_sheet(db, record, name) for record in records)
        drivers = {int(i): str(n) for i, n in db.execute("SELECT id, name FROM drivers")}
        return EventDay(name, sessions, drivers)
    finally:
        db.close()
