"""Opening an event database: WAL, durability chosen on purpose, migrations, clear errors.

``synchronous=FULL`` in WAL mode: every commit is on disk before anything shows it, so a
passing survives the laptop being unplugged, not only the process being killed.

Several processes share one event database (the recorder, a correction typed in another
terminal, a board). Every unit of work that writes opens with ``BEGIN IMMEDIATE``
(:func:`write_transaction`): it takes the write lock first, so it waits its turn for up to
``BUSY_TIMEOUT_MS`` and then fails loudly. A deferred transaction that reads before it writes
would instead fail at once with "database is locked" whenever another process committed in
between, whatever the busy timeout says.
"""

from __future__ import annotations

import contextlib
import enum
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from laptiming.errors import InputError, StoreError
from laptiming.store.schema import KNOWN_MIGRATIONS, MIGRATIONS


class Durability(enum.Enum):
    """How far a commit goes before the writer carries on (SQLite ``synchronous`` in WAL mode)."""

    POWER_LOSS = "FULL"  # the WAL is on disk at each commit: survives the laptop being unplugged
    PROCESS_CRASH = "NORMAL"  # survives kill -9 and crashes of the program, not of the machine


BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another process's transaction to end
WAIT_VARIABLE = "LAPTIMING_WAIT_S"  # the user's own limit, in seconds, instead of the 10 s above


def busy_timeout_ms() -> int:
    """How long a write waits its turn: ``LAPTIMING_WAIT_S`` seconds if set (a bad value is one line)."""
    text = os.environ.get(WAIT_VARIABLE, "").strip()
    if not text:
        return BUSY_TIMEOUT_MS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise InputError(f"{WAIT_VARIABLE}={text!r}: give the seconds a write may wait, from 0 to 3600")
    return round(seconds * 1000)


def waited_for_lock(err: sqlite3.Error) -> bool:
    """Whether SQLite gave up waiting for another connection's lock (SQLITE_BUSY, "database is locked")."""
    code = getattr(err, "sqlite_errorcode", None)
    return (code & 0xFF) == sqlite3.SQLITE_BUSY if isinstance(code, int) else "database is locked" in str(err)


def error_text(path: str | Path, err: BaseException) -> str:
    """An error as a screen says it: SQLite's in :func:`store_error`'s words (a lock held past the wait says
    so and how to wait longer), anything else as it is."""
    return str(store_error(path, err)) if isinstance(err, sqlite3.Error) else str(err)


def store_error(path: str | Path, err: sqlite3.Error) -> StoreError:
    """One line for a failed unit of work: a lock held past the wait says whose, that nothing was written
    (the transaction was rolled back), and how to wait longer; a read-only database or folder says which;
    anything else is SQLite's own words."""
    reason = read_only_refusal(path, err)
    if reason is not None:
        return StoreError(f"{path}: {reason}; nothing was written")
    if not waited_for_lock(err):
        return StoreError(f"{path}: {err}")
    return StoreError(f"{path}: another program holds the event database's write lock; nothing was written after "
                      f"waiting {busy_timeout_ms() / 1000:g} s (to wait longer, set {WAIT_VARIABLE} to the seconds, "
                      f"e.g. {WAIT_VARIABLE}=60)")


def read_only_refusal(path: str | Path, err: sqlite3.Error) -> str | None:
    """What is read-only, in a user's words, when SQLite's refusal came from that (:func:`read_only_reason`);
    else None."""
    return read_only_reason(path) if _refused_as_read_only(err) else None


def _refused_as_read_only(err: sqlite3.Error) -> bool:
    """Whether SQLite's refusal may come from a read-only file or folder: "attempt to write a readonly database"
    (SQLITE_READONLY), or "unable to open database file" (SQLITE_CANTOPEN: its -wal or -shm cannot be made)."""
    code = getattr(err, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)


def read_only_reason(path: str | Path) -> str | None:
    """Why the database at ``path`` cannot be written, in a user's words (``path`` as the user typed it), or None
    when it and its folder can be. Asked of the OS (``access``), which says so even to root on a read-only mount."""
    path = Path(path)
    if not path.is_file():
        return None
    if not os.access(path, os.W_OK):
        read_only_mount = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
        return "the database is on a read-only file system" if read_only_mount else "the database file is read-only"
    folder = path.parent
    beside = [f"{path.name}{suffix}" for suffix in ("-wal", "-shm") if not os.access(f"{path}{suffix}", os.W_OK)]
    if beside and not os.access(folder, os.W_OK | os.X_OK):  # SQLite makes them at its first write
        where = "the current folder" if folder == Path(".") else f"its folder {folder}"
        return f"{where} is read-only, and SQLite must create {' and '.join(beside)} there to write to the database"
    return None


