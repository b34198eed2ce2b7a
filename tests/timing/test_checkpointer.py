"""The WAL checkpointer copies the log back once enough is waiting, not on a timer.

The first commit after a checkpoint restarts the WAL and syncs its new header before its own
frames: a checkpoint after every passing would make every passing wait for the disk twice.
"""

from __future__ import annotations

import signal
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from laptiming.store import checkpointer
from laptiming.store.checkpointer import (
    Checkpointer,
    WalCheckpoint,
    WalLength,
    checkpoint_due,
    next_look_s,
    wal_length,
)

TIMEOUT = 10


@pytest.fixture
def wal_db(tmp_path: Path):
    """A WAL database with one table and no automatic checkpoints, and its write connection."""
    path = tmp_path / "event.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE t (a INTEGER)")
    yield path, conn
    conn.close()


def commit_rows(conn: sqlite3.Connection, count: int) -> None:
    """``count`` commits of one row each (one page each, as a live passing is a few)."""
    for value in range(count):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?)", (value,))
        conn.execute("COMMIT")


def wal_salt(path: Path) -> bytes:
    """The WAL header's salts: new each time the WAL restarts from its start."""
    with open(f"{path}-wal", "rb") as wal:
        return wal.read(32)[16:24]


def test_the_frames_read_from_the_wal_file_are_what_sqlite_counts(wal_db):
    path, conn = wal_db
    wal = WalCheckpoint(path)
    try:
        for commits in (1, 2, 25, 300):  # 1, 2, 3, 28 and 328 frames: every step of the search
            commit_rows(conn, commits)
            length = wal.length()
            busy, in_log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            assert (busy, copied) == (0, in_log)
            assert length is not None and length.frames == in_log
    finally:
        wal.close()


def test_a_file_that_is_not_a_wal_gives_no_length_and_a_restarted_wal_reads_as_new():
    salts = bytes(range(8))

    def wal(frames: int, page_size: int = 1024, magic: int = 0x377F0682, stale: int = 3) -> bytes:
        data = bytearray(struct.pack(">II I 4x", magic, 3007000, page_size) + salts + bytes(8))
        for frame in range(frames + stale):  # stale frames of an earlier log after the current ones
            data += struct.pack(">II", frame + 1, 0) + (salts if frame < frames else bytes(range(1, 9)))
            data += bytes(8 + page_size)
        return bytes(data)

    def read(data: bytes):
        return lambda offset, size: data[offset:offset + size]

    for frames in (0, 1, 2, 3, 7, 8, 9, 100):
        assert wal_length(read(wal(frames))) == WalLength(salts, frames)
    assert wal_length(read(wal(5, stale=0))) == WalLength(salts, 5)  # the file ends with the log
    assert wal_length(read(wal(5, magic=0x377F0683))) == WalLength(salts, 5)  # the other checksum order
    assert wal_length(read(wal(5, magic=0x12345678))) is None
    assert wal_length(read(wal(5, page_size=1000))) is None
    assert wal_length(read(wal(5)[:20])) is None
    enough = checkpointer.CHECKPOINT_FRAMES
    now = WalLength(salts, enough)
    assert not checkpoint_due(WalLength(salts, enough - 1), None)
    assert checkpoint_due(now, None)
    assert checkpoint_due(now, WalLength(salts, enough - 3))  # grown since the last checkpoint
    assert not checkpoint_due(now, now)  # all copied: the next commit starts the WAL again
    assert checkpoint_due(None, now)  # nothing to read: the timer decides


def test_a_checkpoint_comes_only_once_enough_is_waiting_and_the_next_commit_restarts_the_wal(wal_db, monkeypatch):
    monkeypatch.setattr(checkpointer, "CHECKPOINT_FRAMES", 20)
    path, conn = wal_db
    wal = WalCheckpoint(path)
    try:
        commit_rows(conn, 10)
        salt = wal_salt(path)
        assert wal.look() is None  # not yet
        assert wal.length().frames < 20 and wal.checkpoints == 0
        commit_rows(conn, 12)
        assert wal.look() is True
        assert wal.checkpoints == 1 and wal.length().frames >= 20
        assert conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1:] == (wal.length().frames,) * 2
        assert wal.look() is None  # all copied: nothing to do until the WAL is long again
        commit_rows(conn, 1)
        assert wal_salt(path) != salt  # the WAL started again from its beginning
        assert wal.length().frames == 1
        assert wal.look() is None
    finally:
        wal.close()


