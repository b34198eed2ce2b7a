"""A simulated TCP decoder stopped and started again is one decoder whose clock ran on: a session recorded
from its second run into the same database gets passings of its own, none taken for the first run's.

Real processes: ``laptiming decoder simulate --tcp 0`` twice, one after the other, each timed by a real
``laptiming record`` into one SQLite file. Each run starts its passing numbers at 10001 again, as a
restarted decoder's counter may; only its clock tells the runs apart.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from hardware.simulator.field import FieldConfig
from hardware.simulator.virtual_decoder import FIRST_P3_PASSING, VirtualDecoder
from tests.timing.test_record_kill import killed_if_left

WAIT_S = 60
FIELD = {"cars": 8, "seed": 8, "minutes": 5}  # 21 passings, 5 s at 60x


def free_port() -> int:
    """A loopback TCP port nothing listens on now."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def time_one_run(db: Path, session: str) -> None:
    """One run of the simulator, recorded into ``session`` until the run has ended.

    ``record`` is started first, on the port the simulator will listen on (it retries until it can
    connect), so it hears the run from about its start.
    """
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    recorder = subprocess.Popen(
        [sys.executable, "-m", "laptiming", "record", url, "--db", str(db), "--session", session,
         "--enter-unknown"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with killed_if_left(recorder):
        simulator = subprocess.Popen(
            [sys.executable, "-m", "laptiming", "decoder", "simulate", "--tcp", str(port), "--speed", "60",
             "--linger", "1", *(f"--{name}={value}" for name, value in FIELD.items())],
            stdout=subprocess.PIPE, text=True)
        with killed_if_left(simulator):
            assert simulator.stdout.readline().strip() == url
            assert simulator.wait(WAIT_S) == 0  # the run's last bytes sent, lingered, the port closed
        os.kill(recorder.pid, signal.SIGINT)
        assert recorder.wait(WAIT_S) == 0, recorder.stderr.read()


def session_passings(db: Path, session_id: int) -> list[tuple[int, int]]:
    """(journal row id, passing number) of each passing linked to the session, by number."""
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT p.id, p.passing_number FROM session_passings s JOIN passings p "
                            "ON p.id = s.passing_id WHERE s.session_id = ? ORDER BY p.passing_number",
                            [session_id]).fetchall()


def test_a_restarted_simulator_gives_the_second_session_its_own_passings(tmp_path):
    reference = VirtualDecoder(FieldConfig(**FIELD))
    list(reference.timeline())  # the whole run, into its memory
    last_number = FIRST_P3_PASSING + len(reference.memory) - 1
    db = tmp_path / "event.db"
    time_one_run(db, "Practice 1")
    time_one_run(db, "Practice 2")

    first, second = session_passings(db, 1), session_passings(db, 2)
    for passings in (first, second):  # each session: every passing from when its recorder connected to the run's end
        numbers = [number for _, number in passings]
        assert numbers and numbers == list(range(numbers[0], last_number + 1)), numbers
    assert not {row for row, _ in first} & {row for row, _ in second}  # no passing of run 1 counted in session 2
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM passings").fetchone()[0] == len(first) + len(second)
