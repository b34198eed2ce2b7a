"""``schedule --db``: the roster lands in the event database, ready for ``record`` to time it."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import datetime
from pathlib import Path

from schedule_helpers import entry, run_laptiming

from hardware.events import Passing
from hardware.p3 import encode_passing
from hardware.p3.records import code_to_transponder
from laptiming.store import open_event_db


run = run_laptiming


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


ROWS = [entry("D1", number="1", transponder="5000001"), entry("D2", number="2", transponder="5000002"),
        entry("D3", car="C-D2", number="2", transponder="5000002"),  # shares D2's car
        entry("D4", number="4", transponder="PV-38463")]


def test_roster_lands_in_the_event_database(tmp_path, event_files):
    entries, plan = event_files(ROWS)
    roster, db = tmp_path / "roster.csv", tmp_path / "event.db"
    result = run("schedule", entries, "--plan", plan, "--out", roster, "--db", db, "--time-limit", "5")
    assert result.returncode == 0, result.stderr
    planned = {(r["session"], r["start"], r["end"]) for r in rows_of(roster)}
    assert f"{len(planned)} sessions created; 4 drivers, 3 cars, 3 transponders" in result.stdout
    sessions = query(db, "SELECT name, phase, planned_start, planned_end FROM sessions ORDER BY id")
    assert {(name.removeprefix("Session "), start, end) for name, _, start, end in sessions} == planned
    assert {phase for _, phase, _, _ in sessions} == {"planned"}
    entered = query(db, """SELECT s.name, c.number, d.name FROM session_entries e JOIN sessions s ON s.id = e.session_id
                           JOIN cars c ON c.id = e.car_id JOIN drivers d ON d.id = e.driver_id""")
    assert sorted(entered) == sorted((f"Session {r['session']}", r["car_number"], r["driver"]) for r in rows_of(roster))
    owners = dict(query(db, "SELECT t.transponder, c.number FROM transponder_assignments t JOIN cars c ON c.id = t.car_id"))
    assert owners == {5000001: "1", 5000002: "2", code_to_transponder(b"PV-38463"): "4"}
    assert query(db, "SELECT name FROM event") == [("Test day",)]
    assert {capacity for (capacity,) in query(db, "SELECT capacity FROM sessions")} == {4}  # the plan's cars on track
    for rules, start, end in query(db, "SELECT rules, planned_start, planned_end FROM sessions"):  # the slot's length
        slot_s = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
        assert json.loads(rules)["duration_us"] == slot_s * 1_000_000 > 0


def test_reimport_updates_planned_sessions_and_leaves_started_ones(tmp_path, event_files):
    entries, plan = event_files(ROWS)
    roster, db = tmp_path / "roster.csv", tmp_path / "event.db"
    assert run("schedule", entries, "--plan", plan, "--out", roster, "--db", db, "--time-limit", "5").returncode == 0
    first = query(db, "SELECT id, name FROM sessions ORDER BY id")[0]
    query(db, "UPDATE sessions SET phase = 'running' WHERE id = ?", first[0])
    before = query(db, "SELECT car_id, driver_id FROM session_entries WHERE session_id = ? ORDER BY car_id", first[0])
    withdrawn = ROWS[:1] + ROWS[2:]  # D2 withdraws; D3 still drives car C-D2
    entries, plan = event_files(withdrawn)
    again = run("schedule", entries, "--plan", plan, "--out", tmp_path / "new.csv", "--keep", roster, "--db", db,
                "--time-limit", "5")
    assert again.returncode == 0, again.stderr
    assert f"already started, left as they are: {first[1]}" in again.stdout
    after = query(db, "SELECT car_id, driver_id FROM session_entries WHERE session_id = ? ORDER BY car_id", first[0])
    assert after == before
    names = {name for (name,) in query(db, """SELECT d.name FROM session_entries e JOIN drivers d ON d.id = e.driver_id
                                              JOIN sessions s ON s.id = e.session_id WHERE s.phase = 'planned'""")}
    assert "Driver D2" not in names and "Driver D3" in names


def test_record_times_a_planned_session_with_its_entry_list(tmp_path, event_files):
    entries, plan = event_files(ROWS)
    roster, db = tmp_path / "roster.csv", tmp_path / "event.db"
    assert run("schedule", entries, "--plan", plan, "--out", roster, "--db", db, "--time-limit", "5").returncode == 0
    first = next(r for r in rows_of(roster) if r["driver_id"] == "D1")
    capture = tmp_path / "s.p3"
    capture.write_bytes(b"".join(encode_passing(Passing(9, n, 5000001, 1_000_000_000 + n * 95_250_000, 90, 30))
                                 for n in range(1, 5)))
    result = run("record", f"file://{capture}", "--db", db, "--session", f"Session {first['session']}")
    assert result.returncode == 0, result.stderr
    best = query(db, """SELECT r.driver, r.laps, r.best_lap_us FROM results r JOIN sessions s ON s.id = r.session_id
                        WHERE s.name = ? AND r.number = '1'""", f"Session {first['session']}")
    assert best == [("Driver D1", 3, 95_250_000)]


def test_bad_database_path_fails_before_anything_is_written(tmp_path, event_files):
    entries, plan = event_files(ROWS)
    roster = tmp_path / "roster.csv"
    result = run("schedule", entries, "--plan", plan, "--out", roster, "--db", tmp_path / "no" / "event.db")
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert not roster.exists()


def test_an_import_that_waited_for_another_programs_write_lock_is_one_line_and_writes_nothing(
        tmp_path, event_files, monkeypatch):
    """It ended in a ``sqlite3.OperationalError: database is locked`` traceback (exit 1)."""
    entries, plan = event_files(ROWS)
    roster, db = tmp_path / "roster.csv", tmp_path / "event.db"
    open_event_db(db, create=True).close()
    monkeypatch.setenv("LAPTIMING_WAIT_S", "0.5")
    holder = sqlite3.connect(db, timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # another program writing, and not done within the wait
    try:
        result = run("schedule", entries, "--plan", plan, "--out", roster, "--db", db, "--time-limit", "5")
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if not line.startswith("laptiming: note: ")] == [
        f"laptiming: {db}: another program holds the event database's write lock; nothing was written after "
        "waiting 0.5 s (to wait longer, set LAPTIMING_WAIT_S to the seconds, e.g. LAPTIMING_WAIT_S=60)"]
    assert not roster.exists()
    assert query(db, "SELECT count(*) FROM sessions") == [(0,)]


def test_namesakes_in_another_case_or_spacing_get_their_ids_in_the_event_database(tmp_path, event_files):
    """'Jo Carter' and 'jo  carter' (two registrations) went in as two drivers told apart by case alone: a
    ``--driver "Jo Carter"`` then took the first silently. Now both carry their registration id, as namesakes do."""
    rows = [entry("D1"), entry("D2"), entry("D3")]
    rows[0][1], rows[1][1], rows[2][1] = "Jo Carter", "jo  carter", "Ana Quist"
    entries, plan = event_files(rows)
    roster, db = tmp_path / "roster.csv", tmp_path / "event.db"
    result = run("schedule", entries, "--plan", plan, "--out", roster, "--db", db, "--time-limit", "5")
    assert result.returncode == 0, result.stderr
    assert sorted(name for (name,) in query(db, "SELECT name FROM drivers")) == [
        "Ana Quist", "Jo Carter (D1)", "jo  carter (D2)"]


def test_a_replan_places_nobody_new_in_a_session_already_run(tmp_path, event_files):
    """A late entry was put in a session the event database had already finished: the roster and the sheets sent
    them out at a time gone by, and the import, leaving that session as it was, silently lost their run. Now a
    session started in the database is closed: its runs stay as published and nobody new goes in."""
    entries, plan = event_files(ROWS)
    roster, db = tmp_path / "roster.csv", tmp_path / "event.db"
    assert run("schedule", entries, "--plan", plan, "--out", roster, "--db", db, "--time-limit", "5").returncode == 0
    published = rows_of(roster)
    first = min(published, key=lambda r: r["start"])
    ran = {r["driver_id"] for r in published if r["session"] == first["session"]}
    query(db, "UPDATE sessions SET phase = 'finished' WHERE name = ?", f"Session {first['session']}")
    # The late entry can come only in that session's slot (it has room: capacity 4).
    late = entry("D9", number="9", transponder="5000009", available_from=first["start"], available_until=first["end"],
                 runs="1")
    entries, plan = event_files([*ROWS, late])
    for extra in ((), ("--allow-moves",)):
        new = tmp_path / f"new{len(extra)}.csv"
        again = run("schedule", entries, "--plan", plan, "--out", new, "--keep", roster, "--db", db,
                    "--time-limit", "5", *extra)
        assert again.returncode == 1, again.stdout + again.stderr  # D9's one run has nowhere to go
        assert {r["driver_id"] for r in rows_of(new) if r["session"] == first["session"]} == ran
        assert "D9" not in {r["driver_id"] for r in rows_of(new)}
        assert (f"Session {first['session']} has already started in {db}: nobody new is placed in it; 1 run(s) have "
                "no session left in their window:\n  D9 Driver D9: 1 of 1 runs not placed\n") in again.stdout


def test_the_import_summary_counts_one_of_a_kind_in_the_singular():
    """A one-session event read 'event database event.db: 1 sessions created; 1 drivers, 1 cars, 1 transponders'."""
    from laptiming.roster_import import ImportSummary, describe_import

    summary = ImportSummary(sessions_created=1, drivers=1, cars=1, transponders=1)
    assert describe_import("event.db", summary) == ("event database event.db: 1 session created; 1 driver, 1 car, "
                                                    "1 transponder")
