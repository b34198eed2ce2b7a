"""The live session: journal first, then engine, then subscribers; resumable; equal to a replay of its journal."""

from __future__ import annotations

import queue
import sqlite3
import threading
import time

import pytest

from hardware.events import Passing
from laptiming import engine
from laptiming.engine import (
    AssignTransponder,
    SessionRules,
    SessionType,
    StandingChanged,
    UnknownTransponderSeen,
)
from laptiming.errors import InputError
from laptiming.service.corrections import AddPassingRequest, AssignRequest, PenaltyRequest
from laptiming.service.live import LiveSession
from laptiming.store import (
    SessionPhase,
    assign_transponder,
    create_session,
    ensure_car,
    enter_car,
    get_session,
    load_corrections,
    load_passings,
    load_setup,
    open_event_db,
    update_session,
)
from tests.timing.timing_builders import S, T0, numbered

TIMEOUT = 10


def make_session(path, transponders=(7, 8), rules=SessionRules(session_type=SessionType.RACE)):
    db = open_event_db(path, create=True)
    session_id = create_session(db, "Race 1", rules)
    for transponder in transponders:
        car_id = ensure_car(db, str(transponder))
        assign_transponder(db, transponder, car_id, made_by="test", reason="entry list")
        enter_car(db, session_id, car_id)
    db.close()
    return session_id


def journal_result(path, session_id):
    """What a replay of the journal gives: the batch form over the stored passings and setup."""
    db = open_event_db(path)
    try:
        return engine.derive_session(load_passings(db, session_id), load_setup(db, session_id))
    finally:
        db.close()


def race_passings():
    crossings = [(7, T0 + t * S) for t in (0, 61, 122, 183)] + [(8, T0 + t * S) for t in (2, 65, 127, 190)]
    return numbered(crossings)


def hand_over(live, passings, way):
    """Give the live session these passings as the decoder reader would: one event at a time, or in reads of 1-3."""
    if way == "event":
        for passing in passings:
            live.on_decoder_event(passing)
        return
    for start in range(0, len(passings), 3):
        live.on_decoder_read(passings[start : start + 1 + start % 2])  # reads of 1 and 2 passings...
        live.on_decoder_read(passings[start + 1 + start % 2 : start + 3])  # ...and the rest of each three


@pytest.mark.parametrize("way", ["event", "read"])
def test_live_standings_equal_a_replay_of_the_journal_and_subscribers_see_only_committed_passings(tmp_path, way):
    path = tmp_path / "event.db"
    session_id = make_session(path)
    live = LiveSession.open(path, session_id)
    unjournaled: list[int] = []
    rows: dict[int, object] = {}

    def subscriber(events):
        with sqlite3.connect(path) as conn:
            on_disk = {row[0] for row in conn.execute("SELECT passing_number FROM passings")}
        for event in events:
            if isinstance(event, engine.PassingJudged) and event.verdict.passing.passing_number not in on_disk:
                unjournaled.append(event.verdict.passing.passing_number)
            if isinstance(event, StandingChanged):
                rows[event.row.car_id] = event.row

    live.subscribe(subscriber)
    hand_over(live, race_passings(), way)
    live.writer.flush(TIMEOUT)
    live_standings = live.state.standings
    live.close(TIMEOUT)
    assert unjournaled == []
    replayed = journal_result(path, session_id)
    assert live_standings == replayed.standings
    assert sorted(rows.values(), key=lambda row: row.position) == list(replayed.standings)
    assert [(r.number, r.laps) for r in replayed.standings] == [("7", 3), ("8", 3)]
    assert get_session(open_event_db(path), session_id).green_us == T0  # green at the first passing


def test_a_read_given_to_an_idle_session_is_journaled_and_shown_before_the_call_returns(tmp_path):
    path = tmp_path / "event.db"
    session_id = make_session(path)
    db = open_event_db(path)
    update_session(db, session_id, green_us=T0)  # the green flag given before: nothing queued ahead of the reads
    db.close()
    live = LiveSession.open(path, session_id, green_at_first_passing=False)
    shown: list[tuple[threading.Thread, int]] = []
    live.subscribe(lambda events: shown.extend((threading.current_thread(), e.row.laps) for e in events
                                               if isinstance(e, StandingChanged) and e.row.number == "7"))
    try:
        passings = race_passings()
        live.on_decoder_read(passings[:2])
        assert live.state.passing_count == 2 and load_passings(open_event_db(path), session_id) == passings[:2]
        live.on_decoder_read(passings[2:4])  # car 7's first lap: the standings change, here and now
        assert live.state.passing_count == 4
        assert shown[-1] == (threading.current_thread(), 1)
    finally:
        live.close(TIMEOUT)


