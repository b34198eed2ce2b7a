"""Kill -9 ``laptiming record`` and the cars keep crossing: on restart every passing made while it was
down is fetched from the decoder's memory (RESEND of the tail), none doubled.

The decoder is the simulator on a loopback TCP port in this test process; it keeps running (and
keeps its passings) while the real ``record`` subprocess is killed and started again. A gate holds
the simulated session at chosen passing counts so the kill and the restart land where the test
says, and the journal is looked at on each change ``record`` prints (after its commit), with a deadline.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hardware.simulator.field import FieldConfig
from hardware.simulator.serve import TcpDecoderServer
from hardware.simulator.virtual_decoder import VirtualDecoder
from tests.hardware.gate import Gate
from tests.timing.test_record_kill import start_reading

WAIT_S = 30.0
KILL_AT = 15  # passings journaled when record is killed
RESTART_AT = 40  # passings made when record is started again (if the session is still going)


def journal(db: Path) -> tuple[set[tuple[int, int, int]], int]:
    """The passings in the journal, and how many times passings are linked to the session."""
    if not db.exists():
        return set(), 0
    with sqlite3.connect(db) as conn:
        try:
            keys = set(conn.execute("SELECT decoder_id, passing_number, decoder_time_us FROM passings"))
            linked = conn.execute("SELECT COUNT(*) FROM session_passings").fetchone()[0]
        except sqlite3.OperationalError:  # the schema is not there yet
            return set(), 0
    return keys, linked


def wait_for_journal(db: Path, count: int, lines: queue.Queue) -> set[tuple[int, int, int]]:
    """Each change ``record`` prints comes after its commit: look at the journal on each one until it
    holds ``count`` passings; fail if the output stops first or after ``WAIT_S``."""
    deadline = time.monotonic() + WAIT_S
    while True:
        keys, _ = journal(db)
        if len(keys) >= count:
            return keys
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"the journal holds {len(keys)} passings after {WAIT_S} s, expected {count}") from None
        assert line is not None, f"record ended early with the journal at {len(keys)} of {count} passings"


def start_record(url: str, db: Path, log: Path) -> tuple[subprocess.Popen, queue.Queue]:
    """The real ``laptiming record`` on the simulator's TCP port, its notes going to ``log``; its change lines."""
    with open(log, "a") as notes:
        process = subprocess.Popen(
            [sys.executable, "-m", "laptiming", "record", url, "--db", str(db), "--session", "Race 1",
             "--session-type", "race", "--min-lap", "30", "--enter-unknown", "--json"],
            stdout=subprocess.PIPE, stderr=notes, text=True,
        )
    return process, start_reading(process)


def stop(process: subprocess.Popen, how: signal.Signals) -> int:
    """Send ``how`` and wait for the process to end; its exit code."""
    if process.poll() is None:
        os.kill(process.pid, how)
    try:
        return process.wait(WAIT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(WAIT_S)


@pytest.mark.parametrize("session_goes_on", [False, True], ids=["last-laps-while-down", "goes-on-after-restart"])
def test_kill_9_then_every_passing_made_while_down_is_fetched_on_restart(tmp_path, session_goes_on):
    decoder = VirtualDecoder(FieldConfig(cars=8, seed=11, minutes=12))
    gate = Gate(decoder, stops=[KILL_AT, RESTART_AT] if session_goes_on else [KILL_AT])
    server = TcpDecoderServer(decoder, speed=0, pieces=gate.pieces()).start()
    db, log = tmp_path / "event.db", tmp_path / "record.log"
    first = second = None
    try:
        first, first_lines = start_record(server.url, db, log)
        assert server.wait_for_connections(1, WAIT_S)
        gate.start.set()
        assert gate.reached[KILL_AT].wait(WAIT_S)
        survived = wait_for_journal(db, KILL_AT, first_lines)
        assert stop(first, signal.SIGKILL) == -signal.SIGKILL

        gate.release[KILL_AT].set()  # the cars cross while nothing records them
        if session_goes_on:
            assert gate.reached[RESTART_AT].wait(WAIT_S)
        else:
            assert server.finished.wait(WAIT_S)  # the session's last laps, all while record is down
        made_while_down = len(decoder.memory) - KILL_AT
        assert made_while_down >= 25

        second, second_lines = start_record(server.url, db, log)
        assert server.wait_for_connections(2, WAIT_S)
        if session_goes_on:
            gate.release[RESTART_AT].set()
            assert server.finished.wait(WAIT_S)
        final = wait_for_journal(db, len(decoder.memory), second_lines)
        assert stop(second, signal.SIGINT) == 0
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(WAIT_S)
        server.stop()

    made = {(p.decoder_id, p.passing_number, p.decoder_time_us) for p in decoder.passings()}
    assert len(survived) == KILL_AT and survived < made
    keys, linked = journal(db)
    assert keys == final == made  # every passing the decoder made, nothing it did not
    assert linked == len(made)  # and each linked to the session once
    notes = log.read_text()
    assert f"resuming session 1 (Race 1) into {db}; {KILL_AT} passings already journaled" in notes
