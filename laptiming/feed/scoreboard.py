"""What a scoreboard has been told: the session's engine events turned into RMonitor records.

Pure (no I/O, no clock of its own): it starts from an engine ``SessionState`` and takes batches
of engine events (``apply``); it answers with the records to send. ``refresh`` is the full
picture a newly connected client needs; ``heartbeat`` the ``$F`` for a host moment it is given.
Both the database follower and a live ``Recording`` subscription drive the same class.

``$G`` is race order (laps, then the time of the last crossing) and ``$H`` best-lap order, in
every session, as Orbits sends both; the order the session itself ranks by is the engine's own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from laptiming.clockmap import ClockMap
from laptiming.engine import (
    NEVER_US,
    CarStatus,
    FinishTimeSet,
    Lap,
    LapChanged,
    LapRemoved,
    PassingJudged,
    PassingReason,
    SessionEvent,
    SessionSetup,
    SessionState,
    StandingChanged,
    StandingRow,
    passing_id,
)
from laptiming.engine.standings import leader_laps, number_key
from laptiming.feed import rmonitor_records as rec
from laptiming.feed.rmonitor_records import FlagStatus, Setting

NO_CLASS = "Open"  # the class shown for cars entered without one
# $COMP's nationality field carries a car's status in IMSA's feeds (protocols.md section 6); blank while running
IMSA_STATUS = {CarStatus.DNF: "Retired", CarStatus.DSQ: "Excluded"}
US = 1_000_000


@dataclass(frozen=True, slots=True)
class Track:
    """Track settings for ``$E`` (optional: our event database does not know the track)."""

    name: str | None = None
    length: str | None = None


def split_name(driver: str | None) -> tuple[str, str]:
    """A driver's name as RMonitor's first and last name: the first word, then the rest."""
    words = (driver or "").split()
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    return words[0], " ".join(words[1:])


def seconds_of_day(host_time_ns: int) -> int:
    """Local time of day in whole seconds, for the ``$F`` and ``$I`` clocks."""
    local = time.localtime(host_time_ns // 1_000_000_000)
    return local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec


def idle_heartbeat(host_time_ns: int) -> str:
    """``$F`` with no session: nothing to go, no race time, no flag."""
    return rec.heartbeat(0, 0, seconds_of_day(host_time_ns), 0, FlagStatus.NONE)


class Scoreboard:
    """The session as a scoreboard sees it; every method returns RMonitor lines (without line ends)."""

    def __init__(self, run_no: int, run_name: str, state: SessionState, track: Track = Track()) -> None:
        self.run_no = run_no
        self.run_name = run_name
        self.track = track
        self.setup = state.setup
        self.rows: dict[int, StandingRow] = {row.car_id: row for row in state.standings}
        self.laps: dict[int, dict[int, Lap]] = {}
        self.opened_us: dict[int, int] = {}
        self.announced: set[tuple[int, int, int]] = set()  # counted passings already sent as $J
        self.classes: dict[str, int] = {}
        self.clock = ClockMap()
        self.latest_us: int | None = state.latest_us  # decoder time of the latest passing seen
        self.finish_us: int | None = state.finish_at_us  # the engine's finish: the flag falls once a passing reaches it
        self._sent_race: dict[int, tuple[int, int | None, int | None]] = {}
        self._sent_best: dict[int, tuple[int, int, int | None]] = {}
        for car_id, timing in state.cars.items():
            self.laps[car_id] = {lap.lap_no: lap for lap in timing.laps}
            for crossing, reason in zip(timing.crossings, timing.verdicts):
                if reason is PassingReason.OPENED:
                    self.opened_us[car_id] = crossing.decoder_time_us
                if reason.counted:
                    self.announced.add(passing_id(crossing))
        for passings in state.raw.values():
            self.clock = self.clock.learn_all(passings)
        for row in state.standings:
            self._class_no(row)

    # -- what the session looks like ---------------------------------------------------------

    @property
    def green_us(self) -> int | None:
        """The green flag in decoder time (None before the start)."""
        return self.setup.markers.green_us

    def _class_no(self, row: StandingRow) -> int:
        label = row.car_class or NO_CLASS
        if label not in self.classes:
            self.classes[label] = len(self.classes) + 1
        return self.classes[label]

    def last_crossing_us(self, car_id: int) -> int | None:
        """Decoder time of the car's last counted crossing (its last lap, else the one that opened it)."""
        laps = self.laps.get(car_id)
        if laps:
            return laps[max(laps)].crossing_us
        return self.opened_us.get(car_id)

    def total_us(self, car_id: int) -> int | None:
        """Race time at the car's last counted crossing, from the green flag (penalties included)."""
        last = self.last_crossing_us(car_id)
        if last is None or self.green_us is None:
            return None
        return last - self.green_us + self.rows[car_id].penalty_us

    def _race_key(self, row: StandingRow) -> tuple[int, int, int, tuple[int, str], int]:
        total = self.total_us(row.car_id)
        return (row.status.classification_group, -row.laps, NEVER_US if total is None else total,
                number_key(row.number), row.car_id)

    def _best_key(self, row: StandingRow) -> tuple[int, int, int, tuple[int, str], int]:
        best_crossing = NEVER_US
        if row.best_lap_no is not None and row.best_lap_no in self.laps.get(row.car_id, {}):
            best_crossing = self.laps[row.car_id][row.best_lap_no].crossing_us
        return (row.status.classification_group, NEVER_US if row.best_lap_us is None else row.best_lap_us,
                best_crossing, number_key(row.number), row.car_id)

    def race_order(self) -> list[StandingRow]:
        """Rows in race order: the engine's own in a race, else laps then time of the last crossing."""
        if not self.setup.rules.session_type.ranks_by_best_lap:
            return sorted(self.rows.values(), key=lambda row: row.position)
        return sorted(self.rows.values(), key=self._race_key)

    def best_order(self) -> list[StandingRow]:
        """Rows in best-lap order: the engine's own in practice and qualifying, else by best lap."""
        if self.setup.rules.session_type.ranks_by_best_lap:
            return sorted(self.rows.values(), key=lambda row: row.position)
        return sorted(self.rows.values(), key=self._best_key)

    # -- records ---------------------------------------------------------------------------------

    def _race_fields(self, position: int, row: StandingRow) -> tuple[int, int | None, int | None]:
        return position, (row.laps or None), self.total_us(row.car_id)

    def _best_fields(self, position: int, row: StandingRow) -> tuple[int, int, int | None]:
        return position, row.best_lap_no or 0, row.best_lap_us

    def competitor_lines(self, row: StandingRow) -> list[str]:
        """``$A`` and ``$COMP`` for one car (registration = the car number)."""
        first, last = split_name(row.driver)
        class_no = self._class_no(row)
        transponder = row.transponders[0] if row.transponders else 0
        return [rec.competitor(row.number, row.number, transponder, first, last, "", class_no),
                rec.comp(row.number, row.number, class_no, first, last, IMSA_STATUS.get(row.status, ""), "")]

    def refresh(self) -> list[str]:
        """Everything a scoreboard needs to paint at once: run, classes, competitors, track, positions."""
        rows = sorted(self.rows.values(), key=lambda row: row.position)
        competitors = [self.competitor_lines(row) for row in rows]
        lines = [rec.run(self.run_no, self.run_name)]
        lines.extend(rec.car_class(number, label) for label, number in self.classes.items())
        lines.extend(pair[0] for pair in competitors)  # all $A, then all $COMP, as Orbits sends them
        lines.extend(pair[1] for pair in competitors)
        if self.track.name is not None:
            lines.append(rec.setting(Setting.TRACK_NAME, self.track.name))
        if self.track.length is not None:
            lines.append(rec.setting(Setting.TRACK_LENGTH, self.track.length))
        lines.extend(self._race_line(self._race_fields(position, row), row)
                     for position, row in enumerate(self.race_order(), 1))
        lines.extend(self._best_line(self._best_fields(position, row), row)
                     for position, row in enumerate(self.best_order(), 1))
        return lines

    def init(self, host_time_ns: int) -> list[str]:
        """``$I`` (a new session: the board clears) at this host moment, then the full refresh."""
        local = time.localtime(host_time_ns // 1_000_000_000)
        day = date(local.tm_year, local.tm_mon, local.tm_mday)
        return [rec.init(seconds_of_day(host_time_ns), day), *self.refresh()]

    def flag(self) -> FlagStatus:
        """The flag the session shows: finish once its markers or its rules ended it (a race run to time: as its
        leader crossed after the time ran out), else green after the start, none before."""
        markers = self.setup.markers
        if markers.closed or markers.checkered_us is not None:
            return FlagStatus.FINISH
        if self.finish_us is not None and self.latest_us is not None and self.latest_us >= self.finish_us:
            return FlagStatus.FINISH
        return FlagStatus.GREEN if markers.green_us is not None else FlagStatus.NONE

    def on_last_lap(self, elapsed_us: int, shown: FlagStatus) -> bool:
        """Whether a race run to time is on its last lap: its time is up, its leader not yet across the line."""
        return self.setup.rules.time_up(elapsed_us) and shown not in (FlagStatus.FINISH, FlagStatus.NONE)

    def heartbeat(self, host_time_ns: int, flag: FlagStatus | None = None, timed: bool = True) -> str:
        """``$F`` at this host moment; race time runs on the decoder's clock, learned from the passings.

        Laps to go is 9999 in a session run to time, but 1 once a race's time is up until its leader takes the
        flag (as Orbits sends it: a board shows the last lap under way), and the laps the leader has left in a
        race to a lap count.
        ``timed=False`` (nobody times the running session any more): race time and time to go stand at the
        latest passing, so a board does not count on as if the session were still being timed.
        """
        time_of_day = seconds_of_day(host_time_ns)
        now_us = self.clock.decoder_time_us(host_time_ns) if timed else self.latest_us
        green = self.green_us
        elapsed_us = 0 if green is None or now_us is None else max(0, now_us - green)
        rules = self.setup.rules
        time_to_go_us = 0 if rules.duration_us is None else max(0, rules.duration_us - elapsed_us)
        laps_to_go = rules.laps_to_go(leader_laps(self.rows.values()))
        if laps_to_go is None:
            laps_to_go = rec.LAPS_TO_GO_TIMED
        shown = self.flag() if flag is None else flag
        if shown is FlagStatus.FINISH:
            time_to_go_us = 0
        if self.on_last_lap(elapsed_us, shown):
            laps_to_go = min(laps_to_go, 1)
        return rec.heartbeat(laps_to_go, time_to_go_us // US, time_of_day, elapsed_us // US, shown)

    def apply(self, events: Sequence[SessionEvent], setup: SessionSetup | None = None,
              host_time_ns: int | None = None) -> list[str]:
        """Take one batch of engine events (and the setup now in force); the records that tell a board.

        A car taken off the entry list cannot be taken off a board but by clearing it: then the
        answer is ``$I`` (at ``host_time_ns``) and a full refresh.
        """
        if setup is not None:
            self.setup = setup
        lines: list[str] = []
        passings = []
        for event in events:
            if isinstance(event, LapChanged):
                self.laps.setdefault(event.lap.car_id, {})[event.lap.lap_no] = event.lap
            elif isinstance(event, LapRemoved):
                self.laps.get(event.car_id, {}).pop(event.lap_no, None)
            elif isinstance(event, StandingChanged):
                lines.extend(self._competitor_changed(event.row))
                self.rows[event.row.car_id] = event.row
            elif isinstance(event, PassingJudged):
                passings.append(event)
            elif isinstance(event, FinishTimeSet):
                self.finish_us = event.finish_at_us
        passed = []
        for event in passings:
            announced = self._judged(event)
            if announced:
                lines.append(announced)
                passed.append(event.verdict.car_id)
        if setup is not None and self._drop_unentered(setup):
            return self.init(host_time_ns) if host_time_ns is not None else self.refresh()
        lines.extend(self._changed_positions([car_id for car_id in dict.fromkeys(passed) if car_id is not None]))
        return lines

    def _competitor_changed(self, row: StandingRow) -> list[str]:
        """``$C`` for a new class and ``$A``/``$COMP`` for a new car or a new driver, number or transponder."""
        old = self.rows.get(row.car_id)
        if old is not None and (old.number, old.driver, old.car_class, old.transponders,
                                IMSA_STATUS.get(old.status)) == (row.number, row.driver, row.car_class,
                                                                  row.transponders, IMSA_STATUS.get(row.status)):
            return []
        lines = []
        known = len(self.classes)
        class_no = self._class_no(row)
        if len(self.classes) > known:
            lines.append(rec.car_class(class_no, row.car_class or NO_CLASS))
        lines.extend(self.competitor_lines(row))
        return lines

    def _drop_unentered(self, setup: SessionSetup) -> bool:
        """Forget cars no longer entered; whether there were any."""
        entered = {entry.car_id for entry in setup.entries}
        gone = [car_id for car_id in self.rows if car_id not in entered]
        for car_id in gone:
            for table in (self.rows, self.laps, self.opened_us, self._sent_race, self._sent_best):
                table.pop(car_id, None)
        return bool(gone)

    def _judged(self, event: PassingJudged) -> str | None:
        """Learn from a verdict; the ``$J`` when it is a counted crossing not announced before."""
        verdict = event.verdict
        self.clock = self.clock.learn(verdict.passing)
        car_id = verdict.car_id
        identity = passing_id(verdict.passing)
        crossing_us = verdict.passing.decoder_time_us
        self.latest_us = crossing_us if self.latest_us is None else max(self.latest_us, crossing_us)
        if car_id is None or not verdict.reason.counted:
            if car_id is not None and self.opened_us.get(car_id) == crossing_us:
                del self.opened_us[car_id]
            return None
        if verdict.reason is PassingReason.OPENED:
            self.opened_us[car_id] = crossing_us
        if identity in self.announced or car_id not in self.rows:
            return None
        self.announced.add(identity)
        lap_us = 0
        if verdict.reason is not PassingReason.OPENED:
            lap = next((lap for lap in self.laps.get(car_id, {}).values() if lap.crossing_us == crossing_us), None)
            lap_us = None if lap is None else lap.lap_time_us
        total = None if self.green_us is None else crossing_us - self.green_us
        return rec.passing(self.rows[car_id].number, lap_us, total)

    def _changed_positions(self, passed: Sequence[int]) -> list[str]:
        """``$G`` and ``$H`` of the cars that just crossed (always, as Orbits does), then of every car that moved."""
        race = {row.car_id: (self._race_fields(position, row), row)
                for position, row in enumerate(self.race_order(), 1)}
        best = {row.car_id: (self._best_fields(position, row), row)
                for position, row in enumerate(self.best_order(), 1)}
        lines = []
        for car_id in passed:
            lines.append(self._race_line(*race[car_id]))
            lines.append(self._best_line(*best[car_id]))
        lines.extend(self._race_line(fields, row) for car_id, (fields, row) in race.items()
                     if self._sent_race.get(car_id) != fields)
        lines.extend(self._best_line(fields, row) for car_id, (fields, row) in best.items()
                     if self._sent_best.get(car_id) != fields)
        return lines

    def _race_line(self, fields: tuple[int, int | None, int | None], row: StandingRow) -> str:
        self._sent_race[row.car_id] = fields
        return rec.race_position(fields[0], row.number, fields[1], fields[2])

    def _best_line(self, fields: tuple[int, int, int | None], row: StandingRow) -> str:
        self._sent_best[row.car_id] = fields
        return rec.practice_position(fields[0], row.number, fields[1], fields[2])
