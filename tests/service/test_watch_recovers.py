"""A recorder keeps following other terminals through a spell in which the journal cannot be written.

A full disk (or a write lock held too long) makes the journal writer hold the passings and turn
down every other unit, the watcher's reload of the setup too. The watcher gave up at the first
refusal: a `laptiming finish` made once the disk had room again was never taken up, and the
recorder went on journaling into the finished session.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from laptiming.errors import StoreError
from laptiming.service import Recording, RecordingRequest
from tests.timing.cli_runner import run_cli

SIM = "sim://?cars=4&seed=4&speed=60&minutes=60"  # a minute of real time: finished long before its end
BOUND_S = 30.0
REFUSED = 3  # the watcher's reloads turned down, as the writer does while it holds passings


def _laps_being_timed(recording: Recording, passings: int = 5) -> None:
    """Wait, notice by notice (bounded), until the recording has journaled this many passings."""
    subscription = recording.subscribe()
    try:
        deadline = time.monotonic() + BOUND_S
        while recording.live.writer.passings_committed < passings:
            assert time.monotonic() < deadline, "timed out waiting for laps being timed"
            subscription.get(timeout=deadline - time.monotonic())
    finally:
        subscription.close()


def test_a_finish_made_after_the_journal_was_blocked_still_ends_the_recorder(tmp_path: Path) -> None:
    db = tmp_path / "event.db"
    recording = Recording.start(RecordingRequest(db, "Practice 1", SIM, enter_unknown=True))
    ended = threading.Event()
    reader = threading.Thread(target=lambda: (list(recording.notices()), ended.set()), daemon=True)
    reader.start()
    try:
        _laps_being_timed(recording)
        reload_setup, refused, all_refused = recording.live.reload_setup, [], threading.Event()

        def blocked_for_a_while():
            if len(refused) < REFUSED:
                refused.append(True)
                if len(refused) == REFUSED:
                    all_refused.set()
                raise StoreError(f"{db}: cannot write the journal (database or disk is full)")
            return reload_setup()

        recording.live.reload_setup = blocked_for_a_while
        entered = run_cli("entry", "add", "--db", db, "--session", "1", "--number", "77", "--driver", "A. Late",
                          "--transponder", "9000077", "--by", "desk", "--reason", "walk-up")  # a change to take up
        assert entered.returncode == 0, entered.stderr
        assert all_refused.wait(BOUND_S), "the watcher was not turned down again and again"
        finishing = subprocess.Popen([sys.executable, "-m", "laptiming", "finish", "--db", str(db), "--session", "1",
                                      "--by", "J. Smith", "--reason", "time up"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert ended.wait(BOUND_S), "the recorder never took up the finish"
    finally:
        recording.stop()
        outcome = recording.close(finish=True)  # lets go of the session: finish, waiting for that, prints
    printed, errors = finishing.communicate(timeout=BOUND_S)
    assert finishing.returncode == 0, errors
    assert "waiting for laptiming record" in printed and "may still change" not in printed
    assert recording.finished_elsewhere and outcome.finished
    assert not outcome.problems  # a spell the writer already reports is not a failure of the session
    assert "77" in {row.number for row in outcome.result.standings}  # the entry made meanwhile was taken up too


def test_the_database_file_removed_or_replaced_under_a_running_recorder_is_a_problem_at_once(tmp_path: Path) -> None:
    for what, done_to in (("removed", lambda db: db.rename(db.with_name("moved.db"))),
                          ("replaced by another file", lambda db: db.with_name("copy.db").replace(db))):
        folder = tmp_path / what.split()[0]
        folder.mkdir()
        db = folder / "event.db"
        recording = Recording.start(RecordingRequest(db, "Practice 1", SIM, enter_unknown=True))
        heard: list[str] = []
        said = threading.Event()
        recording.live.add_problem_listener(lambda problem: (heard.append(problem), said.set()))
        try:
            _laps_being_timed(recording)
            db.with_name("copy.db").write_bytes(db.read_bytes())  # another file with the same bytes
            done_to(db)
            assert said.wait(BOUND_S), "the problem was never said"
        finally:
            recording.stop()
            recording.close(finish=False)
        assert heard == [f"session 1: {db} was {what} while the session was timed: what is written from now on "
                         "does not reach that path; stop, put the database back, and record again (a decoder on "
                         "TCP resends what it holds)"]
