"""A running session whose time is up shows the checkered flag on every screen, as the app shows it,
before anyone finishes it: the sessions list, the board and web feeds (through the follower)."""

from __future__ import annotations

from laptiming.engine import SessionRules, SessionType
from laptiming.service.control import Flag, current_flag, show_flag
from laptiming.service.day import day_sessions
from laptiming.service.follow import SessionFollower
from laptiming.store import SessionPhase, create_session, journal_bulk, open_event_db, update_session, write_transaction
from laptiming.store.entries import enter_by_number
from tests.timing.timing_builders import S, T0, passing

TEN_MINUTES = 600 * S


def _practice(path, last_crossing_s: int, lap_count: int | None = None) -> None:
    """A running ten-minute practice (or a race to ``lap_count`` laps), green at T0, two cars lapping every 100 s."""
    db = open_event_db(path, create=True)
    with write_transaction(db):
        if lap_count is None:
            rules = SessionRules(session_type=SessionType.PRACTICE, duration_us=TEN_MINUTES)
        else:
            rules = SessionRules(session_type=SessionType.RACE, lap_count=lap_count)
        session_id = create_session(db, "Practice 1", rules, phase=SessionPhase.RUNNING)
        update_session(db, session_id, green_us=T0)
        enter_by_number(db, session_id, {7, 8})
        crossings = [(7, T0 + s * S) for s in range(0, last_crossing_s + 1, 100)]
        crossings += [(8, T0 + (s + 3) * S) for s in range(0, last_crossing_s - 2, 100)]
        journal_bulk(db.conn, session_id, [passing(t, time_us, n) for n, (t, time_us) in enumerate(sorted(
            crossings, key=lambda c: c[1]), start=1)])
    db.close()


def _flags(path):
    db = open_event_db(path, readonly=True)
    try:
        listed = [session.flag for session in day_sessions(db)]
        return current_flag(db, 1), listed
    finally:
        db.close()


def test_a_running_session_shows_green_until_its_time_is_up_then_checkered(tmp_path):
    _practice(tmp_path / "before.db", last_crossing_s=500)
    assert _flags(tmp_path / "before.db") == (Flag.GREEN, [Flag.GREEN])
    _practice(tmp_path / "after.db", last_crossing_s=700)  # a car crossed after the ten minutes
    assert _flags(tmp_path / "after.db") == (Flag.CHECKERED, [Flag.CHECKERED])


def test_a_race_to_a_lap_count_shows_checkered_once_the_leader_has_done_the_laps(tmp_path):
    _practice(tmp_path / "race.db", last_crossing_s=300, lap_count=5)
    assert _flags(tmp_path / "race.db")[0] is Flag.GREEN
    _practice(tmp_path / "done.db", last_crossing_s=500, lap_count=5)
    assert _flags(tmp_path / "done.db")[0] is Flag.CHECKERED


def test_the_follower_behind_the_board_and_web_page_shows_the_same_flag(tmp_path):
    _practice(tmp_path / "event.db", last_crossing_s=700)
    follower = SessionFollower(tmp_path / "event.db")
    try:
        assert follower.look() is not None
        assert follower.flag() is Flag.CHECKERED
    finally:
        follower.close()


def _red_at(path, at_us: int) -> None:
    db = open_event_db(path)
    try:
        show_flag(db, 1, Flag.RED, at_us=at_us, made_by="clerk", reason="car in the gravel")
    finally:
        db.close()


def test_a_red_flag_that_stopped_the_session_gives_way_to_the_checkered_once_time_is_up(tmp_path):
    """Red shown during the session, then its time ran out: every screen shows the finish, as the app does
    (the red once stayed on the sessions list, the board, the web page and the RMonitor feed for good)."""
    _practice(tmp_path / "red.db", last_crossing_s=500)
    _red_at(tmp_path / "red.db", T0 + 550 * S)
    assert _flags(tmp_path / "red.db") == (Flag.RED, [Flag.RED])
    _practice(tmp_path / "over.db", last_crossing_s=700)
    _red_at(tmp_path / "over.db", T0 + 550 * S)
    assert _flags(tmp_path / "over.db") == (Flag.CHECKERED, [Flag.CHECKERED])
    _practice(tmp_path / "after.db", last_crossing_s=700)
    _red_at(tmp_path / "after.db", T0 + 650 * S)  # shown after the time was up: an incident on the slowing-down lap
    assert _flags(tmp_path / "after.db") == (Flag.RED, [Flag.RED])

