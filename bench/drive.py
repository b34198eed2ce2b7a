"""Handing passings to a live session one at a time, as the decoder reader does, timing each answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from hardware.events import Passing
from laptiming.service.live import LiveSession

ANSWER_WITHIN_S = 5.0


def one_by_one(live: LiveSession, passings: Iterable[Passing], answered: threading.Event, *, pace_s: float = 0.0,
               answered_ns: Callable[[], int] = time.perf_counter_ns) -> list[int]:
    """Each passing in, then wait for the subscriber to set ``answered``; the sorted ns from in to ``answered_ns()``.

    ``pace_s`` spaces the passings as a decoder would (a pace, not synchronisation).
    """
    latencies = []
    for passing in passings:
        answered.clear()
        started = time.perf_counter_ns()
        live.on_decoder_event(passing)
        if not answered.wait(ANSWER_WITHIN_S):
            raise RuntimeError(f"the live session did not answer within {ANSWER_WITHIN_S:g} s")
        latencies.append(answered_ns() - started)
        if pace_s:
            time.sleep(pace_s)
    return sorted(latencies)
