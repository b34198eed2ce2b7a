"""``--session`` takes a session's name as well as its id: a roster names its sessions by slot ("Session 26" may
be id 19), and the itineraries, the paddock sheets and the Day screen give that name."""

from __future__ import annotations

from pathlib import Path

from laptiming.store import open_event_db
from tests.timing.cli_runner import run_cli
from tests.timing.test_replay_roster import ENTRIES, PLAN


def _day(tmp_path: Path) -> Path:
    """An event whose first session is a replayed warm-up (id 1), then the roster's "Session 1" (id 2) and
    "Session 3" (id 3: its second slot is free, for the shared car's rest)."""
    capture = tmp_path / "warm-up.p3"
    assert run_cli("decoder", "simulate", "--out", capture, "--cars", "3", "--seed", "7", "--minutes", "4").returncode == 0
    db = tmp_path / "event.db"
    replayed = run_cli("replay", capture, "--db", db, "--name", "Warm-up")
    assert replayed.returncode == 0, replayed.stderr
    (tmp_path / "entries.csv").write_text(ENTRIES, encoding="utf-8")
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    scheduled = run_cli("schedule", tmp_path / "entries.csv", "--plan", tmp_path / "plan.toml",
                        "--out", tmp_path / "roster.csv", "--db", db)
    assert scheduled.returncode == 0, scheduled.stderr
    return db


def _corrections(db_path: Path) -> list[tuple[int, str]]:
    db = open_event_db(db_path, readonly=True)
    try:
        return [(int(row[0]), str(row[1])) for row in db.execute("SELECT session_id, kind FROM corrections")]
    finally:
        db.close()


def test_a_session_is_found_by_the_name_the_roster_gave_it(tmp_path: Path) -> None:
    """``--session "Session 1"`` was refused as "invalid int value", and ``--session 1`` is the warm-up here."""
    db = _day(tmp_path)
    shown = run_cli("results", "--db", db, "--session", "Session 1")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("session 2 (Session 1): practice, planned")
    by_id = run_cli("results", "--db", db, "--session", "1")
    assert by_id.stdout.startswith("session 1 (Warm-up)")  # a number is still the id
    corrected = run_cli("correct", "status", "--db", db, "--session", "Session 1", "--by", "steward", "--reason",
                        "did not start", "--car", "13", "DNS")
    assert corrected.returncode == 0, corrected.stderr
    assert _corrections(db) == [(2, "set_status")]
    not_there = run_cli("correct", "status", "--db", db, "--session", "1", "--by", "steward", "--reason", "x",
                        "--car", "11", "DNS")  # the roster's car 11 did not run the warm-up: the refusal names it
    assert not_there.returncode == 2
    assert not_there.stderr.splitlines() == [f"laptiming: car 11 is not entered in session 1 (Warm-up) of {db}"]
    printed = run_cli("print", "results", "--db", db, "--session", "Warm-up", "--csv", tmp_path / "warm-up.csv")
    assert printed.returncode == 0, printed.stderr
    assert (tmp_path / "warm-up.csv").is_file()


def test_a_name_no_session_has_or_several_have_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    db = _day(tmp_path)
    missing = run_cli("correct", "status", "--db", db, "--session", "Session 9", "--by", "steward", "--reason", "x",
                      "--car", "13", "DNS")
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr.splitlines() == [
        f"laptiming: no session named 'Session 9' in {db} (`laptiming sessions --db {db}` lists each session's id "
        "and name)"]
    again = run_cli("replay", tmp_path / "warm-up.p3", "--db", db, "--name", "Warm-up")
    assert again.returncode == 0, again.stderr
    twice = run_cli("flag", "yellow", "--db", db, "--session", "Warm-up")
    assert twice.returncode == 2
    assert twice.stderr.splitlines() == [
        f"laptiming: 2 sessions are named 'Warm-up' in {db} (ids 1, 4): give --session ID"]
    assert _corrections(db) == []
