"""Flags, finishing a session and official results: through the CLI, on real SQLite files and processes."""

from __future__ import annotations

import json
import shlex
import sqlite3
import subprocess
import sys
import time

import pytest

from laptiming.service.control import Flag, ResultsStatus, current_flag, results_status
from laptiming.store import open_event_db
from tests.timing.cli_runner import csv_rows, run_cli
from tests.timing.test_record_kill import LINE_TIMEOUT, start_reading

AMB = ("p3", "vmindru-ambp3client", "amb.out")
MARCH_2_2019 = 1_551_484_800_000_000
H, M = 3600 * 10**6, 60 * 10**6


@pytest.fixture
def running(captures, tmp_path):
    """amb.out recorded into a practice session left running."""
    db = tmp_path / "event.db"
    result = run_cli("record", f"file://{captures.joinpath(*AMB)}", "--db", db, "--session", "Practice 1",
                     "--keep-open", "--enter-unknown")
    assert result.returncode == 0, result.stderr
    return db


def laps(db):
    return csv_rows(run_cli("export", "laps", "--db", db, "--session", "1").stdout)[1]


def control_rows(db):
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT action, flag, at_us, made_by, reason FROM session_control ORDER BY id").fetchall()


def status_of(db):
    store = open_event_db(db, readonly=True)
    try:
        return current_flag(store, 1), results_status(store, 1)
    finally:
        store.close()


def sessions_row(db):
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT phase, green_us, checkered_us FROM sessions WHERE id = 1").fetchone()


def test_yellow_and_red_are_shown_and_kept_but_change_no_lap(running):
    before, (_, green_us, _) = laps(running), sessions_row(running)
    yellow = run_cli("flag", "yellow", "--db", running, "--session", "1", "--at", "16:30", "--by", "marshal",
                     "--reason", "car off at turn 3")
    assert yellow.returncode == 0, yellow.stderr
    assert status_of(running) == (Flag.YELLOW, ResultsStatus.LIVE)
    assert run_cli("flag", "red", "--db", running, "--session", "1", "--at", "16:40", "--by", "clerk").returncode == 0
    assert status_of(running)[0] is Flag.RED
    cleared = run_cli("flag", "green", "--db", running, "--session", "1", "--at", "16:45", "--by", "clerk",
                      "--reason", "track clear")
    assert cleared.returncode == 0, cleared.stderr
    assert status_of(running)[0] is Flag.GREEN
    assert laps(running) == before  # timing is untouched ...
    assert sessions_row(running) == ("running", green_us, None)  # ... and the green after a red does not restart it
    assert control_rows(running) == [
        ("flag", "yellow", MARCH_2_2019 + 16 * H + 30 * M, "marshal", "car off at turn 3"),
        ("flag", "red", MARCH_2_2019 + 16 * H + 40 * M, "clerk", ""),
        ("flag", "green", MARCH_2_2019 + 16 * H + 45 * M, "clerk", "track clear"),
    ]


def test_a_yellow_before_the_start_or_any_flag_after_the_finish_is_refused(tmp_path, running):
    from laptiming.engine import SessionRules
    from laptiming.store import create_session

    planned = tmp_path / "planned.db"
    store = open_event_db(planned, create=True)
    create_session(store, "Practice 2", SessionRules())
    store.close()
    refused = run_cli("flag", "yellow", "--db", planned, "--session", "1", "--at-us", "5", "--by", "m")
    assert refused.returncode == 2 and "has not started (no green flag)" in refused.stderr
    assert control_rows(planned) == []
    assert run_cli("finish", "--db", running, "--session", "1", "--by", "clerk").returncode == 0
    late = run_cli("flag", "red", "--db", running, "--session", "1", "--at", "17:00", "--by", "m")
    assert late.returncode == 2 and "is finished" in late.stderr


def test_the_confirm_command_finish_suggests_can_be_pasted_as_it_stands(running):
    finished = run_cli("finish", "--db", running, "--session", "1", "--by", "J. Smith")
    assert finished.returncode == 0, finished.stderr
    suggested = finished.stdout.splitlines()[0].split("results are provisional until `")[1].rstrip("`")
    argv = shlex.split(suggested.replace("WHO", "steward"))
    assert argv[:2] == ["laptiming", "finish"]
    confirmed = run_cli(*argv[1:])
    assert confirmed.returncode == 0, confirmed.stderr
    assert status_of(running)[1] is ResultsStatus.OFFICIAL


