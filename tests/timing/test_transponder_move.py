"""A transponder moved to another car mid-event: laps before the move stay with the old car."""

from __future__ import annotations

from laptiming.engine import SessionRules
from laptiming.store import create_session, ensure_car, enter_car, journal_bulk, open_event_db, update_session
from laptiming.store.sessions import assign_transponder

from .cli_runner import csv_rows, run_cli
from .timing_builders import S, T0, numbered

TRANSPONDER = 4_100_001


def make_event(path):
    db = open_event_db(path, create=True)
    with db.atomic():
        session_id = create_session(db, "Afternoon", SessionRules())
        update_session(db, session_id, green_us=T0)
        first, second = ensure_car(db, "11"), ensure_car(db, "22")
        for car in (first, second):
            enter_car(db, session_id, car)
        assign_transponder(db, TRANSPONDER, first, made_by="registration", reason="fitted at the gate")
        journal_bulk(db.conn, session_id, numbered((TRANSPONDER, T0 + k * 90 * S) for k in range(1, 7)))
    db.close()
    return session_id


def test_move_splits_the_laps_at_the_decoder_time(tmp_path):
    path = tmp_path / "event.db"
    session_id = make_event(path)
    moved = run_cli("transponder", "move", TRANSPONDER, "--car", "22", "--db", path, "--from-us", T0 + 300 * S,
                    "--by", "clerk", "--reason", "loaner handed on")
    assert moved.returncode == 0, moved.stderr
    assert f"transponder {TRANSPONDER} belongs to car 22 from decoder time {T0 + 300 * S}" in moved.stdout
    assert "before that it was car 11's" in moved.stdout and "new to this event" not in moved.stdout
    exported = run_cli("export", "laps", "--db", path, "--session", session_id)
    _, rows = csv_rows(exported.stdout)
    laps = {(row["number"], row["lap"]) for row in rows}
    # car 11: crossings at 90, 180, 270 s -> 2 laps; car 22: 360, 450, 540 s -> 2 laps
    assert laps == {("11", "1"), ("11", "2"), ("22", "1"), ("22", "2")}
    assert "results of 1 session with its passings derived again" in moved.stdout
    db = open_event_db(path)
    stored = db.execute("SELECT c.number, l.lap_no FROM laps l JOIN cars c ON c.id = l.car_id "
                        "WHERE l.session_id = ?", [session_id]).fetchall()
    db.close()
    assert set(stored) == {("11", 1), ("11", 2), ("22", 1), ("22", 2)}  # the stored results follow the move
    listing = run_cli("transponder", "list", "--db", path)
    assert [line.split()[:3] for line in listing.stdout.splitlines()[1:]] == [
        [str(TRANSPONDER), "11", "start"], [str(TRANSPONDER), "22", str(T0 + 300 * S)]]
    who_and_why = [line.split(maxsplit=4)[4] for line in listing.stdout.splitlines()[1:]]
    assert who_and_why == ["registration  fitted at the gate", "clerk         loaner handed on"]


def test_a_move_needs_who_and_why(tmp_path):
    path = tmp_path / "event.db"
    make_event(path)
    moved = run_cli("transponder", "move", TRANSPONDER, "--car", "22", "--db", path)
    assert moved.returncode == 2
    assert "--by" in moved.stderr and "--reason" in moved.stderr


def test_move_to_an_unknown_car_exits_2_and_writes_nothing(tmp_path):
    path = tmp_path / "event.db"
    make_event(path)
    moved = run_cli("transponder", "move", TRANSPONDER, "--car", "99", "--db", path, "--by", "c", "--reason", "r")
    assert moved.returncode == 2
    assert "no car number 99" in moved.stderr
    listing = run_cli("transponder", "list", "--db", path)
    assert len(listing.stdout.splitlines()) == 2


def test_a_transponder_the_event_never_knew_is_moved_with_a_note_to_check_the_number(tmp_path):
    path = tmp_path / "event.db"
    make_event(path)
    typo = TRANSPONDER + 10  # one digit wrong
    moved = run_cli("transponder", "move", typo, "--car", "22", "--db", path, "--by", "c", "--reason", "spare fitted")
    assert moved.returncode == 0, moved.stderr
    assert f"note: transponder {typo} is new to this event (no car had it and no passing has it yet)" in moved.stdout
    assert "before that" not in moved.stdout
    again = run_cli("transponder", "move", typo, "--car", "11", "--db", path, "--by", "c", "--reason", "r")
    assert "before that it was car 22's" in again.stdout and "new to this event" not in again.stdout


def test_a_transponder_with_passings_but_no_car_gets_no_note(tmp_path):
    path = tmp_path / "event.db"
    session_id = make_event(path)
    stray = 4_100_777
    db = open_event_db(path)
    with db.atomic():
        journal_bulk(db.conn, session_id, numbered([(stray, T0 + 45 * S)], first_number=100))
    db.close()
    moved = run_cli("transponder", "move", stray, "--car", "22", "--db", path, "--by", "c", "--reason", "r")
    assert moved.returncode == 0, moved.stderr
    assert "new to this event" not in moved.stdout and "before that" not in moved.stdout


def test_a_move_says_which_sessions_an_assign_correction_keeps_the_transponder_in(tmp_path):
    """An assign correction gives a transponder to its car for the whole session, over any assignment: a move
    was said to be done ('belongs to car 22 from the start') while that session's laps all stayed car 11's."""
    path = tmp_path / "event.db"
    session_id = make_event(path)
    corrected = run_cli("correct", "assign", "--db", path, "--session", session_id, "--transponder", TRANSPONDER,
                        "--car", "11", "--by", "clerk", "--reason", "car 11's all afternoon")
    assert corrected.returncode == 0, corrected.stderr
    moved = run_cli("transponder", "move", TRANSPONDER, "--car", "22", "--db", path, "--by", "clerk",
                    "--reason", "fitted to 22")
    assert moved.returncode == 0, moved.stderr
    assert (f"note: in session {session_id} (Afternoon) correction #1 (assign) gives transponder {TRANSPONDER} to "
            "car 11 for the whole session, so this move changes nothing there; to change it, correct assign it "
            "there") in moved.stdout
    _, rows = csv_rows(run_cli("export", "laps", "--db", path, "--session", session_id).stdout)
    assert {row["number"] for row in rows} == {"11"}  # as the note says
    again = run_cli("transponder", "move", TRANSPONDER, "--car", "11", "--db", path, "--by", "clerk",
                    "--reason", "back on 11")
    assert again.returncode == 0 and "note: in session" not in again.stdout  # the correction agrees with it
