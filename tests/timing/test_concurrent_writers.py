"""Real processes racing on one event database: every write waits its turn, results stay exact.

A "noise" process commits every 5 ms the way a second terminal would (it reads, then writes,
in one unit of work), while ``laptiming record`` times a simulated session and other commands
(corrections, flags, transponder moves) run against it. Each assertion is on the exact results:
every car entered, every passing counted, every command's change stored, every exit code 0.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hardware.simulator.field import FieldConfig
from hardware.simulator.virtual_decoder import VirtualDecoder
from laptiming.store import open_event_db
from laptiming.store.schema import KNOWN_MIGRATIONS

from .test_record_kill import LINE_TIMEOUT, start_reading

NOISE = """
import json, sqlite3, sys, threading
from laptiming.engine import SessionRules
from laptiming.store import open_event_db
open_event_db(sys.argv[1], create=True).close()
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("INSERT INTO sessions (name, session_type, rules, phase) VALUES ('Noise', 'practice', ?, 'planned')",
             [json.dumps(SessionRules().to_json())])
stopped = threading.Event()  # set when the test closes our stdin (or goes away)
threading.Thread(target=lambda: (sys.stdin.read(), stopped.set()), daemon=True).start()
print("ready", flush=True)
commits = 0
while not stopped.wait(0.005):  # a commit every 5 ms until told to stop
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("SELECT COUNT(*) FROM passings").fetchone()
    conn.execute("UPDATE sessions SET planned_start = ? WHERE name = 'Noise'", [str(commits)])
    conn.execute("COMMIT")
    commits += 1
print(commits, flush=True)
"""


def laptiming(*args: object) -> subprocess.CompletedProcess[str]:
    """The real command in its own process (the claim is about processes)."""
    return subprocess.run([sys.executable, "-m", "laptiming", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


class Noise:
    """A second writer committing every 5 ms until its stdin is closed."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", NOISE, str(db)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready = self.process.stdout.readline()
        assert ready == "ready\n", self.process.stderr.read()

    def stop(self) -> int:
        """Stop it; how many commits it made (it must have made many, or nothing raced)."""
        out, err = self.process.communicate(timeout=LINE_TIMEOUT)  # closes its stdin: the stop
        assert self.process.returncode == 0, err
        return int(out.strip())


def laps_by_car(cars: int, seed: int, minutes: int) -> dict[int, int]:
    """What the simulated field really did: laps per transponder (each passing after the first is a lap)."""
    reference = VirtualDecoder(FieldConfig(cars=cars, seed=seed, minutes=minutes))
    list(reference.timeline())
    counts: dict[int, int] = {}
    for passing in reference.memory.values():
        counts[passing.transponder] = counts.get(passing.transponder, 0) + 1
    return {transponder: count - 1 for transponder, count in counts.items()}


def recorded_laps(db: Path, session_name: str) -> dict[int, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute(
            "SELECT CAST(r.number AS INTEGER), r.laps FROM results r JOIN sessions s ON s.id = r.session_id "
            "WHERE s.name = ?", [session_name]))


@pytest.mark.parametrize("seed", [3, 11])
def test_record_with_a_writer_committing_every_5_ms_counts_every_lap(tmp_path, seed):
    db = tmp_path / "event.db"
    noise = Noise(db)
    try:
        recorded = laptiming("record", f"sim://?cars=8&seed={seed}&speed=100&minutes=4", "--db", db,
                             "--session", "Practice", "--enter-unknown")
    finally:
        commits = noise.stop()
    assert recorded.returncode == 0, recorded.stderr
    assert commits > 50, "the noise must really race the recorder"
    assert recorded_laps(db, "Practice") == laps_by_car(8, seed, 4)
    with sqlite3.connect(db) as conn:
        green, phase = conn.execute("SELECT green_us, phase FROM sessions WHERE name = 'Practice'").fetchone()
    assert green is not None and phase == "finished"


