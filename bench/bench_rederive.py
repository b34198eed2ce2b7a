"""Re-deriving a whole event after a correction: 700 drivers, 14 groups of 50, 42 sessions.

Each group runs practice, qualifying and a race (about 15 laps each), all journaled; then a
correction is made and every session's laps and results are derived again and stored in one
write unit, as ``laptiming transponder move`` does for the sessions a move touches. Target:
under 1 s. The same-run baseline is the floor of reading every session's passings and setup
back without deriving or writing anything.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from bench.measure import isolated, load, verdict
from hardware.events import Passing
from laptiming.engine import SessionRules, SessionType
from laptiming.service.corrections import PenaltyRequest, apply_correction
from laptiming.service.rederive import rederive_sessions, sessions_with_passings
from laptiming.store import (
    create_session,
    ensure_car,
    ensure_driver,
    enter_car,
    journal_bulk,
    load_passings,
    load_setup,
    open_event_db,
    update_session,
    write_transaction,
)
from laptiming.store.sessions import assign_transponder

DRIVERS = 700
GROUP = 50
TARGET_S = 1.0
US = 1_000_000
KINDS = ((SessionType.PRACTICE, 20 * 60 * US), (SessionType.QUALIFYING, 15 * 60 * US), (SessionType.RACE, 15 * 60 * US))


def build_event(path: Path, seed: int = 700) -> int:
    """The event database: cars, drivers, transponders, 42 sessions of passings; how many passings."""
    rng = random.Random(seed)
    db = open_event_db(path, create=True)
    number = 1
    clock = 1_781_341_200 * US
    total = 0
    with write_transaction(db):
        cars = []
        for driver in range(DRIVERS):
            car_id = ensure_car(db, str(driver + 1))
            assign_transponder(db, 2_000_000 + driver, car_id, made_by="bench", reason="registration")
            cars.append((car_id, ensure_driver(db, f"Driver {driver + 1}"), 2_000_000 + driver))
        for group in range(DRIVERS // GROUP):
            members = cars[group * GROUP : (group + 1) * GROUP]
            for session_type, length in KINDS:
                session_id = create_session(db, f"Group {group + 1} {session_type.value}",
                                            SessionRules(session_type=session_type, min_lap_us=30 * US))
                update_session(db, session_id, green_us=clock, checkered_us=clock + length)
                crossings = []
                for car_id, driver_id, transponder in members:
                    enter_car(db, session_id, car_id, driver_id)
                    pace = rng.randint(75, 110) * US
                    time_us = clock + rng.randint(0, 30 * US)
                    while time_us < clock + length + pace:
                        crossings.append((time_us, transponder))
                        time_us += pace + rng.randint(0, 5 * US)
                crossings.sort()
                passings = []
                for time_us, transponder in crossings:
                    passings.append(Passing(268307, number, transponder, time_us, 100, 30))
                    number += 1
                journal_bulk(db.conn, session_id, passings)
                total += len(passings)
                clock += length + 10 * 60 * US
    db.close()
    return total


def _rederive(path: str) -> tuple[float, int]:
    db = open_event_db(path)
    with write_transaction(db):
        apply_correction(db, 3, PenaltyRequest("1", 5 * US), made_by="bench", reason="jumped the start")  # group 1's race
    started = time.perf_counter()
    with write_transaction(db):
        derived = rederive_sessions(db)
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed, derived


def _read_back(path: str) -> float:
    db = open_event_db(path)
    started = time.perf_counter()
    for session_id in sessions_with_passings(db):
        load_passings(db, session_id)
        load_setup(db, session_id)
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def main() -> None:
    """Build the event, then time the re-derive of every session (own process) and the read-back floor."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "event.db"
        passings = build_event(path)
        floor = isolated(_read_back, str(path))
        run = isolated(_rederive, str(path))
    elapsed, sessions = run.value
    print(f"re-derive after a correction: {DRIVERS} drivers, {sessions} sessions, {passings:,} passings ({load()})")
    print(f"  {elapsed:.3f} s, {elapsed / floor.value:.1f}x reading every session back ({floor.value:.3f} s), "
          f"peak RSS {run.peak_rss_mb:.0f} MB  (target: under {TARGET_S:g} s) {verdict(elapsed < TARGET_S)}")


if __name__ == "__main__":
    main()
