"""Walk-up entries: one command makes the car, assigns the transponder and enters it, live too."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from laptiming.engine import SessionRules
from laptiming.store import assign_transponder, create_session, ensure_car, open_event_db
from tests.timing.cli_runner import run_cli
from tests.timing.test_record_kill import LINE_TIMEOUT, start_reading


def planned_event(path):
    db = open_event_db(path, create=True)
    with db.atomic():
        create_session(db, "Session 2", SessionRules())
        car = ensure_car(db, "11", "Standard")
        assign_transponder(db, 4100001, car, made_by="registration", reason="roster")
    db.close()


def tables(path):
    with sqlite3.connect(path) as conn:
        return {
            "cars": conn.execute("SELECT number, car_class FROM cars ORDER BY id").fetchall(),
            "assignments": conn.execute("SELECT transponder, car_id, from_us, made_by FROM transponder_assignments "
                                        "ORDER BY id").fetchall(),
            "entries": conn.execute("SELECT e.session_id, c.number, d.name FROM session_entries e JOIN cars c "
                                    "ON c.id = e.car_id LEFT JOIN drivers d ON d.id = e.driver_id").fetchall(),
            "log": conn.execute("SELECT action, made_by FROM session_control").fetchall(),
        }


def add(path, *extra):
    return run_cli("entry", "add", "--db", path, "--session", "1", "--by", "gate", *extra)


def test_a_walk_up_is_made_assigned_and_entered_in_one_step(tmp_path):
    path = tmp_path / "event.db"
    planned_event(path)
    done = add(path, "--number", "77", "--driver", "Ada Lovelace", "--class", "GT4", "--transponder", "3100222")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("car 77 (Ada Lovelace, GT4) with transponder 3100222 entered in session 1 "
                                   "(Session 2) (new car; transponder assigned)")
    after = tables(path)
    assert after["cars"] == [("11", "Standard"), ("77", "GT4")]
    assert after["assignments"][-1] == (3100222, 2, None, "gate")
    assert after["entries"] == [(1, "77", "Ada Lovelace")]
    assert after["log"] == [("enter", "gate")]
    again = add(path, "--number", "77", "--driver", "Ada Lovelace", "--transponder", "3100222")
    assert again.returncode == 0, again.stderr
    assert "(was already entered: driver set)" in again.stdout
    assert tables(path)["entries"] == [(1, "77", "Ada Lovelace")]
    assert len(tables(path)["assignments"]) == 2  # the transponder was already this car's: nothing new


def test_a_walk_up_past_the_plans_capacity_is_entered_and_said(tmp_path):
    """A walk-up took a session past the cars its roster plan lets on track (a circuit's limit) without a word."""
    path = tmp_path / "event.db"
    db = open_event_db(path, create=True)
    with db.atomic():
        create_session(db, "Session 2", SessionRules(), capacity=2)
    db.close()
    for number, transponder in (("7", "3100007"), ("8", "3100008")):
        done = add(path, "--number", number, "--driver", f"Driver {number}", "--transponder", transponder)
        assert done.returncode == 0 and "note:" not in done.stdout, done.stdout + done.stderr
    third = add(path, "--number", "9", "--driver", "Driver 9", "--transponder", "3100009")
    assert third.returncode == 0, third.stderr
    assert third.stdout.splitlines()[-1] == ("note: session 1 (Session 2) now has 3 cars entered, "
                                             "the plan lets 2 on track at once")
    assert len(tables(path)["entries"]) == 3  # entered all the same: the official may know a car has left
    again = add(path, "--number", "9", "--driver", "Driver 9", "--transponder", "3100009")
    assert again.returncode == 0 and "note:" not in again.stdout  # already entered: no car more on track


def test_a_walk_up_never_takes_over_a_car_with_another_driver_or_class(tmp_path):
    """Car 152 is Pat Olsen's Standard car: a walk-up on 152 as someone else's GT4 is refused, naming it;
    what agrees with the car (its driver; its class or none) enters that car."""
    path = tmp_path / "event.db"
    planned_event(path)
    assert add(path, "--number", "152", "--driver", "Pat Olsen", "--class", "Standard",
               "--transponder", "3100152").returncode == 0
    before = tables(path)
    for typed in (("--driver", "Ada Lovelace", "--class", "GT4"), ("--driver", "Ada Lovelace"),
                  ("--driver", "Pat Olsen", "--class", "GT4")):
        refused = add(path, "--number", "152", *typed, "--transponder", "3199077")
        assert refused.returncode == 2
        assert refused.stderr.strip() == ("laptiming: --number: car 152 is already Pat Olsen (Standard): pick a new "
                                          "number for a new car, or `laptiming correct assign` to give car 152 "
                                          "another transponder or driver")
        assert tables(path) == before  # nothing written: no class change, no transponder, no entry
    agreed = add(path, "--number", "152", "--driver", "pat olsen", "--transponder", "3100152")
    assert agreed.returncode == 0, agreed.stderr
    assert tables(path)["entries"] == [(1, "152", "Pat Olsen")] and tables(path)["cars"] == before["cars"]


def test_a_new_driver_of_a_name_the_event_has_is_said(tmp_path):
    path = tmp_path / "event.db"
    planned_event(path)
    assert add(path, "--number", "17", "--driver", "Clara Fischer (D0017)", "--transponder", "3100017").returncode == 0
    done = add(path, "--number", "18", "--driver", "Clara Fischer", "--transponder", "3100018")
    assert done.returncode == 0, done.stderr
    assert "a new driver Clara Fischer; the event also has Clara Fischer (D0017)" in done.stdout
    same_car = add(path, "--number", "17", "--driver", "Clara Fischer", "--transponder", "3100017")
    assert same_car.returncode == 0 and "the event also has" not in same_car.stdout  # the roster's driver
    assert ("17", "Clara Fischer (D0017)") in [(number, name) for _, number, name in tables(path)["entries"]]


def test_a_transponder_of_another_car_needs_the_time_it_was_handed_on(tmp_path):
    path = tmp_path / "event.db"
    planned_event(path)
    before = tables(path)
    refused = add(path, "--number", "12", "--driver", "Cy", "--transponder", "4100001")
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("laptiming: --transponder: 4100001 belongs to car 11; give --from TIME "
                                      "(when it was handed on) to move it to this car")
    assert tables(path) == before  # nothing half-written: no car 12, no entry
    moved = add(path, "--number", "12", "--driver", "Cy", "--transponder", "4100001", "--from-us", "1551543840549000")
    assert moved.returncode == 0, moved.stderr
    assert "(new car; transponder moved from car 11)" in moved.stdout  # the move is said, not only "assigned"
    assert tables(path)["assignments"][-1] == (4100001, 2, 1551543840549000, "gate")


def test_bad_fields_and_finished_sessions_are_refused(tmp_path):
    path = tmp_path / "event.db"
    planned_event(path)
    before = tables(path)
    empty = add(path, "--number", "12", "--driver", " ", "--transponder", "5")
    assert empty.returncode == 2 and empty.stderr.startswith("laptiming: --driver:")
    bad = add(path, "--number", "12", "--driver", "Cy", "--transponder", "abc")
    assert bad.returncode == 2 and "--transponder" in bad.stderr
    assert run_cli("finish", "--db", path, "--session", "1", "--by", "clerk").returncode == 0
    late = add(path, "--number", "12", "--driver", "Cy", "--transponder", "5")
    assert late.returncode == 2 and "is finished" in late.stderr
    assert tables(path)["cars"] == before["cars"] and tables(path)["entries"] == []


def test_a_running_recorder_takes_a_walk_up_within_seconds(tmp_path):
    db = tmp_path / "event.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "laptiming", "record", "sim://?cars=4&seed=3&speed=60&minutes=60",
         "--db", str(db), "--session", "Practice 1", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = start_reading(process)
        while True:  # without --enter-unknown, the simulator's cars are unknown transponders
            line = lines.get(timeout=LINE_TIMEOUT)
            assert line is not None, process.stderr.read()
            event = json.loads(line)
            if event["type"] == "unknown":
                break
        done = run_cli("entry", "add", "--db", db, "--session", "1", "--number", "77", "--driver", "Ada Lovelace",
                       "--class", "GT4", "--transponder", event["transponder"], "--by", "gate")
        assert done.returncode == 0, done.stderr
        entered = time.monotonic()
        while True:
            line = lines.get(timeout=LINE_TIMEOUT)
            assert line is not None, process.stderr.read()
            shown = json.loads(line)
            if shown["type"] == "standing" and shown["number"] == "77":
                break
        taken_after = time.monotonic() - entered
        assert shown["driver"] == "Ada Lovelace"
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(LINE_TIMEOUT) == 0, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(LINE_TIMEOUT)
    assert taken_after < 5, taken_after


def test_a_walk_up_may_not_change_official_results(tmp_path):
    from laptiming.store import journal_bulk
    from tests.timing.timing_builders import T0, numbered

    path = tmp_path / "event.db"
    planned_event(path)  # car 11 has transponder 4100001
    db = open_event_db(path)
    with db.atomic():
        morning = create_session(db, "Morning", SessionRules())
        db["session_entries"].insert({"session_id": morning, "car_id": 1, "driver_id": None})
        journal_bulk(db.conn, morning, numbered((4100001, T0 + k * 90_000_000) for k in range(1, 5)))
    db.close()
    assert run_cli("finish", "--db", path, "--session", morning, "--by", "clerk").returncode == 0
    assert run_cli("finish", "--db", path, "--session", morning, "--confirm", "--by", "steward").returncode == 0
    before = tables(path)
    handed_on_during = add(path, "--number", "12", "--driver", "Cy", "--transponder", "4100001",
                           "--from-us", T0 + 200_000_000)  # inside the official morning session
    assert handed_on_during.returncode == 2
    assert "transponder 4100001 has passings in session(s) 2 whose results are official" in handed_on_during.stderr
    assert tables(path) == before
    moved = run_cli("transponder", "move", "4100001", "--car", "11", "--db", path, "--from-us", T0 + 200_000_000,
                    "--by", "clerk", "--reason", "spare")  # the same rule for a plain move
    assert moved.returncode == 2 and "whose results are official" in moved.stderr
    assert tables(path) == before
    handed_on_after = add(path, "--number", "12", "--driver", "Cy", "--transponder", "4100001",
                          "--from-us", T0 + 400_000_000)
    assert handed_on_after.returncode == 0, handed_on_after.stderr


def test_a_walk_up_on_a_transponder_a_correction_gives_another_car_is_refused(tmp_path):
    """`correct assign` gives a transponder's passings in the session to a car for the whole session, over any
    assignment: a walk-up entered with it was told 'entered' and then timed nothing, every lap still car 11's."""
    path = tmp_path / "event.db"
    planned_event(path)
    assigned = run_cli("correct", "assign", "--db", path, "--session", "1", "--transponder", "3100222",
                       "--car", "11", "--by", "desk", "--reason", "rental transponder")
    assert assigned.returncode == 0, assigned.stderr
    before = tables(path)
    refused = add(path, "--number", "77", "--driver", "Ada Lovelace", "--transponder", "3100222")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "laptiming: --transponder: 3100222 is car 11's for all of session 1 (Session 2), by correction #1 "
        "(assign); enter car 77 with another transponder, or `laptiming correct assign` the transponder to it")
    assert tables(path) == before  # nothing half-written
    moved = add(path, "--number", "77", "--driver", "Ada Lovelace", "--transponder", "3100222", "--from-us", "1781341200000000")
    assert moved.returncode == 2 and "by correction #1" in moved.stderr  # a time does not help: the correction wins
    same_car = add(path, "--number", "11", "--driver", "Bo", "--transponder", "3100222")
    assert same_car.returncode == 0, same_car.stderr  # the car the correction gives it to: nothing in the way
