"""The journal writer: the one thread that owns the event database's write connection.

Work arrives on a queue from any thread (the decoder reader, the UI, the CLI). Passings that
are queued together are written in one transaction; every other unit of work (a correction, a
flag) runs in its own. Callbacks run on this thread only after the commit, so nothing can show a
passing that is not on disk, and the live session's state is only ever touched here.

A commit that fails (another program holds the write lock longer than ``LAPTIMING_WAIT_S``, a
full disk) loses nothing: the passings stay in memory, in order, and are tried again every
``RETRY_S`` with everything that arrives meanwhile; :attr:`JournalWriter.blocked` says why until a
commit succeeds. Units of work queued behind held passings are refused, never run ahead of them.

The passings in memory (queued, or held after a failed commit) are bounded by ``MAX_UNWRITTEN``:
at the bound, :meth:`JournalWriter.journal` blocks the producing thread until a commit makes room
(backpressure, never a dropped passing: a TCP decoder keeps what the reader has not read yet, and
flow control holds it there). Units of work never wait for that room. A producer that waits is
woken with :class:`StoreError` if the writer is closed or fails, so it never waits forever.

The writer's connection never checkpoints the WAL itself (that would stall a commit for
milliseconds every thousand pages); a checkpointer thread with its own connection copies the
WAL into the database in the background, four times a second. It checkpoints in RESTART mode,
waiting at most 10 ms for the writer between two commits: the next commit then writes the WAL
from its start again, over blocks the file already has. With PASSIVE checkpoints a steady stream
of commits never let the WAL restart, so every commit grew the file and its fdatasync had to
journal the new size too: measured on the live bench (3,100 passings back to back, FULL), the WAL
grew to 40 MB and p99 was 8.7-9.0 ms; with RESTART every 0.25 s it stays under 6 MB and p99 was
1.2-1.5 ms on the same busy disk. For the same reason the writer makes the WAL file 8 MB long when
it starts (:mod:`.walfile`), so the commits before the first restart overwrite blocks too.
"""

from __future__ import annotations

import enum
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from hardware.events import Passing
from laptiming.errors import StoreError, TimingError
from laptiming.store.database import open_event_db, write_transaction
from laptiming.store.journal import journal_passing
from laptiming.store.walfile import grow_wal

log = logging.getLogger(__name__)

T = TypeVar("T")
BATCH_MAX = 256
CHECKPOINT_EVERY_S = 0.25
CHECKPOINT_MODE = "RESTART"  # see the module docstring: PASSIVE let the WAL grow under steady commits
CHECKPOINT_WAIT_S = 0.01  # the longest the checkpointer waits for the writer (else it tries next time)
RETRY_S = 0.5  # a journal that cannot be written (locked, disk full) is tried again this often
STOP_RETRY_S = 10.0  # at close, how long passings still unwritten are retried before giving up
# At most this many passings wait in memory for their commit; then the producer waits. One queued
# passing costs about 320 bytes (the Passing tuple, its ints and the queue item; measured with
# tracemalloc), so the queue stays under ~6.4 MB whatever the source: a file:// capture read flat out
# or a RESEND catch-up burst. It is 78 full batches: the writer is never short of work while a
# producer waits, and a busy day's live passings (150 cars, ~6,000 an hour) never reach it, even
# while another program holds the database locked for minutes.
MAX_UNWRITTEN = 20_000
PassingsCommitted = Callable[[int | None, list[Passing]], None]


@dataclass(frozen=True, slots=True)
class _PassingItem:
    session_id: int | None
    passing: Passing


@dataclass(frozen=True, slots=True)
class _UnitItem:
    unit: Callable[[Database], Any]
    after_commit: Callable[[Any], None] | None
    future: Future[Any]


_STOP = object()


class Durability(enum.Enum):
    """How far a commit goes before the writer carries on (SQLite ``synchronous`` in WAL mode)."""

    POWER_LOSS = "FULL"  # the WAL is on disk at each commit: survives the laptop being unplugged
    PROCESS_CRASH = "NORMAL"  # survives kill -9 and crashes of the program, not of the machine


