"""A database another program holds locked: a lasting alert on the Live screen, no passing lost, cleared after."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from textual.widgets import Label

from hardware.events import Passing
from laptiming.app import LiveTimingApp, Timing
from laptiming.app.widgets.status import AlertBar
from laptiming.store import open_event_db
from tests.app.conftest import app_test, screen_lines, until

NOWHERE = "tcp://127.0.0.1:9"  # loopback, nothing listening: the passings come from the test, as the reader hands them on


def _passing(number: int) -> Passing:
    return Passing(1, number, 1000 + number % 3, 1_000_000_000 + number * 30_000_000, 100, 20, host_time_ns=time.time_ns())


def _journaled(db_path: Path) -> int:
    db = open_event_db(db_path, readonly=True)
    try:
        return db.execute("SELECT COUNT(*) FROM session_passings WHERE session_id = 1").fetchone()[0]
    finally:
        db.close()


@contextmanager
def another_program_writing(db_path: Path) -> Iterator[None]:
    """Another program holds the database's write lock (``BEGIN IMMEDIATE``) until the block ends."""
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


async def _timing_with_passings(app: LiveTimingApp, pilot, count: int):
    """Session 1 running, ``count`` passings handed over as the reader hands them and judged; its live session."""
    app.start_session(1)
    await until(pilot, lambda: app.timing.recording is not None, "the session running")
    live = app.timing.recording.live
    for number in range(1, count + 1):
        live.on_decoder_event(_passing(number))
    await until(pilot, lambda: len(app.model.verdicts) == count, f"{count} passing(s) judged")
    return live


@app_test
async def test_a_locked_database_is_an_alert_until_it_can_be_written_and_no_passing_is_lost(
        event_db: Path, monkeypatch) -> None:
    monkeypatch.setenv("LAPTIMING_WAIT_S", "0.5")
    app = LiveTimingApp(Timing(event_db, NOWHERE))
    async with app.run_test(size=(120, 36)) as pilot:
        live = await _timing_with_passings(app, pilot, 3)
        alerts = app.screen_named("live").query_one(AlertBar)
        with another_program_writing(event_db):  # another program holds the write lock
            for number in range(4, 7):
                live.on_decoder_event(_passing(number))
            await until(pilot, lambda: "DATABASE CANNOT BE WRITTEN" in str(alerts.render()), "the alert")
            assert "passing(s) held in memory" in str(alerts.render()) and alerts.display
            assert not any("DATABASE" in n.message for n in app._notifications)  # an alert, not a toast
            assert len(app.model.verdicts) == 3  # nothing is shown before it is on disk
            live.on_decoder_event(_passing(7))  # still taken while the lock is held
            await until(pilot, lambda: "4 passing(s) held" in str(alerts.render()), "the alert still standing")
        await until(pilot, lambda: "DATABASE" not in str(alerts.render()), "the alert cleared")
        await until(pilot, lambda: len(app.model.verdicts) == 7, "every passing judged")
    assert _journaled(event_db) == 7


@app_test
async def test_a_flag_that_waited_past_the_lock_says_who_holds_it_and_how_to_wait_longer(
        event_db: Path, monkeypatch) -> None:
    """The app showed SQLite's bare 'database is locked' where `laptiming flag` says what happened."""
    monkeypatch.setenv("LAPTIMING_WAIT_S", "0.3")
    app = LiveTimingApp(Timing(event_db, NOWHERE))
    async with app.run_test(size=(120, 36)) as pilot:
        await _timing_with_passings(app, pilot, 1)
        with another_program_writing(event_db):  # another program holds the write lock
            await pilot.press("y")
            await until(pilot, lambda: app.model.problems, "the flag to fail")
    assert app.model.problems == [
        f"yellow flag: {event_db}: another program holds the event database's write lock; nothing was written after "
        "waiting 0.3 s (to wait longer, set LAPTIMING_WAIT_S to the seconds, e.g. LAPTIMING_WAIT_S=60)"]


@app_test
async def test_quitting_while_passings_are_held_says_how_many_were_not_journaled_and_exits_2(
        event_db: Path, monkeypatch) -> None:
    """The app quit with exit 0 and not a word: the stop's error (passings dropped from memory) was swallowed."""
    monkeypatch.setenv("LAPTIMING_WAIT_S", "0.3")
    monkeypatch.setattr("laptiming.service.recording.STOP_RETRY_S", 0.5)  # how long a stop waits for them
    app = LiveTimingApp(Timing(event_db, NOWHERE))
    async with app.run_test(size=(120, 36)) as pilot:
        live = await _timing_with_passings(app, pilot, 3)
        alerts = app.screen_named("live").query_one(AlertBar)
        with another_program_writing(event_db):  # another program holds the write lock, past the quit
            for number in range(4, 6):
                live.on_decoder_event(_passing(number))
            await until(pilot, lambda: "2 passing(s) held" in str(alerts.render()), "the passings held")
            await pilot.press("q")
            await until(pilot, lambda: any("2 passing(s) are not written yet" in line for line in screen_lines(app)),
                        "the quit question saying so")
            await pilot.press("y")
            await until(pilot, lambda: not app.is_running, "the app to quit")
    assert app.return_code == 2
    assert app.exit_problem == (f"laptiming: {event_db}: 2 passing(s) could not be journaled (another program holds the "
                            "event database's write lock); a decoder on TCP keeps them: recording the session again "
                            "asks it to resend them")  # `run` prints it once the app has left the terminal
    assert _journaled(event_db) == 3


@app_test
async def test_a_correction_that_waited_past_the_lock_says_who_holds_it_and_how_to_wait_longer(
        event_db: Path, monkeypatch) -> None:
    """The correction form came back saying SQLite's bare 'cannot write (database is locked)'."""
    monkeypatch.setenv("LAPTIMING_WAIT_S", "0.3")
    app = LiveTimingApp(Timing(event_db, NOWHERE))
    async with app.run_test(size=(120, 36)) as pilot:
        await _timing_with_passings(app, pilot, 1)
        with another_program_writing(event_db):  # another program holds the write lock
            await pilot.press("m")
            await until(pilot, lambda: app.screen.query("#field-seconds"), "the min lap form")
            await pilot.press(*"20", "enter", *"chicane cut", "enter")
            await until(pilot, lambda: app.screen.query("#form-error")
                        and "not recorded" in str(app.screen.query_one("#form-error", Label).render()),
                        "the form again, saying why")
        said = " ".join(str(app.screen.query_one("#form-error", Label).render()).split())
    assert said == (f"not recorded: {event_db}: another program holds the event database's write lock; nothing was "
                    "written after waiting 0.3 s (to wait longer, set LAPTIMING_WAIT_S to the seconds, e.g. "
                    "LAPTIMING_WAIT_S=60)")