def test_finish_confirm_then_corrections_need_a_reopen(running):
    finished = run_cli("finish", "--db", running, "--session", "1", "--at", "17:30", "--by", "J. Smith")
    assert finished.returncode == 0, finished.stderr
    checkered = MARCH_2_2019 + 17 * H + 30 * M
    assert sessions_row(running)[0::2] == ("finished", checkered)
    assert status_of(running) == (Flag.CHECKERED, ResultsStatus.PROVISIONAL)
    with sqlite3.connect(running) as conn:
        stored = conn.execute("SELECT number, laps, status FROM results ORDER BY position IS NULL, position, rowid").fetchall()
    exported = csv_rows(run_cli("export", "results", "--db", running, "--session", "1").stdout)[1]
    assert stored == [(row["number"], int(row["laps"]), row["status"]) for row in exported] and stored
    again = run_cli("finish", "--db", running, "--session", "1", "--by", "J. Smith")
    assert again.returncode == 2 and "is finished" in again.stderr

    correction = ("correct", "status", "--db", running, "--session", "1", "--by", "J. Smith", "--car", "5691251")
    assert run_cli(*correction, "--reason", "oil leak", "DNF").returncode == 0  # provisional: corrections go in
    confirmed = run_cli("finish", "--db", running, "--session", "1", "--confirm", "--by", "steward")
    assert confirmed.returncode == 0, confirmed.stderr
    assert status_of(running)[1] is ResultsStatus.OFFICIAL
    refused = run_cli(*correction, "--reason", "appeal", "running")
    assert refused.returncode == 2
    assert "results are official (confirmed by steward" in refused.stderr and "--reopen" in refused.stderr
    with sqlite3.connect(running) as conn:
        assert conn.execute("SELECT COUNT(*) FROM corrections").fetchone()[0] == 1
    reopened = run_cli(*correction, "--reason", "appeal upheld", "--reopen", "running")
    assert reopened.returncode == 0, reopened.stderr
    assert status_of(running)[1] is ResultsStatus.PROVISIONAL
    assert [row[0] for row in control_rows(running)] == ["flag", "finish", "confirm", "reopen"]
    assert control_rows(running)[-1] == ("reopen", None, None, "J. Smith", "appeal upheld")


def test_confirm_needs_a_finished_session_and_reopen_needs_official_results(running):
    early = run_cli("finish", "--db", running, "--session", "1", "--confirm", "--by", "steward")
    assert early.returncode == 2 and "is not finished" in early.stderr
    assert run_cli("finish", "--db", running, "--session", "1", "--by", "clerk").returncode == 0
    nothing = run_cli("finish", "--db", running, "--session", "1", "--reopen", "--by", "s", "--reason", "r")
    assert nothing.returncode == 2 and "not official" in nothing.stderr
    assert [row[0] for row in control_rows(running)] == ["flag", "finish"]


def test_finish_ends_a_running_recorder_cleanly(tmp_path):
    db = tmp_path / "event.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "laptiming", "record", "sim://?cars=6&seed=4&speed=60&minutes=60",
         "--db", str(db), "--session", "Practice 1", "--enter-unknown", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = start_reading(process)
        standings = 0
        while standings < 3:  # laps are being timed
            line = lines.get(timeout=LINE_TIMEOUT)
            assert line is not None, process.stderr.read()
            standings += json.loads(line)["type"] == "standing"
        asked = time.monotonic()
        finished = run_cli("finish", "--db", db, "--session", "1", "--by", "J. Smith", "--reason", "time up")
        assert finished.returncode == 0, finished.stderr
        assert process.wait(LINE_TIMEOUT) == 0, process.stderr.read()
        ended_after = time.monotonic() - asked
        notes = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(LINE_TIMEOUT)
    assert ended_after < 10, ended_after  # it follows other terminals within a second, then closes
    assert "still running" not in notes and "laptiming:" not in notes, notes
    assert sessions_row(db)[0] == "finished"
    assert control_rows(db)[-1][0::3] == ("finish", "J. Smith")
    # finish waited for the recorder to let go: what it printed is what was stored, passings read meanwhile too
    assert "waiting for laptiming record (pid" in finished.stdout and "may still change" not in finished.stdout
    summary = next(line for line in finished.stdout.splitlines() if line.startswith("session 1 (Practice 1): "))
    assert summary == next(line for line in run_cli("results", "--db", db, "--session", "1").stdout.splitlines()
                           if line.startswith("session 1 (Practice 1): "))
    with sqlite3.connect(db) as conn:  # the stored results are those of the whole journal, late passings too
        stored = conn.execute("SELECT number, laps FROM results ORDER BY position IS NULL, position, rowid").fetchall()
    exported = csv_rows(run_cli("export", "results", "--db", db, "--session", "1").stdout)[1]
    assert stored == [(row["number"], int(row["laps"])) for row in exported] and stored
