"""What a recording hands to those who watch it: notices, and a subscription that queues them.

Kept apart from :mod:`laptiming.service.recording` so that module stays about driving a session.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hardware.events import DecoderStatus, LinkStatus
from laptiming.engine import SessionEvent, SessionState
from laptiming.service.decoder_link import DecoderLink


@dataclass(frozen=True, slots=True)
class Problem:
    """Background work that failed (a flag, an entry): the recording will not end with exit 0."""

    message: str


Notice = Sequence[SessionEvent] | LinkStatus | DecoderStatus | Problem


class Subscription:
    """A screen's or a socket's view of a recording: the state when it subscribed, then every notice after it.

    Notices wait in this subscription's own queue: a slow reader never delays a commit or another
    reader. Read them with :meth:`get` (blocking, with a timeout) or :meth:`drain`; :meth:`close`
    unsubscribes. A reader that never reads should close, or its queue grows.
    """

    def __init__(self, snapshot: SessionState, link: LinkStatus | None,
                 link_now: Callable[[], DecoderLink | None] = lambda: None) -> None:
        """A view from ``snapshot`` on; ``link_now`` asks the recording what it hears from its decoder now."""
        self.snapshot = snapshot  # the standings and everything else as they stood at subscription
        self.link = link  # the decoder link's last status then (None before the first)
        self._link_now = link_now
        self._queue: queue.SimpleQueue[Notice] = queue.SimpleQueue()
        self._close: Callable[[], None] = lambda: None

    def get(self, timeout: float | None = None) -> Notice | None:
        """The next notice, or None when none came within ``timeout`` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def drain(self) -> list[Notice]:
        """Every notice waiting now, oldest first (a screen's refresh tick)."""
        notices: list[Notice] = []
        while True:
            try:
                notices.append(self._queue.get_nowait())
            except queue.Empty:
                return notices

    def link_now(self) -> DecoderLink | None:
        """What the recording hears from its decoder now (None: not said yet), as it says beside its lock."""
        return self._link_now()

    def close(self) -> None:
        """Stop receiving notices."""
        self._close()
