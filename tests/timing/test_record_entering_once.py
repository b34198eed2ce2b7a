"""`record --enter-unknown` says "entering it as car X" once a car, however many of its passings come first.

A car's next passings can be judged before its entry is written: many in one read (a capture read flat
out), or all that were held while another program had the database's write lock. Each is an unknown
transponder seen again, and each was said as a car being entered.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter

from tests.hardware.collect import wait_until
from tests.timing.cli_runner import run_cli
from tests.timing.test_record_kill import killed_if_left
from tests.timing.test_stop_while_blocked import LINE_TIMEOUT, stderr_lines, wait_for_line

ENTERING = re.compile(r"^unknown transponder (\d+): entering it as car \1$")


def entering_lines(stdout: str) -> Counter[str]:
    return Counter(line for line in stdout.splitlines() if ENTERING.match(line))


def entered(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM session_entries WHERE session_id = 1").fetchone()[0]


def test_a_capture_read_flat_out_says_each_car_entered_once(tmp_path):
    """Every car's first passings came in one read, and each car was said as entered twice."""
    capture = tmp_path / "day.p3"
    assert run_cli("decoder", "simulate", "--out", capture, "--cars", "3", "--minutes", "3").returncode == 0
    db = tmp_path / "event.db"
    result = run_cli("record", f"file://{capture}", "--db", db, "--session", "P", "--enter-unknown")
    assert result.returncode == 0, result.stderr
    said = entering_lines(result.stdout)
    assert len(said) == 3 and set(said.values()) == {1}, said
    assert entered(db) == 3


def test_passings_held_behind_another_programs_lock_say_each_car_entered_once(tmp_path):
    """A real recorder: the write lock is taken as it starts and kept until it says it still cannot write
    (10 s, several laps of every car held); once free, the cars were said as entered up to three times."""
    db = tmp_path / "event.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "laptiming", "record", "sim://?cars=6&seed=4&speed=50&minutes=30",
         "--db", str(db), "--session", "Practice", "--enter-unknown"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "LAPTIMING_WAIT_S": "0.3"},
    )
    with killed_if_left(process):
        lines, seen = stderr_lines(process)
        assert process.stdout.readline().startswith("recording session 1 (Practice)")
        shown: list[str] = []
        reading = threading.Thread(target=lambda: shown.extend(process.stdout), daemon=True)
        reading.start()
        holder = sqlite3.connect(db, isolation_level=None, timeout=LINE_TIMEOUT)
        try:
            holder.execute("BEGIN IMMEDIATE")
            wait_for_line(lines, "still cannot write the journal")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        wait_for_line(lines, "the journal is written again")
        wait_until(lambda: entered(db) == 6 and sum(line.endswith(" running\n") for line in shown) >= 6,
                   "the six cars entered and shown", timeout=LINE_TIMEOUT)  # a SIGTERM mid-line would cut it
        os.kill(process.pid, signal.SIGTERM)
        process.wait(LINE_TIMEOUT)
        reading.join(LINE_TIMEOUT)
    said = entering_lines("".join(shown))
    assert len(said) == 6 and set(said.values()) == {1}, said
    assert entered(db) == 6
