"""The simulator on an event database never repeats a passing: a new session moves on, a resume continues."""

from __future__ import annotations

import sqlite3

from hardware.simulator.virtual_decoder import P3_DECODER_ID
from laptiming.engine import SessionRules
from laptiming.store import assign_transponder, create_session, ensure_car, ensure_driver, enter_car, open_event_db
from tests.timing.cli_runner import run_cli

SIM = "sim://?from-db=1&speed=2000&seed=2"


def two_session_event(path):
    """Two planned sessions with the same three cars entered (the same field for the same seed)."""
    db = open_event_db(path, create=True)
    with db.atomic():
        sessions = [create_session(db, name, SessionRules()) for name in ("Session 1", "Session 2")]
        for number, driver, transponder in (("7", "Ben Jensen", 3100222), ("8", "Quinn Turner", 3100259),
                                            ("10", "Nico Turner", 3100333)):
            car = ensure_car(db, number, "Standard")
            assign_transponder(db, transponder, car, made_by="roster", reason="registration")
            for session_id in sessions:
                enter_car(db, session_id, car, ensure_driver(db, driver))
    db.close()


def session_passings(path, session_id):
    """(passing number, transponder, decoder time) of the simulator's passings in a session, in number order."""
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT p.passing_number, p.transponder, p.decoder_time_us FROM passings p "
            "JOIN session_passings sp ON sp.passing_id = p.id WHERE sp.session_id = ? AND p.decoder_id = ? "
            "ORDER BY p.passing_number", [session_id, P3_DECODER_ID]).fetchall()


def test_a_second_session_on_the_simulator_gets_passings_of_its_own(tmp_path):
    path = tmp_path / "event.db"
    two_session_event(path)
    first = run_cli("record", f"{SIM}&minutes=6", "--db", path, "--session", "Session 1")
    second = run_cli("record", f"{SIM}&minutes=6", "--db", path, "--session", "Session 2")
    assert first.returncode == 0 and second.returncode == 0, (first.stderr, second.stderr)
    one, two = session_passings(path, 1), session_passings(path, 2)
    assert one and len(two) == len(one)
    assert min(number for number, _, _ in two) > max(number for number, _, _ in one)  # the counter moved on
    assert min(time for _, _, time in two) > max(time for _, _, time in one)  # and the clock
    assert "session 2 (Session 2): practice, finished -- " in second.stdout and " 0 laps" not in second.stdout
    assert "DNS" not in second.stdout


def test_a_resumed_session_continues_its_own_stream_after_a_walk_up(tmp_path):
    path = tmp_path / "event.db"
    two_session_event(path)
    first = run_cli("record", f"{SIM}&minutes=4", "--db", path, "--session", "Session 1", "--keep-open")
    assert first.returncode == 0, first.stderr
    before = session_passings(path, 1)
    walk_up = run_cli("entry", "add", "--db", path, "--session", "1", "--number", "21", "--driver", "Ada Lovelace",
                      "--transponder", "3530829", "--by", "desk")
    assert walk_up.returncode == 0, walk_up.stderr
    resumed = run_cli("record", f"{SIM}&minutes=8", "--db", path, "--session", "Session 1")
    assert resumed.returncode == 0, resumed.stderr
    after = session_passings(path, 1)
    numbers = [number for number, _, _ in after]
    assert len(numbers) == len(set(numbers))  # no passing number twice (with another time)
    assert after[: len(before)] == before and len(after) > len(before)  # the same stream, carried on
    times = [time for _, _, time in after]
    assert times == sorted(times)  # one stream in time order, not a second one from 09:00


def test_the_journal_is_not_told_to_a_simulator_on_a_fresh_database(tmp_path):
    path = tmp_path / "event.db"
    two_session_event(path)
    run_cli("record", f"{SIM}&minutes=3", "--db", path, "--session", "Session 1")
    with sqlite3.connect(path) as conn:
        sources = {row[0] for row in conn.execute("SELECT DISTINCT source FROM passings")}
    assert all("after-" not in source and "resume-after" not in source for source in sources)
