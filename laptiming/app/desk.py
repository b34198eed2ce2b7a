"""The timing desk's work on a running session: corrections, its length and walk-up entries, each through its form
and the timing service; a part of :class:`~laptiming.app.app.LiveTimingApp`, kept apart from running sessions."""

from __future__ import annotations

import functools
import sqlite3
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from textual import work

from laptiming.app.adapter import NO_SESSION_TO_CORRECT, Timing, WalkUpEntry, WalkUpResult
from laptiming.app.messages import WalkUpRequested
from laptiming.app.model import LiveModel
from laptiming.app.screens.corrections import KINDS, CorrectionForm, CorrectionTyped
from laptiming.app.screens.length import LengthForm, LengthTyped
from laptiming.app.screens.walkup import WalkUpForm
from laptiming.errors import TimingError
from laptiming.service.entries import KnownCar
from laptiming.service.length import length_text
from laptiming.store import store_error


class DeskActions:
    """Corrections (``a`` ``s`` ``p`` ``l`` ``i`` ``m``), the session's length (``t``) and walk-up entries (``w``)
    for the live timing app."""

    if TYPE_CHECKING:  # what the app provides
        timing: Timing
        model: LiveModel
        official: str
        known_cars: dict[int, KnownCar | None]

        def screen_named(self, name: str) -> Any: ...
        def notify(self, message: str, **options: Any) -> None: ...
        def push_screen(self, screen: Any, callback: Any = None) -> Any: ...
        def call_from_thread(self, callback: Any, *args: Any) -> Any: ...
        def _watch(self, what: str, future: Future[Any], then: Any = None, refused: Any = None) -> None: ...

    # -- corrections ----------------------------------------------------------------------------
    def action_correct(self, kind: str) -> None:
        """Open the correction's modal, prefilled from the selected car or the first unknown transponder."""
        if self.timing.recording is None:
            self.notify(NO_SESSION_TO_CORRECT, severity="warning")
            return
        self.push_screen(CorrectionForm(kind, self._prefill(kind), self.timing.read_time,
                                        time_note=self.timing.time_note), self.correction_entered)

    def _prefill(self, kind: str) -> dict[str, str]:
        values: dict[str, str] = {}
        if kind == "assign":
            unknown = self.model.unknown_now(self.model.known_transponders())
            if unknown:
                values["transponder"] = str(unknown[0].transponder)
            return values
        fields = {field.key for field in KINDS[kind].fields}
        if fields & {"car", "transponder"}:  # the selected car's number, or its transponder (add a passing)
            car_id = self.screen_named("live").query_one("#standings").selected_car()
            row = self.model.rows.get(car_id) if car_id is not None else None
            if row is not None:
                if "car" in fields:
                    values["car"] = row.number
                if "transponder" in fields and row.transponders:
                    values["transponder"] = str(row.transponders[0])
        return values

    def correction_entered(self, typed: CorrectionTyped | None) -> None:
        """A correction form closed: send what it asked for (nothing when cancelled); refused, the form
        opens again as it was typed, saying why, so the official corrects one field, not all of them."""
        if typed is None:
            return

        def again(error: str) -> None:
            self.push_screen(CorrectionForm(typed.kind, typed.values, self.timing.read_time, f"not recorded: {error}",
                                            self.timing.time_note), self.correction_entered)

        self.send_correction(typed.request, typed.reason, again)

    def send_correction(self, request: Any, reason: str, refused: Any = None) -> None:
        """Send a correction to the running session; the standings re-rank as soon as it is committed."""

        def recorded(record: Any) -> None:
            if self.timing.state is not None:
                self.model.resync(self.timing.state)
            self.notify(f"correction #{record.correction.correction_id} recorded")

        self._watch("correction", self.timing.correct(request, self.official, reason), recorded, refused)

    # -- the session's length -------------------------------------------------------------------
    def action_session_length(self, typed: LengthTyped | None = None, error: str = "") -> None:
        """The length form for the running session: time to add (after a red flag), a duration or a lap count."""
        state = self.timing.state
        if self.timing.recording is None or self.timing.record is None or state is None:
            self.notify("no session running: press n to start one", severity="warning")
            return
        title = f"Length of {self.timing.record.name}: {length_text(state.setup.rules)} now"
        self.push_screen(LengthForm(title, None if typed is None else typed.values, error), self.length_typed)

    def length_typed(self, typed: LengthTyped | None) -> None:
        """The length form closed: set what it asked for (nothing when cancelled)."""
        if typed is not None:
            self.set_length(typed)

    @work(thread=True, exclusive=True, group="length")
    def set_length(self, typed: LengthTyped) -> None:
        """Set the length off the UI thread; refused, the form opens again as typed, saying why."""
        try:
            done = self.timing.set_length(typed.change, self.official, typed.reason)
        except (TimingError, sqlite3.Error, TimeoutError) as err:
            why = store_error(self.timing.db_path, err) if isinstance(err, sqlite3.Error) else err
            self.call_from_thread(self.action_session_length, typed, f"not set: {why}")
            return
        self.call_from_thread(self.notify, f"{done.name}: {length_text(done.before)} -> {length_text(done.after)}")
        self.call_from_thread(self.screen_named("live").refresh_bars)

    # -- walk-up entries ------------------------------------------------------------------------
    def action_walk_up(self) -> None:
        """The walk-up form for the running (else the next) session, offering an unknown transponder on track."""
        record = self.timing.walk_up_session()
        if record is None:
            self.notify("no running or planned session to enter a car in", severity="warning")
            return
        running = self.timing.recording is not None
        unknown = self.model.unknown_now(self.model.known_transponders()) if running else []
        not_entered = self.model.not_entered_now() if running and not unknown else []
        transponder = unknown[0].transponder if unknown else not_entered[0] if not_entered else None
        known = self.known_cars.get(not_entered[0]) if not_entered else None
        self.push_screen(WalkUpForm(record.session_id, record.name, self.timing.read_time, transponder, known,
                                    self.timing.time_note),
                         functools.partial(self._walked_up, record.name))

    def on_walk_up_requested(self, message: WalkUpRequested) -> None:
        """The walk-up form passed its own checks: the service enters the car."""
        self.enter_walk_up(message.form, message.session_id, message.entry)

    @work(thread=True, exclusive=True, group="walk-up")
    def enter_walk_up(self, form: WalkUpForm, session_id: int, entry: WalkUpEntry) -> None:
        """Enter the car off the UI thread; the form closes, or shows why the service refused it."""
        try:
            result = self.timing.walk_up(session_id, entry, self.official)
        except (TimingError, sqlite3.Error, TimeoutError) as err:
            refusal = store_error(self.timing.db_path, err) if isinstance(err, sqlite3.Error) else err
            self.call_from_thread(form.show_refusal, refusal)
            return
        self.call_from_thread(form.dismiss, result)

    def _walked_up(self, session_name: str, result: WalkUpResult | None) -> None:
        """Say what was entered where, by the session's name as the header and the form show it."""
        if result is not None:
            if self.timing.state is not None:
                self.model.resync(self.timing.state)
            same_name = f"; a new driver {result.driver}, the event also has {' and '.join(result.same_name)}" \
                if result.same_name else ""
            moved = f"; transponder moved from car {result.moved_from}" if result.moved_from else ""
            who = f" ({result.driver})" if result.driver else ""
            over = f"; {session_name} now has {result.over_capacity}" if result.over_capacity else ""
            self.notify(f"car {result.number}{who} entered in {session_name}"
                        + (" (new car)" if result.car_made else "") + moved + same_name + over,
                        timeout=8 if same_name or moved or over else 5, severity="warning" if over else "information")
