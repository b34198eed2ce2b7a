"""``laptiming sessions``: a header, and per session the columns of the app's Day screen."""

from __future__ import annotations

import re

from laptiming.engine import SessionRules, SessionType
from laptiming.service.lock import RecorderLock
from laptiming.store import (
    SessionPhase,
    create_session,
    ensure_car,
    enter_car,
    journal_bulk,
    open_event_db,
    update_session,
)
from tests.timing.cli_runner import run_cli
from tests.timing.timing_builders import T0, numbered


def make_day(path):
    db = open_event_db(path, create=True)
    with db.atomic():
        morning = create_session(db, "Morning", SessionRules(), phase=SessionPhase.RUNNING,
                                 planned_start="2026-06-13 08:20", planned_end="2026-06-13 08:35")
        update_session(db, morning, green_us=T0)
        # planned out of id order: the expected next one is the earliest planned start, not the lowest id
        create_session(db, "Late", SessionRules(), planned_start="2026-06-13 10:00", planned_end="2026-06-13 10:15")
        early = create_session(db, "Race", SessionRules(session_type=SessionType.RACE),
                               planned_start="2026-06-13 09:00", planned_end="2026-06-13 09:15")
        create_session(db, "Walk-ups", SessionRules())  # no planned slot
        for number in ("1", "2", "3"):
            car = ensure_car(db, number)
            enter_car(db, morning, car)
            if number != "3":
                enter_car(db, early, car)
        journal_bulk(db.conn, morning, numbered((7, T0 + k * 60_000_000) for k in range(1, 6)))
    db.close()


def rows(stdout):
    return [re.split(r"\s{2,}", line.strip()) for line in stdout.splitlines()]


def test_sessions_has_a_header_and_the_day_screen_columns(tmp_path):
    path = tmp_path / "event.db"
    make_day(path)
    listed = run_cli("sessions", "--db", path)
    assert listed.returncode == 0, listed.stderr
    assert rows(listed.stdout) == [
        ["id", "name", "type", "phase", "planned start", "planned end", "entries", "passings", "flag", "results"],
        ["1", "Morning", "practice", "running", "2026-06-13 08:20", "2026-06-13 08:35", "3", "5", "green", "live",
         "nobody times it: `laptiming record` (or n in the app) resumes it"],  # running, but no recorder holds it
        ["2", "Late", "practice", "planned", "2026-06-13 10:00", "2026-06-13 10:15", "0", "0", "-", "-"],
        ["3", "Race", "race", "planned", "2026-06-13 09:00", "2026-06-13 09:15", "2", "0", "-", "-", "expected next"],
        ["4", "Walk-ups", "practice", "planned", "-", "-", "0", "0", "-", "-"],
    ]


def test_a_session_being_timed_says_by_whom_and_a_finished_one_how_final(tmp_path):
    path = tmp_path / "event.db"
    make_day(path)
    lock = RecorderLock.acquire(path, 1, "Morning")
    try:
        listed = run_cli("sessions", "--db", path)
    finally:
        lock.release()
    assert rows(listed.stdout)[1][-1].startswith("timed by laptiming record (pid ")
    assert run_cli("finish", "--db", path, "--session", "3", "--by", "clerk").returncode == 0
    assert run_cli("finish", "--db", path, "--session", "3", "--confirm", "--by", "steward").returncode == 0
    after = rows(run_cli("sessions", "--db", path).stdout)
    assert after[3][3:] == ["finished", "2026-06-13 09:00", "2026-06-13 09:15", "2", "0", "checkered", "official"]
    assert after[2][-1] == "expected next"  # the next planned session now