class EventDb(Database):
    """An open event database that keeps the path it was given, as the user typed it: messages name it so (SQLite
    knows only the absolute one)."""

    def __init__(self, conn: sqlite3.Connection, given_path: str) -> None:
        super().__init__(conn)
        self.given_path = given_path


CACHE_KIB = 64 * 1024  # a weekend's journal index stays in memory while replaying it
_MIGRATIONS_TABLE = "_sqlite_migrations"


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One unit of work that writes: ``BEGIN IMMEDIATE`` (waits for the write lock), commit or roll back.

    Inside a transaction already open, it nests as a savepoint (sqlite-utils' ``atomic``).
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    try:
        db.conn.execute("COMMIT")
    except sqlite3.Error:
        if db.conn.in_transaction:  # a COMMIT that failed can leave the transaction open: never build on it
            db.conn.execute("ROLLBACK")
        raise


@contextmanager
def bulk_import(db: Database) -> Iterator[Database]:
    """One write transaction for a one-shot bulk import (a replay): foreign keys unchecked meanwhile.

    The import links only rows it makes itself in the same transaction, so the per-row
    foreign-key lookups (a million for a weekend) check nothing; they are back on for the
    connection afterwards. Durability is unchanged: the commit is synchronous as always.
    """
    if db.conn.in_transaction:  # inside another unit of work: its rules stand (the pragma is ignored there)
        with write_transaction(db):
            yield db
        return
    checks = db.conn.execute("PRAGMA foreign_keys").fetchone()[0]
    db.conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with write_transaction(db):
            yield db
    finally:
        db.conn.execute(f"PRAGMA foreign_keys = {'ON' if checks else 'OFF'}")


def open_event_db(path: str | Path, *, create: bool = False, readonly: bool = False, any_thread: bool = False) -> Database:
    """Open (or, with ``create``, make) an event database and bring its schema up to date.

    A missing file without ``create``, a file that is not a database or not an event database,
    or one written by a newer laptiming is an :class:`InputError`/:class:`StoreError` naming the
    path. Only a file this call created is removed when opening fails, never one another process
    made at the same moment. ``readonly`` opens without changing the database (also on read-only
    media): no schema upgrade, no WAL switch; SQLite may make its ``-wal``/``-shm`` files where it
    can. ``any_thread``: the connection may be used from other threads than this one, one at a time
    (the journal writer serialises them with its turn).
    """
    typed, path = str(path), Path(path)
    if path.is_dir():
        raise InputError(f"database is a folder, not a file: {path}")
    if readonly:
        return _open_readonly(path, typed)
    if not create and not path.is_file():
        raise InputError(f"database not found: {path}")
    if create and not path.parent.is_dir():
        raise InputError(f"cannot create database {path}: folder {path.parent} does not exist")
    read_only = read_only_reason(path)  # SQLite would open a read-only file for reading, and fail at the first write
    if read_only is not None:
        raise StoreError(f"{path}: {read_only}; nothing was written")
    created = create and _create_empty(path)
    try:
        conn = sqlite3.connect(str(path), check_same_thread=not any_thread)
        db = EventDb(conn, typed)
        db.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        _check_ours(db, path)  # before anything changes the file
        if not create and not db.table_names():  # only a command that makes a database makes one of an empty file
            raise InputError(f"{path}: not a laptiming event database (it is empty)")
        db.execute("PRAGMA foreign_keys = ON")
        db.enable_wal()
        db.execute("PRAGMA synchronous = FULL")
        db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if MIGRATIONS.pending(db) or not db[_MIGRATIONS_TABLE].exists():
            with write_transaction(db):  # two processes making one database: one migrates, one waits
                _check_ours(db, path)
                MIGRATIONS.apply(db)
    except sqlite3.Error as err:
        if created:
            remove_event_db(path)
        if waited_for_lock(err):  # another program migrating or writing it all along
            raise store_error(path, err) from err
        if isinstance(err, sqlite3.DatabaseError) and "not a database" in str(err):
            raise InputError(f"{path}: not a database file") from err
        raise StoreError(f"{path}: cannot open the database ({err})") from err
    except (InputError, StoreError):
        if created:
            remove_event_db(path)
        raise
    return db


def check_event_db(path: str | Path) -> None:
    """Refuse now, without making anything, what opening the event database to write would refuse later.

    An existing file is opened (and upgraded) as a writer would; for a new one, its folder must exist
    and be writable. A front end that makes the database only when a session starts (the app) calls
    this first, so a wrong ``--db`` is one line at start, not an error in the middle of the day.
    """
    path = Path(path)
    if path.exists():
        open_event_db(path, create=True).close()  # as the writer opens it: an empty file becomes the database
        return
    if not path.parent.is_dir():
        raise InputError(f"cannot create database {path}: folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot create database {path}: folder {path.parent} is not writable")


def check_integrity(db: Database) -> None:
    """Refuse a damaged database before writing into it (SQLite's quick check: every page readable)."""
    try:
        problems = [row[0] for row in db.execute("PRAGMA quick_check(3)").fetchall()]
    except sqlite3.DatabaseError as err:
        raise StoreError(f"{db_name(db)}: the database is damaged ({err}); restore it from a copy") from err
    if problems != ["ok"]:
        raise StoreError(f"{db_name(db)}: the database is damaged ({'; '.join(problems)}); restore it from a copy")


def db_path(db: Database) -> str:
    """The database's absolute file path, as SQLite has it (for files beside it: its lock, its WAL)."""
    for _, name, filename in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return filename or ":memory:"
    return "the database"


def db_name(db: Database) -> str:
    """The database's path for messages, as the user typed it (``--db``); SQLite's own for one opened elsewhere."""
    return db.given_path if isinstance(db, EventDb) else db_path(db)


def _create_empty(path: Path) -> bool:
    """Make a new event database at ``path`` if there is none; True when this call made it.

    It is built whole under a temporary name (WAL on, schema applied) and then linked into place,
    which fails if the name exists: two processes creating one database never see it half-made,
    and switching a shared file into WAL (which does not wait for a busy lock) never happens.
    """
    if path.exists():
        return False
    building = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.new"
    try:
        os.close(os.open(building, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the OS's own reason (read-only)
        conn = sqlite3.connect(str(building))
        try:
            db = Database(conn)
            db.enable_wal()
            MIGRATIONS.apply(db)
        finally:
            conn.close()
        try:
            os.link(building, path)
        except FileExistsError:
            return False
        except OSError:  # a filesystem without hard links (FAT): a plain rename, if still free
            if path.exists():
                return False
            os.replace(building, path)
        return True
    except OSError as err:
        raise InputError(f"cannot create database {path}: {err.strerror or err}") from err
    except sqlite3.Error as err:
        raise StoreError(f"cannot create database {path}: {err}") from err
    finally:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):  # never hides the error above (a read-only disk refuses even this)
                Path(f"{building}{suffix}").unlink(missing_ok=True)


def _check_ours(db: Database, path: Path) -> None:
    """Refuse a newer schema, and any SQLite file that has tables but is not an event database."""
    tables = set(db.table_names())
    if not tables:
        return
    if _MIGRATIONS_TABLE not in tables:
        raise InputError(f"{path}: not a laptiming event database (it has other tables: "
                         f"{', '.join(sorted(tables)[:5])})")
    applied = {migration.name for migration in MIGRATIONS.applied(db)}
    if not applied and tables - {_MIGRATIONS_TABLE}:
        raise InputError(f"{path}: not a laptiming event database (its migrations are another program's)")
    unknown = applied - KNOWN_MIGRATIONS
    if unknown:
        raise StoreError(
            f"{path}: written by a newer laptiming (schema steps {', '.join(sorted(unknown))}); upgrade to open it"
        )


def _open_readonly(path: Path, typed: str) -> Database:
    """Read without changing the database: ``mode=ro``, or ``immutable`` where not even the WAL index can be made."""
    if not path.is_file():
        raise InputError(f"database not found: {path}")
    uri = path.resolve().as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            if os.access(path.parent, os.W_OK):
                raise
            # read-only media: a WAL database whose index (-shm) cannot be made; nobody can write it
            conn.close()
            conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=True)
        db = EventDb(conn, typed)
        db.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        _check_ours(db, path)
        if not db.table_names():
            raise InputError(f"{path}: not a laptiming event database (it is empty)")
        if MIGRATIONS.pending(db):
            raise StoreError(f"{path}: written by an older laptiming; open it once writable to upgrade it")
    except sqlite3.Error as err:
        if isinstance(err, sqlite3.DatabaseError) and "not a database" in str(err):
            raise InputError(f"{path}: not a database file") from err
        raise StoreError(f"{path}: cannot read the database ({err})") from err
    return db


def remove_event_db(path: str | Path) -> None:
    """Remove a database file with its ``-wal`` and ``-shm`` (one a command made and then could not use)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
