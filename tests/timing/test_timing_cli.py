"""The timing commands through a real subprocess: exports, corrections, and bad input (exit 2, nothing written)."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from tests.timing.cli_runner import csv_rows, run_cli

AMB = ("p3", "vmindru-ambp3client", "amb.out")


@pytest.fixture
def replayed(captures, tmp_path):
    """amb.out replayed as a race into a fresh database."""
    db = tmp_path / "event.db"
    result = run_cli("replay", captures.joinpath(*AMB), "--db", db, "--session-type", "race", "--name", "Race 1")
    assert result.returncode == 0, result.stderr
    return db


def one_error_line(result, *fragments):
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def corrections_count(db):
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM corrections").fetchone()[0]


def test_missing_capture_is_one_line_exit_2_and_no_database(tmp_path):
    db = tmp_path / "event.db"
    result = run_cli("replay", tmp_path / "nope.p3", "--db", db)
    one_error_line(result, "nope.p3")
    assert not db.exists()


def test_capture_without_passings_writes_nothing(tmp_path):
    capture = tmp_path / "noise.bin"
    capture.write_bytes(bytes(range(256)) * 4)
    db = tmp_path / "event.db"
    one_error_line(run_cli("replay", capture, "--db", db), "noise.bin", "no passings")
    assert not db.exists()


def test_missing_database_and_unknown_session_are_named(replayed, tmp_path):
    missing = tmp_path / "other.db"
    one_error_line(run_cli("export", "laps", "--db", missing), "database not found", "other.db")
    assert not missing.exists()
    one_error_line(run_cli("export", "laps", "--db", replayed, "--session", "9"), "no session 9", "event.db")
    one_error_line(run_cli("results", "--db", replayed, "--session", "9"), "no session 9")


def test_export_to_a_missing_folder_writes_nothing(replayed, tmp_path):
    out = tmp_path / "no" / "laps.csv"
    one_error_line(run_cli("export", "laps", "--db", replayed, "--out", out), "folder", "does not exist")
    assert not out.parent.exists()


def test_export_writes_the_file_and_json_has_the_same_rows(replayed, tmp_path):
    out = tmp_path / "results.csv"
    result = run_cli("export", "results", "--db", replayed, "--out", out)
    assert result.returncode == 0 and result.stdout == ""
    header, rows = csv_rows(out.read_text())
    assert [row["number"] for row in rows] == ["3438895", "5691251", "3292480"]
    as_json = json.loads(run_cli("export", "results", "--db", replayed, "--format", "json").stdout)
    assert [row["number"] for row in as_json] == ["3438895", "5691251", "3292480"]
    assert list(as_json[0]) == header
    assert as_json[0]["best_lap_us"] == int(rows[0]["best_lap_us"])


def test_race_replay_orders_by_laps_with_lapped_cars(replayed):
    _, rows = csv_rows(run_cli("export", "results", "--db", replayed).stdout)
    # A race ranks by laps, then by when the last lap was completed.
    assert [(row["number"], row["laps"]) for row in rows] == [("3438895", "29"), ("5691251", "26"), ("3292480", "25")]


def test_corrections_through_the_cli_are_recomputed_and_listed(replayed):
    base = ("--db", replayed, "--session", "1", "--by", "Chief Timekeeper")
    penalty = run_cli("correct", "penalty", *base, "--reason", "jump start", "--car", "3438895", "--seconds", "5")
    assert penalty.returncode == 0, penalty.stderr
    assert "correction #1 recorded" in penalty.stdout
    dsq = run_cli("correct", "status", *base, "--reason", "technical infringement", "--car", "5691251", "DSQ")
    assert dsq.returncode == 0, dsq.stderr
    void = run_cli("correct", "void-passing", *base, "--reason", "pit lane read", "--decoder", "268307", "--number", "157860")
    assert void.returncode == 0, void.stderr
    again = run_cli("correct", "void-passing", *base, "--reason", "pit lane read", "--decoder", "268307",
                    "--number", "157860")
    assert again.returncode == 2 and "passing 157860 of decoder 268307 is already voided in session 1" in again.stderr
    typo = run_cli("correct", "assign", *base, "--reason", "spare transponder", "--transponder", "3292480",
                   "--car", "77", "--driver", "Grace Hopper", "--class", "GT4")
    assert typo.returncode == 2 and "no car number 77" in typo.stderr and "--new-car" in typo.stderr  # no phantom car
    assign = run_cli("correct", "assign", *base, "--reason", "spare transponder", "--transponder", "3292480",
                     "--car", "77", "--driver", "Grace Hopper", "--class", "GT4", "--new-car")
    assert assign.returncode == 0, assign.stderr

    _, rows = csv_rows(run_cli("export", "results", "--db", replayed).stdout)
    assert [(r["number"], r["laps"], r["status"], r["driver"]) for r in rows] == [
        ("3438895", "28", "running", ""),  # its last passing voided: one lap fewer
        ("77", "25", "running", "Grace Hopper"),  # the car entered as "3292480" made way for car 77
        ("5691251", "26", "DSQ", ""),
    ]
    shown = run_cli("results", "--db", replayed).stdout
    assert "Chief Timekeeper: time penalty: car 3438895 +5.000 s -- jump start" in shown
    assert "status: car 5691251 DSQ -- technical infringement" in shown
    assert "DSQ (technical infringement)" in shown
    header, listed = csv_rows(run_cli("export", "corrections", "--db", replayed).stdout)
    assert header == ["id", "session", "made_at", "made_by", "kind", "details", "reason", "payload"]
    assert [(r["id"], r["kind"], r["reason"]) for r in listed] == [
        ("1", "time_penalty", "jump start"),
        ("2", "set_status", "technical infringement"),
        ("3", "void_passing", "pit lane read"),
        ("4", "assign_transponder", "spare transponder"),
    ]
    with sqlite3.connect(replayed) as conn:  # the derived tables were rewritten too
        stored = conn.execute("SELECT position, number, laps, status FROM results WHERE session_id = 1 "
                              "ORDER BY position IS NULL, position").fetchall()
    # the disqualified car is not classified: no position, stored as in every other result
    assert stored == [(1, "3438895", 28, "running"), (2, "77", 25, "running"), (None, "5691251", 26, "DSQ")]


def test_delete_lap_add_passing_and_min_lap_through_the_cli(replayed):
    base = ("--db", replayed, "--session", "1", "--by", "clerk")
    _, before = csv_rows(run_cli("export", "laps", "--db", replayed).stdout)
    car_laps = [r for r in before if r["number"] == "3438895"]
    best = min(car_laps, key=lambda r: int(r["lap_time_us"]))
    deleted = run_cli("correct", "delete-lap", *base, "--reason", "track limits T3", "--car", "3438895", "--lap", best["lap"])
    assert deleted.returncode == 0, deleted.stderr
    _, after = csv_rows(run_cli("export", "laps", "--db", replayed).stdout)
    assert [r["flags"] for r in after if r["number"] == "3438895" and r["lap"] == best["lap"]] == ["deleted"]
    _, results = csv_rows(run_cli("export", "results", "--db", replayed).stdout)
    row = next(r for r in results if r["number"] == "3438895")
    assert row["best_lap_us"] != best["lap_time_us"] and row["laps"] == "29"

    # The 17-minute "lap 12" of 3438895: the loop missed it; add the crossing halfway.
    lap12 = next(r for r in after if r["number"] == "3438895" and r["lap"] == "12")
    halfway = int(lap12["crossing_us"]) - int(lap12["lap_time_us"]) // 2
    added = run_cli("correct", "add-passing", *base, "--reason", "video", "--transponder", "3438895", "--time-us", halfway)
    assert added.returncode == 0, added.stderr
    _, results = csv_rows(run_cli("export", "results", "--db", replayed).stdout)
    assert next(r for r in results if r["number"] == "3438895")["laps"] == "30"
    # the passings count as the session list gives it (the decoder's), the added one said apart
    from laptiming.service.day import day_sessions
    from laptiming.store import open_event_db

    db = open_event_db(replayed, readonly=True)
    try:
        [listed] = [session.passings for session in day_sessions(db)]  # what `sessions` and the Day screen show
    finally:
        db.close()
    assert f"-- {listed} passings and 1 added by correction, " in added.stdout

    # An official's typo is undone as the README says: void the added passing by its correction id.
    typo = run_cli("correct", "add-passing", *base, "--reason", "typo", "--transponder", "3438895",
                   "--time-us", halfway + 1_000_000)
    assert typo.returncode == 0, typo.stderr
    typo_id = typo.stdout.split("#")[1].split()[0]
    undone = run_cli("correct", "void-passing", *base, "--reason", "undo the typo", "--decoder", "-1",
                     "--number", typo_id)
    assert undone.returncode == 0, undone.stderr
    _, results = csv_rows(run_cli("export", "results", "--db", replayed).stdout)
    assert next(r for r in results if r["number"] == "3438895")["laps"] == "30"

    relaxed = run_cli("correct", "min-lap", *base, "--reason", "short layout", "--seconds", "2")
    assert relaxed.returncode == 0, relaxed.stderr
    _, results = csv_rows(run_cli("export", "results", "--db", replayed).stdout)
    assert next(r for r in results if r["number"] == "3438895")["laps"] == "31"  # the 2.767 s read now counts


@pytest.mark.parametrize(
    ("action", "fragment"),
    [
        (("penalty", "--car", "999", "--seconds", "5"), "no car number 999"),
        (("delete-lap", "--car", "3438895", "--lap", "99"), "has no lap 99"),
        (("void-passing", "--decoder", "268307", "--number", "1"), "no passing 1 of decoder 268307"),
        (("status", "--car", "3438895", "finished"), "invalid choice"),
        (("add-passing", "--transponder", "777", "--time-us", "1551543108933000"), "transponder 777 belongs to no car"),
    ],
)
def test_bad_corrections_are_refused_and_nothing_is_written(replayed, action, fragment):
    result = run_cli("correct", action[0], "--db", replayed, "--session", "1", "--by", "clerk", "--reason", "r", *action[1:])
    assert result.returncode == 2
    assert fragment in result.stderr
    assert corrections_count(replayed) == 0


def test_a_penalty_in_a_best_lap_session_is_refused(captures, tmp_path):
    db = tmp_path / "event.db"
    assert run_cli("replay", captures.joinpath(*AMB), "--db", db).returncode == 0
    result = run_cli("correct", "penalty", "--db", db, "--session", "1", "--by", "c", "--reason", "r",
                     "--car", "3438895", "--seconds", "5")
    one_error_line(result, "ranks by best lap", "delete-lap")
    assert corrections_count(db) == 0


def test_sessions_lists_each_session(replayed):
    result = run_cli("sessions", "--db", replayed)
    assert result.returncode == 0
    header, row = result.stdout.splitlines()
    assert header.split()[:4] == ["id", "name", "type", "phase"]
    assert row.split()[:4] == ["1", "Race", "1", "race"]


def test_record_from_a_missing_capture_or_a_bad_url_writes_nothing(tmp_path):
    db = tmp_path / "event.db"
    one_error_line(run_cli("record", f"file://{tmp_path}/gone.p3", "--db", db, "--session", "P"), "gone.p3")
    one_error_line(run_cli("record", "carrier-pigeon://loft", "--db", db, "--session", "P"), "unknown scheme")
    assert not db.exists()


def test_a_write_that_waited_its_stated_time_is_one_line_and_writes_nothing(replayed, monkeypatch):
    monkeypatch.setenv("LAPTIMING_WAIT_S", "0.5")
    holder = sqlite3.connect(replayed, timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # another program writing, and not finishing in time
    try:
        result = run_cli("correct", "status", "--db", replayed, "--session", "1", "--by", "c", "--reason", "r",
                         "--car", "3438895", "DNF", timeout=60)
    finally:
        holder.rollback()
        holder.close()
    one_error_line(result, "event.db", "another program holds", "write lock", "nothing was written after waiting 0.5 s",
                   "LAPTIMING_WAIT_S")
    assert corrections_count(replayed) == 0


def test_the_wait_limit_must_be_seconds(replayed, monkeypatch):
    monkeypatch.setenv("LAPTIMING_WAIT_S", "soon")
    one_error_line(run_cli("sessions", "--db", replayed), "LAPTIMING_WAIT_S='soon'", "from 0 to 3600")


def test_flags_need_a_known_decoder_clock_and_an_open_session(replayed, tmp_path):
    one_error_line(run_cli("flag", "checkered", "--db", replayed, "--session", "1"), "session 1", "is finished")
    from laptiming.engine import SessionRules
    from laptiming.store import create_session, get_session, open_event_db

    db = tmp_path / "planned.db"
    store = open_event_db(db, create=True)
    create_session(store, "Practice 3", SessionRules())
    store.close()
    one_error_line(run_cli("flag", "green", "--db", db, "--session", "1"), "decoder's clock is unknown", "--at-us")
    given = run_cli("flag", "green", "--db", db, "--session", "1", "--at-us", "1781341200000000")
    assert given.returncode == 0, given.stderr
    store = open_event_db(db)
    assert get_session(store, 1).green_us == 1781341200000000
    store.close()


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("rules", "{not json", "session 1 (Race 1): its rules are not valid"),
        ("rules", '{"session_type": "race"}', "session 1 (Race 1): its rules are not valid (missing 'min_lap_us')"),
        ("phase", "paused", "session 1 (Race 1): phase 'paused' is not one of planned, running, finished"),
    ],
)
def test_a_hand_edited_session_row_is_one_line_in_every_command(replayed, column, value, fragment):
    with sqlite3.connect(replayed) as conn:
        conn.execute(f"UPDATE sessions SET {column} = ? WHERE id = 1", [value])
    commands = [
        ("sessions", "--db", replayed),
        ("results", "--db", replayed, "--session", "1"),
        ("export", "laps", "--db", replayed),
        ("correct", "status", "--db", replayed, "--session", "1", "--by", "c", "--reason", "r", "--car", "3438895",
         "DNF"),
        ("flag", "checkered", "--db", replayed, "--session", "1", "--at-us", "1"),
    ]
    for command in commands:
        one_error_line(run_cli(*command), fragment)


def test_long_names_and_classes_are_shown_whole(replayed):
    name, car_class = "Maximilian von Hohenberg-Ashworth", "Porsche 911 GT3 Cup (992)"
    assigned = run_cli("correct", "assign", "--db", replayed, "--session", "1", "--by", "desk", "--reason", "gate",
                       "--transponder", "3438895", "--car", "3438895", "--driver", name, "--class", car_class)
    assert assigned.returncode == 0, assigned.stderr
    lines = run_cli("results", "--db", replayed, "--session", "1").stdout.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("Pos"))
    row = next(line for line in lines if name in line)
    assert car_class in row
    # the columns still line up: the class column starts where its header does
    assert row.index(car_class) == header.index("Class")


def test_record_says_what_it_does_with_planned_sessions_and_unknown_cars(tmp_path):
    from laptiming.engine import SessionRules
    from laptiming.store import SessionPhase, create_session, open_event_db, write_transaction

    db = tmp_path / "event.db"
    store = open_event_db(db, create=True)
    with write_transaction(store):
        create_session(store, "Practice 3", SessionRules(), phase=SessionPhase.PLANNED)
    store.close()
    result = run_cli("record", "sim://?cars=2&seed=5&speed=0&minutes=2", "--db", db, "--session", "Practice 3",
                     "--enter-unknown")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"starting planned session 1 (Practice 3) into {db}")
    assert "resuming" not in result.stdout
    assert "entering it as car" in result.stdout
    assert "not counted" not in result.stdout


def test_a_known_car_not_entered_in_the_session_is_said_live_and_in_the_results(tmp_path):
    """Cars entered in an earlier session cross in a new one: nothing counts, and the official is told why."""
    db = tmp_path / "event.db"
    source = "sim://?cars=2&seed=5&speed=0&minutes=2"
    first = run_cli("record", source, "--db", db, "--session", "Practice 1", "--enter-unknown")
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(db) as conn:
        transponders = {row[0] for row in conn.execute("SELECT transponder FROM transponder_assignments")}
    assert len(transponders) == 2

    second = run_cli("record", source, "--db", db, "--session", "Practice 2")
    assert second.returncode == 0, second.stderr
    live = [line for line in second.stdout.splitlines() if "its car is not entered in this session" in line]
    assert {int(line.split()[1].rstrip(":")) for line in live} == transponders
    assert "0 counted" in second.stdout
    results = run_cli("results", "--db", db, "--session", 2).stdout
    listed = results.split("Cars not entered in this session (laptiming entry add enters one):\n")[1]
    counts = {int(line.split()[1].rstrip(":")): int(line.split()[2]) for line in listed.splitlines()
              if line.startswith("  transponder ")}
    with sqlite3.connect(db) as conn:
        journaled = dict(conn.execute("SELECT p.transponder, COUNT(*) FROM passings p JOIN session_passings s "
                                      "ON s.passing_id = p.id WHERE s.session_id = 2 GROUP BY p.transponder"))
    assert counts == journaled

    as_json = run_cli("record", source, "--db", db, "--session", "Practice 3", "--json")
    kinds = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert {k["transponder"] for k in kinds if k["type"] == "not_entered"} == transponders


def test_the_lines_record_streams_stay_in_columns_with_a_long_class_or_name(tmp_path):
    """A streamed line was laid out for a 6-letter class: "Performance" pushed that car's laps and times right."""
    from laptiming.engine import SessionRules
    from laptiming.store import SessionPhase, create_session, open_event_db, write_transaction

    db = tmp_path / "event.db"
    store = open_event_db(db, create=True)
    with write_transaction(store):
        create_session(store, "Practice 3", SessionRules(min_lap_us=10_000_000), phase=SessionPhase.PLANNED)
    store.close()
    for number, driver, car_class, transponder in (("7", "Al", "Performance", "3100222"),
                                                   ("12", "Bartholomew Featherstonehaugh", "GT4", "3100259")):
        assert run_cli("entry", "add", "--db", db, "--session", "1", "--number", number, "--driver", driver,
                       "--class", car_class, "--transponder", transponder, "--by", "gate").returncode == 0
    result = run_cli("record", "sim://?transponders=3100222,3100259&seed=5&speed=0&minutes=3", "--db", db,
                     "--session", "Practice 3")
    assert result.returncode == 0, result.stderr
    rows = [re.match(r" *\d+  \S+ +.+? (Performance|GT4) +(\d+) ", line) for line in result.stdout.splitlines()
            if line[:3].strip().isdigit()]
    assert {row.group(1) for row in rows if row} == {"Performance", "GT4"}
    assert len({row.end(2) for row in rows if row}) == 1, rows  # the laps column ends at one place on every line
