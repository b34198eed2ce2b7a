"""The journal writer: the event database's one write connection, and the thread that drains its queue.

Work arrives on a queue from any thread (the decoder reader, the UI, the CLI). Passings that
are queued together are written in one transaction; every other unit of work (a correction, a
flag) runs in its own. Callbacks run only after the commit, on the thread that committed, which
holds the writer's turn until they return: nothing can show a passing that is not on disk, and
the live session's state is only ever touched by one thread at a time, in commit order.

A commit that fails (another program holds the write lock longer than ``LAPTIMING_WAIT_S``, a
full disk) loses nothing: the passings stay in memory, in order, and are tried again every
``RETRY_S`` with everything that arrives meanwhile; :attr:`JournalWriter.blocked` says why until a
commit succeeds (:meth:`JournalWriter.wait_written` waits for that). Units of work queued behind held
passings are refused, never run ahead of them.
What may be queued, and how many passings may wait in memory, is the :mod:`.intake`'s business.

A decoder read's passings offered to :meth:`JournalWriter.commit_if_idle` while the writer is
idle are committed, and their callbacks run, on the calling thread: the hop to the writer thread
and back cost about 0.07 ms a passing on the live bench. Whoever writes holds the writer's
*turn* (a lock), so commits and callbacks stay one at a time, in order; a write lock taken
elsewhere sends the batch to the queue, never makes the caller wait. The WAL is checkpointed off
the commit path (:mod:`.checkpointer`) and grown to 8 MB at the start (:mod:`.walfile`).
With ``synchronous=FULL`` the callbacks' work runs during the commit (:mod:`.callbacks`).
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlite_utils import Database

from hardware.events import Passing
from laptiming.errors import StoreError, TimingError
from laptiming.store.callbacks import CommitCallbacks, Fresh, PassingsCommitted, Prepared, PreparePassings
from laptiming.store.checkpointer import Checkpointer
from laptiming.store.database import (
    Durability,
    open_event_db,
    read_only_refusal,
    store_error,
    waited_for_lock,
    write_transaction,
)
from laptiming.store.intake import Intake, PassingItem, UnitItem, in_runs
from laptiming.store.journal import journal_passing
from laptiming.store.walfile import grow_wal

log = logging.getLogger(__name__)

T = TypeVar("T")
BATCH_MAX = 256
RETRY_S = 0.5  # a journal that cannot be written (locked, disk full) is tried again this often
BLOCKED_SAY_EVERY_S = 10.0  # while the journal cannot be written, how often that is said again, with the count held
STOP_RETRY_S = 10.0  # at close, how long passings still unwritten are retried before giving up
# At most this many passings wait in memory for their commit; then the producer waits. One costs
# about 320 bytes (measured with tracemalloc), so the queue stays under ~6.4 MB whatever the source
# (a file:// capture read flat out, a RESEND burst). It is 78 full batches, and a busy day's live
# passings (~6,000 an hour) never reach it, even with the database locked for minutes.
MAX_UNWRITTEN = 20_000


class JournalWriter:
    """Owns the write connection; journals passings in batches and runs units of work in order.

    ``on_passings`` is called after each commit with the passings new to each session;
    ``prepare`` does its work during the commit and returns what to call after it (:mod:`.callbacks`).
    """

    def __init__(
        self,
        path: str | Path,
        on_passings: PassingsCommitted | None = None,
        batch_max: int = BATCH_MAX,
        durability: Durability = Durability.POWER_LOSS,
        max_unwritten: int = MAX_UNWRITTEN,
        prepare: PreparePassings | None = None,
    ) -> None:
        self.path = Path(path)
        self.durability = durability
        self._intake = Intake(self.path, max_unwritten)
        self._callbacks = CommitCallbacks(self.path.name, on_passings, prepare)
        self._batch_max = batch_max
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"journal-writer {self.path.name}", daemon=True)
        self.blocked: StoreError | None = None  # why the journal cannot be written right now; cleared once it can
        self._blocked_said_at = 0.0  # when that was last said (time.monotonic)
        self.passings_committed = 0
        self._unwritten: list[PassingItem] = []  # passings whose commit failed, in order, retried before any other
        self._all_written = threading.Event()  # set while no passing is held for want of a commit
        self._all_written.set()
        self._stop_retry_s = STOP_RETRY_S  # at close, how long held passings are still retried
        self._blocked_why: str | None = None  # why the last commit failed, in an official's words
        self._turn = threading.Lock()  # held by whoever writes and runs callbacks: the writer thread, or commit_if_idle
        self._db: Database | None = None  # the write connection while it is open (set and cleared holding _turn)
        self._busy_ms = 0  # how long the writer thread's writes wait for the write lock (the user's setting)

    @property
    def error(self) -> TimingError | None:
        """Why the writer has stopped for good (see :attr:`blocked` for a pause)."""
        return self._intake.error

    @error.setter
    def error(self, error: TimingError) -> None:
        self._intake.error = error

    @property
    def full(self) -> threading.Event:
        """Set while a producer waits for room (the bound on passings in memory is reached)."""
        return self._intake.full

    @property
    def max_unwritten(self) -> int:
        """The bound on passings in memory, queued or held."""
        return self._intake.max_unwritten

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
        self._intake.put_passing(PassingItem(session_id, passing), may_wait=threading.current_thread() is not self._thread)

    def commit_if_idle(self, session_id: int | None, passings: Sequence[Passing]) -> bool:
        """Commit one batch (a decoder read's passings) on the calling thread if the writer is idle; True if done.

        With nothing queued or held and nobody else writing, the batch goes in one transaction
        here, and its callbacks have run when this returns True. False means nothing was written:
        the writer is busy, closed, or the write lock is taken elsewhere (the checkpointer, another
        program), which this never waits for; :meth:`journal` each passing then.
        """
        items = [PassingItem(session_id, passing) for passing in passings]
        if not items:
            return True
        if threading.current_thread() is self._thread or not self._intake.claim_if_idle(self._turn):
            return False
        try:
            db = self._db
            if db is None or self._unwritten:
                return False
            committed = self._commit_without_waiting(db, items)
            if committed is None:
                return False
            self._after_commit(*committed)
            return True
        finally:
            self._turn.release()

    def _commit_without_waiting(self, db: Database, items: list[PassingItem]) -> tuple[Fresh, Prepared | None] | None:
        """:meth:`_commit` if the write lock is free now; None (rolled back, nothing shown) if not, or on any error.

        The connection's busy timeout is 0 outside the writer thread's turns (:meth:`_waiting`).
        """
        try:
            return self._commit(db, items)
        except Exception:  # noqa: BLE001 - the writer thread takes the batch: it waits, retries or says why
            log.debug("%s: a batch not committed at once goes to the writer thread", self.path, exc_info=True)
            return None

    @contextmanager
    def _waiting(self, db: Database) -> Iterator[None]:
        """The writer thread's turn: its writes wait for the write lock as long as the user said, then it
        sets the connection back to not waiting, which is what :meth:`commit_if_idle` needs. Setting it
        here, off the live path, saves that path two statements (0.015 ms a passing at p50)."""
        db.conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
        try:
            yield
        finally:
            db.conn.execute("PRAGMA busy_timeout = 0")

    def submit(self, unit: Callable[[Database], T], after_commit: Callable[[T], None] | None = None) -> Future[T]:
        """Run ``unit(db)`` in its own transaction on the writer thread; then ``after_commit(result)`` there."""
        future: Future[T] = Future()
        refused = self._intake.put_unit(UnitItem(unit, after_commit, future),
                                        after_close=threading.current_thread() is self._thread)
        if refused is not None:
            future.set_exception(refused)
        return future

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything queued so far is committed and its callbacks have run."""
        self.submit(lambda db: None).result(timeout)

    def wait_written(self, timeout: float | None) -> bool:
        """Wait (at most ``timeout``) until no passing is held for want of a commit (a lock held elsewhere, a full
        disk: the writer keeps trying); whether none is held now. A stop waits here before anything else, and
        says so (a stop that takes seconds says why)."""
        if not self._all_written.is_set():
            log.warning("%s: stopping: %d passing(s) held in memory; waiting up to %g s for the journal to take them",
                        self.path, len(self._unwritten), timeout)
        return self._all_written.wait(timeout)

    def close(self, timeout: float | None = None, retry_s: float = STOP_RETRY_S) -> None:
        """Commit what is queued, then close the connection and end the thread; waiting producers get StoreError.
        Passings still held then are tried ``retry_s`` longer (0: a caller already waited for them), then
        :attr:`error` says how many were not journaled."""
        self._stop_retry_s = retry_s  # read by the writer thread once it takes the stop, queued after this
        self._intake.close(self._thread.is_alive())
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
            self._intake.end()

    def _fail_queued_units(self, error: StoreError) -> None:
        """Units still queued when the writer stopped get its error (a caller waiting on one is told)."""
        for item in self._intake.take_now():
            if isinstance(item, UnitItem):
                item.future.set_exception(error)

    def _open_and_loop(self) -> None:
        try:
            db = open_event_db(self.path, create=True, any_thread=True)  # a caller may commit holding the turn
            self._busy_ms = db.execute("PRAGMA busy_timeout").fetchone()[0]
            db.execute("PRAGMA wal_autocheckpoint = 0")
            db.execute(f"PRAGMA synchronous = {self.durability.value}")
            grow_wal(db)
            db.execute("PRAGMA busy_timeout = 0")  # an inline commit never waits; the writer thread's turns do
        except TimingError as err:
            self.error = err
            self._ready.set()
            return
        checkpointer = Checkpointer(self.path)
        if self.durability is Durability.POWER_LOSS:  # a commit waits for the disk: work meanwhile
            self._callbacks.overlap_commits()
        self._db = db
        self._ready.set()
        try:
            self._loop(db)
        finally:
            with self._turn:
                self._db = None
            checkpointer.stop()
            self._callbacks.stop()
            db.close()

    @property
    def unwritten(self) -> int:
        """Passings in memory that are not on disk yet: queued, or held because the journal cannot be written now."""
        return self._intake.in_memory

    def _loop(self, db: Database) -> None:
        while True:
            try:
                items = self._intake.take(self._batch_max, timeout=RETRY_S if self._unwritten else None)
            except queue.Empty:
                with self._turn, self._waiting(db):
                    self._write_passings(db, [])  # nothing new: try the held passings again
                continue
            with self._turn, self._waiting(db):
                stopped = self._write_in_order(db, items)
                self._intake.done(len(items))
            if stopped:
                return

    def _write_in_order(self, db: Database, items: list[object]) -> bool:
        """Write what was taken off the queue, in order; True at the stop. After the stop, everything
        queued before it is still written, and so is the follow-up work its callbacks queue from this
        thread (entering an unknown car); other threads are refused by then."""
        stopped = False
        while items:
            for run in in_runs(items):
                if isinstance(run, list):
                    self._write_passings(db, run)
                elif isinstance(run, UnitItem):
                    self._run_unit(db, run)
                else:
                    stopped = True  # the stop
            items = self._intake.take_now() if stopped else []
        if stopped:
            self._retry_before_stop(db)
        return stopped

    def _retry_before_stop(self, db: Database) -> None:
        """Passings still held at close are tried a while longer; then the writer gives up and says how many."""
        deadline = time.monotonic() + self._stop_retry_s
        while self._unwritten and time.monotonic() < deadline:
            time.sleep(RETRY_S)
            self._write_passings(db, [])
        if self._unwritten:
            why = self._blocked_why or "the journal cannot be written"  # the path is said once, in front
            self.error = StoreError(f"{self.path}: {len(self._unwritten)} passing(s) could not be journaled "
                                    f"({why}); a decoder on TCP keeps them: recording the session again "
                                    f"asks it to resend them")

    def _write_passings(self, db: Database, items: list[PassingItem]) -> None:
        """Commit the held passings, then these, in one transaction; on failure keep them all to retry."""
        items = [*self._unwritten, *items]
        if not items or self.error is not None:
            return
        try:
            committed = self._commit(db, items)
        except sqlite3.Error as err:
            self._unwritten = items
            self._all_written.clear()
            first = self.blocked is None
            why = self._blocked_why = journal_blocked_why(self.path, err)
            self.blocked = StoreError(f"{self.path}: cannot write the journal ({why})")
            now = time.monotonic()
            if first:  # said when it starts (blocked is already set for whoever hears it)
                log.error("%s: cannot write the journal (%s); %d passing(s) held, retrying", self.path, why, len(items))
                self._blocked_said_at = now
            elif now - self._blocked_said_at >= BLOCKED_SAY_EVERY_S:  # then again now and then, with the count now
                log.error("%s: still cannot write the journal (%s); %d passing(s) held, retrying", self.path, why,
                          len(items))
                self._blocked_said_at = now
            return
        if self.blocked is not None:  # held passings are only ever kept while blocked: nothing to do on every commit
            log.warning("%s: the journal is written again (%d held passing(s) committed)", self.path, len(items))
            self._unwritten, self.blocked = [], None
            self._all_written.set()
        self._intake.made_room(len(items))
        self._after_commit(*committed)

    def _commit(self, db: Database, items: list[PassingItem]) -> tuple[Fresh, Prepared | None]:
        """Journal these in one transaction (raising what it raised): the passings new to each session, and
        the callbacks' preparation, started just before COMMIT so that it runs while the disk syncs."""
        prepared = None
        try:
            with write_transaction(db):
                fresh = self._insert(db, items)
                prepared = self._callbacks.start(fresh)
        except BaseException:
            self._callbacks.drop(prepared)  # nothing of a failed commit is shown
            raise
        return fresh, prepared

    @staticmethod
    def _insert(db: Database, items: list[PassingItem]) -> Fresh:
        """Journal these (inside the caller's transaction); the passings new to each session."""
        fresh: Fresh = {}
        for item in items:
            if journal_passing(db.conn, item.session_id, item.passing):
                fresh.setdefault(item.session_id, []).append(item.passing)
        return fresh

    def _after_commit(self, fresh: Fresh, prepared: Prepared | None = None) -> None:
        """Count the committed passings and hand them to the callbacks (on this thread, holding the turn)."""
        self.passings_committed += sum(len(p) for p in fresh.values())
        self._callbacks.committed(fresh, prepared)

    def _run_unit(self, db: Database, item: UnitItem) -> None:
        if self._unwritten:  # nothing may be written ahead of the passings queued before it
            item.future.set_exception(self.blocked or StoreError(f"{self.path}: the journal cannot be written"))
            return
        try:
            with write_transaction(db):
                result = item.unit(db)
        except sqlite3.Error as err:  # a lock held past the wait says whose and how to wait longer, as commands do
            worded = waited_for_lock(err) or read_only_refusal(self.path, err) is not None
            item.future.set_exception(store_error(self.path, err) if worded
                                      else StoreError(f"{self.path}: cannot write ({err})"))
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


def journal_blocked_why(path: Path, err: sqlite3.Error) -> str:
    """Why a journal commit failed, in words an official acts on: SQLite's "database is locked" names no one,
    and "attempt to write a readonly database" not the disk that went read-only under a running session."""
    if waited_for_lock(err):
        return "another program holds the event database's write lock"
    return read_only_refusal(path, err) or str(err)
