"""A decoder read's passings committed on the reader's own thread when the journal writer is idle.

Whoever commits holds the writer's turn, so callbacks never overlap and passings keep their
order; a busy writer or a write lock taken elsewhere sends the batch to the queue, never makes
the caller wait.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time

from laptiming.store import JournalWriter
from tests.timing.test_journal_writer import TIMEOUT, committed_numbers
from tests.timing.timing_builders import S, T0, passing

LONG_WAIT_S = 30  # the busy timeout in these tests: a caller that waited for the lock would wait this long


def test_a_read_offered_to_an_idle_writer_is_on_disk_and_shown_when_the_call_returns(session_db):
    path, session_id = session_db
    calls: list[tuple[threading.Thread, list[int]]] = []
    writer = JournalWriter(path, lambda sid, ps: calls.append((threading.current_thread(), [p.passing_number for p in ps])))
    writer.start()
    try:
        read = [passing(7, T0 + n * 60 * S, n) for n in (1, 2, 3)]
        assert writer.commit_if_idle(session_id, read)
        assert committed_numbers(path) == [1, 2, 3]  # no flush: committed before the call returned
        assert calls == [(threading.current_thread(), [1, 2, 3])]  # one transaction, one callback, here
        assert writer.commit_if_idle(session_id, [read[2], passing(7, T0 + 240 * S, 4)])  # a resend and a new one
        assert calls[-1] == (threading.current_thread(), [4])
        assert writer.passings_committed == 4
    finally:
        writer.close(TIMEOUT)
    assert committed_numbers(path) == [1, 2, 3, 4]


def test_a_busy_writer_or_a_lock_taken_elsewhere_leaves_the_read_to_the_queue_without_waiting(session_db, monkeypatch):
    monkeypatch.setenv("LAPTIMING_WAIT_S", str(LONG_WAIT_S))
    path, session_id = session_db
    writer = JournalWriter(path).start()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        in_unit, release = threading.Event(), threading.Event()
        busy = writer.submit(lambda db: (in_unit.set(), release.wait(TIMEOUT)))
        assert in_unit.wait(TIMEOUT)
        assert not writer.commit_if_idle(session_id, [passing(7, T0, 1)])  # the writer is in a unit of work
        release.set()
        busy.result(TIMEOUT)

        holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        started = time.monotonic()
        assert not writer.commit_if_idle(session_id, [passing(7, T0, 1)])
        assert time.monotonic() - started < LONG_WAIT_S / 3  # handed back at once, not after the busy timeout
        holder.execute("ROLLBACK")
        assert committed_numbers(path) == []  # nothing half-written by either refusal
        # the writer's own writes still wait their turn as long as the user said
        assert writer.submit(lambda db: db.execute("PRAGMA busy_timeout").fetchone()[0]).result(TIMEOUT) == LONG_WAIT_S * 1000
    finally:
        holder.close()
        writer.close(TIMEOUT)
    assert not writer.commit_if_idle(session_id, [passing(7, T0, 1)])  # closed: nothing written
    assert committed_numbers(path) == []


def test_readers_and_units_at_once_commit_every_passing_once_in_each_readers_order_one_callback_at_a_time(session_db):
    path, session_id = session_db
    overlapped: list[int] = []
    seen: list[int] = []
    in_callback = threading.Lock()

    def on_passings(sid, passings):
        if not in_callback.acquire(blocking=False):
            overlapped.append(passings[0].passing_number)
            return
        try:
            seen.extend(p.passing_number for p in passings)
        finally:
            in_callback.release()

    writer = JournalWriter(path, on_passings).start()
    readers, per_reader = 4, 500

    ways = {True: 0, False: 0}

    def reader(index: int) -> None:
        rng = random.Random(index)
        numbers = list(range(index * 10_000 + 1, index * 10_000 + per_reader + 1))
        while numbers:
            size = rng.randint(1, 6)
            read = [passing(100 + index, T0 + n * S, n) for n in numbers[:size]]
            numbers = numbers[size:]
            here = writer.commit_if_idle(session_id, read)
            ways[here] += 1
            if not here:
                for one in read:
                    writer.journal(session_id, one)
            if rng.random() < 0.1:
                writer.submit(lambda db: db.execute("SELECT COUNT(*) FROM passings").fetchone())

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT * 6)
        writer.flush(TIMEOUT)
    finally:
        writer.close(TIMEOUT)
    assert ways[True] and ways[False]  # both ways were taken, side by side
    assert overlapped == []
    committed = committed_numbers(path)
    assert sorted(committed) == sorted(seen) and len(committed) == readers * per_reader
    for index in range(readers):
        mine = [n for n in committed if n // 10_000 == index]
        assert mine == sorted(mine)  # each reader's passings in the order it read them
        assert [n for n in seen if n // 10_000 == index] == mine
