"""Waiting on a reader's events without sleeping: a queue listener with predicates and timeouts."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from hardware import DecoderEvent, LinkState, LinkStatus, Passing

TIMEOUT_S = 20.0


class Collector:
    """An event listener that keeps everything and lets a test wait for a condition."""

    def __init__(self) -> None:
        self._queue: queue.Queue[DecoderEvent] = queue.Queue()
        self.events: list[DecoderEvent] = []

    def __call__(self, event: DecoderEvent) -> None:
        self._queue.put(event)

    def wait_for(self, condition: Callable[[list[DecoderEvent]], bool], timeout: float = TIMEOUT_S) -> None:
        """Take events until ``condition(events)`` holds; fail the test after ``timeout``."""
        deadline = time.monotonic() + timeout
        while not condition(self.events):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out; last events: {self.events[-5:]}"
            try:
                self.events.append(self._queue.get(timeout=remaining))
            except queue.Empty:
                pass

    def drain(self) -> None:
        """Move whatever is queued now into ``events``."""
        while not self._queue.empty():
            self.events.append(self._queue.get_nowait())

    @property
    def passings(self) -> list[Passing]:
        return [e for e in self.events if isinstance(e, Passing)]

    def states(self) -> list[LinkState]:
        return [e.state for e in self.events if isinstance(e, LinkStatus)]


def has_state(state: LinkState, times: int = 1) -> Callable[[list[DecoderEvent]], bool]:
    return lambda events: sum(isinstance(e, LinkStatus) and e.state is state for e in events) >= times


def has_passings(count: int) -> Callable[[list[DecoderEvent]], bool]:
    return lambda events: sum(isinstance(e, Passing) for e in events) >= count


def wait_until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT_S) -> None:
    """Look at ``condition`` every few milliseconds until it holds (state another thread owns, with no
    event to wait on); fail the test naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()  # never set: a bounded pause between looks
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        pause.wait(0.01)
