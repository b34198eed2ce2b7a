"""The writer's ``prepare`` callback: its work may run during the commit, what it returns only after it.

With ``synchronous=FULL`` the work runs on a helper thread while the commit waits for the disk;
what it returns runs on the committing thread once the passings are on disk, and is dropped when
the commit fails, so nothing is shown that is not on disk.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest

from laptiming.store import Durability, JournalWriter
from laptiming.store.callbacks import CommitCallbacks
from tests.timing.test_journal_writer import TIMEOUT, committed_numbers
from tests.timing.timing_builders import S, T0, passing


class Recorder:
    """A ``prepare`` callback that notes where its two halves ran and what was on disk when it finished."""

    def __init__(self, path):
        self.path = path
        self.prepared: list[tuple[str, list[int]]] = []  # (thread name, passing numbers) per call
        self.finished: list[tuple[str, list[int], list[int]]] = []  # (thread name, numbers, on disk then)
        self.shown = threading.Event()

    def __call__(self, session_id, passings):
        numbers = [p.passing_number for p in passings]
        self.prepared.append((threading.current_thread().name, numbers))

        def finish():
            self.finished.append((threading.current_thread().name, numbers, committed_numbers(self.path)))
            self.shown.set()

        return finish


def sabotage_commits(path):
    """Every COMMIT that journals a passing fails from now on (a deferred foreign key is checked at COMMIT)."""
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
        conn.execute("CREATE TRIGGER sabotage AFTER INSERT ON passings BEGIN INSERT INTO child VALUES (-NEW.id); END")


def stop_sabotage(path):
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("DROP TRIGGER sabotage")


@pytest.mark.parametrize(
    ("durability", "may_work_on_the_helper"),
    [(Durability.POWER_LOSS, True), (Durability.PROCESS_CRASH, False)],
    ids=["FULL: the work during the commit", "NORMAL: all of it after the commit"],
)
def test_the_work_is_done_once_and_what_it_returns_runs_after_the_commit(session_db, durability, may_work_on_the_helper):
    path, session_id = session_db
    recorder = Recorder(path)
    writer = JournalWriter(path, durability=durability, prepare=recorder).start()
    try:
        caller = threading.current_thread().name
        assert writer.commit_if_idle(session_id, [passing(7, T0 + n * 60 * S, n) for n in (1, 2)])
        [(worked_on, numbers)] = recorder.prepared  # once: on the helper, or here if the helper had not begun
        assert numbers == [1, 2]
        assert worked_on == caller or (may_work_on_the_helper and worked_on.startswith("journal-prepare"))
        assert recorder.finished == [(caller, [1, 2], [1, 2])]  # here, before returning, with both on disk

        writer.journal(session_id, passing(7, T0 + 180 * S, 3))  # through the queue: the writer thread commits
        assert recorder.shown.wait(TIMEOUT)
        writer.flush(TIMEOUT)
        thread, numbers, on_disk = recorder.finished[-1]
        assert thread.startswith("journal-writer") and numbers == [3] and on_disk == [1, 2, 3]
    finally:
        writer.close(TIMEOUT)


def test_a_failed_commit_shows_nothing_and_the_retry_shows_each_passing_once(session_db):
    path, session_id = session_db
    recorder = Recorder(path)
    writer = JournalWriter(path, prepare=recorder).start()  # FULL: the work is under way when COMMIT fails
    try:
        sabotage_commits(path)
        read = [passing(7, T0 + n * 60 * S, n) for n in (1, 2)]
        assert not writer.commit_if_idle(session_id, read)  # the COMMIT failed: handed back, rolled back
        assert recorder.prepared == [(recorder.prepared[0][0], [1, 2])]  # the work was done...
        assert recorder.finished == []  # ...and dropped
        assert committed_numbers(path) == []

        for one in read:  # as the live session does with a read not committed at once
            writer.journal(session_id, one)
        stop_sabotage(path)  # the writer thread's retry now succeeds
        assert recorder.shown.wait(TIMEOUT)
        assert [numbers for _, numbers, _ in recorder.finished] == [[1, 2]]  # shown once, with both on disk
        assert recorder.finished[0][2] == [1, 2]
        assert writer.blocked is None
    finally:
        writer.close(TIMEOUT)
    assert committed_numbers(path) == [1, 2]


def test_work_the_helper_has_begun_is_waited_for_and_work_it_has_not_is_done_by_the_committer(session_db):
    path, _ = session_db
    recorder = Recorder(path)
    begun, go_on = threading.Event(), threading.Event()

    def prepare(session_id, passings):
        if passings[0].passing_number == 1:  # the first batch's work holds the helper until told
            begun.set()
            assert go_on.wait(TIMEOUT)
        return recorder(session_id, passings)

    callbacks = CommitCallbacks("test", None, prepare)
    callbacks.overlap_commits()
    try:
        first = callbacks.start({1: [passing(7, T0, 1)]})
        assert begun.wait(TIMEOUT)
        second = callbacks.start({1: [passing(7, T0 + 60 * S, 2)]})  # queued behind it: not begun
        callbacks.committed({1: [passing(7, T0 + 60 * S, 2)]}, second)  # so the committer does it
        here = threading.current_thread().name
        assert recorder.prepared == [(here, [2])]
        go_on.set()
        callbacks.committed({1: [passing(7, T0, 1)]}, first)  # begun: its result is waited for
        assert [(thread.startswith("journal-prepare"), numbers) for thread, numbers in recorder.prepared] == [
            (False, [2]), (True, [1])]  # each batch's work done once
        assert [(thread, numbers) for thread, numbers, _ in recorder.finished] == [(here, [2]), (here, [1])]
    finally:
        go_on.set()
        callbacks.stop()
