"""A recorder stopped (Ctrl-C, SIGTERM) while another program holds the event database's write lock.

A real ``laptiming record`` subprocess times a long simulated practice. The test takes the write
lock as another program would (``BEGIN IMMEDIATE``) and keeps it past ``LAPTIMING_WAIT_S``, so the
recorder holds its passings in memory; then the recorder is stopped. If the lock comes free while
it stops, the held passings are written and the stop is clean. If it never does, the recorder says
how many passings it could not journal and how to get them back, and exits 2.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading

from tests.hardware.collect import wait_until
from tests.timing.test_record_kill import killed_if_left

LINE_TIMEOUT = 30


def start_recorder(db, session):
    """``laptiming record`` of a long simulated practice; its writes wait 0.3 s for the lock, then hold."""
    return subprocess.Popen(
        [sys.executable, "-m", "laptiming", "record", "sim://?cars=6&seed=4&speed=50&minutes=30",
         "--db", str(db), "--session", session, "--enter-unknown"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "LAPTIMING_WAIT_S": "0.3"},
    )


def stderr_lines(process) -> tuple[queue.Queue, list[str]]:
    """Each stderr line as it comes (on a queue), and all of them (the list) once the process has ended."""
    lines: queue.Queue = queue.Queue()
    seen: list[str] = []

    def pump():
        for line in process.stderr:
            seen.append(line.rstrip("\n"))
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines, seen


def wait_for_line(lines: queue.Queue, text: str) -> None:
    while True:
        line = lines.get(timeout=LINE_TIMEOUT)
        assert line is not None, f"the recorder ended before saying {text!r}"
        if text in line:
            return


def settled(db) -> bool:
    """The green flag is out and the six cars are entered: what is left to write is passings."""
    if not db.exists():
        return False
    with sqlite3.connect(db) as conn:
        try:
            green = conn.execute("SELECT green_us FROM sessions WHERE id = 1").fetchone()
            entries = conn.execute("SELECT COUNT(*) FROM session_entries WHERE session_id = 1").fetchone()[0]
        except sqlite3.OperationalError:  # the schema not made yet
            return False
    return green is not None and green[0] is not None and entries == 6


def block_then_stop(db, process, lines) -> sqlite3.Connection:
    """Take the write lock once the recorder has only passings left to write, wait until it holds some,
    then SIGTERM it; the holding connection (its transaction still open)."""
    wait_until(lambda: settled(db), "the green flag and the six cars are written", timeout=LINE_TIMEOUT)
    holder = sqlite3.connect(db, isolation_level=None, timeout=LINE_TIMEOUT)
    holder.execute("BEGIN IMMEDIATE")
    wait_for_line(lines, "cannot write the journal")
    os.kill(process.pid, signal.SIGTERM)
    return holder


def journaled(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM session_passings").fetchone()[0]


def test_a_lock_freed_while_the_recorder_stops_gets_the_held_passings_written_and_a_clean_stop(tmp_path):
    """It said 'laptiming: event.db: cannot write the journal (another program holds ...)' and exited 2,
    although the passings it held went in a moment later."""
    db = tmp_path / "event.db"
    with killed_if_left(start_recorder(db, "Practice")) as process:
        lines, seen = stderr_lines(process)
        holder = block_then_stop(db, process, lines)
        wait_for_line(lines, "waiting up to")  # the scenario: the other program's write ends while it stops
        holder.execute("ROLLBACK")
        holder.close()
        assert process.wait(LINE_TIMEOUT) == 0, seen
        out = process.stdout.read()
    assert not [line for line in seen if line.startswith("laptiming:")], seen
    assert any("the journal is written again" in line for line in seen), seen
    assert "session 1 is still running; run the same command again to resume it" in out
    assert journaled(db) > 0


def test_a_recorder_stopped_while_the_lock_stays_held_says_how_many_passings_it_could_not_journal(tmp_path):
    """It said only 'cannot write the journal (another program holds ...)': not that passings were lost
    from memory, how many, or that recording the session again gets them back from the decoder."""
    db = tmp_path / "event.db"
    with killed_if_left(start_recorder(db, "Practice")) as process:
        lines, seen = stderr_lines(process)
        holder = block_then_stop(db, process, lines)
        try:
            assert process.wait(LINE_TIMEOUT) == 2, seen
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    last = seen[-1]
    assert last.startswith(f"laptiming: {db}: ") and " passing(s) could not be journaled (" in last, seen
    assert "another program holds the event database's write lock" in last
    assert "recording the session again asks it to resend them" in last
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT phase FROM sessions WHERE id = 1").fetchone() == ("running",)
