"""Background work of a live session (the green flag, entering an unknown car) never fails silently."""

from __future__ import annotations

import sqlite3

import pytest

import laptiming.service.live
from laptiming.engine import SessionRules
from laptiming.errors import StoreError
from laptiming.service.live import LiveSession
from laptiming.store import create_session, open_event_db, write_transaction
from tests.timing.timing_builders import S, T0, numbered

TIMEOUT = 10


def new_session(path):
    db = open_event_db(path, create=True)
    with write_transaction(db):
        session_id = create_session(db, "Practice", SessionRules(min_lap_us=10 * S))
    db.close()
    return session_id


def fail_first(monkeypatch, name, when=lambda kwargs: True, times=1):
    """Make ``laptiming.service.live.<name>`` raise a StoreError the first ``times`` it is called so (a database that
    said no)."""
    real = getattr(laptiming.service.live, name)
    calls = []

    def flaky(*args, **kwargs):
        if not when(kwargs):
            return real(*args, **kwargs)
        calls.append(args)
        if len(calls) <= times:
            raise StoreError("event.db: cannot write (database is locked)")
        return real(*args, **kwargs)

    monkeypatch.setattr(laptiming.service.live, name, flaky)
    return calls


def test_a_failed_entry_is_reported_and_retried_so_the_car_is_timed(tmp_path, monkeypatch):
    path = tmp_path / "event.db"
    session_id = new_session(path)
    calls = fail_first(monkeypatch, "enter_by_number")
    live = LiveSession.open(path, session_id, enter_unknown=True)
    try:
        for passing in numbered([(42, T0 + k * 60 * S) for k in range(4)]):
            live.on_decoder_event(passing)
            live.writer.flush(TIMEOUT)
        problems = live.take_problems()
        result = live.finish()
    finally:
        live.close(TIMEOUT)
    assert len(calls) >= 2  # tried again after the failure
    assert problems == [f"session {session_id}: entering transponder 42 as car 42 not written: "
                        "event.db: cannot write (database is locked)"]
    assert live.had_problems
    assert [(row.number, row.laps) for row in result.standings] == [("42", 3)]


@pytest.mark.parametrize("failures", [1, 3])
def test_a_failed_green_flag_is_reported_once_and_given_at_the_first_passings_time(tmp_path, monkeypatch, failures):
    """Tried again at each passing until written; while another program held the write lock, it was reported
    as not written at each one (13 lines in 10 s in record's terminal)."""
    path = tmp_path / "event.db"
    session_id = new_session(path)
    calls = fail_first(monkeypatch, "update_session", when=lambda kwargs: kwargs.get("green_us") is not None,
                       times=failures)
    live = LiveSession.open(path, session_id, enter_unknown=True)
    try:
        for passing in numbered([(42, T0 + k * 60 * S) for k in range(6)]):
            live.on_decoder_event(passing)
            live.writer.flush(TIMEOUT)
        problems = live.take_problems()
    finally:
        live.close(TIMEOUT)
    assert len(calls) == failures + 1  # written at the first passing after the last failure
    assert problems == [f"session {session_id}: green flag at decoder time {T0} not written: "
                        "event.db: cannot write (database is locked)"]
    assert live.had_problems  # the command still exits 2
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT green_us FROM sessions WHERE id = ?", [session_id]).fetchone() == (T0,)


def test_a_recorder_whose_background_work_failed_exits_2_and_leaves_the_session_running(tmp_path, monkeypatch,
                                                                                       capsys):
    from laptiming.cli import main

    path = tmp_path / "event.db"
    fail_first(monkeypatch, "update_session", when=lambda kwargs: kwargs.get("green_us") is not None)
    code = main(["record", "sim://?cars=2&seed=5&speed=0&minutes=3", "--db", str(path), "--session", "P",
                 "--enter-unknown"])
    assert code == 2
    err = capsys.readouterr().err
    assert "laptiming: session 1: green flag at decoder time" in err and "not written" in err
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT phase FROM sessions WHERE name = 'P'").fetchone() == ("running",)



def test_passings_given_after_the_journal_closed_are_one_problem_and_counted_not_one_error_each(tmp_path, caplog):
    """A reader still handing over passings while the session closes (it was held back by a locked
    database) makes one reported problem and a count, not an exception and a traceback per passing."""
    path = tmp_path / "event.db"
    session_id = new_session(path)
    live = LiveSession.open(path, session_id)
    live.on_decoder_event(numbered([(7, T0)])[0])
    live.close(TIMEOUT)
    for passing in numbered([(7, T0 + k * 60 * S) for k in range(1, 101)]):
        live.on_decoder_event(passing)  # raises nothing
    problems = live.take_problems()
    assert live.not_journaled == 100 and live.had_problems
    assert len(problems) == 1 and "not journaled" in problems[0] and "resends them" in problems[0]
    assert not [record for record in caplog.records if record.exc_info]


def test_unknown_transponders_committed_together_are_entered_in_one_unit(tmp_path, monkeypatch):
    """A burst of new transponders (a grid's first crossings, a capture read flat out) is entered in one
    write unit, so the session is re-derived once, not once per car."""
    import threading

    path = tmp_path / "event.db"
    session_id = new_session(path)
    real = laptiming.service.live.enter_by_number
    entered = []

    def spy(db, session, transponders):
        entered.append(sorted(transponders))
        return real(db, session, transponders)

    monkeypatch.setattr(laptiming.service.live, "enter_by_number", spy)
    live = LiveSession.open(path, session_id, enter_unknown=True)
    gate = threading.Event()
    try:
        held = live.writer.submit(lambda db: gate.wait(TIMEOUT))  # the writer busy while the burst queues
        for passing in numbered([(100 + car, T0 + car * S) for car in range(10)]):
            live.on_decoder_event(passing)
        gate.set()
        held.result(TIMEOUT)
        live.writer.flush(TIMEOUT)
        live.writer.flush(TIMEOUT)  # the entry unit queued by the commit's callback
        rows = live.state.standings
    finally:
        live.close(TIMEOUT)
    assert entered == [list(range(100, 110))]
    assert sorted(row.number for row in rows) == [str(100 + car) for car in range(10)]


def test_a_problem_a_front_end_listens_for_is_not_logged_a_second_time(tmp_path, caplog):
    """`record` prints each problem itself; the log's copy reached the same terminal a second time."""
    heard: list[str] = []
    for listening in (False, True):
        caplog.clear()
        session_id = new_session(tmp_path / f"{listening}.db")
        live = LiveSession.open(tmp_path / f"{listening}.db", session_id, enter_unknown=True)
        if listening:
            live.add_problem_listener(heard.append)
        try:
            live.report_problem("green flag at decoder time 1 not written")
        finally:
            live.close(TIMEOUT)
        logged = [record.getMessage() for record in caplog.records if "not written" in record.getMessage()]
        assert logged == ([] if listening else [f"session {session_id}: green flag at decoder time 1 not written"])
    assert heard == [f"session {session_id}: green flag at decoder time 1 not written"]
