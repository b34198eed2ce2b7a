"""The running session, followed from the event database and broadcast to every web client.

One thread follows the database (read-only, incrementally, through the service's ``SessionFollower``)
and turns what changed into server-sent event messages, encoded once for all clients. The event
loop fans each message out through per-client bounded queues: a client that falls behind skips
to the latest snapshot instead of holding anyone up.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from laptiming import engine
from laptiming.clockmap import ClockMap
from laptiming.engine import PassingJudged, SessionState, StandingRow, leader_laps
from laptiming.service.follow import SessionChanged, SessionFollower, SessionStarted
from laptiming.service.control import Flag, current_flag
from laptiming.service.day import day_sessions
from laptiming.service.lock import LockHolder, lock_holder
from laptiming.service.web_feed import EventKind
from laptiming.store import SessionPhase, SessionRecord, get_session, list_sessions, load_passings, load_setup
from laptiming.web.views import Json, next_json, row_json, session_json

FOLLOW_EVERY_S = 0.05  # how often the database is looked at: the page's share of an update's latency
HEADER_EVERY_S = 1.0  # phase, flag, who times it and the running race clock are read again this often
KEEPALIVE_EVERY_S = 15.0  # a ping, so proxies keep an idle stream open and a page can tell a dead one from a quiet one
RETRY_MS = 1000  # what EventSource waits before it reconnects
CLIENT_QUEUE = 32  # messages a client may have waiting before it is moved on to the latest snapshot
# An event, not a comment: EventSource hands a page no comment, and a connection cut without a word (a dead Wi-Fi
# path) would look to it just like a quiet track; the page reconnects when it has heard nothing for some pings.
KEEPALIVE = b"event: ping\ndata: {}\n\n"
FIRST_LOOK_WAIT_S = 10.0  # the longest the server waits at start for the first picture before it answers


@dataclass(frozen=True, slots=True)
class Picture:
    """What the page shows now: the session header (None before any session) and the rows in order, the
    session planned next while none runs (``next``: before the first, or over the last one's results), and why
    the database cannot be read (``problem``)."""

    seq: int = 0
    session: Json | None = None
    rows: tuple[Json, ...] = ()
    next: Json | None = None
    problem: str | None = None

    def snapshot(self) -> Json:
        """The ``snapshot`` event's data (and ``/api/standings``)."""
        return {"seq": self.seq, "session": self.session, "rows": list(self.rows), "next": self.next,
                "problem": self.problem}


def sse(kind: EventKind, seq: int, data: Json, retry_ms: int | None = None) -> bytes:
    """One server-sent event: name, id, optional retry, and the data as compact JSON on one line."""
    retry = "" if retry_ms is None else f"retry: {retry_ms}\n"
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return f"event: {kind.value}\nid: {seq}\n{retry}data: {body}\n\n".encode()


def changes(old: Picture, session: Json | None, rows: Sequence[Json]) -> Json:
    """The ``change`` event's data from the picture before: changed rows, the order if it moved, cars gone."""
    before = {row["car_id"]: row for row in old.rows}
    order = [row["car_id"] for row in rows]
    data: Json = {"seq": old.seq + 1, "session": session,
                  "rows": [row for row in rows if before.get(row["car_id"]) != row]}
    if order != [row["car_id"] for row in old.rows]:
        data["order"] = order
    gone = sorted(set(before) - set(order))
    if gone:
        data["removed"] = gone
    return data


class Broadcaster:
    """Per-client bounded queues on one event loop; ``publish`` and ``close`` run on that loop."""

    def __init__(self, queue_size: int = CLIENT_QUEUE) -> None:
        self.queue_size = queue_size
        self._clients: set[asyncio.Queue[bytes | None]] = set()
        self._snapshot = sse(EventKind.SNAPSHOT, 0, Picture().snapshot(), RETRY_MS)
        self.skipped = 0  # times a client was behind and moved on to the snapshot
        self.closed = False

    @property
    def clients(self) -> int:
        """How many clients are connected."""
        return len(self._clients)

    def subscribe(self) -> asyncio.Queue[bytes | None]:
        """A new client's queue, the latest snapshot already in it (None in it means: the server stops)."""
        client: asyncio.Queue[bytes | None] = asyncio.Queue(self.queue_size)
        client.put_nowait(None if self.closed else self._snapshot)
        self._clients.add(client)
        return client

    def unsubscribe(self, client: asyncio.Queue[bytes | None]) -> None:
        """Forget a client that went away."""
        self._clients.discard(client)

    def publish(self, message: bytes, snapshot: bytes | None) -> None:
        """Queue a message for everyone (and keep the snapshot it leads to); a full queue gets the snapshot only."""
        if snapshot is not None:
            self._snapshot = snapshot
        for client in self._clients:
            if client.full():
                while not client.empty():
                    client.get_nowait()
                client.put_nowait(self._snapshot)
                self.skipped += 1
            else:
                client.put_nowait(message)

    def close(self) -> None:
        """Tell every client the stream ends (the server is stopping)."""
        self.closed = True
        for client in self._clients:
            while not client.empty():
                client.get_nowait()
            client.put_nowait(None)


def recorder_now(db_path: Path, record: SessionRecord) -> LockHolder | None:
    """The recorder timing this running session now (None: nobody, and the page says timing stopped), with what
    it last said it hears from its decoder."""
    return lock_holder(db_path, record.session_id) if record.phase is SessionPhase.RUNNING else None


def running(session: Json | None) -> bool:
    """Whether a session header is of a running session (else the page also names the one planned next)."""
    return session is not None and session.get("phase") == SessionPhase.RUNNING.value


def _elapsed(state: SessionState) -> int | None:
    green = state.setup.markers.green_us
    return None if green is None or state.latest_us is None else max(0, state.latest_us - green)


class LiveResults:
    """A thread that follows the running session (else shows the newest finished one) into a broadcaster."""

    def __init__(self, db_path: str | Path, broadcaster: Broadcaster, loop: asyncio.AbstractEventLoop) -> None:
        self.db_path = Path(db_path)
        self.broadcaster = broadcaster
        self.loop = loop
        self.picture = Picture()
        self._clock = ClockMap()  # host time -> decoder time, learned from the followed session's passings
        self.error: str | None = None  # the last reason the database could not be read
        self.ready = threading.Event()  # the database looked at once: the first picture made (or the error kept)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="web-follow", daemon=True)

    def start(self) -> LiveResults:
        """Start following."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop following and wait for the thread."""
        self._stop.set()
        self._thread.join(10)

    def _send(self, kind: EventKind, session: Json | None, rows: Sequence[Json], next_up: Json | None = None) -> None:
        """Tell every client the new picture (with the database's problem now, and the next session while none
        runs), as a full snapshot or as the changes from the last one."""
        new = Picture(self.picture.seq + 1, session, tuple(rows), None if running(session) else next_up, self.error)
        data = (new.snapshot() if kind is EventKind.SNAPSHOT
                else {**changes(self.picture, session, rows), "next": new.next, "problem": new.problem})
        self.picture = new
        snapshot = sse(EventKind.SNAPSHOT, self.picture.seq, self.picture.snapshot(), RETRY_MS)
        message = snapshot if kind is EventKind.SNAPSHOT else sse(kind, self.picture.seq, data)
        self._hand_over(message, snapshot)

    def _hand_over(self, message: bytes, snapshot: bytes | None) -> None:
        try:
            self.loop.call_soon_threadsafe(self.broadcaster.publish, message, snapshot)
        except RuntimeError:  # the loop has closed: the server is stopping
            self._stop.set()

    def _race_clock_us(self, state: SessionState, flag: Flag | None, timing: bool) -> int | None:
        """Race time now while the clock runs (timed, before the checkered flag), on the decoder's clock as the
        RMonitor heartbeat's; else at the latest passing. A quiet track or a red flag no longer holds it back."""
        at_latest = _elapsed(state)
        green = state.setup.markers.green_us
        if at_latest is None or green is None or not timing or flag is Flag.CHECKERED:
            return at_latest
        now_us = self._clock.decoder_time_us(time.time_ns())
        return at_latest if now_us is None else max(at_latest, now_us - green)

    def _session_header(self, record: SessionRecord, state: SessionState, flag: Flag | None) -> Json:
        holder = recorder_now(self.db_path, record)
        heard = holder is not None and holder.hears_decoder  # else the clock stands at the latest passing
        return session_json(record, flag, _elapsed(state), holder is not None, self._race_clock_us(state, flag, heard),
                            None if holder is None else holder.decoder, holder is not None and holder.journal_held,
                            leader_laps(state.standings))

    def _next_up(self, follower: SessionFollower, session: Json | None) -> Json | None:
        """While no session runs (``session``, the header shown, is none or not running): the one planned next,
        as the Day screen marks it (None if none, or while one runs)."""
        return None if running(session) else next_json(day_sessions(follower.db))

    def _header(self, follower: SessionFollower) -> Json | None:
        if follower.session_id is None or follower.state is None:
            return self.picture.session
        return self._session_header(get_session(follower.db, follower.session_id), follower.state, follower.flag())

    def _newest_finished(self, follower: SessionFollower) -> None:
        """Before any session runs: the newest finished one's results, as the board shows them."""
        sessions = list_sessions(follower.db)
        finished = [r for r in sessions if r.phase is SessionPhase.FINISHED]
        if not finished or any(r.phase is SessionPhase.RUNNING for r in sessions):
            return
        record = finished[-1]
        setup = load_setup(follower.db, record.session_id)
        state = engine.start(setup, load_passings(follower.db, record.session_id))
        header = session_json(record, current_flag(follower.db, record.session_id), _elapsed(state),
                              leader_laps=leader_laps(state.standings))
        self._send(EventKind.SNAPSHOT, header, self._rows(state.standings), self._next_up(follower, header))

    def _rows(self, standings: Sequence[StandingRow]) -> list[Json]:
        return [row_json(row) for row in standings]

    def _follow(self, follower: SessionFollower) -> None:
        if self.picture.problem is not None:  # the database can be read again: the page says so at once
            self._send(EventKind.CHANGE, self.picture.session, self.picture.rows,
                       self._next_up(follower, self.picture.session))
        self._newest_finished(follower)
        next_header = 0.0
        next_ping = time.monotonic() + KEEPALIVE_EVERY_S
        while not self._stop.is_set():
            change = follower.look()
            if isinstance(change, SessionStarted):
                self._clock = ClockMap().learn_all(p for passings in change.state.raw.values() for p in passings)
                header = self._session_header(change.session, change.state, follower.flag())
                self._send(EventKind.SNAPSHOT, header, self._rows(change.state.standings))
            elif isinstance(change, SessionChanged) and follower.state is not None:
                self._clock = self._clock.learn_all(event.verdict.passing for batch in change.batches
                                                    for event in batch if isinstance(event, PassingJudged))
                self._send(EventKind.CHANGE, self._header(follower), self._rows(follower.state.standings))
            now = time.monotonic()
            if now >= next_header:  # the flag, the phase, whether anyone times it, and the running clock
                next_header = now + HEADER_EVERY_S
                header = self._header(follower)
                next_up = self._next_up(follower, header)
                if header != self.picture.session or next_up != self.picture.next:
                    self._send(EventKind.CHANGE, header, self.picture.rows, next_up)
            if now >= next_ping:
                next_ping = now + KEEPALIVE_EVERY_S
                self._hand_over(KEEPALIVE, None)
            if not self.ready.is_set():
                self.ready.set()
            if change is None:
                self._stop.wait(FOLLOW_EVERY_S)

    def _run(self) -> None:
        while not self._stop.is_set():
            follower = None
            try:  # opened on this thread: SQLite connections stay on theirs
                follower = SessionFollower(self.db_path)
                self.error = None
                self._follow(follower)
            except Exception as err:  # noqa: BLE001 - the page keeps what it showed, says why; try again shortly
                self.error = str(err).replace(str(self.db_path), self.db_path.name)  # no folder of this laptop to phones
                if self.picture.problem != self.error:
                    self._send(EventKind.CHANGE, self.picture.session, self.picture.rows, self.picture.next)
                self.ready.set()
                self._stop.wait(HEADER_EVERY_S)
            finally:
                if follower is not None:
                    follower.close()
