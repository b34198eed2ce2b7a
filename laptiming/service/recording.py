"""Running a session from a decoder: the one place that wires a reader, a live session and the database.

Every front end (the command line, the app, tests) times a session through :class:`Recording`:

    recording = Recording.start(RecordingRequest(db, "Practice 1", "tcp://10.0.0.5:5403"))
    for notice in recording.notices():      # session events, link changes, problems, in order
        ...                                 # show them; ``recording.stop()`` from any thread ends it
    outcome = recording.close(finish=True)  # the one finish policy

Nothing here prints: notices are values the caller presents. Notices wait in a queue per
recording, so a slow screen never delays a commit.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from hardware.capture import check_capture, check_passings, with_capture_protocol
from hardware.events import DecoderStatus, LinkState, LinkStatus
from hardware.reader import DecoderReader
from hardware.transports import transport_for_url
from hardware.urls import parse_decoder_url
from laptiming.engine import SessionEvent, SessionResult, SessionRules
from laptiming.errors import InputError, StoreError, TimingError
from laptiming.service.control import Flag
from laptiming.service.decoder_link import DecoderLink, decoder_link
from laptiming.service.decoder_lock import DecoderLock
from laptiming.service.entries import FROM_DB_OPTION, simulator_for_entries
from laptiming.service.length import take_asked_rules
from laptiming.service.live import LiveSession
from laptiming.service.missing import MissingPassings
from laptiming.service.lock import RecorderLock
from laptiming.service.sim_stream import continue_simulator
from laptiming.service.subscription import Notice, Problem, Subscription
from laptiming.service.watch import SetupWatcher
from laptiming.store import (
    SessionPhase,
    check_integrity,
    check_session_name,
    create_session,
    find_session,
    open_event_db,
    write_transaction,
)
from laptiming.store.gaps import Gaps
from laptiming.store.writer import STOP_RETRY_S

WATCH_EVERY_S = 1.0  # how soon a change made in another terminal reaches the running session


@dataclass(frozen=True, slots=True)
class RecordingRequest:
    """What to time: the event database, the session's name, the decoder URL and the rules asked for (None: a
    session's own, or the defaults for a new one; given, they are a new or planned session's, see
    :func:`_find_or_create`)."""

    db_path: Path
    session_name: str
    decoder_url: str
    rules: SessionRules | None = None
    enter_unknown: bool = False
    program: str = "laptiming record"  # who is timing, as a second recorder is told


@dataclass(frozen=True, slots=True)
class RecordingOutcome:
    """How a recording ended: the results as they stand and whether the session is still open."""

    session_id: int
    result: SessionResult
    finished: bool
    problems: bool
    decoder_error: str | None
    link: LinkStatus  # the decoder link as it ended: frames decoded, and dropped by reason


@dataclass(frozen=True, slots=True)
class JournalTrouble:
    """Why the journal cannot be written: passings held in memory and retried, or (stopped) given up."""

    message: str
    held: int
    stopped: bool


def check_decoder_url(decoder_url: str) -> None:
    """Parse a decoder URL and make its transport without opening it (a capture file is read through), so
    a bad URL is one clear error before an app starts or anything is written; ``from-db`` is the service's.
    A capture with no passing in it is refused as ``replay`` refuses it: timed, it would make an empty session."""
    url = with_capture_protocol(parse_decoder_url(decoder_url))
    if url.scheme == "file":
        check_capture(url.target, url.protocol)
        check_passings(url.target, url.protocol)
    without_db = {name: value for name, value in url.params.items() if name != FROM_DB_OPTION}
    transport_for_url(replace(url, params=without_db))  # its options checked (sim://?cars=abc)


def _started_how(phase: SessionPhase | None) -> str:
    return {None: "recording", SessionPhase.PLANNED: "starting planned", SessionPhase.RUNNING: "resuming"}[phase]


def _find_or_create(request: RecordingRequest) -> tuple[int, str]:
    """The running or planned session of that name, or a new one: one write unit, so two recorders
    started at once on one name do not make two sessions. A damaged database is refused first, and so
    is the name of a finished session (a second "Race 1" would make every later command ambiguous)."""
    db = open_event_db(request.db_path, create=True)
    try:
        check_integrity(db)
        with write_transaction(db):
            existing = find_session(db, request.session_name, (SessionPhase.RUNNING, SessionPhase.PLANNED))
            if existing is not None:
                take_asked_rules(db, existing, request.rules)
                return existing.session_id, _started_how(existing.phase)
            finished = find_session(db, request.session_name, (SessionPhase.FINISHED,))
            if finished is not None:
                raise InputError(f"session {finished.session_id} ({finished.name}) is finished: to time it again, "
                                 f"laptiming finish --db {request.db_path} --session {finished.session_id} --resume "
                                 "--by WHO --reason WHY; for a new session, give it a new name")
            return create_session(db, request.session_name, request.rules or SessionRules()), _started_how(None)
    finally:
        db.close()


class Recording:
    """One session being timed from one decoder. Start it with :meth:`start`."""

    def __init__(self, request: RecordingRequest, session_id: int, started_how: str, live: LiveSession) -> None:
        self.request = request
        self.session_id = session_id
        self.started_how = started_how  # "recording", "starting planned" or "resuming"
        self.live = live
        self._notices: queue.SimpleQueue[Notice | None] = queue.SimpleQueue()
        self._stopped = threading.Event()
        self.link_state: LinkState | None = None
        self.link: LinkStatus | None = None
        self._connected_ns: int | None = None  # host time the link last connected (silence counts from then)
        self._link_told: tuple[DecoderLink | None, bool] | None = None  # last said beside the lock: link, held
        self.decoder_status: DecoderStatus | None = None  # the decoder's latest STATUS (loop noise, ...)
        self._subscriptions: list[Subscription] = []  # copied on change, never changed in place
        self.finished_elsewhere = False
        self.flag_shown: Flag | None = None  # as the control log says, any program's; read every WATCH_EVERY_S
        self.lock: RecorderLock | None = None
        self.decoder_lock: DecoderLock | None = None  # None for a capture or the simulator in process
        self._missing = MissingPassings(request.db_path)
        live.subscribe(self._notices.put)
        live.add_problem_listener(self._on_problem)
        self.reader = DecoderReader(request.decoder_url, [self._on_link], read_listeners=[live.on_decoder_read],
                                    last_seen=live.last_seen, gaps=live.journal_gaps)
        self._watch_thread = threading.Thread(target=self._watch, name=f"setup-watch {session_id}", daemon=True)

    @classmethod
    def start(cls, request: RecordingRequest) -> Recording:
        """Check the source, find or make the session, resume its journal, and start reading.

        A bad URL, a bad capture file or a damaged database is refused before anything is written, and so
        is a decoder already timing another session into this database (:mod:`laptiming.service.decoder_lock`).
        ``sim://?from-db=1`` simulates the session's entered cars (their transponders); a ``sim://``
        decoder moves on past what the journal holds of it, or resumes its session's own stream.
        """
        check_session_name(request.session_name)  # before the database is made or read
        check_decoder_url(request.decoder_url)  # as given: refused before the database is read
        url_text = simulator_for_entries(request.decoder_url, request.db_path, request.session_name)
        url_text = continue_simulator(url_text, request.db_path, request.session_name)
        if url_text != request.decoder_url:  # a simulator told what the event holds: the options it was given
            request = replace(request, decoder_url=url_text)
            check_decoder_url(url_text)  # (a capture is read through once, not twice)
        decoder_lock = DecoderLock.take(request.db_path, request.decoder_url, request.session_name,
                                        program=request.program)  # one session per decoder: before anything is written
        lock: RecorderLock | None = None
        try:
            session_id, started_how = _find_or_create(request)
            if decoder_lock is not None:
                decoder_lock.timing(session_id)
            lock = RecorderLock.acquire(request.db_path, session_id, request.session_name,
                                         program=request.program)  # one recorder per session
            live = LiveSession.open(request.db_path, session_id, enter_unknown=request.enter_unknown)
        except BaseException:
            for taken in (decoder_lock, lock):
                if taken is not None:
                    taken.release()
            raise
        recording = cls(request, session_id, started_how, live)
        recording.lock, recording.decoder_lock = lock, decoder_lock
        recording._watch_thread.start()
        recording.reader.start()
        return recording

    @property
    def passings_journaled(self) -> int:
        """Passings of this session on disk (what a resume starts from)."""
        return self.live.state.passing_count

    def subscribe(self, timeout: float | None = 10.0) -> Subscription:
        """A new view of this recording: a consistent snapshot, then every notice after it (see :class:`Subscription`)."""
        subscription = Subscription(self.live.state, self.link, self.link_now)

        def on_events(events: Sequence[SessionEvent]) -> None:
            subscription._queue.put(events)

        snapshot, unsubscribe = self.live.subscribe_with_snapshot(on_events, timeout)
        subscription.snapshot = snapshot
        subscription.link = self.link

        def close() -> None:
            unsubscribe()
            self._subscriptions = [s for s in self._subscriptions if s is not subscription]

        subscription._close = close
        self._subscriptions = [*self._subscriptions, subscription]
        return subscription

    def notices(self, poll_s: float = 0.5) -> Iterator[Notice]:
        """Everything to show, in order, until the source ends, the journal fails or :meth:`stop` is called."""
        while not self._stopped.is_set():
            if self.live.writer.error is not None:  # the journal cannot be written: stop reading
                return
            try:
                notice = self._notices.get(timeout=poll_s)
            except queue.Empty:
                continue
            if notice is None:
                return
            yield notice

    def stop(self) -> None:
        """End :meth:`notices` (any thread; Ctrl-C, a button, SIGTERM)."""
        self._stopped.set()
        self._notices.put(None)

    def close(self, *, finish: bool) -> RecordingOutcome:
        """Stop reading, journal what is queued, then finish the session or save its results as they
        stand. A session with failed background work, or whose decoder failed, is never finished."""
        self._stopped.set()
        self.reader.stop()
        self.reader.join(5)
        self._watch_thread.join(5)
        writer = self.live.writer
        written = False
        try:
            if writer.error is not None:
                raise writer.error
            # passings held for a lock another program keeps, or a full disk, get their chance first: anything
            # else asked of the writer now would be refused behind them
            written = writer.wait_written(STOP_RETRY_S)
            if written:
                writer.flush()
                finishing = self.finished_elsewhere or (finish and not self.live.had_problems
                                                        and self.reader.error is None)
                # finished elsewhere (`laptiming finish`, the app): finish() keeps that and adds the late passings
                result = self.live.finish() if finishing else self.live.save_results()
        finally:
            self.live.close(retry_s=STOP_RETRY_S if written else 0)  # not waited for twice
            if self.decoder_lock is not None:  # the decoder first: once the session is let go, it is free
                self.decoder_lock.release()
            if self.lock is not None:
                self.lock.release()
        if not written:  # the writer says how many passings it could not journal, and how to get them back
            raise writer.error or StoreError(f"{self.request.db_path}: the journal could not be written")
        return RecordingOutcome(
            session_id=self.session_id,
            result=result,
            finished=finishing,
            problems=self.live.had_problems,
            decoder_error=None if self.reader.error is None else str(self.reader.error),
            link=self.reader.status,
        )

    def pending_notices(self) -> list[Notice]:
        """What was queued but not yet taken (after :meth:`close`: the last changes and problems)."""
        pending: list[Notice] = []
        while True:
            try:
                notice = self._notices.get_nowait()
            except queue.Empty:
                return pending
            if notice is not None:
                pending.append(notice)

    def health(self) -> LinkStatus:
        """The decoder link right now: state, last packet, frames decoded and dropped (a screen's health line)."""
        return self.reader.status

    def missing_passings(self) -> Gaps:
        """Passing numbers the decoder gave that this session never got, per decoder (one caller thread)."""
        return self._missing.now(self.live.state)

    def journal_trouble(self) -> JournalTrouble | None:
        """Why the journal cannot be written now (a screen's alert), or None while commits succeed."""
        writer = self.live.writer
        if writer.error is not None:
            return JournalTrouble(str(writer.error), writer.unwritten, True)
        blocked = writer.blocked
        return None if blocked is None else JournalTrouble(str(blocked), writer.unwritten, False)

    def _on_link(self, event: object) -> None:
        if isinstance(event, DecoderStatus):  # loop noise and the like: for screens, not for the log
            self.decoder_status = event
            for subscription in self._subscriptions:
                subscription._queue.put(event)
        if isinstance(event, LinkStatus):
            self.link_state = event.state
            self.link = event
            if event.state is LinkState.CONNECTED:
                self._connected_ns = time.time_ns()
            self._notices.put(event)
            for subscription in self._subscriptions:
                subscription._queue.put(event)
            if event.state is LinkState.ENDED:
                self._notices.put(None)

    def _on_problem(self, message: str) -> None:
        problem = Problem(message)
        self._notices.put(problem)
        for subscription in self._subscriptions:
            subscription._queue.put(problem)

    def link_now(self) -> DecoderLink | None:
        """What the recorder hears from its decoder now (None: not yet tried), said beside its lock and to its feeds."""
        return decoder_link(self.reader.status, self._connected_ns, time.time_ns())

    def _tell_link(self) -> None:
        """Write the decoder link beside the lock when it changed (the page and the feed read it there)."""
        said = (self.link_now(), self.live.writer.blocked is not None)  # passings held: the viewers' standings lag
        if said != self._link_told and self.lock is not None:
            try:
                self.lock.tell(*said)
            except OSError:  # a full disk: said again next second; timing goes on regardless
                return
            self._link_told = said

    def _watch(self) -> None:
        """Take up flags, entries and corrections written by another terminal, and tell the decoder link, each second."""
        try:
            watcher = SetupWatcher(self.request.db_path, self.session_id)
        except TimingError as err:
            self.live.report_problem(f"cannot follow changes from other terminals: {err}")
            return
        changed = True  # anything changed between the resume and the watcher's first look
        missed: Exception | None = None
        moved: str | None = None
        try:
            while True:
                self._tell_link()
                if moved is None and (moved := watcher.files_moved()) is not None:
                    self.live.report_problem(f"{moved} while the session was timed: what is written from now on "
                                             "does not reach that path; stop, put the database back, and record "
                                             "again (a decoder on TCP resends what it holds)")
                try:
                    self.flag_shown = watcher.shown_flag(self.live.state)  # a yellow or red changes no setup
                    if watcher.changed() or changed:
                        changed = True  # until taken up: the fingerprint says a change only once
                        closed = self.live.reload_setup().result().markers.closed
                        changed, missed = False, None
                        if closed:
                            self.finished_elsewhere = True  # `laptiming finish` (or the app) ended the session
                            self.stop()
                except (TimingError, sqlite3.Error) as err:
                    # The journal cannot be written for now (a full disk, a lock held too long): the
                    # writer holds the passings and says so; the change is taken up once it writes again.
                    missed = err
                if self._stopped.wait(WATCH_EVERY_S):
                    break
        finally:
            watcher.close()
        if changed and missed is not None:
            self.live.report_problem(f"a change made in another terminal was not taken up ({missed})")
