"""Handing passings to a live session one at a time, as the decoder reader does, timing each answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence

from pathlib import Path

from hardware.events import Passing
from laptiming.engine import SessionRules, SessionType
from laptiming.service.live import LiveSession
from laptiming.store import create_session, open_event_db, update_session
from laptiming.store.entries import enter_by_number

ANSWER_WITHIN_S = 5.0
MIN_LAP_US = 30_000_000


def race_event(path: Path, passings: Sequence[Passing]) -> int:
    """A new event database with one race on the green at the first passing, every transponder entered; its id."""
    db = open_event_db(path, create=True)
    with db.atomic():
        session_id = create_session(db, "Race", SessionRules(session_type=SessionType.RACE, min_lap_us=MIN_LAP_US))
        update_session(db, session_id, green_us=passings[0].decoder_time_us)
        enter_by_number(db, session_id, {p.transponder for p in passings})
    db.close()
    return session_id


def one_by_one(live: LiveSession, passings: Iterable[Passing], answered: threading.Event, *, pace_s: float = 0.0,
               answered_ns: Callable[[], int] = time.perf_counter_ns) -> list[int]:
    """Each passing in, then wait for the subscriber to set ``answered``; the sorted ns from in to ``answered_ns()``.

    ``pace_s`` spaces the passings as a decoder would (a pace, not synchronisation).
    """
    latencies = []
    for passing in passings:
        answered.clear()
        started = time.perf_counter_ns()
        live.on_decoder_read((passing,))  # as the decoder reader hands over a read of one passing
        if not answered.wait(ANSWER_WITHIN_S):
            raise RuntimeError(f"the live session did not answer within {ANSWER_WITHIN_S:g} s")
        latencies.append(answered_ns() - started)
        if pace_s:
            time.sleep(pace_s)
    return sorted(latencies)
