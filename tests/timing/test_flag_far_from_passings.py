"""`flag --at-us N` far from every passing of the session: taken as given, with a note line (a typo?).

A time of day typed hours away got a note; decoder µs, as likely a slip (a digit dropped, another day's
number pasted), were taken without a word.
"""

from __future__ import annotations

import sqlite3

import pytest

from laptiming.engine import SessionRules
from laptiming.store import create_session, journal_bulk, open_event_db
from laptiming.timefmt import US_PER_SECOND, parse_time_of_day
from tests.timing.cli_runner import run_cli
from tests.timing.timing_builders import numbered

DAY_US = 1_781_308_800_000_000  # midnight of 2026-06-13 on a wall-clock decoder
FIRST_US = DAY_US + parse_time_of_day("11:13:20")
HOUR_US = 3600 * US_PER_SECOND


@pytest.fixture()
def event(tmp_path):
    """Session 1 with passings from 11:13:20 for 15 minutes; session 2 with none."""
    db = tmp_path / "event.db"
    store = open_event_db(db, create=True)
    with store.atomic():
        first = create_session(store, "Practice 1", SessionRules())
        create_session(store, "Practice 2", SessionRules())
        journal_bulk(store.conn, first, numbered((101, FIRST_US + k * 90 * US_PER_SECOND) for k in range(11)))
    store.close()
    return db


def green_us(db, session_id: int) -> int | None:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT green_us FROM sessions WHERE id = ?", [session_id]).fetchone()[0]


def flag_green(db, session: str, at_us: int) -> list[str]:
    result = run_cli("flag", "green", "--db", db, "--session", session, "--at-us", at_us)
    assert result.returncode == 0, result.stderr
    assert green_us(db, int(session)) == at_us  # taken as given: an official may mean it
    return result.stdout.splitlines()


def test_a_green_hours_before_the_first_passing_is_taken_with_a_note(event):
    at_us = DAY_US + parse_time_of_day("09:00")
    lines = flag_green(event, "1", at_us)
    assert lines[0] == f"green flag for session 1 (Practice 1) at decoder time {at_us} (09:00:00.000)"
    assert lines[1] == (f"note: decoder time {at_us} (09:00:00.000) is 2 h 13 min before the first passing of "
                        "session 1 (Practice 1) (11:13:20); check the time if you meant another")


def test_a_green_long_after_the_last_passing_is_taken_with_a_note(event):
    at_us = FIRST_US + 15 * 60 * US_PER_SECOND + 5 * HOUR_US  # the last passing is at 11:28:20
    lines = flag_green(event, "1", at_us)
    assert lines[1].startswith(f"note: decoder time {at_us} (16:28:20.000) is 5 h 00 min after the last passing of "
                               "session 1 (Practice 1) (11:28:20)")


def test_a_green_near_the_passings_or_in_a_session_with_none_says_no_note(event):
    for at_us in (FIRST_US - 5 * US_PER_SECOND, FIRST_US - HOUR_US + US_PER_SECOND):
        assert not [line for line in flag_green(event, "1", at_us) if line.startswith("note:")]
    assert not [line for line in flag_green(event, "2", DAY_US) if line.startswith("note:")]


def test_a_time_days_off_is_said_in_days(event):
    """A digit slipped in µs is days off: it was said as '8760 h 00 min'."""
    at_us = FIRST_US - 365 * 24 * HOUR_US
    lines = flag_green(event, "1", at_us)
    assert " is 365 days before the first passing of session 1 (Practice 1)" in lines[1]
