"""The journal writer thread: a passing is committed before any callback sees it; units run in order."""

from __future__ import annotations

import logging
import sqlite3
import threading

import pytest

from laptiming.errors import InputError, StoreError
from laptiming.store import JournalWriter
from tests.timing.timing_builders import S, T0, passing

TIMEOUT = 10


def committed_numbers(path):
    """What another connection (another process, a crash survivor) can read."""
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT passing_number FROM passings ORDER BY id")]


def test_callback_sees_only_passings_already_committed_and_each_once(session_db):
    path, session_id = session_db
    seen: list[int] = []
    not_yet_on_disk: list[int] = []
    done = threading.Event()

    def on_passings(sid, passings):
        assert sid == session_id
        on_disk = set(committed_numbers(path))  # what a crash survivor would read right now
        not_yet_on_disk.extend(p.passing_number for p in passings if p.passing_number not in on_disk)
        seen.extend(p.passing_number for p in passings)
        if len(seen) >= 50:
            done.set()

    writer = JournalWriter(path, on_passings).start()
    try:
        for number in range(1, 51):
            writer.journal(session_id, passing(7, T0 + number * 60 * S, number))
            writer.journal(session_id, passing(7, T0 + number * 60 * S, number))  # resend: ignored
        assert done.wait(TIMEOUT)
        writer.flush(TIMEOUT)
    finally:
        writer.close(TIMEOUT)
    assert seen == list(range(1, 51))
    assert not_yet_on_disk == []
    assert committed_numbers(path) == list(range(1, 51))


def test_units_run_in_order_with_passings_and_report_their_results(session_db):
    path, session_id = session_db
    writer = JournalWriter(path).start()
    try:
        writer.journal(session_id, passing(7, T0, 1))
        counted = writer.submit(lambda db: db.execute("SELECT COUNT(*) FROM passings").fetchone()[0])
        assert counted.result(TIMEOUT) == 1
        failing = writer.submit(lambda db: db.execute("INSERT INTO no_such_table VALUES (1)"))
        with pytest.raises(StoreError, match="event.db: cannot write"):
            failing.result(TIMEOUT)
        after: list[int] = []
        done = writer.submit(lambda db: 41, after_commit=lambda value: after.append(value + 1))
        assert done.result(TIMEOUT) == 41
        assert after == [42]
    finally:
        writer.close(TIMEOUT)


def test_close_commits_everything_queued(session_db):
    path, session_id = session_db
    writer = JournalWriter(path).start()
    for number in range(1, 301):
        writer.journal(session_id, passing(7, T0 + number * S, number))
    writer.close(TIMEOUT)
    assert len(committed_numbers(path)) == 300
    with pytest.raises(StoreError, match="closed"):
        writer.journal(session_id, passing(7, T0, 999))


def test_close_still_runs_the_work_callbacks_queue_after_it_and_refuses_other_threads(session_db, monkeypatch):
    """Like entering a car first seen in the last passings: its callback's follow-up is queued behind the stop."""
    path, session_id = session_db
    followed_up: list[int] = []
    futures = []

    def on_passings(sid, passings):
        for p in passings:
            futures.append(writer.submit(lambda db, number=p.passing_number: followed_up.append(number)))

    writer = JournalWriter(path, on_passings).start()
    gate, stop_queued = threading.Event(), threading.Event()
    close_intake = writer._intake.close
    monkeypatch.setattr(writer._intake, "close", lambda alive: (close_intake(alive), stop_queued.set()))
    held = writer.submit(lambda db: gate.wait(TIMEOUT))  # the writer thread waits here
    for number in range(1, 6):
        writer.journal(session_id, passing(7, T0 + number * 60 * S, number))
    closer = threading.Thread(target=writer.close, args=(TIMEOUT,))
    closer.start()
    assert stop_queued.wait(TIMEOUT)  # the five passings, then the stop, are queued
    refused = writer.submit(lambda db: None)
    gate.set()
    closer.join(TIMEOUT)
    assert held.result(TIMEOUT) is True
    assert committed_numbers(path) == [1, 2, 3, 4, 5]
    assert followed_up == [1, 2, 3, 4, 5]
    assert [future.result(0) for future in futures] == [None] * 5
    with pytest.raises(StoreError, match="stopped"):
        refused.result(0)


