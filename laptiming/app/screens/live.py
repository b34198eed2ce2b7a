"""The Live screen: standings, session and flag, clock, decoder health, alerts; the official's keys."""

from __future__ import annotations

import sqlite3
import time

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from hardware.sequence import numbers_in, ranges_text
from laptiming.app.adapter import SILENT_AFTER_S, FlagShown
from laptiming.app.widgets.footer import FittedFooter
from laptiming.app.widgets.standings import StandingsTable
from laptiming.app.widgets.status import AlertBar, HealthLine, Line, SessionBar, clock_text
from laptiming.engine import leader_laps
from laptiming.errors import TimingError
from laptiming.store import SessionPhase

REFRESH_S = 0.05  # the standings tick: a changed row reaches the screen within this
BARS_EVERY = 10  # ticks between redraws of the clock and health lines (each redraw only if its text changed)
FLASH_S = 1.5  # how long the car that just crossed stays highlighted
LEFT_RUNNING_S = 5.0  # while nothing is timed here, how often the event is read for a session left running


class LiveScreen(Screen):
    """Standings of the running session, updated on a tick from the app's model."""

    BINDINGS = [
        Binding("n", "app.next_session", "Next session"),
        Binding("g", "app.flag('green')", "Green", show=False),
        Binding("y", "app.flag('yellow')", "Yellow", show=False),
        Binding("r", "app.flag('red')", "Red", show=False),
        Binding("c", "app.flag('checkered')", "Checkered", show=False),  # the hint line lists these (y/r/g/c ...)
        Binding("f", "app.finish", "Finish"),
        Binding("a", "app.correct('assign')", "Assign unknown", show=False),
        Binding("w", "app.walk_up", "Walk-up entry", show=False),
        Binding("s", "app.correct('status')", "Status", show=False),
        Binding("p", "penalty", "Penalty", show=False),
        Binding("l", "app.correct('delete_lap')", "Delete lap", show=False),
        Binding("i", "app.correct('add_passing')", "Add passing", show=False),
        Binding("m", "app.correct('min_lap')", "Min lap", show=False),
        Binding("t", "app.session_length", "Session length", show=False),
        Binding("escape", "app.clear_problems", "Clear the PROBLEM alerts", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="live")
        self._flash_until: dict[int, float] = {}
        self._ticks = 0
        self._hint = ""
        self._left_running: list[str] = []  # sessions running in the event that no program is timing

    def compose(self) -> ComposeResult:
        yield SessionBar(id="session-bar")
        yield AlertBar(id="alerts")
        yield StandingsTable(id="standings")
        yield Line(id="hint")
        yield HealthLine(id="health")
        yield FittedFooter()

    def on_mount(self) -> None:
        self.query_one(StandingsTable).on_drawn = self.app.shown  # type: ignore[attr-defined]
        self.set_interval(REFRESH_S, self.refresh_tick)
        self.set_interval(LEFT_RUNNING_S, self.look_up_left_running)
        self.look_up_left_running()
        self.refresh_bars()

    @work(thread=True, exclusive=True, group="left-running")
    def look_up_left_running(self) -> None:
        """While nothing is timed here, the sessions left running that no program times (the app quit or killed
        mid-session): their passings wait in the decoder until one resumes them, so the official is told."""
        timing = self.app.timing  # type: ignore[attr-defined]
        names: list[str] = []
        if timing.recording is None:
            try:
                sessions, _ = timing.day_sheet()
            except (TimingError, sqlite3.Error, OSError):
                sessions = []
            names = [s.name for s in sessions if s.phase is SessionPhase.RUNNING and s.timed_by is None]
        self.app.call_from_thread(setattr, self, "_left_running", names)

    def action_penalty(self) -> None:
        """The time penalty form, but not where it would be refused: a session ranked by best lap, where the
        service's refusal names the CLI's delete-lap; here the official is told the key (l) instead."""
        record = self.app.timing.record  # type: ignore[attr-defined]
        if record is not None and self.app.timing.recording is not None \
                and record.rules.session_type.ranks_by_best_lap:  # type: ignore[attr-defined]
            self.app.notify(f"{record.name} ranks by best lap, where a time penalty changes nothing; "
                            "for track limits, l deletes the lap's time", severity="warning", timeout=8)
            return
        self.app.action_correct("penalty")  # type: ignore[attr-defined]

    def reset(self) -> None:
        """A new session: an empty table, nothing highlighted."""
        self._flash_until.clear()
        for table in self.query(StandingsTable):  # none once the app is closing: a session started as it quit
            table.reset()

    def refresh_tick(self) -> None:
        """Apply what changed since the last tick to the table; now and then redraw the bars."""
        model = self.app.model  # type: ignore[attr-defined]
        changed, crossed = model.take_changed()
        now = time.monotonic()
        for car_id in crossed:
            self._flash_until[car_id] = now + FLASH_S
        expired = {car_id for car_id, until in self._flash_until.items() if until <= now}
        for car_id in expired:
            del self._flash_until[car_id]
        changed |= crossed | expired
        if changed:
            self.query_one(StandingsTable).show(model.rows, changed, set(self._flash_until))
        self._ticks += 1
        if self._ticks % BARS_EVERY == 0:
            self.refresh_bars()

    def refresh_bars(self) -> None:
        """Session, flag and clock; decoder health; the alerts that stand."""
        app = self.app
        timing = app.timing  # type: ignore[attr-defined]
        record = timing.record
        state = timing.state
        flag = timing.flag()
        leader_to_flag = False  # a race's time is up, and its leader has not yet crossed the line to take the flag
        if record is not None and state is None:
            self.query_one(SessionBar).show(record.name, record.rules.session_type.value, flag,
                                            "over: results on screen 4   n: next session")
        elif record is None and self.starting():
            name = timing.starting or "the session"
            self.query_one(SessionBar).show(f"starting {name}...", "", FlagShown.WAITING, "opening the decoder")
        elif record is None:
            self.query_one(SessionBar).show("no session timed here", "", FlagShown.WAITING, "press n to choose the next session")
        else:
            elapsed = None
            green = None if state is None else state.setup.markers.green_us
            ended = timing.source_ended()
            latest = (state.latest_us if state else None) or 0
            now = (latest if ended else max(timing.decoder_now_us() or 0, latest)) or None
            if green is not None and now is not None and state is not None:
                end = state.finish_at_us if state.finish_at_us is not None else now
                elapsed = min(now, end) - green
            leader = leader_laps(app.model.rows.values())  # type: ignore[attr-defined]
            rules = state.setup.rules if state is not None else record.rules
            clock = clock_text(rules, elapsed, leader)
            leader_to_flag = state is not None and state.finish_at_us is None and rules.time_up(elapsed)
            self.query_one(SessionBar).show(record.name, record.rules.session_type.value, flag,
                                            f"{clock}  (stopped)" if ended and elapsed is not None else clock)
        health = timing.health()
        self.query_one(HealthLine).show(health)
        self.query_one(AlertBar).show(self.alerts(health))
        room = self.query_one("#hint", Line).content_size.width or self.size.width - 2
        hints = self.hints(flag, record is not None, leader_to_flag)
        hint = next((text for text in hints if len(text) <= room), hints[-1])
        if hint != self._hint:
            self._hint = hint
            self.query_one("#hint", Line).show_text(hint)

    def starting(self) -> bool:
        """A session is being started here (its worker has not yet subscribed to it, nor failed)."""
        return any(worker.group == "session" and not worker.is_finished for worker in self.app.workers) \
            and self.app.timing.recording is None  # type: ignore[attr-defined]

    def alerts(self, health: object) -> list[str]:
        """Every alert that stands now; each stays until what caused it is resolved."""
        app = self.app
        timing = app.timing  # type: ignore[attr-defined]
        alerts = [f"PROBLEM: {problem}  (Esc: seen, clear it)" for problem in app.standing_problems()]  # type: ignore[attr-defined]
        if timing.recording is None and not self.starting():  # a session being started here is no longer left
            alerts += [f"NOT TIMED: {name} was left running and no one is reading its decoder -- press n to resume it"
                       for name in self._left_running]
        trouble = timing.journal_trouble()
        if trouble is not None and trouble.stopped:
            alerts.append(f"DATABASE CANNOT BE WRITTEN: {trouble.message} -- timing has stopped; fix it and resume (n)")
        elif trouble is not None:
            alerts.append(f"DATABASE CANNOT BE WRITTEN: {trouble.message} -- {trouble.held} passing(s) held in memory "
                          "and retried; is another program writing to it?")
        link = health.link  # type: ignore[attr-defined]
        if link is not None and link.state.value == "reconnecting":
            if link.source in link.detail:  # "cannot connect to decoder tcp://...: why": the URL once, with the why
                why = link.detail.split(link.source, 1)[1].lstrip(": ")
                alerts.append(f"DECODER DISCONNECTED: {link.source}: {why}; reconnecting")
            else:
                alerts.append(f"DECODER DISCONNECTED: reconnecting to {link.source} {link.detail}".rstrip())
        elif link is not None and link.state.value == "ended" and timing.recording is not None:
            alerts.append("DECODER SOURCE ENDED: no more passings will come; press f to finish the session")
        elif (link is not None and link.state.value == "connected" and health.seconds_since_packet is not None  # type: ignore[attr-defined]
              and health.seconds_since_packet > SILENT_AFTER_S):  # type: ignore[attr-defined]
            alerts.append(f"DECODER SILENT for {health.seconds_since_packet:.0f} s: check the cable")  # type: ignore[attr-defined]
        for decoder_id, ranges in timing.missing_passings().items():
            alerts.append(f"PASSINGS MISSING: decoder {decoder_id} never sent passing(s) {ranges_text(ranges)} "
                          f"({numbers_in(ranges)}); "
                          "a lap across them reads too long -- i adds a crossing seen on camera")
        return alerts + self.uncounted_alerts()

    def uncounted_alerts(self) -> list[str]:
        """Transponders on track whose passings count for nothing: while the session is timed here, the key that
        counts them; once it is finished (a and w then refuse, or enter in the next one), the command that does."""
        app = self.app
        model, timing = app.model, app.timing  # type: ignore[attr-defined]
        record = timing.record
        over = None if timing.recording is not None or record is None else record
        alerts = []
        for unknown in model.unknown_now(model.known_transponders()):
            alerts.append(f"UNKNOWN TRANSPONDER {unknown.transponder}: {unknown.passings} passing(s), not counted "
                          + ("-- press a to assign it to a car" if over is None else
                             f"in {over.name} (finished) -- laptiming correct assign gives them to a car"))
        for transponder in model.not_entered_now():  # a car the event knows, on track, not in this session
            number = app.car_number(transponder)  # type: ignore[attr-defined]
            car = f"car {number}, not entered" if number else "a car not entered"
            alerts.append(f"TRANSPONDER {transponder} ({car} in this session): passings not counted -- press w to "
                          "enter it" if over is None else
                          f"TRANSPONDER {transponder} ({car} in {over.name}, finished): passings not counted "
                          "-- laptiming correct assign counts them")
        return alerts

    @staticmethod
    def hints(flag: FlagShown, running: bool, leader_to_flag: bool = False) -> tuple[str, ...]:
        """One line saying what the official can do next, longest first: the longest that fits the screen is shown,
        so an 80-column terminal still says where every key is listed (?), and the end is never cut off.
        ``leader_to_flag``: a race's time is up and its leader has not crossed the line since (the flag waits)."""
        if not running:
            return ("n: choose the next session   3: the day   4: results   ?: all keys",)
        if leader_to_flag and flag in (FlagShown.GREEN, FlagShown.YELLOW):
            return ("time is up: the checkered flag falls as the leader next crosses the line   c: show it now   ?: keys",
                    "time is up: the flag falls as the leader crosses   c: show it now   ?: keys",
                    "time up: flag at the leader   c: now   ?: keys")
        if flag is FlagShown.WAITING:
            return ("green falls at the first passing (or g)   ?: all keys",)
        if flag is FlagShown.CHECKERED:
            return ("checkered: each car's next crossing finishes it   f: finish the session when all are in   ?: keys",
                    "checkered: each car's next crossing finishes it   f: finish when all are in",
                    "checkered   f: finish when all are in   ?: keys")
        if flag is FlagShown.FINISHED:
            return ("finished   n: next session   4: results   ?: all keys",)
        if flag is FlagShown.RED:
            return ("red flag   g: green again   t: give back the time lost (session length)   ?: all keys",
                    "red flag   g: green again   t: add the time lost   ?: keys")
        return ("y/r/g/c: flags  s/p/l/i/a: correct the selected car  m: min lap  t: length  w: walk-up  2: passings  ?: keys",
                "y/r/g/c: flags  s/p/l/i/a: correct the selected car  m: min lap  w: walk-up  2: passings  ?: keys",
                "y/r/g/c: flags  s/p/l/i/a: correct the selected car  w: walk-up  ?: all keys",
                "y/r/g/c flags  s/p/l/i/a correct  w walk-up  ? keys")
