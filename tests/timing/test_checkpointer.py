"""The WAL checkpointer copies the log back once enough is waiting, not on a timer.

The first commit after a checkpoint restarts the WAL and syncs its new header before its own
frames: a checkpoint after every passing would make every passing wait for the disk twice.
"""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

import pytest

from laptiming.store import checkpointer
from laptiming.store.checkpointer import (
    WAL_INDEX_VERSION,
    Checkpointer,
    WalCheckpoint,
    checkpoint_due,
    frames_waiting,
    next_look_s,
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


def test_the_frames_waiting_are_what_sqlite_counts(wal_db):
    path, conn = wal_db
    commit_rows(conn, 25)
    wal = WalCheckpoint(path)
    try:
        waiting = wal.waiting()
        busy, in_log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert (busy, copied) == (0, in_log)
        assert waiting == in_log >= 25
        assert wal.waiting() == 0  # all copied back
    finally:
        wal.close()


def test_a_header_of_another_layout_gives_no_estimate_and_a_restart_reads_as_nothing_waiting():
    def header(version: int, max_frame: int, backfilled: int) -> bytes:
        data = bytearray(136)
        struct.pack_into("=I", data, 0, version)
        struct.pack_into("=I", data, 16, max_frame)
        struct.pack_into("=I", data, 96, backfilled)
        return bytes(data)

    assert frames_waiting(header(WAL_INDEX_VERSION, 40, 12)) == 28
    assert frames_waiting(header(WAL_INDEX_VERSION, 0, 12)) == 0  # a writer is restarting the WAL
    assert frames_waiting(header(WAL_INDEX_VERSION + 1, 40, 12)) is None
    assert frames_waiting(header(WAL_INDEX_VERSION, 40, 12)[:100]) is None
    assert not checkpoint_due(checkpointer.CHECKPOINT_FRAMES - 1)
    assert checkpoint_due(checkpointer.CHECKPOINT_FRAMES)
    assert checkpoint_due(None)  # nothing to read: the timer decides


def test_a_checkpoint_comes_only_once_enough_is_waiting_and_the_next_commit_restarts_the_wal(wal_db, monkeypatch):
    monkeypatch.setattr(checkpointer, "CHECKPOINT_FRAMES", 20)
    path, conn = wal_db
    wal = WalCheckpoint(path)
    try:
        commit_rows(conn, 10)
        salt = wal_salt(path)
        assert wal.look() is None  # 10 waiting: not yet
        assert wal.waiting() >= 10 and wal.checkpoints == 0
        commit_rows(conn, 12)
        assert wal.look() is True
        assert (wal.checkpoints, wal.waiting()) == (1, 0)
        commit_rows(conn, 1)
        assert wal_salt(path) != salt  # the WAL started again from its beginning
        assert wal.waiting() == 1
        assert wal.look() is None
    finally:
        wal.close()


def test_a_reader_on_an_older_snapshot_keeps_a_checkpoint_from_completing_until_it_ends(wal_db, monkeypatch):
    monkeypatch.setattr(checkpointer, "CHECKPOINT_FRAMES", 20)
    path, conn = wal_db
    reader = sqlite3.connect(path, isolation_level=None)
    wal = WalCheckpoint(path)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)  # holds the snapshot before the rows
        commit_rows(conn, 25)
        assert wal.look() is False  # blocked: the thread pauses before trying again
        reader.execute("COMMIT")
        assert wal.look() is True
    finally:
        wal.close()
        reader.close()


def test_without_a_wal_index_to_read_it_checkpoints_every_round_on_the_timer(tmp_path):
    path = tmp_path / "plain.db"
    sqlite3.connect(path).close()  # rollback-journal mode: no -shm file
    wal = WalCheckpoint(path)
    try:
        assert not wal.estimating
        assert wal.look() is not None  # due every round
        assert next_look_s(True, wal.estimating) == checkpointer.TIMER_EVERY_S
    finally:
        wal.close()


def test_a_header_of_an_unknown_version_puts_the_thread_on_the_timer(wal_db, monkeypatch):
    monkeypatch.setattr(checkpointer, "WAL_INDEX_VERSION", WAL_INDEX_VERSION + 1)  # as if SQLite changed the layout
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
