"""The journal writer grows the WAL file once at start; every commit after it is kept through a crash."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from laptiming.store import count_passings, open_event_db
from laptiming.store.walfile import WAL_START_BYTES, grow_wal

CRASHING_WRITER = """
import os, sys
from laptiming.engine import SessionRules
from laptiming.store import JournalWriter, create_session, open_event_db
from tests.timing.timing_builders import S, T0, numbered

path = sys.argv[1]
db = open_event_db(path, create=True)
session_id = create_session(db, "P", SessionRules())
db.close()
writer = JournalWriter(path).start()
for passing in numbered([(7, T0 + k * S) for k in range(500)]):
    writer.journal(session_id, passing)
writer.flush(10)
print(os.path.getsize(path + "-wal"), flush=True)
os._exit(0)  # no close, no checkpoint: the next program must recover the journal from the WAL
"""


def test_every_commit_after_the_wal_is_grown_is_read_back_after_a_crash(tmp_path):
    path = tmp_path / "event.db"
    done = subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(path)], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= WAL_START_BYTES  # grown before the commits, zeros after the last frame
    db = open_event_db(path, readonly=True)
    try:
        assert count_passings(db, 1) == 500
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


def test_growing_never_waits_for_another_programs_write_lock(tmp_path):
    path = tmp_path / "event.db"
    db = open_event_db(path, create=True)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program writing
    try:
        assert grow_wal(db) == 0
        assert os.path.getsize(str(path) + "-wal") < WAL_START_BYTES
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] > 0  # its own wait restored
    before = os.path.getsize(str(path) + "-wal")
    assert grow_wal(db) == WAL_START_BYTES - before  # the lock free again: grown
    assert os.path.getsize(str(path) + "-wal") == WAL_START_BYTES
    db.close()
