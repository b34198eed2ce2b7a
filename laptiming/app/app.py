"""The live timing app: composes the screens and wires them to the timing service (through the adapter)."""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import get_current_worker

from hardware.errors import DecoderError
from laptiming.app.adapter import FlagShown, Timing
from laptiming.app.desk import DeskActions
from laptiming.app.messages import NoticesArrived, SessionEnded, UiCall, WorkFailed
from laptiming.app.model import LiveModel
from laptiming.app.screens.dialogs import Confirm, KeysHelp, SessionPicker
from laptiming.app.screens.live import LiveScreen
from laptiming.app.screens.modal import DropsBouncedKeys
from laptiming.app.screens.views import VIEWS
from laptiming.app.terminal import leave_when_terminal_goes
from laptiming.errors import TimingError
from laptiming.service.entries import KnownCar
from laptiming.store import SessionPhase, error_text

log = logging.getLogger(__name__)

NOTICE_WAIT_S = 0.25  # the subscription worker wakes at least this often to see if it should stop


class LiveTimingApp(DropsBouncedKeys, DeskActions, App[int]):
    """Trackside timing for the official: run the day's sessions on one decoder."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "laptiming"
    ENABLE_COMMAND_PALETTE = False  # every action has its own key (?)
    # Below 30 rows every screen has the class -short: its forms close up their blank rows (app.tcss) so the
    # walk-up form with From, its message and its keys fit an 80x24 terminal.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("1", "show('live')", "Live", show=False),
        Binding("2", "show('passings')", "Passings"),
        Binding("3", "show('day')", "Day"),
        Binding("4", "show('results')", "Results"),
        Binding("question_mark", "keys", "Keys"),
        Binding("q", "quit_app", "Quit"),
    ]

    def __init__(self, timing: Timing, *, official: str = "official", autostart: bool = False) -> None:
        super().__init__()
        self.timing = timing
        self.official = official
        self.autostart = autostart
        self.model = LiveModel()
        self.last_shown: dict[int, float] = {}  # car id -> monotonic time its row was last drawn (bench)
        self.known_cars: dict[int, KnownCar | None] = {}  # transponder -> its car (None: being looked up, or none)
        self.exit_problem: str | None = None  # what went wrong as it stopped, for the terminal once the app has left

    def on_mount(self) -> None:
        self.push_screen(LiveScreen())
        leave_when_terminal_goes(self, self.stop_and_exit)  # the session stays running, as after quit
        if self.autostart:
            record = self.timing.next_session()
            if record is not None:
                self.start_session(record.session_id)

    # -- running a session ----------------------------------------------------------------------
    def action_next_session(self) -> None:
        """Choose the next session from the day's list and start it."""
        if self.timing.recording is not None:
            self.notify("finish the running session first (f)", severity="warning")
            return
        self.modal_coming()  # keys typed while the day is read go to the picker
        self.pick_session()

    @work(thread=True, exclusive=True, group="picker")
    def pick_session(self) -> None:
        """Read the day's sessions off the UI thread, then show the picker: a session left running first (the
        one to resume, under the cursor), then the planned ones in order."""
        try:
            day = [(s.record, s.entries) for phase in (SessionPhase.RUNNING, SessionPhase.PLANNED)
                   for s in self.timing.day() if s.record.phase is phase]
        except BaseException:
            self.call_from_thread(self.modal_not_coming)
            raise
        self.call_from_thread(self.push_coming, SessionPicker(day), self._picked)

    def _picked(self, session: int | str | None) -> None:
        if session is not None:
            self.start_session(session)

    @work(thread=True, exclusive=True, group="session")
    def start_session(self, session_id: int | str) -> None:
        """Start timing the session (by id, or a new one by name), then pass its notices to the UI thread."""
        worker = get_current_worker()
        try:
            if isinstance(session_id, str):
                subscription = self.timing.start_new(session_id)
            else:
                record = next(r for r in self.timing.sessions() if r.session_id == session_id)
                subscription = self.timing.start(record)
        except (TimingError, DecoderError, StopIteration, OSError) as err:  # a source that cannot start: said
            self.post_message(WorkFailed(f"start session {session_id}", error_text(self.timing.db_path, err) or "no such session"))
            return
        self.call_from_thread(self._subscribed, LiveModel.from_snapshot(subscription.snapshot, subscription.link))
        try:
            while not worker.is_cancelled and self.timing.recording is not None:
                if self.timing.finished_elsewhere():
                    self._end_finished_elsewhere()
                    break
                first = subscription.get(NOTICE_WAIT_S)
                if first is None:
                    continue
                self.post_message(NoticesArrived([first, *subscription.drain()]))
        finally:
            subscription.close()

    def _subscribed(self, model: LiveModel) -> None:
        self.model = model
        self.screen_named("live").reset()

    def on_notices_arrived(self, message: NoticesArrived) -> None:
        self.model.apply(message.notices)

    def shown(self, car_ids: set[int]) -> None:
        """The standings drew these cars' new lines on screen (the bench measures to here)."""
        now = time.monotonic()
        for car_id in car_ids:
            self.last_shown[car_id] = now

    def car_number(self, transponder: int) -> str | None:
        """The number of this transponder's car, looked up once off the UI thread (None until known)."""
        if transponder not in self.known_cars:
            self.known_cars[transponder] = None
            self.look_up_cars([transponder])
        known = self.known_cars[transponder]
        return None if known is None else known.number

    @work(thread=True, group="cars")
    def look_up_cars(self, transponders: list[int]) -> None:
        """Read the transponders' cars (the alert for a car not entered names it; the walk-up form is filled in)."""
        try:
            cars = self.timing.known_cars(transponders)
        except (TimingError, sqlite3.Error, OSError):
            return
        self.call_from_thread(lambda: self.known_cars.update(cars))

    def standing_problems(self) -> list[str]:
        """Problems reported by the session that the official has not yet seen resolved."""
        return self.model.problems[-3:]

    def action_clear_problems(self) -> None:
        """Esc on Live: the official has seen the PROBLEM alerts (they stay until then, not forever)."""
        if self.model.problems:
            self.model.problems.clear()
            self.screen_named("live").refresh_bars()

    # -- flags and finish -----------------------------------------------------------------------
    def action_flag(self, name: str) -> None:
        """Green, yellow, red or checkered, through the control service (who and when kept)."""
        if self.timing.recording is None:
            self.notify("no session running: press n to start one", severity="warning")
            return
        flag = FlagShown(name)
        if flag is FlagShown.GREEN and self.timing.flag() is FlagShown.GREEN:
            self.notify("already green (the green flag fell at the first passing)")
            return
        if flag is FlagShown.CHECKERED and self.timing.flag() is FlagShown.CHECKERED:  # a second press would move the finish
            self.notify("the checkered flag is already out (laptiming flag checkered --at moves it)", severity="warning")
            return
        if self.timing.decoder_now_us() is None:
            self.notify("no passing has arrived yet, so the decoder's clock is unknown"
                        + (": the green flag falls by itself at the first one" if flag is FlagShown.GREEN else ""),
                        severity="warning")
            return
        self.show_flag(flag)

    @work(thread=True, exclusive=True, group="flag")
    def show_flag(self, flag: FlagShown) -> None:
        """Write the flag to the control log off the UI thread; the running session takes it up."""
        try:
            self.timing.show_flag(flag, self.official)
        except (TimingError, sqlite3.Error, TimeoutError) as err:
            self.post_message(WorkFailed(f"{flag.value} flag", error_text(self.timing.db_path, err)))
            return
        self.call_from_thread(self.notify, f"{flag.value} flag")
        self.call_from_thread(self.screen_named("live").refresh_bars)

    def action_finish(self) -> None:
        """Finish the session after a confirmation: results provisional, reader stopped."""
        if self.timing.recording is None:
            self.notify("no session running", severity="warning")
            return

        name = self.timing.record.name if self.timing.record else "the session"

        def answered(yes: bool | None) -> None:
            if yes:
                self.finish_session(name)

        self.push_screen(Confirm(f"Finish {name}? Its results become provisional; Results (4) makes them official."),
                         answered)

    @work(thread=True, exclusive=True, group="finish")
    def finish_session(self, name: str) -> None:
        """Close the recording off the UI thread; ``name`` is how the official knows the session."""
        try:
            outcome = self.timing.finish(self.official)
        except (TimingError, OSError, sqlite3.Error) as err:
            self.post_message(WorkFailed("finish the session", error_text(self.timing.db_path, err)))
            return
        state = "finished" if outcome.finished else "left running (problems above)"
        self.post_message(SessionEnded(f"{name} {state}", outcome.finished))
        self.call_from_thread(self._final_rows, outcome.result.standings)

    def _end_finished_elsewhere(self) -> None:
        """``laptiming finish`` in another terminal ended the session: stop reading it, and say so."""
        name = self.timing.record.name if self.timing.record else "the session"
        try:
            outcome = self.timing.end_finished_elsewhere()
        except (TimingError, OSError, sqlite3.Error) as err:
            self.post_message(WorkFailed("stop the session finished in another program", error_text(self.timing.db_path, err)))
            return
        if outcome is None:
            return
        self.post_message(SessionEnded(f"{name} was finished in another program (laptiming finish); "
                                       "reading stopped", outcome.finished))
        self.call_from_thread(self._final_rows, outcome.result.standings)

    def _final_rows(self, rows: tuple) -> None:
        self.model.rows = {row.car_id: row for row in rows}
        self.model.changed |= set(self.model.rows)

    def on_session_ended(self, message: SessionEnded) -> None:
        self.notify(message.summary, severity="information" if message.finished else "error", timeout=8)
        try:
            self.screen_named("live").refresh_bars()
        except KeyError:  # a finish that lands as the app closes finds its screens gone
            pass

    def on_work_failed(self, message: WorkFailed) -> None:
        self.model.problems.append(f"{message.what}: {message.error}")
        self.notify(f"{message.what}: {message.error}", severity="error", timeout=10)

    def _watch(self, what: str, future: Future[Any], then: Any = None, refused: Any = None) -> None:
        """Report the outcome of queued service work on the UI thread (``refused(message)`` instead of a toast)."""

        def done(finished: Future[Any]) -> None:
            error = finished.exception()
            if error is not None and refused is not None:
                self._on_ui_thread(refused, str(error))
            elif error is not None:
                self._on_ui_thread(self.notify, f"{what} not recorded: {error}", severity="error", timeout=10)
            elif then is not None:
                self._on_ui_thread(then, finished.result())

        future.add_done_callback(done)

    def _on_ui_thread(self, callback: Any, *args: Any, **kwargs: Any) -> None:
        """Have ``callback`` run on the UI thread, without waiting for it: called from the thread that resolved a
        future (the journal writer, which the UI thread may be waiting for as the app quits), or from the UI
        thread itself (a future refused at once, when the session was finished in another program)."""
        self.post_message(UiCall(functools.partial(callback, *args, **kwargs)))

    def on_ui_call(self, message: UiCall) -> None:
        message.call()

    # -- screens and keys -----------------------------------------------------------------------
    def screen_named(self, name: str) -> Any:
        """The installed or pushed screen with this id."""
        for screen in self.screen_stack:
            if screen.id == name:
                return screen
        raise KeyError(name)

    def action_show(self, name: str) -> None:
        """Switch between Live, Passings, Day and Results."""
        while self.screen.id != "live" and len(self.screen_stack) > 2:
            self.pop_screen()
        if name != "live":
            self.push_screen(VIEWS[name]())

    def action_keys(self) -> None:
        """List every key of this screen and of the app."""
        keys = [(binding.key.replace("question_mark", "?").replace("escape", "Esc"), binding.description)
                for binding in [*self.screen.BINDINGS, *self.BINDINGS] if isinstance(binding, Binding)]
        self.push_screen(KeysHelp(keys))

    def action_quit_app(self) -> None:
        """Quit; a running session is left running and resumes next time."""
        if self.timing.recording is None:
            self.exit(0)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.stop_and_exit()

        question = "Quit? The session stays running and resumes when you start it again."
        trouble = self.timing.journal_trouble()
        if trouble is not None and trouble.held:  # said before, not only after: quitting may give them up
            question = (f"Quit? {trouble.held} passing(s) are not written yet (the database cannot be written): "
                        "quitting waits a few seconds for them, then gives them up. The session stays running.")
        self.push_screen(Confirm(question), answered)

    @work(thread=True, exclusive=True, group="finish")
    def stop_and_exit(self) -> None:
        """Stop reading (the session stays running), then exit: with 2, and what went wrong in :attr:`exit_problem`
        (for the terminal once the app has left it), when passings could not be journaled as it stopped."""
        trouble = self.timing.stop()
        if trouble is None:
            self.call_from_thread(self.exit, 0)
        else:  # printed by the command, as one plain line (Textual's exit message would wrap it, a path too)
            self.exit_problem = f"laptiming: {trouble}"
            self.call_from_thread(self.exit, 2, 2)

    def on_unmount(self) -> None:
        trouble = self.timing.stop()  # the app left some other way: the message can only go to the log
        if trouble is not None:
            log.error("%s", trouble)
