"""The journal writer's bound: a producer faster than the commits waits, loses nothing, and is never left waiting.

With the bound, the live reader may decode large reads in bulk: a capture read flat out is
journaled whole, in order, in memory that does not grow with the capture.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import tracemalloc
from pathlib import Path

import pytest

from hardware.events import DecoderEvent, LinkState, LinkStatus, Passing
from hardware.framing import BULK_MIN_BYTES
from hardware.p3 import encode_passing
from hardware.reader import DecoderReader
from hardware.sequence import RECENT_WINDOW
from laptiming.errors import StoreError
from laptiming.store import JournalWriter
from laptiming.store.writer import MAX_UNWRITTEN
from tests.timing.test_journal_writer import SaidBlocked, committed_numbers
from tests.timing.timing_builders import S, T0, passing

TIMEOUT = 10
WAKE_TIMEOUT = 5  # a producer woken by close is woken at once; the writer gives up only after STOP_RETRY_S (10 s)
BOUND = 300  # small, so the test is quick; the writer's default (MAX_UNWRITTEN) behaves the same


class Producer:
    """A decoder reader's stand-in on a real thread: journals passings 1..count in order, noting each handed over."""

    def __init__(self, writer: JournalWriter, session_id: int, count: int) -> None:
        self.handed_over: list[int] = []
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._writer, self._session_id, self._count = writer, session_id, count
        self._thread = threading.Thread(target=self._run, name="test producer", daemon=True)

    def start(self) -> Producer:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for number in range(1, self._count + 1):
                self._writer.journal(self._session_id, lap_passing(number))
                self.handed_over.append(number)
        except BaseException as err:  # noqa: BLE001 - the test asserts on it
            self.error = err
        finally:
            self.done.set()


def lap_passing(number: int) -> Passing:
    return passing(7, T0 + number * 60 * S, number)


@pytest.fixture
def locked(session_db, monkeypatch):
    """The session database with another program holding its write lock (released by ``ROLLBACK``)."""
    monkeypatch.setenv("LAPTIMING_WAIT_S", "0.2")
    holder = sqlite3.connect(session_db[0], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


def test_a_producer_waits_at_the_bound_while_the_journal_is_locked_then_every_passing_is_committed_once_in_order(
        session_db, locked):
    path, session_id = session_db
    said_blocked = SaidBlocked()
    logger = logging.getLogger("laptiming.store.writer")
    logger.addHandler(said_blocked)
    writer = JournalWriter(path, max_unwritten=BOUND).start()
    producer = Producer(writer, session_id, 3 * BOUND).start()
    try:
        assert writer.full.wait(TIMEOUT)  # the producer is waiting for room
        assert producer.handed_over == list(range(1, BOUND + 1)) and not producer.done.is_set()
        assert writer.unwritten == BOUND  # what the "journal trouble" alert shows as held
        assert said_blocked.wait(TIMEOUT) and "cannot write the journal" in str(writer.blocked)
        refused = writer.submit(lambda db: None)  # a unit of work is queued at once, not held back by the bound
        with pytest.raises(StoreError, match="cannot write the journal"):
            refused.result(TIMEOUT)  # ...and refused, as ever, rather than run ahead of the held passings
        assert len(producer.handed_over) == BOUND and committed_numbers(path) == []
        locked.execute("ROLLBACK")  # the other program is done
        assert producer.done.wait(TIMEOUT)
        writer.flush(TIMEOUT)
    finally:
        logger.removeHandler(said_blocked)
        writer.close(TIMEOUT)
    assert producer.error is None
    assert committed_numbers(path) == list(range(1, 3 * BOUND + 1))  # each once, in the order handed over
    assert writer.unwritten == 0 and writer.blocked is None and not writer.full.is_set()


def test_a_producer_waiting_at_the_bound_is_refused_when_the_writer_closes_and_the_held_passings_still_go_in(
        session_db, locked):
    path, session_id = session_db
    writer = JournalWriter(path, max_unwritten=BOUND).start()
    producer = Producer(writer, session_id, BOUND + 1).start()
    closer = threading.Thread(target=writer.close, args=(TIMEOUT * 3,), name="test closer", daemon=True)
    try:
        assert writer.full.wait(TIMEOUT)
        closer.start()
        assert producer.done.wait(WAKE_TIMEOUT)  # woken by close, not left waiting for room that never comes
        assert isinstance(producer.error, StoreError) and "closed" in str(producer.error)
        assert producer.handed_over == list(range(1, BOUND + 1))
        assert closer.is_alive()  # the writer still tries the held passings (for STOP_RETRY_S, 10 s)
        locked.execute("ROLLBACK")
        closer.join(TIMEOUT * 3)
        assert not closer.is_alive()
    finally:
        writer.close(TIMEOUT)
    assert writer.error is None
    assert committed_numbers(path) == list(range(1, BOUND + 1))  # the refused one is the producer's to keep


class WriterCrash(BaseException):
    """A bug that escapes every handler on the writer thread."""


def test_a_producer_waiting_at_the_bound_gets_the_error_when_the_writer_thread_dies(session_db):
    path, session_id = session_db
    callback_entered, crash_now = threading.Event(), threading.Event()

    def crash_after_the_first_commit(_session_id, _passings):
        callback_entered.set()
        crash_now.wait(TIMEOUT)  # the commit made room; hold here until the producer waits for more
        raise WriterCrash("after-commit callback crashed")

    writer = JournalWriter(path, crash_after_the_first_commit, max_unwritten=BOUND).start()
    producer = Producer(writer, session_id, 10 * BOUND).start()
    try:
        assert callback_entered.wait(TIMEOUT)
        assert writer.full.wait(TIMEOUT)  # no more commits while the callback holds the writer thread
        assert not producer.done.is_set()
        crash_now.set()
        assert producer.done.wait(TIMEOUT)
    finally:
        crash_now.set()
        writer.close(TIMEOUT)
    assert producer.error is not None and producer.error is writer.error
    assert isinstance(writer.error, StoreError) and "journal writer stopped" in str(writer.error)
    with pytest.raises(StoreError, match="journal writer stopped"):
        writer.journal(session_id, lap_passing(1))
    with pytest.raises(StoreError, match="journal writer stopped"):
        writer.submit(lambda db: None).result(TIMEOUT)


def test_the_bound_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="max_unwritten"):
        JournalWriter(tmp_path / "event.db", max_unwritten=0)


