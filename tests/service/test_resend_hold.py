"""A recorder restarted mid-session never shows a lap spanning the passings it missed.

The decoder is the simulator on a loopback TCP port; the recorder is the service's ``Recording``,
stopped and started again while the cars keep crossing. On the new connection the decoder sends
live passings before its answer to the RESEND of the tail (it answers late), so without holding
them the live standings would show each car a lap spanning the time the recorder was down.

While they are held they are not journaled; the journal's highest passing number stays below them,
so a recorder that died then would ask its next connection for them (the tail; ``test_record_tail``
shows the decoder answering a restarted ``record``): the test checks that on the real database file.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from pathlib import Path

from hardware.simulator.field import FieldConfig
from hardware.simulator.serve import TcpDecoderServer
from laptiming.engine import LapChanged, LapRemoved, SessionEvent, SessionRules
from laptiming.service import Recording, RecordingRequest
from laptiming.service.recording import Subscription
from laptiming.store import load_passings, open_event_db
from laptiming.store.journal import last_passing_numbers
from tests.hardware.collect import wait_until
from tests.hardware.gate import Gate, LateToResend, SilentUntilAllowed

BOUND_S = 30.0
STOP_AT = 12  # passings journaled when the recorder stops
RESTART_AT = 30  # passings made when it starts again
ANSWER_AT = 38  # the decoder answers the RESEND once it has sent this many (the later ones live)


def _events_until(recording: Recording, subscription: Subscription, passings: int) -> list[SessionEvent]:
    """The session events sent to ``subscription`` until ``passings`` are journaled (bounded, notice by notice)."""
    events: list[SessionEvent] = []
    deadline = time.monotonic() + BOUND_S
    while recording.passings_journaled < passings:
        assert time.monotonic() < deadline, f"{recording.passings_journaled} of {passings} passings journaled"
        notice = subscription.get(timeout=deadline - time.monotonic())
        if isinstance(notice, list | tuple):
            events.extend(notice)
    return events


def _rest(subscription: Subscription) -> list[SessionEvent]:
    """What ``subscription`` was sent after the last look (call it once the recording is closed)."""
    return [event for notice in subscription.drain() if isinstance(notice, list | tuple) for event in notice]


def _held_numbers(recording: Recording, decoder_id: int, count: int) -> list[int]:
    """The passing numbers the recording's reader holds for the decoder, once it holds ``count``."""
    holds = recording.reader.held.holds
    wait_until(lambda: decoder_id in holds and len(holds[decoder_id].passings) >= count, f"{count} passings are held")
    return [passing.passing_number for passing in holds[decoder_id].passings]


def _next_tail_from(db: Path, session_id: int, decoder_id: int) -> int:
    """Where a recorder started now would begin its RESEND of the tail: after the journal's highest number."""
    store = open_event_db(db, readonly=True)
    try:
        return last_passing_numbers(load_passings(store, session_id))[decoder_id] + 1
    finally:
        store.close()


def _true_laps(decoder: LateToResend) -> dict[int, list[int]]:
    """Each transponder's lap times as the simulator made them: the gaps between its crossings."""
    crossings: dict[int, list[int]] = defaultdict(list)
    for passing in decoder.passings():
        crossings[passing.transponder].append(passing.decoder_time_us)
    return {t: [b - a for a, b in zip(times, times[1:])] for t, times in crossings.items()}


