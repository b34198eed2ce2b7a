"""Every call the app makes into the timing service and the store, in one place.

The screens never import the service directly: they hold a :class:`Timing` and call it. Flags and
finish go through ``service.control``, walk-up entries through ``service.entries``, the decoder's
health through ``Recording.health()``; the day, results and making them official are
:class:`~laptiming.app.event_db.EventDatabase`'s, which a :class:`Timing` is. Blocking calls are made
from workers.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from hardware.events import DecoderEvent, DecoderStatus, LinkStatus, Passing
from laptiming.app.event_db import EventDatabase, FlagShown
from laptiming.engine import SessionRules, SessionState
from laptiming.errors import InputError, TimingError
from laptiming.service import Recording, RecordingOutcome, RecordingRequest
from laptiming.service.clocktime import DecoderClock, DecoderTime, parse_decoder_time
from laptiming.service.control import Flag as ControlFlag
from laptiming.service.control import ResultsStatus, current_flag, finish_session, show_flag
from laptiming.service.corrections import CorrectionRequest
from laptiming.service.decoder_link import SILENT_AFTER_S, DecoderLink
from laptiming.service.entries import WalkUpEntry, WalkUpResult, enter_walk_up
from laptiming.service.length import LengthChange, LengthSet, set_length
from laptiming.service.recording import JournalTrouble, Subscription
from laptiming.store import CorrectionRecord, SessionPhase, SessionRecord, error_text, open_event_db

__all__ = ["FlagShown", "Health", "NO_SESSION_TO_CORRECT", "ResultsStatus", "SILENT_AFTER_S", "Timing",
           "WalkUpEntry", "WalkUpResult"]  # what the screens take from here

DEFAULT_RULES = SessionRules()  # a new session started by name (frozen: one instance serves every call)
NO_SESSION_TO_CORRECT = "no session running (corrections to finished sessions: laptiming correct)"
LIVE_WAIT_S = 10.0  # how long a worker waits for the running session to take up a change made in the database


@dataclass(frozen=True, slots=True)
class Health:
    """The decoder link as the health line shows it."""

    link: LinkStatus | None
    seconds_since_packet: float | None
    noise: int | None
    dropped: int


class Timing(EventDatabase):
    """The running session (if any) of one event database on one decoder URL."""

    def __init__(self, db_path: Path, decoder_url: str, *, enter_unknown: bool = False,
                 url_for: Callable[[Path, SessionRecord], str] | None = None,
                 slip_printer: Callable[[int], str] | None = None) -> None:
        super().__init__(db_path)
        self.slip_printer = slip_printer  # prints a session's slips by id, says where (given by the command line)
        self.decoder_url = decoder_url
        self.url_for = url_for  # the demo: a decoder URL made for each session
        self.enter_unknown = enter_unknown
        self.recording: Recording | None = None
        self.record: SessionRecord | None = None
        self.starting: str | None = None  # the session being started (the decoder opened, the journal read)
        self._noise: int | None = None

    def print_slips(self, session_id: int) -> str:
        """Every driver's slip of a session through the slip printer this app was given (a printer that is
        off keeps the job: PrinterError); where they went. Blocks: call it from a worker."""
        if self.slip_printer is None:
            raise InputError("no slip printer was given to this screen")
        return self.slip_printer(session_id)

    # -- running one session ------------------------------------------------------------------
    def start(self, record: SessionRecord, rules: SessionRules | None = None) -> Subscription:
        """Start (or resume) timing this session on the decoder; the subscription feeds the screens. ``rules``:
        those of a new session (None: a session's own, as stored, or the defaults for a new one)."""
        if self.recording is not None:
            raise TimingError(f"session {self.record.name if self.record else ''} is still running; finish it first")
        self.starting = record.name  # a resume reads the journal first: the header says what is coming meanwhile
        try:
            url = self.decoder_url if self.url_for is None else self.url_for(self.db_path, record)
            request = RecordingRequest(self.db_path, record.name, url, rules, self.enter_unknown,
                                       program="laptiming app")
            recording = Recording.start(request)
        finally:
            self.starting = None
        recording.reader.add_listener(self._on_decoder_event)
        if record.session_id != recording.session_id:  # a new session: its record as stored
            record = next(r for r in self.sessions() if r.session_id == recording.session_id)
        self.recording, self.record = recording, record
        return recording.subscribe()

    def start_new(self, name: str, rules: SessionRules | None = None) -> Subscription:
        """Start a new session of this name (or resume the running or planned one that has it)."""
        return self.start(SessionRecord(0, name, rules or DEFAULT_RULES, SessionPhase.PLANNED, None, None), rules)

    def _on_decoder_event(self, event: DecoderEvent) -> None:
        if isinstance(event, DecoderStatus) and event.noise is not None:
            self._noise = event.noise

    @property
    def state(self) -> SessionState | None:
        """The running session's engine state (immutable; any thread)."""
        return None if self.recording is None else self.recording.live.state

    def _passings(self) -> list[Passing]:
        """The running session's passings in memory: what its decoder clock is learned from."""
        state = self.state
        return [] if state is None else [p for crossings in state.raw.values() for p in crossings]

    def _typed_time(self, text: str, field: str) -> DecoderTime:
        """A time the official typed, read on the running session's passings in memory (no I/O: UI thread)."""
        where = "the session" if self.record is None else f"session {self.record.session_id} ({self.record.name})"
        return parse_decoder_time(text, self._passings(), field=field, where=where)

    def read_time(self, text: str, field: str) -> int:
        """A time the official typed: decoder µs, or a time of day on the running session's decoder clock,
        converted exactly from the passings in memory (no I/O: safe on the UI thread)."""
        return self._typed_time(text, field).decoder_time_us

    def time_note(self, text: str, field: str) -> str:
        """What to say about a time the official typed that lies over an hour from the running session's passings
        (``04:01`` typed for ``09:01``), as ``laptiming correct`` notes it; "" when it lies among them (UI thread)."""
        return self._typed_time(text, field).far

    def decoder_clock(self) -> DecoderClock | None:
        """The running session's decoder clock, learned from the same passings as :meth:`read_time`, so a
        time shown with it types back to the same decoder µs; None before the first passing (UI thread)."""
        passings = self._passings()
        return DecoderClock.learn(passings) if passings else None

    def decoder_now_us(self) -> int | None:
        """Now on the decoder's clock (learned from the passings), for the session clock."""
        if self.recording is None:
            return None
        return self.recording.live.clock.decoder_time_us(time.time_ns())

    def source_ended(self) -> bool:
        """The running session's source has ended (a capture read to its end, a simulator's last car): no more
        time passes on its decoder clock, so the session clock stands at the latest passing, as on the page.
        A decoder away (reconnecting, silent) is not: the session goes on on track, and its clock with it."""
        return self.recording is not None and self.recording.link_now() is DecoderLink.ENDED

    def health(self) -> Health:
        """The decoder link right now."""
        if self.recording is None:
            return Health(None, None, None, 0)
        status = self.recording.health()
        since = None if status.last_packet_ns is None else (time.time_ns() - status.last_packet_ns) / 1e9
        link = self.recording.link or status
        return Health(LinkStatus(status.source, link.state, status.last_packet_ns, status.frames_decoded,
                                 status.frames_dropped, link.detail), since, self._noise,
                      sum(status.frames_dropped.values()))

    def missing_passings(self) -> dict[int, list[tuple[int, int]]]:
        """Passing numbers the decoder gave that the running session never got, per decoder (UI thread)."""
        return {} if self.recording is None else self.recording.missing_passings()

    def journal_trouble(self) -> JournalTrouble | None:
        """Why the journal cannot be written, while that lasts."""
        return None if self.recording is None else self.recording.journal_trouble()

    def flag(self) -> FlagShown:
        """The flag shown now."""
        state = self.state
        if state is None:
            return FlagShown.FINISHED if self.record is not None else FlagShown.WAITING
        markers = state.setup.markers
        if markers.closed:
            return FlagShown.FINISHED
        shown = state.finish_at_us is not None and max(state.latest_us or 0, self.decoder_now_us() or 0) >= state.finish_at_us
        logged = self.recording.flag_shown if self.recording is not None else None  # this app's or another's
        if logged is ControlFlag.RED:  # also after the finish: the red flag stopped the session (as the board says)
            return FlagShown.RED
        if shown or markers.checkered_us is not None:
            return FlagShown.CHECKERED
        if markers.green_us is None:
            return FlagShown.WAITING
        return FlagShown.YELLOW if logged is ControlFlag.YELLOW else FlagShown.GREEN

    def running(self, why: str = "no session running") -> tuple[Recording, SessionRecord]:
        """The running session's recording and record; a TimingError saying ``why`` when none runs (finished
        meanwhile), so an action that needs one is refused, not crashed."""
        recording, record = self.recording, self.record
        if recording is None or record is None:
            raise TimingError(why)
        return recording, record

    def show_flag(self, flag: FlagShown, made_by: str) -> None:
        """Any flag, through the control service: kept in the control log with who and when, at the decoder
        time now; the running session takes it up at once (blocking: call from a worker)."""
        recording, record = self.running()
        db = open_event_db(self.db_path)
        try:
            show_flag(db, record.session_id, ControlFlag(flag.value), made_by=made_by, at_us=self.decoder_now_us())
            recording.live.reload_setup().result(LIVE_WAIT_S)
            recording.flag_shown = current_flag(db, record.session_id, recording.live.state)  # on screen at once
        finally:
            db.close()

    def set_length(self, change: LengthChange, made_by: str, reason: str) -> LengthSet:
        """The running session's duration or lap count, through the length service (who and why kept); the
        running session takes it up at once (blocking: call from a worker)."""
        recording, record = self.running()
        db = open_event_db(self.db_path)
        try:
            done = set_length(db, record.session_id, change, made_by=made_by, reason=reason)
        finally:
            db.close()
        recording.live.reload_setup().result(LIVE_WAIT_S)
        return done

    def correct(self, request: CorrectionRequest, made_by: str, reason: str) -> Future[CorrectionRecord]:
        """A correction through the live session (the same checks as the CLI); re-ranks at once. None running
        (finished since the form opened): the future holds the refusal."""
        try:
            recording, _ = self.running(NO_SESSION_TO_CORRECT)
        except TimingError as err:
            refused: Future[CorrectionRecord] = Future()
            refused.set_exception(err)
            return refused
        return recording.live.correct(request, made_by, reason)

    def finish(self, made_by: str) -> RecordingOutcome:
        """Finish the session through the control service (checkered if not shown, who and when kept),
        then stop reading; late passings go into the results (blocking: call from a worker)."""
        _, record = self.running()
        db = open_event_db(self.db_path)
        try:
            finish_session(db, record.session_id, made_by=made_by)
        finally:
            db.close()
        recording, self.recording = self.recording, None
        return recording.close(finish=True)

    def finished_elsewhere(self) -> bool:
        """Whether another program (``laptiming finish``) finished the session being timed here."""
        recording = self.recording
        return recording is not None and recording.finished_elsewhere

    def end_finished_elsewhere(self) -> RecordingOutcome | None:
        """Stop reading a session another program finished; its late passings go into the results, as after
        :meth:`finish` (blocking: call from a worker). None when nothing was finished elsewhere."""
        recording = self.recording
        if recording is None or not recording.finished_elsewhere:
            return None
        self.recording = None
        return recording.close(finish=True)

    def walk_up_session(self) -> SessionRecord | None:
        """Where a walk-up car goes: the running session, else the next one to run."""
        return self.record if self.recording is not None else self.next_session()

    def walk_up(self, session_id: int, entry: WalkUpEntry, made_by: str) -> WalkUpResult:
        """Enter a walk-up car through the entries service; the running session takes it up at once
        (blocking: call from a worker)."""
        db = open_event_db(self.db_path)
        try:
            result = enter_walk_up(db, session_id, entry, made_by=made_by)
        finally:
            db.close()
        recording = self.recording
        if recording is not None and recording.session_id == session_id:
            recording.live.reload_setup().result(LIVE_WAIT_S)
        return result

    def stop(self) -> str | None:
        """Stop reading and leave the session running, to be resumed (blocking: call from a worker); what went
        wrong as it stopped (passings it could not journal: the official must hear it), else None."""
        if self.recording is None:
            return None
        recording, self.recording = self.recording, None
        recording.stop()
        try:
            recording.close(finish=False)
        except (TimingError, sqlite3.Error) as err:
            return error_text(self.db_path, err)
        return None