CAPTURE_PASSINGS = 150_000  # ~7.7 MB of P3 read flat out: far more than the writer's bound
# The reader's duplicate window (~200 bytes a number), the bound's passings (~320 bytes each, 400 allowed)
# and a few MB for one read's events and the writer's batch; nothing that grows with the capture.
MEMORY_BOUND = RECENT_WINDOW * 200 + MAX_UNWRITTEN * 400 + 4_000_000
READ_THROUGH_S = 300  # a guard against a hang, not a speed claim: alone it takes ~11 s, beside three busy cores ~20 s


def write_capture(path: Path, count: int) -> None:
    """A raw P3 capture of one decoder's passings 1..count, 20 cars, about 1.5 s apart."""
    path.write_bytes(b"".join(encode_passing(passing(1000 + number % 20, T0 + number * 1_500_000, number))
                              for number in range(1, count + 1)))


def test_a_capture_read_flat_out_is_decoded_in_bulk_and_journaled_in_bounded_memory(tmp_path):
    capture, db = tmp_path / "fast.p3", tmp_path / "event.db"
    write_capture(capture, CAPTURE_PASSINGS)
    assert CAPTURE_PASSINGS * 320 > 2 * MEMORY_BOUND  # queued all at once, they would need twice the bound
    writer = JournalWriter(db).start()  # the bound every recording uses
    ended, reached_bound = threading.Event(), threading.Event()

    def journal(event: DecoderEvent) -> None:  # what LiveSession.on_decoder_event does, on the reader's thread
        if isinstance(event, Passing):
            if writer.unwritten >= writer.max_unwritten:
                reached_bound.set()  # the reader ran ahead of the commits: this journal() waits
            writer.journal(None, event)
        elif isinstance(event, LinkStatus) and event.state is LinkState.ENDED:
            ended.set()

    reader = DecoderReader(f"file://{capture}", [journal])
    assert reader.decoder.bulk_min_bytes == BULK_MIN_BYTES  # its 64 KiB reads go the bulk way
    # The writer is kept busy until the reader has run ahead of it, so the bound is met in every run: left to
    # themselves, a quick disk and a busy CPU let the commits keep up once under CI, and the bound proved nothing.
    stalled = writer.submit(lambda db: reached_bound.wait(READ_THROUGH_S))
    tracemalloc.start()
    try:
        reader.start()
        assert ended.wait(READ_THROUGH_S), f"the capture was not read to its end within {READ_THROUGH_S} s"
        writer.flush(READ_THROUGH_S)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        reader.stop()
        reader.join(5)
        writer.close(TIMEOUT)
    assert reader.error is None and writer.error is None, (reader.error, writer.error)
    assert reached_bound.is_set(), "the reader never ran ahead of the commits: the memory bound would prove nothing"
    assert stalled.result(TIMEOUT) is True  # the writer went on once the reader had reached the bound
    assert committed_numbers(db) == list(range(1, CAPTURE_PASSINGS + 1))  # each once, in order
    assert peak < MEMORY_BOUND, f"{peak:,} bytes allocated at the peak (bound {MEMORY_BOUND:,})"
