"""One recorder per session: a second one is refused naming the holder; a killed one blocks nobody."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys

import pytest

from laptiming.errors import InputError
from laptiming.service.lock import RecorderLock, lock_holder
from tests.timing.cli_runner import run_cli, run_cli_process
from tests.timing.test_record_kill import LINE_TIMEOUT, start_reading

LONG_SIM = "sim://?cars=4&seed=3&speed=100&minutes=60"


def test_the_lock_is_exclusive_names_its_holder_and_is_given_back(tmp_path):
    db = tmp_path / "event.db"
    first = RecorderLock.acquire(db, 3, "Race 1", program="laptiming app")
    holder = lock_holder(db, 3)
    assert holder is not None and (holder.pid, holder.host, holder.program) == (os.getpid(), socket.gethostname(),
                                                                                 "laptiming app")
    with pytest.raises(InputError, match=rf"session 3 \(Race 1\) is already being timed by laptiming app "
                                         rf"\(pid {os.getpid()} on host "):
        RecorderLock.acquire(db, 3, "Race 1")
    other_session = RecorderLock.acquire(db, 4, "Race 2")  # sessions are independent
    first.release()
    assert lock_holder(db, 3) is None
    RecorderLock.acquire(db, 3, "Race 1").release()
    other_session.release()


def start_recorder(db):
    process = subprocess.Popen(
        [sys.executable, "-m", "laptiming", "record", LONG_SIM, "--db", str(db), "--session", "Practice 1", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines = start_reading(process)
    first = lines.get(timeout=LINE_TIMEOUT)  # it is timing: its lock is taken
    assert first is not None and json.loads(first)["type"] in {"unknown", "standing"}, process.stderr.read()
    return process


def test_a_second_recorder_is_refused_at_once_and_a_killed_one_blocks_nobody(tmp_path):
    db = tmp_path / "event.db"
    first = start_recorder(db)
    try:
        second = run_cli_process("record", LONG_SIM, "--db", db, "--session", "Practice 1", timeout=30)
        assert second.returncode == 2
        assert second.stderr.splitlines() == [
            f"laptiming: session 1 (Practice 1) is already being timed by laptiming record (pid {first.pid} on host "
            f"{socket.gethostname()}, since {second.stderr.split('since ')[1].split(')')[0]}); stop that one first "
            "(a recorder that died holds nothing)"]
        assert second.stdout == ""
        confirm = run_cli("finish", "--db", db, "--session", "1", "--confirm", "--by", "steward")
        assert confirm.returncode == 2  # not finished yet; the lock check comes with a finished session below
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(LINE_TIMEOUT) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(LINE_TIMEOUT)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT phase FROM sessions").fetchall() == [("running",)]
    third = start_recorder(db)  # the kernel dropped the dead one's lock: this one starts at once
    try:
        assert lock_holder(db, 1).pid == third.pid
        os.kill(third.pid, signal.SIGTERM)
        assert third.wait(LINE_TIMEOUT) == 0, third.stderr.read()
        assert "resuming session 1 (Practice 1)" in third.stderr.read()
    finally:
        if third.poll() is None:
            third.kill()
            third.wait(LINE_TIMEOUT)
    assert lock_holder(db, 1) is None


def test_results_are_not_confirmed_while_a_recorder_still_holds_the_session(tmp_path):
    db = tmp_path / "event.db"
    from laptiming.engine import SessionRules
    from laptiming.store import create_session, open_event_db

    store = open_event_db(db, create=True)
    create_session(store, "Practice 1", SessionRules())
    store.close()
    assert run_cli("finish", "--db", db, "--session", "1", "--by", "clerk").returncode == 0
    recorder = RecorderLock.acquire(db, 1, "Practice 1")  # a recorder that has not closed yet
    try:
        refused = run_cli("finish", "--db", db, "--session", "1", "--confirm", "--by", "steward")
        assert refused.returncode == 2
        assert f"is still being timed by laptiming record (pid {os.getpid()} " in refused.stderr
    finally:
        recorder.release()
    assert run_cli("finish", "--db", db, "--session", "1", "--confirm", "--by", "steward").returncode == 0


def test_the_recorder_tells_its_decoder_link_in_its_lock_record_and_silence_is_counted_from_the_link(tmp_path):
    """Other processes (the page, the feed) read only the lock record: what it says of the decoder link."""
    from hardware.events import LinkState, LinkStatus
    from laptiming.service.decoder_link import NS_PER_S, SILENT_AFTER_S, DecoderLink, decoder_link

    db = tmp_path / "event.db"
    lock = RecorderLock.acquire(db, 1, "Practice 1")
    try:
        holder = lock_holder(db, 1)
        assert holder is not None and holder.decoder is None  # not said yet: taken as heard
        for link in (DecoderLink.DISCONNECTED, DecoderLink.CONNECTED, DecoderLink.SILENT):
            lock.tell(link)
            told = lock_holder(db, 1)
            assert told is not None and told.decoder is link and (told.since, told.pid) == (holder.since, holder.pid)
    finally:
        lock.release()
    now = 1_000 * NS_PER_S
    quiet = int(SILENT_AFTER_S * NS_PER_S) + 1
    assert decoder_link(None, None, now) is None
    assert decoder_link(LinkStatus("tcp://d", LinkState.CONNECTING), None, now) is None  # a recorder just starting
    assert decoder_link(LinkStatus("tcp://d", LinkState.RECONNECTING), None, now) is DecoderLink.DISCONNECTED
    assert decoder_link(LinkStatus("tcp://d", LinkState.CONNECTED, now - 1), None, now) is DecoderLink.CONNECTED
    assert decoder_link(LinkStatus("tcp://d", LinkState.CONNECTED, now - quiet), None, now) is DecoderLink.SILENT
    # connected again a moment ago after a long cut: not silent for the time it was down
    assert decoder_link(LinkStatus("tcp://d", LinkState.CONNECTED, now - 10 * quiet), now - 1, now) is DecoderLink.CONNECTED


HAMMER = """
import sys, threading
from laptiming.service.decoder_link import DecoderLink
from laptiming.service.lock import RecorderLock
lock = RecorderLock.acquire(sys.argv[1], 1, "Practice 1")
lock.tell(DecoderLink.DISCONNECTED)
told = 0
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
print("telling", flush=True)
while not stop.is_set():
    told += 1
    lock.tell(DecoderLink.CONNECTED if told % 2 else DecoderLink.DISCONNECTED)
