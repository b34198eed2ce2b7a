"""The demo looks like the event: ``sim://?from-db=1`` drives the transponders of the session's entries."""

from __future__ import annotations

import sqlite3

from hardware.simulator.field import FieldConfig, crossings
from laptiming.engine import SessionRules
from laptiming.store import assign_transponder, create_session, ensure_car, ensure_driver, enter_car, open_event_db
from tests.conftest import PROJECT_ROOT
from tests.timing.cli_runner import run_cli

SAMPLE = PROJECT_ROOT / "sample_data" / "trackday"


def test_the_simulator_drives_the_transponders_it_is_given_the_same_way_for_a_seed():
    given = (3100222, 3100259, 4100001)
    field = FieldConfig(cars=3, seed=5, minutes=10, transponders=given)
    reads = list(crossings(field))
    assert {read.transponder for read in reads} == set(given)
    assert reads == list(crossings(FieldConfig(cars=3, seed=5, minutes=10, transponders=given)))


def test_bad_transponder_options_are_one_line(tmp_path):
    for url, message in [
        ("sim://?transponders=11,x", "option transponders='11,x' must be whole numbers separated by commas"),
        ("sim://?transponders=11,11", "a transponder is given twice"),
        ("sim://?transponders=11,12&cars=3", "cars=3 but 2 transponders are given"),
    ]:
        result = run_cli("decoder", "listen", url)
        assert result.returncode == 2 and message in result.stderr, (url, result.stderr)


def small_event(path):
    db = open_event_db(path, create=True)
    with db.atomic():
        session_id = create_session(db, "Session 1", SessionRules())
        for number, driver, transponder in (("7", "Ben Jensen", 3100222), ("8", "Quinn Turner", 3100259),
                                            ("10", "Nico Turner", 3100333), ("99", "Not Entered", 3199999)):
            car = ensure_car(db, number, "Standard")
            assign_transponder(db, transponder, car, made_by="roster", reason="registration")
            if number != "99":
                enter_car(db, session_id, car, ensure_driver(db, driver))
    db.close()


def journaled_transponders(path):
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT DISTINCT transponder FROM passings")}


def test_from_db_simulates_exactly_the_entered_cars(tmp_path):
    path = tmp_path / "event.db"
    small_event(path)
    recorded = run_cli("record", "sim://?from-db=1&speed=1000&minutes=6&seed=2", "--db", path, "--session", "Session 1")
    assert recorded.returncode == 0, recorded.stderr
    assert journaled_transponders(path) == {3100222, 3100259, 3100333}
    assert "Unknown transponders" not in recorded.stdout
    with sqlite3.connect(path) as conn:
        drivers = {row[0] for row in conn.execute("SELECT driver FROM results WHERE laps > 0")}
        source = conn.execute("SELECT DISTINCT source FROM passings").fetchall()
    assert drivers == {"Ben Jensen", "Quinn Turner", "Nico Turner"}
    assert source == [("sim://?speed=1000&minutes=6&seed=2&transponders=3100222,3100259,3100333",)]


def test_from_db_drives_one_transponder_per_car_the_one_it_was_given_last(tmp_path):
    """A loaner handed on (``transponder move``) leaves the car two transponders on the books; two simulated
    cars for one car made it lap in 20 s. Each car is simulated once, with its newest transponder; a car whose
    transponder was handed on and that has none left is not on track."""
    path = tmp_path / "event.db"
    small_event(path)
    db = open_event_db(path)
    with db.atomic():
        car_10 = db.execute("SELECT id FROM cars WHERE number = '10'").fetchone()[0]
        assign_transponder(db, 3100222, car_10, 1_000_000, made_by="clerk", reason="loaner handed on")
    db.close()
    recorded = run_cli("record", "sim://?from-db=1&speed=1000&minutes=6&seed=2", "--db", path, "--session", "Session 1")
    assert recorded.returncode == 0, recorded.stderr
    assert journaled_transponders(path) == {3100222, 3100259}  # car 10's loaner; car 7 gave its only one away
    with sqlite3.connect(path) as conn:
        fastest = conn.execute("SELECT MIN(lap_time_us) FROM laps").fetchone()[0]
    assert fastest > 60_000_000  # no car laps in the gap between two simulated cars


def test_from_db_needs_a_session_with_entries_and_writes_nothing_otherwise(tmp_path):
    path = tmp_path / "event.db"
    small_event(path)
    missing = run_cli("record", "sim://?from-db=1", "--db", path, "--session", "Session 9")
    assert missing.returncode == 2
    assert "no planned or running session named 'Session 9'" in missing.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM sessions").fetchall() == [("Session 1",)]
    nowhere = run_cli("record", "sim://?from-db=1", "--db", tmp_path / "none.db", "--session", "Session 1")
    assert nowhere.returncode == 2 and "does not exist" in nowhere.stderr
    assert not (tmp_path / "none.db").exists()


def test_the_sample_event_from_the_roster_is_what_the_demo_drives(tmp_path):
    db = tmp_path / "event.db"
    planned = run_cli("schedule", SAMPLE / "entries.csv", "--plan", SAMPLE / "plan.toml", "--out", tmp_path / "r.csv",
                      "--db", db, "--time-limit", "3", timeout=300)
    assert planned.returncode == 0, planned.stderr
    with sqlite3.connect(db) as conn:
        name, session_id = conn.execute("SELECT name, id FROM sessions ORDER BY id LIMIT 1").fetchone()
        entered = {row[0] for row in conn.execute(
            "SELECT t.transponder FROM session_entries e JOIN transponder_assignments t ON t.car_id = e.car_id "
            "WHERE e.session_id = ?", [session_id])}
    recorded = run_cli("record", "sim://?from-db=1&speed=1000&minutes=6", "--db", db, "--session", name)
    assert recorded.returncode == 0, recorded.stderr
    assert len(entered) > 10 and journaled_transponders(db) == entered
    assert "Unknown transponders" not in recorded.stdout
