"""Driving a feed: from the database (another process) or from a live ``Recording`` (the same process).

Both run one thread that takes engine events as they come and sends the ``$F`` heartbeat once a
second; neither ever blocks the recorder (the database is only read; a subscription queues).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from laptiming.engine import SessionEvent, SessionSetup
from laptiming.service.follow import SessionChanged, SessionFollower, SessionStarted
from laptiming.feed.hub import FeedHub
from laptiming.feed.rmonitor_records import FlagStatus
from laptiming.feed.scoreboard import Scoreboard, Track
from laptiming.service.control import Flag
from laptiming.service.lock import lock_holder
from laptiming.service.recording import Subscription
from laptiming.store import SessionPhase, get_session

FOLLOW_EVERY_S = 0.05  # how often the database is looked at: the feed's share of a record's latency
HEARTBEAT_EVERY_S = 1.0
UNREADABLE_RETRY_S = 1.0  # how often an event database that cannot be read is tried again

log = logging.getLogger(__name__)
NS_PER_S = 1_000_000_000

FLAG_STATUS = {None: FlagStatus.NONE, Flag.GREEN: FlagStatus.GREEN, Flag.YELLOW: FlagStatus.YELLOW,
               Flag.RED: FlagStatus.RED, Flag.CHECKERED: FlagStatus.FINISH}


class _Pump:
    """A thread that calls :meth:`step` until stopped, and the hub's heartbeat once a second."""

    def __init__(self, hub: FeedHub, name: str) -> None:
        self.hub = hub
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.error: BaseException | None = None

    def start(self) -> _Pump:
        """Start the thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        self._thread.join(10)

    def step(self, wait_s: float) -> None:
        """Take what changed, waiting at most ``wait_s`` for it."""
        raise NotImplementedError

    def flag(self) -> FlagStatus | None:
        """The flag to show in the heartbeat (None: what the session's markers say)."""
        return None

    def timed(self) -> bool:
        """Whether someone times the session now (else the heartbeat's race clock stands at the latest passing)."""
        return True

    def _run(self) -> None:
        next_beat = time.monotonic()
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if now >= next_beat:
                    self.hub.tick(time.time_ns(), self.flag(), self.timed())
                    next_beat = max(next_beat + HEARTBEAT_EVERY_S, now)
                self.step(min(FOLLOW_EVERY_S, max(0.0, next_beat - time.monotonic())))
        except Exception as err:  # noqa: BLE001 - kept for the caller to report (the command: one line, exit 2)
            self.error = err


class DatabaseFeed(_Pump):
    """Follows the running session of an event database into a hub.

    While the database cannot be read (a copy half made over it, a disk gone), the feed says why once on its log,
    keeps the heartbeat going with the clock standing and the flag as last shown, and looks again each second;
    once it can read the database it follows it afresh (``$I``: boards clear and are painted again).
    """

    def __init__(self, hub: FeedHub, db_path: str | Path, track: Track = Track()) -> None:
        super().__init__(hub, "rmonitor-follow")
        self.db_path = Path(db_path)
        self.track = track
        self.follower: SessionFollower | None = None
        self.problem: str | None = None  # why the database cannot be read now
        self._retry_at = 0.0  # monotonic time of the next look at a database that could not be read

    def _unreadable(self, err: Exception) -> None:
        """The database cannot be read: say why (once per reason), drop the follower, look again later."""
        problem = str(err) or type(err).__name__
        if problem != self.problem:
            log.warning("cannot read %s (%s): the feed goes on, its clock standing, and reads it again each second",
                        self.db_path, problem)
        self.problem = problem
        self._retry_at = time.monotonic() + UNREADABLE_RETRY_S
        if self.follower is not None:
            self.follower.close()
            self.follower = None

    def step(self, wait_s: float) -> None:
        if self.problem is not None and time.monotonic() < self._retry_at:
            self._stop.wait(wait_s)  # the heartbeat keeps its second meanwhile
            return
        try:
            if self.follower is None:  # opened on this thread: SQLite connections stay on theirs
                self.follower = SessionFollower(self.db_path)
            change = self.follower.look()
        except Exception as err:  # noqa: BLE001 - any reason the file cannot be read now; said, then tried again
            self._unreadable(err)
            return
        if self.problem is not None:
            log.warning("%s can be read again: the feed follows it", self.db_path)
            self.problem = None
        if isinstance(change, SessionStarted):
            session = change.session
            self.hub.new_session(Scoreboard(session.session_id, session.name, change.state, self.track), self.timed())
        elif isinstance(change, SessionChanged):
            self.hub.apply(change.batches, change.setup)
        if change is None:
            self._stop.wait(wait_s)

    def flag(self) -> FlagStatus | None:
        if self.follower is None or self.follower.session_id is None:
            return None
        try:
            return FLAG_STATUS[self.follower.flag()]
        except Exception as err:  # noqa: BLE001 - as in step: the flag last shown stands
            self._unreadable(err)
            return None

    def timed(self) -> bool:
        """A running session is timed while a recorder holds its lock and hears its decoder, as the recorder says
        beside its lock; else the clock stands, as it does once the session is finished (Orbits stops its clock
        when a session is closed; it ran on after the checkered flag, as ours does, only while the session ran),
        and while the database cannot be read."""
        if self.problem is not None:
            return False
        if self.follower is None or self.follower.session_id is None:
            return True
        session_id = self.follower.session_id
        try:
            if get_session(self.follower.db, session_id).phase is not SessionPhase.RUNNING:
                return False
        except Exception as err:  # noqa: BLE001 - as in step
            self._unreadable(err)
            return False
        holder = lock_holder(self.db_path, session_id)
        return holder is not None and holder.hears_decoder

    def _run(self) -> None:
        try:
            super()._run()
        finally:
            if self.follower is not None:
                self.follower.close()


class SubscriptionFeed(_Pump):
    """Feeds a hub from a live ``Recording`` subscription in the same process (an API: no command uses it yet;
    ``run --rmonitor`` serves a :class:`DatabaseFeed` beside the app).

    ``setup_of`` returns the setup in force now (e.g. ``lambda: recording.live.state.setup``), so
    a green or checkered flag reaches the heartbeat and the times, and a new length reaches it even
    when no car crosses (a lap count set moves no row, so no event says it); ``flag_of`` (optional)
    the flag shown now, for yellow and red (which change no lap, so the setup does not carry them).
    """

    def __init__(self, hub: FeedHub, subscription: Subscription, run_no: int, run_name: str,
                 setup_of: Callable[[], SessionSetup], track: Track = Track(),
                 flag_of: Callable[[], FlagStatus | None] | None = None) -> None:
        super().__init__(hub, "rmonitor-live")
        self.subscription = subscription
        self.setup_of = setup_of
        self.flag_of = flag_of
        self._setup = subscription.snapshot.setup  # the setup the hub was last given
        hub.new_session(Scoreboard(run_no, run_name, subscription.snapshot, track))

    def step(self, wait_s: float) -> None:
        notice = self.subscription.get(timeout=wait_s)
        batches: list[Sequence[SessionEvent]] = []
        while notice is not None:
            if isinstance(notice, Sequence):
                batches.append(notice)
            notice = self.subscription.get(timeout=0) if len(batches) < 10_000 else None
        setup = self.setup_of()
        if batches or setup != self._setup:
            self._setup = setup
            self.hub.apply(batches or [()], setup)  # an empty batch carries the setup alone

    def flag(self) -> FlagStatus | None:
        """The flag shown now, for yellow and red (None: what the setup says)."""
        return None if self.flag_of is None else self.flag_of()

    def timed(self) -> bool:
        """Whether the recording hears its decoder now, as it says itself (same process: no lock file read); the
        clock stands while it does not, as the database feed's does when the recorder says so in its lock."""
        link = self.subscription.link_now()
        return link is None or link.heard

    def stop(self) -> None:
        """Stop the thread and unsubscribe."""
        super().stop()
        self.subscription.close()