lock.release()
print(told, flush=True)
"""


def test_a_reader_never_finds_the_link_torn_or_missing_while_another_process_rewrites_it(tmp_path):
    """A recorder telling its link over and over, a page reading it as fast as it can: every reading names the
    holder and a link word (a torn record was read as "not said", and the page said "live" for that reading)."""
    from laptiming.service.decoder_link import DecoderLink

    db = tmp_path / "event.db"
    writer = subprocess.Popen([sys.executable, "-c", HAMMER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert writer.stdout.readline() == "telling\n"
        seen: dict[object, int] = {}
        for _ in range(20_000):
            holder = lock_holder(db, 1)
            said = (holder.pid, holder.decoder) if holder is not None else None
            seen[said] = seen.get(said, 0) + 1
        writer.stdin.close()
        told = int(writer.stdout.readline())
    finally:
        writer.kill()
        writer.wait()
    assert set(seen) <= {(writer.pid, DecoderLink.CONNECTED), (writer.pid, DecoderLink.DISCONNECTED)}, seen
    assert len(seen) == 2 and told > 1  # the reads overlapped the rewrites (it told until they ended): both seen


KILLED_WHILE_TELLING = """
import os, sys
from laptiming.service.decoder_link import DecoderLink
from laptiming.service.lock import RecorderLock
lock = RecorderLock.acquire(sys.argv[1], 1, "Practice 1")
def killed_here(src, dst):  # the link written whole under its scratch name, not renamed yet: kill -9 lands here
    print("telling", flush=True)
    sys.stdin.readline()
os.replace = killed_here
lock.tell(DecoderLink.CONNECTED)
"""


def test_the_scratch_file_of_a_recorder_killed_while_telling_its_link_is_removed_by_the_next_recorder(tmp_path):
    """A recorder killed between writing its link word and renaming it left ``event.db.session-1.lock.link.<pid>.tmp``
    beside the database for good: nothing ever removed it."""
    db = tmp_path / "event.db"
    killed = subprocess.Popen([sys.executable, "-c", KILLED_WHILE_TELLING, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert killed.stdout.readline() == "telling\n"
        os.kill(killed.pid, signal.SIGKILL)
        assert killed.wait(LINE_TIMEOUT) == -signal.SIGKILL
    finally:
        if killed.poll() is None:
            killed.kill()
            killed.wait()
    left = tmp_path / f"event.db.session-1.lock.link.{killed.pid}.tmp"
    assert left.exists()
    lock = RecorderLock.acquire(db, 1, "Practice 1")  # the next recorder of the session
    try:
        assert not left.exists()
    finally:
        lock.release()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["event.db.session-1.lock"]
