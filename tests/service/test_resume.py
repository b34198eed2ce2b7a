"""A session finished too soon is timed again: running, its checkered flag withdrawn, with who and why."""

from __future__ import annotations

import sqlite3

from laptiming.service.control import Flag, ResultsStatus, current_flag, results_status
from laptiming.store import open_event_db
from tests.timing.cli_runner import csv_rows, run_cli

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


def _recorded(tmp_path):
    db = tmp_path / "event.db"
    result = run_cli("record", SIM, "--db", db, "--session", "Practice 1", "--keep-open", "--enter-unknown")
    assert result.returncode == 0, result.stderr
    return db


def _status(db):
    store = open_event_db(db, readonly=True)
    try:
        return current_flag(store, 1), results_status(store, 1)
    finally:
        store.close()


def _laps(db) -> int:
    return len(csv_rows(run_cli("export", "laps", "--db", db, "--session", "1").stdout)[1])


def test_a_session_finished_too_soon_is_resumed_and_its_later_laps_count(tmp_path):
    db = _recorded(tmp_path)
    early = run_cli("finish", "--db", db, "--session", "1", "--at", "09:02:00", "--by", "desk")  # a slip of the key
    assert early.returncode == 0, early.stderr
    laps_when_cut = _laps(db)
    resumed = run_cli("finish", "--db", db, "--session", "1", "--resume", "--by", "desk", "--reason", "finished by mistake")
    assert resumed.returncode == 0, resumed.stderr
    assert "running again" in resumed.stdout and "Practice 1" in resumed.stdout
    assert _status(db) == (Flag.GREEN, ResultsStatus.LIVE)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT phase, checkered_us FROM sessions WHERE id = 1").fetchone() == ("running", None)
        assert conn.execute("SELECT COUNT(*) FROM laps WHERE session_id = 1").fetchone() == (0,)
        log = conn.execute("SELECT action, flag, made_by, reason FROM session_control ORDER BY id").fetchall()
    assert log[-2:] == [("resume", None, "desk", "finished by mistake"), ("flag", "green", "desk", "finished by mistake")]
    again = run_cli("record", SIM, "--db", db, "--session", "Practice 1")  # the recorder takes it up again
    assert again.returncode == 0, again.stderr
    assert "resuming session 1" in again.stdout
    assert _laps(db) > laps_when_cut  # finished at the end of the source: the laps after the mistaken flag count


def test_resume_needs_a_reason_a_finished_session_and_results_not_official(tmp_path):
    db = _recorded(tmp_path)
    running = run_cli("finish", "--db", db, "--session", "1", "--resume", "--by", "desk", "--reason", "x")
    assert running.returncode == 2 and "not finished" in running.stderr
    assert run_cli("finish", "--db", db, "--session", "1", "--by", "desk").returncode == 0
    no_reason = run_cli("finish", "--db", db, "--session", "1", "--resume", "--by", "desk")
    assert no_reason.returncode == 2 and "needs a reason" in no_reason.stderr
    assert run_cli("finish", "--db", db, "--session", "1", "--confirm", "--by", "desk").returncode == 0
    official = run_cli("finish", "--db", db, "--session", "1", "--resume", "--by", "desk", "--reason", "x")
    assert official.returncode == 2 and "reopen them first" in official.stderr
    assert _status(db) == (Flag.CHECKERED, ResultsStatus.OFFICIAL)