def test_commands_from_other_terminals_wait_their_turn_while_record_runs(tmp_path):
    db = tmp_path / "event.db"
    noise = Noise(db)
    record = subprocess.Popen(
        [sys.executable, "-m", "laptiming", "record", "sim://?cars=6&seed=9&speed=40&minutes=60",
         "--db", str(db), "--session", "Race 1", "--session-type", "race", "--min-lap", "30",
         "--enter-unknown", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = start_reading(record)
        numbers: set[str] = set()
        while len(numbers) < 2:  # two cars entered and timed: the commands can name them
            line = lines.get(timeout=LINE_TIMEOUT)
            assert line is not None, record.stderr.read()
            event = json.loads(line)
            if event["type"] == "standing":
                numbers.add(event["number"])
        with sqlite3.connect(db) as conn:
            session = str(conn.execute("SELECT id FROM sessions WHERE name = 'Race 1'").fetchone()[0])
        commands = []
        for number in sorted(numbers):
            commands.append(("correct", "status", "--db", db, "--session", session, "--by", "clerk",
                             "--reason", "confirmed running", "--car", number, "running"))
            commands.append(("transponder", "move", "99" + number, "--car", number, "--db", db,
                             "--by", "clerk", "--reason", "spare fitted"))
        commands.append(("correct", "min-lap", "--db", db, "--session", session, "--by", "clerk",
                         "--reason", "same rule again", "--seconds", "30"))
        commands.append(("flag", "checkered", "--db", db, "--session", session, "--at-us", str(2**62)))
        with ThreadPoolExecutor(len(commands)) as pool:  # all at once: they race each other too
            for command, done in zip(commands, pool.map(lambda c: laptiming(*c), commands)):
                assert done.returncode == 0, (command, done.stderr)
        record.send_signal(2)  # Ctrl-C: the session stays running, nothing is lost
        assert record.wait(LINE_TIMEOUT) == 0, record.stderr.read()
    finally:
        if record.poll() is None:
            record.kill()
            record.wait(LINE_TIMEOUT)
        noise.stop()
    with sqlite3.connect(db) as conn:
        corrections = conn.execute("SELECT kind FROM corrections WHERE session_id = ?", [session]).fetchall()
        moves = conn.execute("SELECT COUNT(*) FROM transponder_assignments WHERE made_by = 'clerk'").fetchone()[0]
        checkered = conn.execute("SELECT checkered_us FROM sessions WHERE id = ?", [session]).fetchone()[0]
    assert len(corrections) == len(numbers) + 1
    assert moves == len(numbers)
    assert checkered == 2**62


def test_two_recorders_on_two_sessions_of_one_database_both_finish_exactly(tmp_path):
    db = tmp_path / "event.db"
    noise = Noise(db)
    runs = [
        subprocess.Popen([sys.executable, "-m", "laptiming", "record", f"sim://?cars=5&seed={seed}&speed=100&minutes=4",
                          "--db", str(db), "--session", name, "--enter-unknown"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for seed, name in ((21, "Group A"), (22, "Group B"))
    ]
    try:
        outcomes = [run.communicate(timeout=120) for run in runs]
    finally:
        noise.stop()
    for run, (_, err) in zip(runs, outcomes):
        assert run.returncode == 0, err
    laps_a, laps_b = laps_by_car(5, 21, 4), laps_by_car(5, 22, 4)
    assert recorded_laps(db, "Group A") == laps_a
    # The same simulated transponders run in both sessions: group B's cars are group A's cars.
    assert recorded_laps(db, "Group B") == laps_b


def _create(path: str, barrier) -> str:
    barrier.wait(30)
    try:
        open_event_db(path, create=True).close()
    except Exception as err:  # noqa: BLE001 - reported to the test
        return f"{type(err).__name__}: {err}"
    return "ok"


def test_processes_creating_the_same_new_database_all_succeed_and_keep_it(tmp_path):
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(3) as pool:
        for round_no in range(8):
            path = str(tmp_path / f"new-{round_no}.db")
            barrier = manager.Barrier(3)
            outcomes = pool.starmap(_create, [(path, barrier)] * 3)
            assert outcomes == ["ok"] * 3, outcomes
            assert os.path.exists(path)
            with sqlite3.connect(path) as conn:
                applied = conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'laptiming'")
                assert sorted(name for (name,) in applied) == sorted(KNOWN_MIGRATIONS)  # each applied once
