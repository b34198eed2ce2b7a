"""A driver's day in numbers: every run of theirs across the event's sessions, and their rank in class.

Drivers are followed by their id in the event database; a car entered without a driver (a
transponder entered by number) is followed as that car.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from laptiming.engine import Lap, StandingRow
from laptiming.errors import InputError
from laptiming.printouts.data import EventDay, SessionSheet
from laptiming.printouts.stats import LapStats, improvements, lap_stats
from laptiming.printouts.text import STATE_WORDS, classified, clock_time, name_order, times_stand

DriverKey = tuple[str, str]
"""("driver", id) for a named driver, ("car", number) for a car entered without one."""


@dataclass(frozen=True, slots=True)
class Run:
    """One session of the driver's: where they finished, their laps and statistics."""

    session: str
    session_id: int
    started: str
    car: str
    car_class: str
    position: int | None  # None: not classified (DNF, DNS, DSQ), which ``status`` says
    cars: int  # how many were classified: position 3 of the 11 the results sheet lists (3/11)
    status: str
    laps: tuple[Lap, ...]
    stats: LapStats
    best_lap_no: int | None
    best_us: int | None
    gained_us: int | None  # faster than the previous run's best (µs); None for the first run
    state: str


@dataclass(frozen=True, slots=True)
class DriverDay:
    """Everything on a driver's day page."""

    key: DriverKey
    name: str
    car_class: str
    runs: tuple[Run, ...]
    best_us: int | None
    best_run: str
    class_rank: int | None
    class_size: int

    @property
    def day_gain_us(self) -> int | None:
        """How much faster the best of the day was than the first run's best."""
        first = next((run.best_us for run in self.runs if run.best_us is not None), None)
        return None if first is None or self.best_us is None else first - self.best_us


def _classified_count(sheet: SessionSheet) -> int:
    """How many cars the session classified, as its results sheet numbers them (it counted DNF, DNS and DSQ
    cars too: a run read 11/12 behind no one, as on the slips)."""
    return sum(1 for row in sheet.result.standings if classified(row))


def driver_key(sheet: SessionSheet, row: StandingRow) -> DriverKey:
    """Who a standings row is, across sessions."""
    driver_id = sheet.driver_ids.get(row.car_id)
    return ("driver", str(driver_id)) if driver_id is not None else ("car", row.number)


def _runs_by_driver(day: EventDay) -> dict[DriverKey, list[tuple[SessionSheet, StandingRow]]]:
    runs: dict[DriverKey, list[tuple[SessionSheet, StandingRow]]] = {}
    for sheet in day.sessions:
        for row in sheet.result.standings:
            runs.setdefault(driver_key(sheet, row), []).append((sheet, row))
    return runs


@dataclass(frozen=True, slots=True)
class DayBest:
    """A driver's best lap of the day whose time stands, and the run they set it in."""

    sheet: SessionSheet
    row: StandingRow
    crossing_us: int  # when it was completed: of two equal laps the one set first ranks first

    @property
    def order(self) -> tuple[int, int, int]:
        """Where it ranks among the day's bests: the lap, then the earlier session, then the earlier crossing."""
        return (self.row.best_lap_us or 0, self.sheet.session_id, self.crossing_us)


def day_bests(day: EventDay) -> dict[DriverKey, DayBest]:
    """Each driver's best lap over the day's sessions, in the car and class they set it in (a disqualified run's
    laps do not count): what the leaderboard ranks and what a driver's day ranks them by in their class."""
    bests: dict[DriverKey, DayBest] = {}
    for sheet in day.sessions:
        crossings = {(lap.car_id, lap.lap_no): lap.crossing_us for lap in sheet.result.laps}
        for row in sheet.result.standings:
            if row.best_lap_us is None or not times_stand(row):
                continue
            key = driver_key(sheet, row)
            candidate = DayBest(sheet, row, crossings.get((row.car_id, row.best_lap_no or 0), 0))
            if key not in bests or candidate.order < bests[key].order:
                bests[key] = candidate
    return bests


def build_days(day: EventDay, keys: Iterable[DriverKey] | None = None) -> list[DriverDay]:
    """Driver's days for these drivers (all who ran, by name, when none are given); a disqualified run's
    best lap is neither their best of the day nor counted in the class ranking, as on the leaderboard. The
    class is the one they set their best of the day in (a driver who raced two cars of two classes is ranked
    where the leaderboard lists them), else the class of their last run."""
    all_runs = _runs_by_driver(day)
    laps_by_car = {
        sheet.session_id: _laps_by_car(sheet.result.laps) for sheet in day.sessions
    }
    day_best = day_bests(day)
    classes = {key: (day_best[key].row if key in day_best else runs[-1][1]).car_class or ""
               for key, runs in all_runs.items()}
    bests: dict[str, list[tuple[tuple[int, int, int], DriverKey]]] = {}
    for key, best_of_day in day_best.items():
        bests.setdefault(classes[key], []).append((best_of_day.order, key))
    ranks: dict[DriverKey, tuple[int, int]] = {}
    for car_class, entries in bests.items():
        for place, (_, key) in enumerate(sorted(entries), start=1):
            ranks[key] = (place, len(entries))
    chosen = list(keys) if keys is not None else sorted(all_runs, key=lambda k: name_order(_name(day, k, all_runs[k])))
    days = []
    for key in chosen:
        if key not in all_runs:
            raise InputError(f"{'driver' if key[0] == 'driver' else 'car'} {key[1]} ran in no session of this event")
        entries = all_runs[key]
        runs = []
        gained = improvements([row.best_lap_us for _, row in entries])
        for (sheet, row), gain in zip(entries, gained):
            laps = laps_by_car[sheet.session_id].get(row.car_id, ())
            started = clock_time(sheet.green_us, sheet.clock) or (sheet.planned_start or "")[11:]
            runs.append(Run(sheet.name, sheet.session_id, started,
                            row.number, row.car_class or "", row.classified_position, _classified_count(sheet),
                            row.status.value, laps,
                            lap_stats(laps), row.best_lap_no, row.best_lap_us, gain, STATE_WORDS[sheet.state]))
        timed = [run for run, (_, row) in zip(runs, entries) if run.best_us is not None and times_stand(row)]
        best = min(timed, key=lambda run: run.best_us or 0, default=None)
        rank, size = ranks.get(key, (None, len(bests.get(classes[key], []))))
        days.append(DriverDay(key, _name(day, key, entries), classes[key], tuple(runs),
                              None if best is None else best.best_us, "" if best is None else best.session,
                              rank, size))
    return days


def _laps_by_car(laps: Iterable[Lap]) -> dict[int, tuple[Lap, ...]]:
    grouped: dict[int, list[Lap]] = {}
    for lap in laps:
        grouped.setdefault(lap.car_id, []).append(lap)
    return {car_id: tuple(car_laps) for car_id, car_laps in grouped.items()}


def _name(day: EventDay, key: DriverKey, runs: list[tuple[SessionSheet, StandingRow]]) -> str:
    if key[0] == "driver":
        return day.drivers.get(int(key[1]), runs[-1][1].driver or f"driver {key[1]}")
    return f"Car {key[1]}"