def test_a_checkpoint_a_reader_keeps_from_completing_copies_what_it_can_and_is_tried_again(wal_db, monkeypatch):
    monkeypatch.setattr(checkpointer, "CHECKPOINT_FRAMES", 20)
    path, conn = wal_db
    reader = sqlite3.connect(path, isolation_level=None)
    wal = WalCheckpoint(path)
    try:
        commit_rows(conn, 25)
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM t").fetchone() == (25,)  # a snapshot the next rows are not in
        commit_rows(conn, 3)
        assert wal.look() is False  # copied up to the reader's snapshot, but the WAL cannot start again
        assert wal.look() is False  # and tried again while the reader holds on
        reader.execute("COMMIT")
        assert wal.look() is True  # tried again: the WAL is still long
        salt = wal_salt(path)
        commit_rows(conn, 1)
        assert wal_salt(path) != salt and wal.length().frames == 1  # it started again
    finally:
        wal.close()
        reader.close()


def test_without_a_wal_to_read_it_checkpoints_every_round_on_the_timer(tmp_path):
    path = tmp_path / "plain.db"
    sqlite3.connect(path).close()  # rollback-journal mode: no -wal file
    wal = WalCheckpoint(path)
    try:
        assert not wal.estimating
        assert wal.look() is not None  # due every round
        assert next_look_s(True, wal.estimating) == checkpointer.TIMER_EVERY_S
    finally:
        wal.close()


def test_a_wal_of_an_unknown_format_puts_the_thread_on_the_timer(wal_db, monkeypatch):
    monkeypatch.setattr(checkpointer, "WAL_MAGIC", ())  # as if SQLite changed the format
    path, conn = wal_db
    commit_rows(conn, 3)
    wal = WalCheckpoint(path)
    try:
        assert wal.look() is True  # no estimate: due at once, and done
        assert not wal.estimating
        assert next_look_s(True, wal.estimating) == checkpointer.TIMER_EVERY_S  # not every 25 ms
    finally:
        wal.close()
    assert next_look_s(True, True) == next_look_s(None, True) == checkpointer.LOOK_EVERY_S
    assert next_look_s(False, True) == checkpointer.TIMER_EVERY_S  # blocked: pause before trying again


def test_the_thread_checkpoints_in_the_background_once_enough_is_waiting(wal_db, monkeypatch):
    monkeypatch.setattr(checkpointer, "CHECKPOINT_FRAMES", 20)
    monkeypatch.setattr(checkpointer, "LOOK_EVERY_S", 0.001)
    path, conn = wal_db
    salt = wal_salt(path)
    thread = Checkpointer(path)
    try:
        commit_rows(conn, 25)
        assert thread.checkpointed.wait(TIMEOUT)
    finally:
        thread.stop()
    commit_rows(conn, 1)
    assert wal_salt(path) != salt


AN_APP = """
import sqlite3, sys
from pathlib import Path
from laptiming.store.checkpointer import Checkpointer
path = Path(sys.argv[1])
conn = sqlite3.connect(path, isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = OFF")  # many commits quickly: each one reads and writes the wal-index
conn.execute("CREATE TABLE t (a INTEGER)")
Checkpointer(path).stop()  # a session's checkpointer, come and gone; the app and its connection go on
print("ready", flush=True)
for value in range(COMMITS):
    conn.execute("INSERT INTO t VALUES (?)", (value,))
print(conn.execute("SELECT count(*) FROM t").fetchone()[0], flush=True)
"""
COMMITS = 20_000


def test_a_stopped_checkpointer_leaves_its_process_the_locks_sqlite_took(tmp_path):
    """Two real processes: one that timed a session (its checkpointer stopped) and goes on writing, and
    boards or commands that open the database meanwhile. SQLite's locks belong to the process, and closing
    any descriptor of a locked file drops them: the checkpointer once read the -shm file and closed it, so
    the next program to open the database took itself for the first and truncated the -shm under the
    first one's feet, which died of SIGBUS."""
    path = tmp_path / "event.db"
    app = subprocess.Popen([sys.executable, "-c", AN_APP.replace("COMMITS", str(COMMITS)), str(path)],
                           stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout.readline() == "ready\n"
        opened = 0
        while app.poll() is None:  # each look opens the database anew, as `laptiming sessions` does
            other = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                other.execute("SELECT count(*) FROM t").fetchone()
            except sqlite3.Error:
                pass  # a read that met the truncated -shm; what this test watches is the other process
            finally:
                other.close()
            opened += 1
        out = app.stdout.read()
    finally:
        if app.poll() is None:
            app.kill()
        app.wait()
    assert app.returncode == 0, (f"the first program died after {opened} opens by another: exit {app.returncode} "
                                 f"(-{signal.SIGBUS.value} is SIGBUS)")
    assert out == f"{COMMITS}\n" and opened > 0
