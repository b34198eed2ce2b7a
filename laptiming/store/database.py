"""Opening an event database: WAL, durability chosen on purpose, migrations, clear errors.

``synchronous=FULL`` in WAL mode: every commit is on disk before anything shows it, so a
passing survives the laptop being unplugged, not only the process being killed. A busy
timeout lets a second process (a correction typed in another terminal) wait its turn.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from laptiming.errors import InputError, StoreError
from laptiming.store.schema import KNOWN_MIGRATIONS, MIGRATIONS

BUSY_TIMEOUT_MS = 10_000
CACHE_KIB = 64 * 1024  # a weekend's journal index stays in memory while replaying it


def open_event_db(path: str | Path, *, create: bool = False) -> Database:
    """Open (or, with ``create``, make) an event database and bring its schema up to date.

    A missing file without ``create``, a file that is not a database, or one written by a newer
    laptiming is an :class:`InputError`/:class:`StoreError` naming the path; no file is created
    when opening fails that way.
    """
    path = Path(path)
    if not create and not path.is_file():
        raise InputError(f"database not found: {path}")
    if create and not path.parent.is_dir():
        raise InputError(f"cannot create database {path}: folder {path.parent} does not exist")
    existed = path.exists()
    try:
        conn = sqlite3.connect(str(path), check_same_thread=True)
        db = Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        db.enable_wal()
        db.execute("PRAGMA synchronous = FULL")
        db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        applied = {migration.name for migration in MIGRATIONS.applied(db)}
        unknown = applied - KNOWN_MIGRATIONS
        if unknown:
            raise StoreError(
                f"{path}: written by a newer laptiming (schema steps {', '.join(sorted(unknown))}); upgrade to open it"
            )
        MIGRATIONS.apply(db)
    except sqlite3.Error as err:
        if not existed and path.exists():
            _remove_new(path)
        if isinstance(err, sqlite3.DatabaseError) and "not a database" in str(err):
            raise InputError(f"{path}: not a database file") from err
        raise StoreError(f"{path}: cannot open the database ({err})") from err
    return db


def _remove_new(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
