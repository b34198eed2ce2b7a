"""A real event database for the web tests: a running session with two cars, passings journaled as a recorder would."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hardware.events import Passing
from laptiming import engine
from laptiming.engine import SessionResult, SessionRules
from laptiming.service.lock import RecorderLock
from laptiming.store import (
    SessionPhase,
    create_session,
    ensure_car,
    ensure_driver,
    enter_car,
    load_passings,
    load_setup,
    open_event_db,
    update_session,
    write_transaction,
)
from laptiming.store.entries import enter_by_number
from laptiming.store.journal import journal_bulk

S = 1_000_000
T0 = 1_781_341_200 * S
HOST0 = 1_700_000_000 * 1_000_000_000
CARS = (101, 102)  # transponders; each car's number is its transponder


def crossing(passing_no: int, transponder: int, at_s: float) -> Passing:
    """A passing ``at_s`` seconds after the green."""
    return Passing(7, passing_no, transponder, T0 + int(at_s * S), host_time_ns=HOST0 + int(at_s * 1e9))


def arriving(passing_no: int, transponder: int, at_s: float, now_at_s: float) -> Passing:
    """A passing ``at_s`` seconds after the green, received by the host as it would be if it is ``now_at_s``
    seconds after the green now (the latest passing ``now_at_s == at_s``: it arrives just now)."""
    received_ns = time.time_ns() - int((now_at_s - at_s) * 1e9)
    return Passing(7, passing_no, transponder, T0 + int(at_s * S), host_time_ns=received_ns)


def running_session(db_path: Path, name: str, cars: tuple[int, ...] = CARS, rules: SessionRules = SessionRules(),
                    drivers: dict[int, tuple[str, str]] | None = None) -> int:
    """A session on the green flag, its cars entered (``drivers``: transponder -> driver and class); its id."""
    db = open_event_db(db_path, create=True)
    with write_transaction(db):
        session_id = create_session(db, name, rules, phase=SessionPhase.RUNNING)
        update_session(db, session_id, green_us=T0)
        enter_by_number(db, session_id, cars)
        for transponder, (driver, car_class) in (drivers or {}).items():
            enter_car(db, session_id, ensure_car(db, str(transponder), car_class), ensure_driver(db, driver))
    db.close()
    return session_id


@contextmanager
def recorder(db_path: Path, session_id: int = 1) -> Iterator[RecorderLock]:
    """Hold the session's recorder lock, as a running ``laptiming record`` does, until the block ends."""
    lock = RecorderLock.acquire(db_path, session_id, "test session", program="test recorder")
    try:
        yield lock
    finally:
        lock.release()


def journal(db_path: Path, session_id: int, passings: list[Passing]) -> None:
    """Commit passings as the recorder does (one transaction)."""
    db = open_event_db(db_path)
    with write_transaction(db):
        journal_bulk(db.conn, session_id, passings)
    db.close()


def finish(db_path: Path, session_id: int) -> None:
    """Mark the session finished."""
    db = open_event_db(db_path)
    with write_transaction(db):
        update_session(db, session_id, phase=SessionPhase.FINISHED)
    db.close()


def batch_result(db_path: Path, session_id: int) -> SessionResult:
    """The session's result as the batch engine derives it from the journal."""
    db = open_event_db(db_path, readonly=True)
    try:
        return engine.derive_session(load_passings(db, session_id), load_setup(db, session_id))
    finally:
        db.close()
