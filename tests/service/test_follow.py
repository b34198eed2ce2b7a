"""Following the database: only what was journaled since the last look, setup changes, the next session."""

from __future__ import annotations

from pathlib import Path

from laptiming import engine
from laptiming.engine import (
    Entry,
    LapChanged,
    SessionMarkers,
    SessionRules,
    SessionSetup,
    SessionType,
    StandingChanged,
    TimePenalty,
    TransponderAssignment,
)
from laptiming.service.follow import SessionChanged, SessionFollower, SessionStarted
from laptiming.feed.live import FLAG_STATUS
from laptiming.feed.rmonitor_records import FlagStatus
from laptiming.feed.scoreboard import Scoreboard
from laptiming.service.control import Flag, show_flag
from laptiming.service.length import LengthChange, set_length
from laptiming.store import (
    SessionPhase,
    append_correction,
    create_session,
    open_event_db,
    update_session,
    write_transaction,
)
from laptiming.store.entries import enter_by_number

from tests.web.event_db import HOST0, S, T0, crossing, journal  # the passings the web tests journal, as they do


def running_session(db_path: Path, name: str, rules: SessionRules = SessionRules()) -> int:
    db = open_event_db(db_path, create=True)
    with write_transaction(db):
        session_id = create_session(db, name, rules, phase=SessionPhase.RUNNING)
        update_session(db, session_id, green_us=T0)
        enter_by_number(db, session_id, [101, 102])
    db.close()
    return session_id


def test_each_look_reads_only_what_was_journaled_since_the_last(tmp_path: Path) -> None:
    db_path = tmp_path / "event.db"
    session_id = running_session(db_path, "P1")
    journal(db_path, session_id, [crossing(1, 101, 1), crossing(2, 102, 2)])
    follower = SessionFollower(db_path)
    try:
        started = follower.look()
        assert isinstance(started, SessionStarted) and started.session.session_id == session_id
        assert started.state.passing_count == 2
        assert follower.look() is None  # nothing new
        journal(db_path, session_id, [crossing(3, 101, 61.5)])
        change = follower.look()
        assert isinstance(change, SessionChanged) and change.passings == 1 and len(change.batches) == 1
        laps = [e.lap for batch in change.batches for e in batch if isinstance(e, LapChanged)]
        assert [(lap.car_id, lap.lap_no, lap.lap_time_us) for lap in laps] == [(laps[0].car_id, 1, 60_500_000)]
        assert follower.state is not None and follower.state.passing_count == 3
    finally:
        follower.close()


def test_a_correction_or_a_flag_from_another_terminal_reaches_the_feed(tmp_path: Path) -> None:
    db_path = tmp_path / "event.db"
    session_id = running_session(db_path, "Race", SessionRules(session_type=SessionType.RACE))
    journal(db_path, session_id, [crossing(1, 101, 1), crossing(2, 102, 2), crossing(3, 101, 61), crossing(4, 102, 62)])
    follower = SessionFollower(db_path)
    try:
        started = follower.look()
        assert isinstance(started, SessionStarted)
        board = Scoreboard(session_id, "Race", started.state)
        board.refresh()
        leader = started.state.standings[0]
        db = open_event_db(db_path)
        with write_transaction(db):
            append_correction(db, session_id, TimePenalty(leader.car_id, 5 * S), "desk", "jump start")
        show_flag(db, session_id, Flag.YELLOW, made_by="desk", at_us=T0 + 70 * S)
        db.close()
        change = follower.look()
        assert isinstance(change, SessionChanged) and change.passings == 0
        events = [e for batch in change.batches for e in batch]
        assert any(isinstance(e, StandingChanged) and e.row.car_id == leader.car_id for e in events)
        lines = board.apply(events, change.setup)
        assert f'$G,2,"{leader.number}",1,"00:01:06.000"' in lines  # 61 s + 5 s penalty: now second
        assert FLAG_STATUS[follower.flag()] is FlagStatus.YELLOW
        assert board.heartbeat(HOST0 + 75 * 1_000_000_000, FlagStatus.YELLOW).endswith('"00:01:15","Yellow"')
    finally:
        follower.close()


def test_the_next_running_session_is_followed_from_its_start(tmp_path: Path) -> None:
    db_path = tmp_path / "event.db"
    first = running_session(db_path, "P1")
    follower = SessionFollower(db_path)
    try:
        assert isinstance(follower.look(), SessionStarted)
        db = open_event_db(db_path)
        with write_transaction(db):
            update_session(db, first, phase=SessionPhase.FINISHED)
        db.close()
        change = follower.look()
        assert isinstance(change, SessionChanged)  # the finish, as a setup change
        assert follower.session_id == first  # a finished session stays on the board until another runs
        second = running_session(db_path, "P2")
        started = follower.look()
        assert isinstance(started, SessionStarted) and started.session.name == "P2"
        assert follower.session_id == second
    finally:
        follower.close()


def test_the_heartbeat_counts_down_on_the_decoder_clock() -> None:
    """Laps to go 9999 to time, time to go from the rules, race time from the green flag."""
    setup = SessionSetup(SessionRules(duration_us=300 * S), SessionMarkers(green_us=T0), (Entry(1, "7"),),
                         (TransponderAssignment(101, 1),))
    board = Scoreboard(1, "P", engine.start(setup, [crossing(1, 101, 2)]))
    assert board.heartbeat(HOST0 + 12 * 1_000_000_000).split(",")[:2] == ["$F", "9999"]
    assert board.heartbeat(HOST0 + 12 * 1_000_000_000).split(",")[2::2] == ['"00:04:48"', '"00:00:12"']
    assert board.heartbeat(HOST0 + 12 * 1_000_000_000).endswith('"Green "')
    lap_race = SessionSetup(SessionRules(lap_count=10), SessionMarkers(green_us=T0), (Entry(1, "7"),),
                            (TransponderAssignment(101, 1),))
    state = engine.start(lap_race, [crossing(1, 101, 2), crossing(2, 101, 62), crossing(3, 101, 122)])
    assert Scoreboard(1, "R", state).heartbeat(HOST0).startswith("$F,8,")


def test_a_length_set_with_no_standing_moving_reaches_the_follower(tmp_path: Path) -> None:
    """A lap count set before the leader has done it moves no row: the look said nothing, so a board fed from the
    database went on with the old laps to go until the next passing."""
    db_path = tmp_path / "event.db"
    session_id = running_session(db_path, "Race 1", SessionRules(session_type=SessionType.RACE, lap_count=10))
    journal(db_path, session_id, [crossing(1, 101, 1), crossing(2, 102, 2)])
    follower = SessionFollower(db_path)
    try:
        assert isinstance(follower.look(), SessionStarted)
        db = open_event_db(db_path)
        try:
            set_length(db, session_id, LengthChange(lap_count=12), made_by="clerk", reason="race distance")
        finally:
            db.close()
        change = follower.look()
        assert isinstance(change, SessionChanged) and change.setup.rules.lap_count == 12
        assert follower.look() is None  # said once
    finally:
        follower.close()