def test_a_correction_is_journaled_then_recomputed_and_sent(tmp_path):
    path = tmp_path / "event.db"
    session_id = make_session(path)
    live = LiveSession.open(path, session_id)
    sent: queue.Queue = queue.Queue()
    live.subscribe(lambda events: sent.put(events))
    for passing in race_passings():
        live.on_decoder_event(passing)
    live.writer.flush(TIMEOUT)
    record = live.correct(AddPassingRequest(8, T0 + 250 * S), made_by="clerk", reason="loop missed car 8").result(TIMEOUT)
    assert record.correction.correction_id == 1
    events = []
    while not sent.empty():
        events.extend(sent.get_nowait())
    assert any(isinstance(e, StandingChanged) and e.row.number == "8" and e.row.laps == 4 for e in events)
    live.close(TIMEOUT)
    replayed = journal_result(path, session_id)
    assert [(r.number, r.laps) for r in replayed.standings] == [("8", 4), ("7", 3)]


def test_a_closed_session_resumes_where_it_was(tmp_path):
    path = tmp_path / "event.db"
    session_id = make_session(path)
    passings = race_passings()
    first = LiveSession.open(path, session_id)
    for passing in passings[:5]:
        first.on_decoder_event(passing)
    first.close(TIMEOUT)
    second = LiveSession.open(path, session_id)
    assert second.state.standings == engine.derive_session(passings[:5], load_setup(open_event_db(path), session_id)).standings
    assert second.last_seen == {passings[0].decoder_id: 5}
    for passing in passings:  # the decoder sends everything again: nothing is counted twice
        second.on_decoder_event(passing)
    second.writer.flush(TIMEOUT)
    result = second.finish()
    second.close(TIMEOUT)
    assert result == journal_result(path, session_id)
    assert [(r.number, r.laps) for r in result.standings] == [("7", 3), ("8", 3)]
    assert get_session(open_event_db(path), session_id).phase is SessionPhase.FINISHED
    with pytest.raises(InputError, match="is finished"):
        LiveSession.open(path, session_id)


def test_unknown_transponders_can_be_entered_by_number_as_they_appear(tmp_path):
    path = tmp_path / "event.db"
    session_id = make_session(path, transponders=())
    live = LiveSession.open(path, session_id, enter_unknown=True)
    seen_unknown = []
    live.subscribe(lambda events: seen_unknown.extend(e for e in events if isinstance(e, UnknownTransponderSeen)))
    for passing in race_passings():
        live.on_decoder_event(passing)
    live.writer.flush(TIMEOUT)
    live.writer.flush(TIMEOUT)  # the entries are written by units queued after the first passings
    standings = live.state.standings
    live.close(TIMEOUT)
    assert {event.unknown.transponder for event in seen_unknown} == {7, 8}
    assert [(r.number, r.laps) for r in standings] == [("7", 3), ("8", 3)]
    assert standings == journal_result(path, session_id).standings


def test_checkered_now_maps_the_host_clock_through_the_offset_learned_from_passings(tmp_path):
    path = tmp_path / "event.db"
    session_id = make_session(path)
    live = LiveSession.open(path, session_id)
    now_ns = time.time_ns()
    # The decoder clock runs 2 h ahead of the host (local time on the decoder); the packet took 3 ms.
    offset_us = 7_200 * S
    arrived = Passing(268307, 1, 7, now_ns // 1000 + offset_us - 3_000, host_time_ns=now_ns)
    live.on_decoder_event(arrived)
    markers = live.checkered_now().result(TIMEOUT)
    live.close(TIMEOUT)
    expected = time.time_ns() // 1000 + offset_us
    assert expected - 5 * S < markers.checkered_us <= expected


def test_a_correction_through_the_live_session_gets_the_same_checks_as_the_command_line(tmp_path):
    path = tmp_path / "event.db"
    session_id = make_session(path, transponders=(7,))
    live = LiveSession.open(path, session_id)
    try:
        for passing in numbered([(7, T0 + t * S) for t in (0, 61, 122)] + [(9, T0 + t * S) for t in (3, 66, 130)]):
            live.on_decoder_event(passing)
        live.writer.flush(TIMEOUT)
        with pytest.raises(InputError, match="no car number 99"):
            live.correct(PenaltyRequest("99", 5 * S), made_by="clerk", reason="jump start").result(TIMEOUT)
        for seconds, shown in ((0, "0.000"), (-5 * S, "-5.000")):  # the app's form as the CLI's --seconds
            with pytest.raises(InputError, match=f"a time penalty is above zero seconds, not {shown}"):
                live.correct(PenaltyRequest("7", seconds), made_by="clerk", reason="typo").result(TIMEOUT)
        with pytest.raises(InputError, match="no car number 31 .*--new-car"):  # a typo makes no phantom car
            live.correct(AssignRequest(9, "31", driver="Ada Lovelace"), made_by="desk", reason="typo").result(TIMEOUT)
        live.correct(AssignRequest(9, "31", driver="Ada Lovelace", car_class="GT4", new_car=True), made_by="desk",
                     reason="walk-up entry").result(TIMEOUT)
        live.writer.flush(TIMEOUT)
        rows = {row.number: (row.driver, row.car_class, row.laps) for row in live.state.standings}
    finally:
        live.close(TIMEOUT)
    assert rows == {"7": (None, None, 2), "31": ("Ada Lovelace", "GT4", 2)}
    db = open_event_db(path)
    try:
        assert [c.correction.action for c in load_corrections(db, session_id)] == [AssignTransponder(9, 2)]
    finally:
        db.close()
