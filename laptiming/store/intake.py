"""The journal writer's intake: its queue, and who may put work on it, and when.

The passings in memory (queued, or held after a failed commit) are bounded by ``max_unwritten``:
at the bound a producer waits until a commit makes room (backpressure, never a dropped passing: a
TCP decoder keeps what the reader has not read yet, and flow control holds it there). Units of
work never wait for that room. Once the writer is closed, has failed or has ended, nothing more is
taken, and a producer that was waiting is woken to be told, so it never waits forever. The intake
also counts what is queued and not yet done: the writer is idle when that count is zero. What is
queued is a passing, a unit of work, or the stop; :func:`in_runs` puts them in the writer's order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from hardware.events import Passing
from laptiming.errors import StoreError, TimingError


@dataclass(frozen=True, slots=True)
class PassingItem:
    """A passing to journal, for this session (None: no session was running)."""

    session_id: int | None
    passing: Passing


@dataclass(frozen=True, slots=True)
class UnitItem:
    """A unit of work to run in its own transaction, then ``after_commit`` with its result; the caller waits on ``future``."""

    unit: Callable[[Database], Any]
    after_commit: Callable[[Any], None] | None
    future: Future[Any]


STOP = object()  # queued by close(): everything before it is written, then the writer ends


def in_runs(items: Iterable[object]) -> Iterator[list[PassingItem] | object]:
    """The queue's items in order, with the passings between two other items gathered into one list
    (one transaction). A list, possibly empty, comes before every other item and at the end: the
    writer tries passings held after a failed commit again there, before anything else is written."""
    passings: list[PassingItem] = []
    for item in items:
        if isinstance(item, PassingItem):
            passings.append(item)
            continue
        yield passings
        passings = []
        yield item
    yield passings


class Intake:
    """The writer's queue, the bound on passings in memory, and whether anything is still taken."""

    def __init__(self, path: Path, max_unwritten: int) -> None:
        if max_unwritten < 1:
            raise ValueError(f"max_unwritten must be at least 1, not {max_unwritten}")
        self.path = path
        self.max_unwritten = max_unwritten
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.full = threading.Event()  # set while a producer waits for room (the bound is reached)
        self.error: TimingError | None = None  # the writer has stopped for good
        self._changed = threading.Condition()  # guards everything below; notified when room is made or it stops
        self._in_memory = 0  # passings queued or held, not yet committed: at most max_unwritten
        self._queued = 0  # items put on the queue, not yet taken and done by the writer thread
        self._closed = False
        self._ended = False  # the writer thread has finished (closed, failed, or never opened the database)

    @property
    def in_memory(self) -> int:
        """Passings queued or held, not yet on disk."""
        return self._in_memory

    def take(self, most: int, timeout: float | None) -> list[object]:
        """Wait up to ``timeout`` (None: for ever) for an item, then take up to ``most`` without waiting;
        raises :class:`queue.Empty` if none came. The writer thread's only way to read the queue."""
        items = [self._queue.get(timeout=timeout)]
        items.extend(self._take_now(most - 1))
        return items

    def take_now(self) -> list[object]:
        """Everything queued right now, without waiting."""
        return self._take_now(None)

    def _take_now(self, most: int | None) -> list[object]:
        items: list[object] = []
        while most is None or len(items) < most:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    def put_passing(self, item: PassingItem, *, may_wait: bool) -> None:
        """Queue a passing; at the bound wait for room if ``may_wait`` (the writer's own thread may not).

        Raises :class:`StoreError` once the writer is closed or has failed, also to a producer that
        was waiting.
        """
        with self._changed:
            while may_wait and self._in_memory >= self.max_unwritten and self._accepting():
                self.full.set()
                self._changed.wait()
            self._refuse_if_stopped()
            self._in_memory += 1
            self._queued += 1
            self._queue.put(item)  # under the lock: never behind the stop

    def put_unit(self, item: UnitItem, *, after_close: bool) -> TimingError | None:
        """Queue a unit of work (``after_close``: follow-up work from the writer's own thread is still
        taken while it drains); the error to hand its caller instead when it is not taken."""
        if self.error is not None:
            return self.error
        with self._changed:
            if self._closed and not after_close:
                return StoreError(f"{self.path}: the journal writer has stopped")
            self._queued += 1
            self._queue.put(item)
        return None

    def close(self, writer_alive: bool) -> None:
        """Take nothing more; queue the stop for a writer still running; wake waiting producers to refuse them."""
        with self._changed:
            self._closed = True
            if writer_alive:
                self._queued += 1
                self._queue.put(STOP)
            self._changed.notify_all()

    def end(self) -> None:
        """The writer thread has finished: waiting producers are woken and refused."""
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def made_room(self, committed: int) -> None:
        """``committed`` passings are on disk (or were already): let waiting producers go on."""
        with self._changed:
            self._in_memory -= committed
            if self._in_memory < self.max_unwritten:
                self.full.clear()
            self._changed.notify_all()

    def done(self, taken: int) -> None:
        """The writer thread has written (or refused) ``taken`` items it took off the queue."""
        with self._changed:
            self._queued -= taken

    def claim_if_idle(self, turn: threading.Lock) -> bool:
        """Take the writer's ``turn`` if nothing is queued and work is still taken; never waits."""
        with self._changed:
            return not self._queued and self._accepting() and turn.acquire(blocking=False)

    def _accepting(self) -> bool:
        return self.error is None and not self._closed and not self._ended

    def _refuse_if_stopped(self) -> None:
        if self.error is not None:
            raise self.error
        if self._closed:
            raise StoreError(f"{self.path}: the journal writer is closed")
        if self._ended:
            raise StoreError(f"{self.path}: the journal writer has stopped")
