"""The timing service: a recording run from Python as the app will run it, without the command line."""

from __future__ import annotations

import sqlite3

from hardware.events import DecoderStatus, LinkState, LinkStatus
from laptiming.engine import SessionRules, StandingChanged
from laptiming.service import Problem, Recording, RecordingRequest
from tests.timing.test_concurrent_writers import laps_by_car


def test_a_recording_gives_notices_in_order_and_finishes_with_the_true_laps(tmp_path):
    db = tmp_path / "event.db"
    request = RecordingRequest(db, "Practice 1", "sim://?cars=4&seed=2&speed=0&minutes=4",
                               SessionRules(min_lap_us=10_000_000), enter_unknown=True)
    recording = Recording.start(request)
    assert recording.started_how == "recording"
    seen = list(recording.notices())
    outcome = recording.close(finish=True)
    links = [n.state for n in seen if isinstance(n, LinkStatus)]
    assert links[0] is LinkState.CONNECTED and links[-1] is LinkState.ENDED
    assert not [n for n in seen if isinstance(n, Problem)]
    changed = {e.row.number for n in seen if isinstance(n, list | tuple) for e in n if isinstance(e, StandingChanged)}
    changed |= {e.row.number for n in recording.pending_notices() if isinstance(n, list | tuple) for e in n
                if isinstance(e, StandingChanged)}
    expected = laps_by_car(4, 2, 4)
    assert changed == {str(t) for t in expected}
    assert outcome.finished and not outcome.problems and outcome.decoder_error is None
    assert {int(row.number): row.laps for row in outcome.result.standings} == expected
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT phase FROM sessions").fetchall() == [("finished",)]
        # the one finish policy: kept in the control log with who and why, like an official's finish
        assert conn.execute("SELECT action, made_by, reason FROM session_control WHERE action = 'finish'").fetchall() \
            == [("finish", "laptiming record", "the decoder source ended")]


def test_a_stopped_recording_can_stay_open_and_the_next_start_resumes_it(tmp_path):
    db = tmp_path / "event.db"
    request = RecordingRequest(db, "Practice 1", "sim://?cars=3&seed=4&speed=20&minutes=30", enter_unknown=True)
    recording = Recording.start(request)
    for notice in recording.notices():
        if isinstance(notice, list | tuple) and any(isinstance(e, StandingChanged) for e in notice):
            recording.stop()  # as a button or Ctrl-C would, before the source ends
    outcome = recording.close(finish=False)
    assert not outcome.finished and outcome.result.standings
    journaled = recording.passings_journaled
    again = Recording.start(request)
    assert again.started_how == "resuming" and again.session_id == outcome.session_id
    assert again.passings_journaled == journaled
    again.stop()
    again.close(finish=False)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name, phase FROM sessions").fetchall() == [("Practice 1", "running")]


def test_a_subscription_is_a_snapshot_then_every_change_and_a_reader_that_never_reads_delays_nothing(tmp_path):
    db = tmp_path / "event.db"
    request = RecordingRequest(db, "Race", "sim://?cars=5&seed=6&speed=120&minutes=6",
                               SessionRules(min_lap_us=10_000_000), enter_unknown=True)
    recording = Recording.start(request)
    stalled = recording.subscribe()  # never read: a frozen screen or a dead socket
    seen_rows = 0
    watcher = None
    for notice in recording.notices():
        if isinstance(notice, list | tuple):
            seen_rows += sum(isinstance(e, StandingChanged) for e in notice)
        if watcher is None and seen_rows >= 5:
            watcher = recording.subscribe()  # a screen joining mid-session
    outcome = recording.close(finish=False)
    assert watcher is not None
    rows = {row.car_id: row for row in watcher.snapshot.standings}
    for notice in watcher.drain():
        if isinstance(notice, list | tuple):
            for event in notice:
                if isinstance(event, StandingChanged):
                    rows[event.row.car_id] = event.row
    final = {row.car_id: row for row in outcome.result.standings}
    assert rows == final  # the snapshot plus the changes after it is exactly the session
    stalled_notices = stalled.drain()
    assert any(isinstance(n, DecoderStatus) and n.noise is not None for n in stalled_notices)  # loop noise for screens
    assert any(isinstance(n, LinkStatus) and n.state is LinkState.ENDED for n in stalled_notices)
    assert recording.health().frames_decoded > 0
    assert recording.passings_journaled == sum(laps_by_car(5, 6, 6).values()) + 5  # every passing journaled
    watcher.close()
    stalled.close()
