"""A live session: decoder events in, journal first, then the lap engine, then subscribers.

    decoder reader thread --a read's passings--> commit, if the journal writer is idle
                          --else each Passing--> JournalWriter queue
    whoever commits (holding the writer's turn): engine.step, on a helper during a FULL commit
                                                   --> after the commit: subscribers(events)

The engine state is only changed after a commit, by the thread that committed while it holds the
writer's turn (one at a time, in commit order), so nothing ever shows a passing that is not on
disk. Corrections and flags go through the writer's queue, so they are ordered with the
passings. ``state`` is immutable: any thread may read it for a snapshot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from hardware.events import DecoderEvent, Passing
from laptiming import engine
from laptiming.clockmap import ClockMap
from laptiming.engine import (
    SessionEvent,
    SessionMarkers,
    SessionResult,
    SessionSetup,
    SessionState,
    UnknownTransponderSeen,
)
from laptiming.errors import InputError, StoreError
from laptiming.service.control import finish_session
from laptiming.service.corrections import CorrectionRequest, check_correction
from laptiming.store import (
    CorrectionRecord,
    JournalWriter,
    SessionPhase,
    append_correction,
    get_session,
    load_passings,
    load_setup,
    open_event_db,
    update_session,
    write_derived,
    write_transaction,
)
from laptiming.store.entries import enter_by_number
from laptiming.store.gaps import journal_gaps
from laptiming.store.journal import last_passing_numbers
from laptiming.store.writer import STOP_RETRY_S
from laptiming.store.database import Durability

log = logging.getLogger(__name__)

Subscriber = Callable[[Sequence[SessionEvent]], None]


class LiveSession:
    """One session being timed now. Open it with :meth:`open`; feed it with :meth:`on_decoder_event`."""

    def __init__(
        self,
        db_path: Path,
        session_id: int,
        state: SessionState,
        clock: ClockMap,
        last_seen: dict[int, int],
        *,
        green_at_first_passing: bool,
        enter_unknown: bool,
        durability: Durability = Durability.POWER_LOSS,
    ) -> None:
        self.db_path = db_path
        self.session_id = session_id
        self.state = state
        self.clock = clock
        self.last_seen = last_seen
        self.journal_gaps: dict[int, list[tuple[int, int]]] = {}  # numbers a resumed session never got (asked again)
        self._green_at_first_passing = green_at_first_passing and state.setup.markers.green_us is None
        self._enter_unknown = enter_unknown
        self._green_to_retry: int | None = None
        self._entering: set[int] = set()
        self._failing: set[str] = set()  # background work reported as failing, not written since (said once)
        self._subscribers: list[Subscriber] = []
        self._problem_listeners: list[Callable[[str], None]] = []
        self._problems: list[str] = []
        self._problem_count = 0
        self._problems_lock = threading.Lock()
        self._not_journaled = 0
        self.writer = JournalWriter(db_path, durability=durability, prepare=self._prepare)

    @classmethod
    def open(
        cls,
        db_path: str | Path,
        session_id: int,
        *,
        green_at_first_passing: bool = True,
        enter_unknown: bool = False,
        durability: Durability = Durability.POWER_LOSS,
    ) -> LiveSession:
        """Resume (or start) a session from the journal: the engine replays what is already committed."""
        db_path = Path(db_path)
        db = open_event_db(db_path)
        try:
            record = get_session(db, session_id)
            if record.phase is SessionPhase.FINISHED:
                raise InputError(f"session {session_id} ({record.name}) in {db_path} is finished; start a new one")
            if record.phase is SessionPhase.PLANNED:
                with write_transaction(db):
                    update_session(db, session_id, phase=SessionPhase.RUNNING)
            setup = load_setup(db, session_id)
            passings = load_passings(db, session_id)
            gaps = journal_gaps(db, passings)
        finally:
            db.close()
        live = cls(
            db_path,
            session_id,
            engine.start(setup, passings),
            ClockMap().learn_all(passings),
            last_passing_numbers(passings),
            green_at_first_passing=green_at_first_passing,
            enter_unknown=enter_unknown,
            durability=durability,
        )
        live.journal_gaps = gaps
        live.writer.start()
        return live

    def subscribe(self, subscriber: Subscriber) -> None:
        """Send every batch of changes to ``subscriber`` (called by the thread that committed, the journal
        writer's or the decoder reader's, one batch at a time in order; it must not block)."""
        self._subscribers = [*self._subscribers, subscriber]  # copied, never changed in place: no lock to publish

    def subscribe_with_snapshot(
        self, subscriber: Subscriber, timeout: float | None = None
    ) -> tuple[SessionState, Callable[[], None]]:
        """The state now and every change after it, with nothing lost or doubled in between, and an unsubscribe.

        Both happen in the writer's turn between two commits, so no batch can fall between the
        snapshot and the first change the subscriber receives.
        """
        snapshots: list[SessionState] = []

        def register(_: None) -> None:
            snapshots.append(self.state)
            self.subscribe(subscriber)

        self.writer.submit(lambda db: None, register).result(timeout)
        snapshot = snapshots[0]

        def unsubscribe() -> None:
            self._subscribers = [s for s in self._subscribers if s is not subscriber]

        return snapshot, unsubscribe

    def add_problem_listener(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(message)`` for each problem as it is reported (any thread; it must not block)."""
        self._problem_listeners = [*self._problem_listeners, listener]

    def on_decoder_event(self, event: DecoderEvent) -> None:
        """A per-event decoder listener: each passing queued for the journal (other events are the link's business)."""
        if isinstance(event, Passing):
            self._arrived(event)
            self._journal(event)

    def on_decoder_read(self, events: Sequence[DecoderEvent]) -> None:
        """The decoder reader's read listener: one read's passings committed together, here and now when the
        journal writer is idle (no hop to its thread), else queued like :meth:`on_decoder_event`'s."""
        passings = [event for event in events if isinstance(event, Passing)]
        for passing in passings:
            self._arrived(passing)
        if not passings or self.writer.commit_if_idle(self.session_id, passings):
            return
        for passing in passings:
            self._journal(passing)

    def _arrived(self, passing: Passing) -> None:
        """Learn the clock from a passing; the green flag at the first one (or the one to retry) is queued before it."""
        self.clock = self.clock.learn(passing)
        if self._green_at_first_passing:
            self._green_at_first_passing = False
            self._give_green(passing.decoder_time_us)
        elif self._green_to_retry is not None:
            green_us, self._green_to_retry = self._green_to_retry, None
            self._give_green(green_us)

    def _journal(self, passing: Passing) -> None:
        try:
            self.writer.journal(self.session_id, passing)
        except StoreError as err:  # the writer is closed or has failed: said once, counted, never per passing
            self._not_journaled += 1
            if self._not_journaled == 1:
                self.report_problem(f"passings read from now on are not journaled ({err}); a decoder on TCP "
                                    "resends them when the session is recorded again")

    @property
    def not_journaled(self) -> int:
        """Passings the decoder gave after the journal writer closed or failed (kept by a TCP decoder, not here)."""
        return self._not_journaled

    def _give_green(self, green_us: int) -> None:
        """The green flag at the first passing; a failure is reported and the same flag tried again at the next."""

        def retry() -> None:
            self._green_to_retry = green_us

        self._watch(f"green flag at decoder time {green_us}", self.set_markers(green_us=green_us), retry)

    def _watch(self, what: str, future: Future[Any], on_failure: Callable[[], None] | None = None) -> None:
        """Work queued in the background must never fail silently: its error becomes a reported problem, once
        while the same work fails again and again (the green flag is tried again at every passing)."""

        def done(finished: Future[Any]) -> None:
            error = finished.exception()
            if error is None:
                self._failing.discard(what)
                return
            if what not in self._failing:
                self._failing.add(what)
                self.report_problem(f"{what} not written: {error}")
            if on_failure is not None:
                on_failure()

        future.add_done_callback(done)

    def report_problem(self, problem: str) -> None:
        """Something the session could not do; the front end must show it, and the session is not clean."""
        message = f"session {self.session_id}: {problem}"
        if not self._problem_listeners:  # a front end listening says it itself: said twice in `record`'s terminal
            log.error("%s", message)
        with self._problems_lock:
            self._problems.append(message)
            self._problem_count += 1
        for listener in self._problem_listeners:
            listener(message)

    def take_problems(self) -> list[str]:
        """Failures of background work (a flag, an entry) since the last call; the caller must report them."""
        with self._problems_lock:
            problems, self._problems = self._problems, []
        return problems

    @property
    def had_problems(self) -> bool:
        """Whether any background work has failed in this session (the command must exit non-zero)."""
        return self._problem_count > 0

    def _prepare(self, session_id: int | None, passings: list[Passing]) -> Callable[[], None]:
        """The engine's steps for a batch being committed (the state is only read: the committer holds the
        writer's turn); what to do once the batch is on disk: take the new state and send the changes."""
        if session_id != self.session_id:
            return _nothing
        state = self.state
        events: list[SessionEvent] = []
        for passing in passings:
            state, produced = engine.step(state, passing)
            events.extend(produced)

        def committed() -> None:
            self.state = state
            self._after_step(events)

        return committed

    def _after_step(self, events: list[SessionEvent]) -> None:
        self._publish(events)
        if self._enter_unknown:
            # every transponder new in this batch entered in one unit: one re-derivation, not one each
            new = sorted({event.unknown.transponder for event in events if isinstance(event, UnknownTransponderSeen)}
                         - self._entering)
            if new:
                self._entering.update(new)
                numbers, plural = ", ".join(map(str, new)), "s" if len(new) > 1 else ""
                self._watch(f"entering transponder{plural} {numbers} as car{plural} {numbers}", self._enter(new),
                            lambda: self._entering.difference_update(new))

    def _publish(self, events: Sequence[SessionEvent]) -> None:
        if not events:
            return
        for subscriber in self._subscribers:
            try:
                subscriber(events)
            except Exception:  # noqa: BLE001 - a broken screen must not stop timing
                log.exception("subscriber %r failed", subscriber)

    def _apply_setup(self, setup: SessionSetup) -> None:
        self.state, events = engine.resetup(self.state, setup)
        self._publish(events)

    def _enter(self, transponders: list[int]) -> Future[SessionSetup]:
        def unit(db: Database) -> SessionSetup:
            enter_by_number(db, self.session_id, transponders)
            return load_setup(db, self.session_id)

        return self.writer.submit(unit, self._apply_setup)

    def correct(self, request: CorrectionRequest, made_by: str, reason: str) -> Future[CorrectionRecord]:
        """Check and append a correction in the writer's unit of work (the same checks as every front end);
        the results are recomputed and the changes sent once it is committed."""

        def unit(db: Database) -> tuple[CorrectionRecord, SessionSetup]:
            if not made_by.strip() or not reason.strip():
                raise InputError("a correction needs who makes it and why")
            action = check_correction(db, self.session_id, request)
            record = append_correction(db, self.session_id, action, made_by, reason)
            return record, load_setup(db, self.session_id)  # an assignment may have entered a car too

        def after(done: tuple[CorrectionRecord, SessionSetup]) -> None:
            self._apply_setup(done[1])

        recorded: Future[CorrectionRecord] = Future()

        def hand_over(finished: Future[tuple[CorrectionRecord, SessionSetup]]) -> None:
            error = finished.exception()
            if error is not None:
                recorded.set_exception(error)
            else:
                recorded.set_result(finished.result()[0])

        self.writer.submit(unit, after).add_done_callback(hand_over)
        return recorded

    def set_markers(self, *, green_us: int | None = None, checkered_us: int | None = None) -> Future[SessionMarkers]:
        """Set the green and/or checkered flag at these decoder times."""

        def unit(db: Database) -> SessionMarkers:
            update_session(db, self.session_id, green_us=green_us, checkered_us=checkered_us)
            return get_session(db, self.session_id).markers

        def after(markers: SessionMarkers) -> None:
            self._apply_setup(_with_markers(self.state.setup, markers))

        return self.writer.submit(unit, after)

    def checkered_now(self) -> Future[SessionMarkers]:
        """Show the checkered flag now: the host clock mapped to decoder time by the learned offset."""
        decoder_now = self.clock.decoder_time_us(time.time_ns())
        if decoder_now is None:
            raise InputError("no passing has arrived yet, so the decoder's clock is unknown; give the time")
        return self.set_markers(checkered_us=decoder_now)

    def finish(self, checkered_us: int | None = None, *, made_by: str = "laptiming record",
               reason: str = "the decoder source ended") -> SessionResult:
        """Close the session in the writer's unit of work by the one finish policy
        (:func:`laptiming.service.control.finish_session`): unknown cars entered first with
        ``enter_unknown`` (an entry that failed while live is not lost), the checkered flag given,
        else the one shown, else just after the last passing; kept in the control log with who and why."""

        def unit(db: Database) -> SessionResult:
            if get_session(db, self.session_id).phase is SessionPhase.FINISHED:  # finished by an official meanwhile
                return self._derive_and_write(db)  # the passings that came in since go into its results
            return finish_session(db, self.session_id, made_by=made_by, reason=reason, at_us=checkered_us,
                                  flag_now=False, enter_unknown=self._enter_unknown).result

        def after(result: SessionResult) -> None:
            self._apply_setup(result.setup)

        return self.writer.submit(unit, after).result()

    def reload_setup(self) -> Future[SessionSetup]:
        """Take up flags, entries and corrections written by another program (a second terminal)."""
        return self.writer.submit(lambda db: load_setup(db, self.session_id), self._apply_setup)

    def save_results(self) -> SessionResult:
        """Write the derived laps and results as they stand (the session stays open)."""
        return self.writer.submit(self._derive_and_write).result()

    def _derive_and_write(self, db: Database) -> SessionResult:
        result = engine.derive_session(load_passings(db, self.session_id), load_setup(db, self.session_id))
        write_derived(db, self.session_id, result)
        return result

    def close(self, timeout: float | None = None, retry_s: float = STOP_RETRY_S) -> None:
        """Journal whatever is queued, then stop the writer (held passings tried ``retry_s`` longer)."""
        self.writer.close(timeout, retry_s)
        if self._not_journaled:
            log.warning("session %s: %d passing(s) read after the journal stopped were not journaled",
                        self.session_id, self._not_journaled)


def _nothing() -> None:
    """Nothing to do once committed (passings of another session)."""


def _with_markers(setup: SessionSetup, markers: SessionMarkers) -> SessionSetup:
    return SessionSetup(setup.rules, markers, setup.entries, setup.assignments, setup.corrections)
