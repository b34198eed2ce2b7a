"""One decoder times one session: a second ``record`` on a decoder already timing a session into the
database is refused in one line naming that session and how to end it; two decoders time two sessions.

Real processes on real parts: the simulated decoder listens on a loopback TCP port in this test process,
``laptiming record`` runs as subprocesses, the event database is one SQLite file.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from hardware.simulator.field import FieldConfig
from hardware.simulator.serve import TcpDecoderServer
from hardware.simulator.virtual_decoder import P3_DECODER_ID, VirtualDecoder
from laptiming.service.decoder_lock import decoder_key
from tests.timing.cli_runner import run_cli, run_cli_process
from tests.timing.test_record_kill import LINE_TIMEOUT, killed_if_left

SINCE = r"since [0-9T:+-]+"


@contextlib.contextmanager
def simulated_decoder(decoder_id: int = P3_DECODER_ID) -> Iterator[TcpDecoderServer]:
    """A decoder on a loopback port whose session lasts far longer than the test (10 minutes at 20x)."""
    decoder = VirtualDecoder(FieldConfig(cars=4, seed=3, minutes=200), decoder_id=decoder_id)
    server = TcpDecoderServer(decoder, speed=20).start()
    try:
        yield server
    finally:
        server.stop()


def start_recording(url: str, db: Path, session: str) -> subprocess.Popen:
    """``laptiming record`` timing ``session``: returned once it has shown a change (its locks are taken, its
    first passing is committed and Ctrl-C or SIGTERM now stop it as an official's would)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "laptiming", "record", url, "--db", str(db), "--session", session, "--enter-unknown"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = process.stdout.readline()
    assert first.startswith("recording session ") or first.startswith("resuming session "), process.stderr.read()
    assert process.stdout.readline(), process.stderr.read()
    return process


def sessions(db: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, name, phase FROM sessions ORDER BY id").fetchall()


def linked(db: Path, session_id: int) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM session_passings WHERE session_id = ?", [session_id]).fetchone()[0]


def test_a_second_session_on_a_decoder_already_timing_is_refused_until_the_first_is_finished(tmp_path):
    db = tmp_path / "event.db"
    with simulated_decoder() as decoder, killed_if_left(start_recording(decoder.url, db, "Practice 1")) as first:
        port = decoder.address[1]
        for url in (decoder.url, f"tcp://localhost:{port}"):  # the same decoder by another name
            second = run_cli_process("record", url, "--db", db, "--session", "Practice 2", timeout=LINE_TIMEOUT)
            assert second.returncode == 2 and second.stdout == ""
            assert re.fullmatch(
                re.escape(f"laptiming: decoder {url} is already timing session 1 (Practice 1) into {db}, by laptiming "
                          f"record (pid {first.pid} on host {socket.gethostname()}, ") + SINCE + re.escape(
                    f"); one decoder times one session at a time: finish that session first (laptiming finish "
                    f"--db {db} --session 1 --by WHO), or stop its recorder") + "\n", second.stderr), second.stderr
        assert sessions(db) == [(1, "Practice 1", "running")]  # nothing written
        assert not (tmp_path / "event.db.session-2.lock").exists()
        assert decoder.connections == 1  # the refused ones never cut the first recorder off

        finished = run_cli("finish", "--db", db, "--session", "1", "--by", "clerk")
        assert finished.returncode == 0, finished.stderr
        assert first.wait(LINE_TIMEOUT) == 0, first.stderr.read()  # the recorder took the finish up and let go
        with killed_if_left(start_recording(decoder.url, db, "Practice 2")) as then:  # what the refusal said to do
            os.kill(then.pid, signal.SIGTERM)
            assert then.wait(LINE_TIMEOUT) == 0, then.stderr.read()
    assert sessions(db) == [(1, "Practice 1", "finished"), (2, "Practice 2", "running")]


def test_the_same_command_again_on_the_session_its_decoder_is_timing_names_the_session_not_the_decoder(tmp_path):
    """The commonest slip (the same ``record`` typed again in a second terminal) is the session already being
    timed, as with a capture: "finish that session first" would tell the official to end the very session asked for."""
    db = tmp_path / "event.db"
    with simulated_decoder() as decoder, killed_if_left(start_recording(decoder.url, db, "Practice 1")) as first:
        again = run_cli_process("record", decoder.url, "--db", db, "--session", "Practice 1", timeout=LINE_TIMEOUT)
        assert again.returncode == 2 and again.stdout == ""
        assert re.fullmatch(
            re.escape(f"laptiming: session 1 (Practice 1) is already being timed by laptiming record (pid {first.pid} "
                      f"on host {socket.gethostname()}, ") + SINCE
            + re.escape("); stop that one first (a recorder that died holds nothing)") + "\n", again.stderr), again.stderr
        assert decoder.connections == 1  # refused before the decoder was opened
    assert sessions(db) == [(1, "Practice 1", "running")]


def test_two_decoders_time_two_sessions_into_one_database_at_once(tmp_path):
    db = tmp_path / "event.db"
    with simulated_decoder() as north, simulated_decoder(P3_DECODER_ID + 1) as south:
        with killed_if_left(start_recording(north.url, db, "Group A")) as a, \
                killed_if_left(start_recording(south.url, db, "Group B")) as b:
            for process in (a, b):
                os.kill(process.pid, signal.SIGTERM)
                assert process.wait(LINE_TIMEOUT) == 0, process.stderr.read()
    assert sessions(db) == [(1, "Group A", "running"), (2, "Group B", "running")]
    assert linked(db, 1) > 0 and linked(db, 2) > 0


def test_the_same_decoder_is_its_device_or_its_address_and_a_capture_or_the_simulator_is_none(tmp_path):
    device = tmp_path / "ttyUSB0"
    device.touch()
    (tmp_path / "by-id").symlink_to(device)
    assert decoder_key(str(tmp_path / "by-id")) == decoder_key(f"serial://{device}?baudrate=19200") is not None
    assert decoder_key("tcp://localhost:5403") == decoder_key("tcp://127.0.0.1") == decoder_key("socket://127.0.0.1:5403")
    assert decoder_key("tcp://127.0.0.1:5404") != decoder_key("tcp://127.0.0.1:5403")
    assert decoder_key(f"file://{tmp_path}/race.p3") is None and decoder_key("sim://?cars=3") is None


CHURN = """
import sys
from laptiming.errors import InputError
from laptiming.service.decoder_lock import DecoderLock
db, url = sys.argv[1], sys.argv[2]
print("taking", flush=True)
taken = 0
while sys.stdin.readline():  # one line from the test: one more start; EOF: stop
    try:
        lock = DecoderLock.take(db, url, "Practice 1")
    except InputError:  # the test's own recorder has it this instant
        continue
    if lock is None:
        raise SystemExit("no decoder lock for a tcp:// URL")
    lock.timing(1)
    lock.timing(12345)  # the session found: the record rewritten, longer or shorter
    lock.timing(1)
    lock.release()
    taken += 1
print(taken, flush=True)
"""


def test_a_recorder_refused_while_the_holder_writes_its_record_names_the_holder_not_another_program(tmp_path):
    """A recorder starting (the lock taken, its record written, rewritten with the session) while a second one
    is refused: the refusal named "another program" when it read the record between the take and the write, or
    while the record was being rewritten over a longer one."""
    from laptiming.errors import InputError
    from laptiming.service.decoder_lock import DecoderLock
    from laptiming.store import open_event_db

    db = tmp_path / "event.db"
    open_event_db(db, create=True).close()
    url = "tcp://127.0.0.1:5403"  # never opened: the lock is taken from the URL alone
    churn = subprocess.Popen([sys.executable, "-c", CHURN, str(db), url], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    refusals: list[str] = []
    try:
        assert churn.stdout.readline() == "taking\n"
        for _ in range(3000):
            churn.stdin.write("go\n" * 3)
            churn.stdin.flush()
            try:
                mine = DecoderLock.take(db, url, "Practice 2")
            except InputError as err:
                refusals.append(str(err))
            else:
                mine.release()
        churn.stdin.close()
        assert int(churn.stdout.readline()) > 0
    finally:
        churn.kill()
        churn.wait()
    assert refusals, "the two never met"
    unnamed = [said for said in refusals if f"by laptiming record (pid {churn.pid} on host " not in said]
    assert not unnamed, f"{len(unnamed)} of {len(refusals)} refusals did not name the holder, e.g. {unnamed[0]}"
