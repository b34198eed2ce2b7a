"""Kill -9 in the middle of a live session: no committed passing is lost and the session resumes.

A real ``laptiming record`` subprocess times a simulated race from a capture file paced at 100x.
Once it has shown some standings it is killed with SIGKILL. Everything it showed must be in
the journal; a second run of the same command (the capture again, now unpaced) resumes the same
session, counts nothing twice, finishes it, and the laps equal those computed by hand.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import defaultdict

from hardware.capture import read_capture
from hardware.events import Passing
from tests.timing.cli_runner import csv_rows, run_cli
from tests.timing.test_golden_replay import expected_laps

LINE_TIMEOUT = 30
SHOWN_BEFORE_KILL = 40


def journal_keys(db):
    with sqlite3.connect(db) as conn:
        return set(conn.execute("SELECT decoder_id, passing_number, decoder_time_us FROM passings"))


def start_reading(process):
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def start_recorder(db, session, *options):
    """A real ``laptiming record`` of a long simulated practice, its output piped to the test."""
    return subprocess.Popen(
        [sys.executable, "-m", "laptiming", "record", "sim://?cars=6&seed=4&speed=50&minutes=30",
         "--db", str(db), "--session", session, "--enter-unknown", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@contextlib.contextmanager
def killed_if_left(process):
    """The process, killed if a failed assertion left it running."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(LINE_TIMEOUT)


def test_kill_9_mid_session_loses_no_committed_passing_and_the_session_resumes(tmp_path):
    capture = tmp_path / "race.p3"
    made = run_cli("decoder", "simulate", "--out", capture, "--cars", "12", "--seed", "5", "--minutes", "30")
    assert made.returncode == 0, made.stderr
    passings = [e for e in read_capture(capture) if isinstance(e, Passing)]
    db = tmp_path / "event.db"
    options = ["--db", str(db), "--session", "Race 1", "--session-type", "race",
               "--min-lap", "30", "--enter-unknown", "--json"]

    process = subprocess.Popen(
        [sys.executable, "-m", "laptiming", "record", f"file://{capture}?speed=100", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = start_reading(process)
        shown = []
        while len(shown) < SHOWN_BEFORE_KILL:
            line = lines.get(timeout=LINE_TIMEOUT)
            assert line is not None, f"record ended before it could be killed: {process.stderr.read()}"
            event = json.loads(line)
            if event["type"] == "standing":
                shown.append(event)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(LINE_TIMEOUT) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(LINE_TIMEOUT)

    survived = journal_keys(db)
    assert 0 < len(survived) < len(passings), "the kill must land mid-session"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT id, phase FROM sessions").fetchall() == [(1, "running")]

    # Everything shown before the kill is backed by the journal that survived it.
    _, laps_after_kill = csv_rows(run_cli("export", "laps", "--db", db, "--session", "1").stdout)
    laps_on_disk = defaultdict(int)
    for row in laps_after_kill:
        laps_on_disk[row["number"]] += 1
    for event in shown:
        assert event["laps"] <= laps_on_disk[event["number"]], event

    resumed = run_cli("record", f"file://{capture}", *options)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming session 1 (Race 1)" in resumed.stderr
    assert f"{len(survived)} passings already journaled" in resumed.stderr

    final = journal_keys(db)
    assert survived <= final
    assert final == {(p.decoder_id, p.passing_number, p.decoder_time_us) for p in passings}
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT id, phase FROM sessions").fetchall() == [(1, "finished")]
        assert conn.execute("SELECT COUNT(*) FROM session_passings").fetchone()[0] == len(passings)

    _, rows = csv_rows(run_cli("export", "laps", "--db", db).stdout)
    got = defaultdict(list)
    for row in rows:
        got[int(row["transponder"])].append((int(row["lap"]), int(row["lap_time_us"]), int(row["crossing_us"]),
                                             "suspect" in row["flags"]))
    assert dict(got) == expected_laps(passings, 30_000_000)


def test_ctrl_c_or_sigterm_stops_recording_and_leaves_the_session_running(tmp_path):
    db = tmp_path / "event.db"
    for number, stop_signal in enumerate((signal.SIGINT, signal.SIGTERM), start=1):
        with killed_if_left(start_recorder(db, f"Practice {number}", "--json")) as process:
            lines = start_reading(process)
            first = lines.get(timeout=LINE_TIMEOUT)
            assert first is not None and json.loads(first)["type"] in {"unknown", "standing", "not_entered"}  # practice 2: the cars of 1
            os.kill(process.pid, stop_signal)
            assert process.wait(LINE_TIMEOUT) == 0
            notes = process.stderr.read()
        assert f"session {number} is still running; run the same command again to resume it" in notes
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT phase FROM sessions WHERE id = ?", (number,)).fetchone() == ("running",)


def test_closing_the_output_stops_recording_and_leaves_the_session_running(tmp_path):
    """`laptiming record ... | head -3`: the pipe closing is not the decoder's link ending the session."""
    db = tmp_path / "event.db"
    with killed_if_left(start_recorder(db, "Practice")) as process:
        assert process.stdout.readline().startswith("recording session 1 (Practice)")
        process.stdout.close()  # as `head -1` exits: the next standings line meets a closed pipe
        assert process.wait(LINE_TIMEOUT) == 0
        notes = process.stderr.read()
    assert "session 1 is still running because the output was closed; run the same command again to resume it" in notes
    assert "Traceback" not in notes
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT phase FROM sessions WHERE id = 1").fetchone() == ("running",)


def test_a_flag_and_a_correction_from_another_terminal_reach_a_running_recorder(tmp_path):
    db = tmp_path / "event.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "laptiming", "record", "sim://?cars=5&seed=8&speed=40&minutes=60",
         "--db", str(db), "--session", "Race 1", "--session-type", "race", "--min-lap", "30", "--enter-unknown",
         "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = start_reading(process)

        def next_event(predicate):
            while True:
                line = lines.get(timeout=LINE_TIMEOUT)
                assert line is not None, process.stderr.read()
                event = json.loads(line)
                if predicate(event):
                    return event

        leader = next_event(lambda e: e["type"] == "standing" and e["laps"] >= 1)
        dnf = run_cli("correct", "status", "--db", db, "--session", "1", "--by", "clerk", "--reason", "stopped at T2",
                      "--car", leader["number"], "DNF")
        assert dnf.returncode == 0, dnf.stderr
        next_event(lambda e: e["type"] == "standing" and e["number"] == leader["number"] and e["status"] == "DNF")

        flag = run_cli("flag", "checkered", "--db", db, "--session", "1")
        assert flag.returncode == 0, flag.stderr
        assert "checkered flag for session 1 (Race 1) at decoder time" in flag.stdout
        next_event(lambda e: e["type"] == "checkered" and e["finish_at_us"] is not None)
        finished = next_event(lambda e: e["type"] == "standing" and e["status"] == "finished")
        assert finished["number"] != leader["number"]
        os.kill(process.pid, signal.SIGINT)
        assert process.wait(LINE_TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(LINE_TIMEOUT)