class JournalWriter:
    """Owns the write connection; journals passings in batches and runs units of work in order."""

    def __init__(
        self,
        path: str | Path,
        on_passings: PassingsCommitted | None = None,
        batch_max: int = BATCH_MAX,
        durability: Durability = Durability.POWER_LOSS,
        max_unwritten: int = MAX_UNWRITTEN,
    ) -> None:
        if max_unwritten < 1:
            raise ValueError(f"max_unwritten must be at least 1, not {max_unwritten}")
        self.path = Path(path)
        self.durability = durability
        self.max_unwritten = max_unwritten
        self._on_passings = on_passings
        self._batch_max = batch_max
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"journal-writer {self.path.name}", daemon=True)
        self.error: TimingError | None = None  # the writer has stopped for good (see :attr:`blocked` for a pause)
        self.blocked: StoreError | None = None  # why the journal cannot be written right now; cleared once it can
        self.passings_committed = 0
        self._unwritten: list[_PassingItem] = []  # passings whose commit failed, in order, retried before any other
        self._closed = False
        self._ended = False  # the writer thread has finished (closed, failed, or never opened the database)
        self._room = threading.Condition()  # guards the count below, _closed and _ended; notified when they change
        self._in_memory = 0  # passings queued or held, not yet committed: at most max_unwritten (see journal)
        self.full = threading.Event()  # set while a producer waits for room (the bound is reached)

    def start(self) -> JournalWriter:
        """Open the database on the writer thread; raises what opening raised."""
        self._thread.start()
        self._ready.wait()
        if self.error is not None:
            raise self.error
        return self

    def journal(self, session_id: int | None, passing: Passing) -> None:
        """Queue one passing (any thread); at the bound, wait for a commit to make room (backpressure).

        Raises :class:`StoreError` once the writer is closed or has failed, also to a producer that
        was waiting. The writer's own thread (a callback) never waits: it is the one that makes room.
        """
        with self._room:
            if threading.current_thread() is not self._thread:
                while self._in_memory >= self.max_unwritten and self._accepting():
                    self.full.set()
                    self._room.wait()
            self._refuse_if_stopped()
            self._in_memory += 1
            self._queue.put(_PassingItem(session_id, passing))  # under the lock: never behind the stop

    def _accepting(self) -> bool:
        """Whether a waiting producer may still be let in (else it is woken to be refused)."""
        return self.error is None and not self._closed and not self._ended

    def _refuse_if_stopped(self) -> None:
        """Raise the writer's error, or say it is closed or has stopped."""
        if self.error is not None:
            raise self.error
        if self._closed:
            raise StoreError(f"{self.path}: the journal writer is closed")
        if self._ended:
            raise StoreError(f"{self.path}: the journal writer has stopped")

    def _made_room(self, committed: int) -> None:
        """``committed`` passings are on disk (or were already): let waiting producers go on."""
        with self._room:
            self._in_memory -= committed
            if self._in_memory < self.max_unwritten:
                self.full.clear()
            self._room.notify_all()

    def submit(self, unit: Callable[[Database], T], after_commit: Callable[[T], None] | None = None) -> Future[T]:
        """Run ``unit(db)`` in its own transaction on the writer thread; then ``after_commit(result)`` there."""
        future: Future[T] = Future()
        if self.error is not None:
            future.set_exception(self.error)
            return future
        if self._closed and threading.current_thread() is not self._thread:
            future.set_exception(StoreError(f"{self.path}: the journal writer has stopped"))
            return future
        self._queue.put(_UnitItem(unit, after_commit, future))
        return future

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything queued so far is committed and its callbacks have run."""
        self.submit(lambda db: None).result(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Commit what is queued, then close the connection and end the thread; waiting producers get StoreError."""
        with self._room:
            self._closed = True
            if self._thread.is_alive():
                self._queue.put(_STOP)
            self._room.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self._open_and_loop()
        except BaseException as err:  # noqa: BLE001 - a bug: said once, and producers are told, not left waiting
            log.critical("%s: the journal writer stopped", self.path, exc_info=True)
            self.error = StoreError(f"{self.path}: the journal writer stopped ({err!r})")
            self._fail_queued_units(self.error)
        finally:
            self._ready.set()
            with self._room:
                self._ended = True
                self._room.notify_all()

    def _fail_queued_units(self, error: StoreError) -> None:
        """Units still queued when the writer stopped get its error (a caller waiting on one is told)."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _UnitItem):
                item.future.set_exception(error)

    def _open_and_loop(self) -> None:
        try:
            db = open_event_db(self.path, create=True)
            db.execute("PRAGMA wal_autocheckpoint = 0")
            db.execute(f"PRAGMA synchronous = {self.durability.value}")
            grow_wal(db)
        except TimingError as err:
            self.error = err
            self._ready.set()
            return
        checkpointer = _Checkpointer(self.path)
        self._ready.set()
        try:
            self._loop(db)
        finally:
            checkpointer.stop()
            db.close()

    @property
    def unwritten(self) -> int:
        """Passings in memory that are not on disk yet: queued, or held because the journal cannot be written now."""
        return self._in_memory

    def _loop(self, db: Database) -> None:
        while True:
            try:
                items = [self._queue.get(timeout=RETRY_S if self._unwritten else None)]
            except queue.Empty:
                self._write_passings(db, [])  # nothing new: try the held passings again
                continue
            while len(items) < self._batch_max:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            passings: list[_PassingItem] = []
            for index, item in enumerate(items):
                if isinstance(item, _PassingItem):
                    passings.append(item)
                    continue
                self._write_passings(db, passings)
                passings = []
                if item is _STOP:
                    self._drain_after_stop(db, items[index + 1 :])
                    self._retry_before_stop(db)
                    return
                self._run_unit(db, item)  # type: ignore[arg-type]
            self._write_passings(db, passings)

    def _drain_after_stop(self, db: Database, pending: list[object]) -> None:
        """Everything queued before the stop is still written, and so is the follow-up work its
        callbacks queue from this thread (entering an unknown car); other threads are refused."""
        while True:
            while True:
                try:
                    pending.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if not pending:
                return
            passings: list[_PassingItem] = []
            for item in pending:
                if isinstance(item, _PassingItem):
                    passings.append(item)
                elif isinstance(item, _UnitItem):
                    self._write_passings(db, passings)
                    passings = []
                    self._run_unit(db, item)
            self._write_passings(db, passings)
            pending = []

    def _retry_before_stop(self, db: Database) -> None:
        """Passings still held at close are tried a while longer; then the writer gives up and says how many."""
        deadline = time.monotonic() + STOP_RETRY_S
        while self._unwritten and time.monotonic() < deadline:
            time.sleep(RETRY_S)
            self._write_passings(db, [])
        if self._unwritten:
            self.error = StoreError(f"{self.path}: {len(self._unwritten)} passing(s) could not be journaled "
                                    f"({self.blocked}); a decoder on TCP keeps them: recording the session again "
                                    f"asks it to resend them")

    def _write_passings(self, db: Database, items: list[_PassingItem]) -> None:
        """Commit the held passings, then these, in one transaction; on failure keep them all to retry."""
        items = [*self._unwritten, *items]
        if not items or self.error is not None:
            return
        fresh: dict[int | None, list[Passing]] = {}
        try:
            with write_transaction(db):
                for item in items:
                    if journal_passing(db.conn, item.session_id, item.passing):
                        fresh.setdefault(item.session_id, []).append(item.passing)
        except sqlite3.Error as err:
            self._unwritten = items
            first = self.blocked is None
            self.blocked = StoreError(f"{self.path}: cannot write the journal ({err})")
            if first:  # said once, when it starts (blocked is already set for whoever hears it)
                log.error("%s: cannot write the journal (%s); %d passing(s) held, retrying", self.path, err, len(items))
            return
        if self.blocked is not None:
            log.warning("%s: the journal is written again (%d held passing(s) committed)", self.path, len(self._unwritten))
        self._unwritten, self.blocked = [], None
        self._made_room(len(items))
        self.passings_committed += sum(len(p) for p in fresh.values())
        if self._on_passings is None:
            return
        for session_id, passings in fresh.items():
            try:
                self._on_passings(session_id, passings)
            except Exception:  # noqa: BLE001 - the passing is safe on disk; a bad subscriber must not stop the journal
                log.exception("after-commit callback failed for %d passings", len(passings))

    def _run_unit(self, db: Database, item: _UnitItem) -> None:
        if self._unwritten:  # nothing may be written ahead of the passings queued before it
            item.future.set_exception(self.blocked or StoreError(f"{self.path}: the journal cannot be written"))
            return
        try:
            with write_transaction(db):
                result = item.unit(db)
        except sqlite3.Error as err:
            item.future.set_exception(StoreError(f"{self.path}: cannot write ({err})"))
            return
        except BaseException as err:  # noqa: BLE001 - handed to the caller through the future
            item.future.set_exception(err)
            return
        if item.after_commit is not None:
            try:
                item.after_commit(result)
            except BaseException as err:  # noqa: BLE001
                item.future.set_exception(err)
                return
        item.future.set_result(result)


class _Checkpointer:
    """Copies the WAL into the database (and restarts it) four times a second, from its own connection and thread."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"wal-checkpoint {path.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._path, timeout=CHECKPOINT_WAIT_S)
        except sqlite3.Error as err:
            log.warning("WAL checkpointer for %s not started: %s", self._path, err)
            return
        try:
            while not self._stop.wait(CHECKPOINT_EVERY_S):
                try:
                    conn.execute(f"PRAGMA wal_checkpoint({CHECKPOINT_MODE})")
                except sqlite3.Error as err:  # busy or locked: try again next time
                    log.debug("checkpoint of %s skipped: %s", self._path, err)
        finally:
            conn.close()

    def stop(self) -> None:
        """End the thread (the last connection to close checkpoints what is left)."""
        self._stop.set()
        self._thread.join()
