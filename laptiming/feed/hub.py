"""One feed: a scoreboard and the server that sends what it says, publications numbered in order.

Every change goes through the hub's lock: the scoreboard is updated, its records numbered and
handed to the server in one step, so a client that connects gets a refresh at some number and
then exactly the publications after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from laptiming.engine import SessionEvent, SessionSetup
from laptiming.feed.rmonitor_records import FlagStatus, wire
from laptiming.feed.rmonitor_server import LineServer
from laptiming.feed.scoreboard import Scoreboard, idle_heartbeat


class FeedHub:
    """Holds the current scoreboard (None before any session) and publishes its records."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, max_buffer_bytes: int | None = None) -> None:
        self._lock = threading.Lock()
        self._seq = 0
        self.scoreboard: Scoreboard | None = None
        self.flag: FlagStatus | None = None  # the flag shown, when known better than the markers
        self.timed = True  # someone times the session (else its race clock stands at the latest passing)
        options = {} if max_buffer_bytes is None else {"max_buffer_bytes": max_buffer_bytes}
        self.server = LineServer(self.snapshot, host, port, **options)

    def start(self) -> FeedHub:
        """Start listening."""
        self.server.start()
        return self

    def close(self) -> None:
        """Stop listening and hang up."""
        self.server.close()

    def snapshot(self) -> tuple[int, bytes]:
        """What a new client is sent first: the full refresh and a heartbeat, with the publication number it covers."""
        with self._lock:
            if self.scoreboard is None:
                return self._seq, b""
            lines = [*self.scoreboard.refresh(), self.scoreboard.heartbeat(time.time_ns(), self.flag, self.timed)]
            return self._seq, wire(lines)

    def _publish(self, lines: Sequence[str]) -> None:
        if lines:
            self._seq += 1
            self.server.publish(self._seq, wire(lines))

    def new_session(self, scoreboard: Scoreboard, timed: bool = True) -> None:
        """A new session is followed (``timed``: by a recorder): ``$I`` (boards clear) and its refresh to everyone."""
        with self._lock:
            self.scoreboard = scoreboard
            self.flag = None  # the last session's flag is not this one's
            self.timed = timed
            self._publish(scoreboard.init(time.time_ns()))

    def apply(self, batches: Sequence[Sequence[SessionEvent]], setup: SessionSetup | None = None) -> None:
        """Batches of engine events, one per step (and the setup in force): the changed records to everyone."""
        with self._lock:
            if self.scoreboard is not None:
                lines: list[str] = []
                now = time.time_ns()
                for events in batches:
                    lines.extend(self.scoreboard.apply(events, setup, now))
                self._publish(lines)

    def tick(self, host_time_ns: int, flag: FlagStatus | None = None, timed: bool = True) -> None:
        """The once-a-second ``$F`` (``timed=False``: nobody times the running session, its clock stands)."""
        with self._lock:
            if flag is not None:
                self.flag = flag
            self.timed = timed
            if self.scoreboard is not None:
                self._publish([self.scoreboard.heartbeat(host_time_ns, self.flag, timed)])
            else:  # nothing running yet: the blank heartbeat Orbits sends before a session
                self._publish([idle_heartbeat(host_time_ns)])
