"""The WAL file made long once, when the journal writer starts, so commits overwrite blocks it has.

A commit that makes the WAL file longer syncs more than one that overwrites blocks the file
already has: its fdatasync must also journal the new size. The background checkpoint restarts
the WAL once it holds about 6 MB, so after its first restart every commit overwrites;
until then (the first few hundred commits of a burst) each one grew the file. Measured on
the live bench: the first 300 commits' median 0.40-0.49 ms against 0.27-0.31 ms for the rest; with
the file grown first, 0.54-0.66 ms against 0.63-0.84 ms end to end for those passings, p99 of the
whole run 0.79-1.08 ms against 0.85-1.21 ms.

Zeros past the WAL's end are what a WAL file holds anyway after a restart (stale frames): SQLite
reads frames only while their salt and checksum follow the header's, so a zero frame ends the log.
The zeros are written under the database's write lock (``BEGIN IMMEDIATE``), so no other program
appends a frame where they go.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from laptiming.store.database import db_path, write_transaction

log = logging.getLogger(__name__)

WAL_START_BYTES = 8 * 1024 * 1024  # the checkpointer's restarts keep the WAL under about 7 MB (store.checkpointer)
_ZEROS = bytes(1024 * 1024)


def grow_wal(db: Database, size: int = WAL_START_BYTES) -> int:
    """Make the database's WAL file at least ``size`` bytes long (zeros after its end) and on disk; the
    bytes added. Best effort, never waiting: while another program holds the write lock, or when the
    file cannot be grown (no room), it is said once and left as it was (commits grow it as before):
    zeros written before the disk filled are cut off again, so the disk keeps its free space."""
    wal = Path(db_path(db) + "-wal")
    timeout = db.execute("PRAGMA busy_timeout").fetchone()[0]
    db.execute("PRAGMA busy_timeout = 0")
    try:
        with write_transaction(db):  # the write lock: nobody appends a frame while the zeros go in
            with wal.open("r+b", buffering=0) as handle:  # unbuffered: a failed write leaves nothing pending
                start = handle.seek(0, os.SEEK_END)
                try:
                    while handle.tell() < size:
                        handle.write(_ZEROS[: size - handle.tell()])
                    os.fsync(handle.fileno())
                except OSError:
                    os.ftruncate(handle.fileno(), start)  # only our zeros: the frames before them stay
                    raise
                return max(0, handle.tell() - start)
    except (OSError, sqlite3.Error) as err:
        log.warning("%s: the WAL file was not grown in advance (%s)", wal, err)
        return 0
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(timeout)}")