def test_a_restarted_recorder_shows_no_lap_spanning_the_passings_it_missed(tmp_path: Path) -> None:
    decoder = LateToResend(FieldConfig(cars=6, seed=8, minutes=12))
    gate = Gate(decoder, stops=[STOP_AT, RESTART_AT, ANSWER_AT])
    may_answer = threading.Event()
    decoder.answer_after(may_answer)
    server = TcpDecoderServer(decoder, speed=0, pieces=gate.pieces()).start()
    request = RecordingRequest(tmp_path / "event.db", "Race 1", server.url, SessionRules(min_lap_us=10_000_000),
                               enter_unknown=True)
    shown: list[SessionEvent] = []
    recordings: list[Recording] = []
    try:
        first = Recording.start(request)
        recordings.append(first)
        watching = first.subscribe()
        assert server.wait_for_connections(1, BOUND_S)
        gate.start.set()
        assert gate.reached[STOP_AT].wait(BOUND_S)
        shown += _events_until(first, watching, STOP_AT)
        first.stop()
        first.close(finish=False)  # the recorder goes away; the cars go on
        shown += _rest(watching)

        gate.release[STOP_AT].set()
        assert gate.reached[RESTART_AT].wait(BOUND_S)  # passings made while nothing records them
        second = Recording.start(request)
        recordings.append(second)
        assert second.started_how == "resuming" and second.passings_journaled == STOP_AT
        watching = second.subscribe()
        assert server.wait_for_connections(2, BOUND_S)
        gate.release[RESTART_AT].set()  # live passings first; the RESEND answer when the test says
        assert gate.reached[ANSWER_AT].wait(BOUND_S)
        held = _held_numbers(second, decoder.decoder_id, ANSWER_AT - RESTART_AT)
        assert second.passings_journaled == STOP_AT  # held, not journaled, not shown
        assert _next_tail_from(request.db_path, second.session_id, decoder.decoder_id) <= min(held)
        may_answer.set()
        gate.release[ANSWER_AT].set()
        assert server.finished.wait(BOUND_S)
        shown += _events_until(second, watching, len(decoder.memory))
        second.stop()
        outcome = second.close(finish=True)
        shown += _rest(watching)
    finally:
        may_answer.set()
        for recording in recordings:
            recording.stop()
        server.stop()

    truth = _true_laps(decoder)
    laps = [event.lap for event in shown if isinstance(event, LapChanged)]
    assert len(laps) >= sum(map(len, truth.values()))  # every lap was shown live
    wrong = [(lap.transponder, lap.lap_no, lap.lap_time_us) for lap in laps
             if lap.lap_time_us != truth[lap.transponder][lap.lap_no - 1]]
    assert wrong == []  # never a lap other than the real one, not even for a moment
    assert not [event for event in shown if isinstance(event, LapRemoved)]
    assert outcome.finished
    final = {(lap.transponder, lap.lap_no): lap.lap_time_us for lap in outcome.result.laps}
    assert final == {(t, n + 1): time_us for t, times in truth.items() for n, time_us in enumerate(times)}


def _journaled_numbers(db: Path, session_id: int) -> list[int]:
    store = open_event_db(db, readonly=True)
    try:
        return sorted(passing.passing_number for passing in load_passings(store, session_id))
    finally:
        store.close()


def _until_journaled(recording: Recording, passings: int) -> None:
    wait_until(lambda: recording.passings_journaled >= passings, f"{passings} passings journaled", BOUND_S)


def test_passings_a_silent_decoder_never_resent_are_asked_for_again_when_the_session_is_resumed(tmp_path: Path) -> None:
    """The recorder is away while 13..30 are made; back, it asks for them, but the decoder does not answer, so after
    the wait 31..40 are journaled without them. A recorder resumed later asks again for what the journal lacks."""
    decoder = SilentUntilAllowed(FieldConfig(cars=6, seed=8, minutes=12))
    gate = Gate(decoder, stops=[STOP_AT, RESTART_AT, ANSWER_AT + 2])
    server = TcpDecoderServer(decoder, speed=0, pieces=gate.pieces()).start()
    request = RecordingRequest(tmp_path / "event.db", "Race 1", server.url, SessionRules(min_lap_us=10_000_000),
                               enter_unknown=True)
    recordings: list[Recording] = []
    first = decoder.first_passing_number
    try:
        recordings.append(recording := Recording.start(request))
        assert server.wait_for_connections(1, BOUND_S)
        gate.start.set()
        assert gate.reached[STOP_AT].wait(BOUND_S)
        _until_journaled(recording, STOP_AT)
        recording.stop()
        recording.close(finish=False)
        gate.release[STOP_AT].set()
        assert gate.reached[RESTART_AT].wait(BOUND_S)  # made while nobody records them

        recordings.append(recording := Recording.start(request))
        assert server.wait_for_connections(2, BOUND_S)
        gate.release[RESTART_AT].set()
        assert gate.reached[ANSWER_AT + 2].wait(BOUND_S)
        _until_journaled(recording, STOP_AT + ANSWER_AT + 2 - RESTART_AT)  # the wait ran out: shown without them
        recording.stop()
        recording.close(finish=False)
        assert _journaled_numbers(request.db_path, recording.session_id) == \
            [*range(first, first + STOP_AT), *range(first + RESTART_AT, first + ANSWER_AT + 2)]

        decoder.answering.set()  # the decoder answers again (it was busy)
        recordings.append(recording := Recording.start(request))
        assert server.wait_for_connections(3, BOUND_S)
        gate.release[ANSWER_AT + 2].set()
        assert server.finished.wait(BOUND_S)
        _until_journaled(recording, len(decoder.memory))
        recording.stop()
        recording.close(finish=True)
    finally:
        decoder.answering.set()
        for started in recordings:
            started.stop()
        server.stop()
    assert _journaled_numbers(request.db_path, recording.session_id) == list(range(first, first + len(decoder.memory)))
