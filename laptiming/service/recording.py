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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from hardware.capture import check_capture
from hardware.events import LinkState, LinkStatus
from hardware.reader import DecoderReader
from hardware.transports import transport_for_url
from hardware.urls import parse_decoder_url
from laptiming.engine import SessionEvent, SessionResult, SessionRules
from laptiming.errors import TimingError
from laptiming.service.entries import simulator_for_entries
from laptiming.service.live import LiveSession
from laptiming.service.lock import RecorderLock
from laptiming.service.watch import SetupWatcher
from laptiming.store import (
    SessionPhase,
    check_integrity,
    create_session,
    find_session,
    open_event_db,
    write_transaction,
)

WATCH_EVERY_S = 1.0  # how soon a change made in another terminal reaches the running session


@dataclass(frozen=True, slots=True)
class RecordingRequest:
    """What to time: the event database, the session's name, the decoder URL and the rules of a new session."""

    db_path: Path
    session_name: str
    decoder_url: str
    rules: SessionRules = SessionRules()
    enter_unknown: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """Background work that failed (a flag, an entry): the recording will not end with exit 0."""

    message: str


Notice = Sequence[SessionEvent] | LinkStatus | Problem


@dataclass(frozen=True, slots=True)
class RecordingOutcome:
    """How a recording ended: the results as they stand and whether the session is still open."""

    session_id: int
    result: SessionResult
    finished: bool
    problems: bool
    decoder_error: str | None


def _started_how(phase: SessionPhase | None) -> str:
    return {None: "recording", SessionPhase.PLANNED: "starting planned", SessionPhase.RUNNING: "resuming"}[phase]


def _find_or_create(request: RecordingRequest) -> tuple[int, str]:
    """The running or planned session of that name, or a new one: one write unit, so two recorders
    started at once on one name do not make two sessions. A damaged database is refused first."""
    db = open_event_db(request.db_path, create=True)
    try:
        check_integrity(db)
        with write_transaction(db):
            existing = find_session(db, request.session_name, (SessionPhase.RUNNING, SessionPhase.PLANNED))
            if existing is not None:
                return existing.session_id, _started_how(existing.phase)
            return create_session(db, request.session_name, request.rules), _started_how(None)
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
        self.finished_elsewhere = False
        self.lock: RecorderLock | None = None
        live.subscribe(self._notices.put)
        self.reader = DecoderReader(request.decoder_url, [live.on_decoder_event, self._on_link],
                                    last_seen=live.last_seen)
        self._watch_thread = threading.Thread(target=self._watch, name=f"setup-watch {session_id}", daemon=True)

    @classmethod
    def start(cls, request: RecordingRequest) -> Recording:
        """Check the source, find or make the session, resume its journal, and start reading.

        A bad URL, a bad capture file or a damaged database is refused before anything is written.
        ``sim://?from-db=1`` simulates the session's entered cars (their transponders).
        """
        request = replace(request, decoder_url=simulator_for_entries(request.decoder_url, request.db_path,
                                                                     request.session_name))
        url = parse_decoder_url(request.decoder_url)
        if url.scheme == "file":
            check_capture(url.target)
        transport_for_url(url)  # its options checked (sim://?cars=abc) before anything is written
        session_id, started_how = _find_or_create(request)
        lock = RecorderLock.acquire(request.db_path, session_id, request.session_name)  # one recorder per session
        try:
            live = LiveSession.open(request.db_path, session_id, enter_unknown=request.enter_unknown)
        except BaseException:
            lock.release()
            raise
        recording = cls(request, session_id, started_how, live)
        recording.lock = lock
        recording._watch_thread.start()
        recording.reader.start()
        return recording

    @property
    def passings_journaled(self) -> int:
        """Passings of this session on disk (what a resume starts from)."""
        return self.live.state.passing_count

    def notices(self, poll_s: float = 0.5) -> Iterator[Notice]:
        """Everything to show, in order, until the source ends, the journal fails or :meth:`stop` is called."""
        while not self._stopped.is_set():
            for problem in self.live.take_problems():
                yield Problem(problem)
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
        try:
            if self.live.writer.error is not None:
                raise self.live.writer.error
            self.live.writer.flush()
            for problem in self.live.take_problems():
                self._notices.put(Problem(problem))
            finishing = finish and not self.live.had_problems and self.reader.error is None
            if self.finished_elsewhere:  # passings that came in meanwhile are in the results too
                finishing, result = True, self.live.save_results()
            else:
                result = self.live.finish() if finishing else self.live.save_results()
        finally:
            self.live.close()
            if self.lock is not None:
                self.lock.release()
        for problem in self.live.take_problems():
            self._notices.put(Problem(problem))
        return RecordingOutcome(
            session_id=self.session_id,
            result=result,
            finished=finishing,
            problems=self.live.had_problems,
            decoder_error=None if self.reader.error is None else str(self.reader.error),
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

    def _on_link(self, event: object) -> None:
        if isinstance(event, LinkStatus):
            self.link_state = event.state
            self._notices.put(event)
            if event.state is LinkState.ENDED:
                self._notices.put(None)

    def _watch(self) -> None:
        """Take up flags, entries and corrections written by another terminal, within a second."""
        try:
            watcher = SetupWatcher(self.request.db_path, self.session_id)
        except TimingError as err:
            self.live.report_problem(f"cannot follow changes from other terminals: {err}")
            return
        try:
            self.live.reload_setup()  # anything changed between the resume and the watcher's first look
            while not self._stopped.wait(WATCH_EVERY_S):
                if watcher.changed() and self.live.reload_setup().result().markers.closed:
                    self.finished_elsewhere = True  # `laptiming finish` (or the app) ended the session
                    self.stop()
        except (TimingError, sqlite3.Error) as err:
            self.live.report_problem(f"cannot follow changes from other terminals: {err}")
        finally:
            watcher.close()