def test_a_database_that_cannot_be_opened_fails_at_start(tmp_path):
    with pytest.raises(InputError, match="folder .* does not exist"):
        JournalWriter(tmp_path / "missing" / "event.db").start()


class SaidBlocked(logging.Handler):
    """Set when the writer logs that the journal cannot be written (it has set ``blocked`` by then)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.said = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "cannot write the journal" in record.getMessage():
            self.said.set()

    def wait(self, timeout: float) -> bool:
        return self.said.wait(timeout)


def test_a_locked_database_holds_the_passings_and_commits_them_once_it_can(session_db, monkeypatch):
    monkeypatch.setenv("LAPTIMING_WAIT_S", "0.2")
    path, session_id = session_db
    committed = threading.Event()
    said_blocked = SaidBlocked()
    logging.getLogger("laptiming.store.writer").addHandler(said_blocked)
    writer = JournalWriter(path, lambda sid, passings: committed.set()).start()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        for number in range(1, 4):
            writer.journal(session_id, passing(7, T0 + number * 60 * S, number))
        assert said_blocked.wait(TIMEOUT)  # the first commit waits 0.2 s, then fails and says so
        assert "cannot write the journal" in str(writer.blocked) and writer.error is None
        assert "another program holds the event database's write lock" in str(writer.blocked)  # not SQLite's words
        writer.journal(session_id, passing(7, T0 + 4 * 60 * S, 4))  # still taken
        with pytest.raises(StoreError):
            writer.submit(lambda db: None).result(TIMEOUT)  # never run ahead of the held passings
        assert not committed.is_set() and committed_numbers(path) == []
        holder.execute("ROLLBACK")
        assert committed.wait(TIMEOUT)
        writer.flush(TIMEOUT)
    finally:
        logging.getLogger("laptiming.store.writer").removeHandler(said_blocked)
        holder.close()
        writer.close(TIMEOUT)
    assert writer.blocked is None and writer.unwritten == 0
    assert committed_numbers(path) == [1, 2, 3, 4]


class Said(logging.Handler):
    """Every message the writer logs, kept; ``wait_for`` waits (bounded) for one containing a text."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []
        self.changed = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self.changed:
            self.messages.append(record.getMessage())
            self.changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> str | None:
        with self.changed:
            self.changed.wait_for(lambda: any(text in m for m in self.messages), timeout)
            return next((m for m in self.messages if text in m), None)


def test_a_long_spell_of_held_passings_is_said_again_with_the_count_held_now(session_db, monkeypatch):
    monkeypatch.setenv("LAPTIMING_WAIT_S", "0.1")
    monkeypatch.setattr("laptiming.store.writer.BLOCKED_SAY_EVERY_S", 0.3)
    path, session_id = session_db
    said = Said()
    logging.getLogger("laptiming.store.writer").addHandler(said)
    writer = JournalWriter(path).start()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        writer.journal(session_id, passing(7, T0 + 60 * S, 1))
        assert "1 passing(s) held" in (said.wait_for("cannot write the journal", TIMEOUT) or "")
        for number in range(2, 6):
            writer.journal(session_id, passing(7, T0 + number * 60 * S, number))
        again = said.wait_for("5 passing(s) held", TIMEOUT)  # the first line's count was 1
        assert again is not None and "still cannot write the journal" in again, said.messages
        holder.execute("ROLLBACK")
        writer.flush(TIMEOUT)
    finally:
        logging.getLogger("laptiming.store.writer").removeHandler(said)
        holder.close()
        writer.close(TIMEOUT)
    assert committed_numbers(path) == [1, 2, 3, 4, 5]
