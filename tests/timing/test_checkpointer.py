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
    wal_frames,
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


def test_the_frames_read_from_the_wal_index_are_what_sqlite_counts(wal_db):
    path, conn = wal_db
    commit_rows(conn, 25)
    wal = WalCheckpoint(path)
    try:
        before = wal.frames()
        busy, in_log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert (busy, copied) == (0, in_log)
        assert before == (in_log, 0) and in_log >= 25
        assert wal.frames() == (in_log, in_log)  # all copied back
    finally:
        wal.close()


def test_a_header_of_another_layout_gives_no_estimate_and_a_restart_reads_as_nothing_to_copy():
    def header(version: int, max_frame: int, backfilled: int) -> bytes:
        data = bytearray(136)
        struct.pack_into("=I", data, 0, version)
        struct.pack_into("=I", data, 16, max_frame)
        struct.pack_into("=I", data, 96, backfilled)
        return bytes(data)

    assert wal_frames(header(WAL_INDEX_VERSION, 40, 12)) == (40, 12)
    assert wal_frames(header(WAL_INDEX_VERSION, 0, 12)) == (0, 0)  # a writer is starting the WAL again
    assert wal_frames(header(WAL_INDEX_VERSION + 1, 40, 12)) is None
    assert wal_frames(header(WAL_INDEX_VERSION, 40, 12)[:100]) is None
    enough = checkpointer.CHECKPOINT_FRAMES
    assert not checkpoint_due((enough - 1, 0))
    assert checkpoint_due((enough, 0))
    assert checkpoint_due((enough, enough - 3))  # a checkpoint kept from completing: tried again
    assert not checkpoint_due((enough, enough))  # all copied: the next commit starts the WAL again
    assert checkpoint_due(None)  # nothing to read: the timer decides


def test_a_checkpoint_comes_only_once_enough_is_waiting_and_the_next_commit_restarts_the_wal(wal_db, monkeypatch):
    monkeypatch.setattr(checkpointer, "CHECKPOINT_FRAMES", 20)
    path, conn = wal_db
    wal = WalCheckpoint(path)
    try:
        commit_rows(conn, 10)
        salt = wal_salt(path)
        assert wal.look() is None  # not yet
        in_wal, copied = wal.frames()
        assert in_wal < 20 and copied == 0 and wal.checkpoints == 0
        commit_rows(conn, 12)
        assert wal.look() is True
        in_wal, copied = wal.frames()
        assert wal.checkpoints == 1 and copied == in_wal >= 20
        assert wal.look() is None  # all copied: nothing to do until the WAL is long again
        commit_rows(conn, 1)
        assert wal_salt(path) != salt  # the WAL started again from its beginning
        assert wal.frames() == (1, 0)
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
        in_wal, copied = wal.frames()
        assert 0 < copied < in_wal and in_wal - copied < 20  # little left to copy, yet not done
        reader.execute("COMMIT")
        assert wal.look() is True  # tried again: the WAL is still long
        assert wal.frames()[1] == wal.frames()[0]
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
