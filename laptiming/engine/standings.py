"""Standings: the ordered table of a session from each car's laps.

Practice and qualifying rank by best lap (a tie goes to whoever set it first); a race ranks by
laps, then by the time the last lap was completed (plus penalties). Running and finished cars
come first, then DNF, DNS and DSQ. Gaps are to the leader, intervals to the car ahead: the
difference of best laps, or in a race the difference at the same lap number, or ``+N L``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from laptiming.engine.corrections import CarOutcome, ResolvedSetup
from laptiming.engine.laps import CarTiming
from laptiming.engine.model import Entry, Lap
from laptiming.engine.rules import CarStatus
from laptiming.timefmt import format_seconds

_NEVER = 1 << 62


@dataclass(frozen=True, slots=True)
class Gap:
    """Distance to another car: whole laps behind, else time behind (None when not comparable)."""

    time_us: int | None = None
    laps: int = 0

    def __str__(self) -> str:
        if self.laps:
            return f"+{self.laps} L"
        if self.time_us is None:
            return ""
        return f"+{format_seconds(self.time_us)}"


@dataclass(frozen=True, slots=True)
class StandingRow:
    """One car's line in the standings, keyed by ``car_id``."""

    car_id: int
    position: int
    number: str
    driver: str | None
    car_class: str | None
    transponders: tuple[int, ...]
    laps: int
    last_lap_us: int | None
    best_lap_us: int | None
    best_lap_no: int | None
    gap: Gap | None
    interval: Gap | None
    personal_best: bool
    session_best: bool
    status: CarStatus
    status_reason: str = ""
    penalty_us: int = 0


@dataclass(frozen=True, slots=True)
class _CarSummary:
    entry: Entry
    timing: CarTiming
    outcome: CarOutcome
    status: CarStatus
    best: Lap | None


def _best_lap(laps: tuple[Lap, ...]) -> Lap | None:
    best = None
    for lap in laps:
        if lap.counts_for_best and (best is None or lap.lap_time_us < best.lap_time_us):
            best = lap
    return best


def _status(timing: CarTiming, outcome: CarOutcome, closed: bool) -> CarStatus:
    if outcome.status is not None:
        return outcome.status
    if timing.finished:
        return CarStatus.FINISHED
    if closed and not timing.opened:
        return CarStatus.DNS
    return CarStatus.RUNNING


def _number_key(number: str) -> tuple[int, str]:
    return (int(number), number) if number.isdigit() else (_NEVER, number)


def _race_time(summary: _CarSummary) -> int:
    last = summary.timing.last_counted_us
    return _NEVER if last is None else last + summary.outcome.penalty_us


def _race_gap(car: _CarSummary, ahead: _CarSummary) -> Gap | None:
    laps = len(car.timing.laps)
    ahead_laps = len(ahead.timing.laps)
    if ahead_laps > laps:
        return Gap(laps=ahead_laps - laps)
    if laps == 0 or ahead_laps < laps:
        return None
    car_time = car.timing.laps[laps - 1].crossing_us + car.outcome.penalty_us
    ahead_time = ahead.timing.laps[laps - 1].crossing_us + ahead.outcome.penalty_us
    return Gap(time_us=car_time - ahead_time)


def _best_gap(car: _CarSummary, ahead: _CarSummary) -> Gap | None:
    if car.best is None or ahead.best is None:
        return None
    return Gap(time_us=car.best.lap_time_us - ahead.best.lap_time_us)


def rank(cars: Mapping[int, CarTiming], resolved: ResolvedSetup) -> tuple[StandingRow, ...]:
    """The standings of every entered car, in order."""
    closed = resolved.markers.closed
    summaries = []
    for car_id, entry in resolved.entries.items():
        timing = cars.get(car_id) or CarTiming(car_id)
        outcome = resolved.outcomes.get(car_id) or CarOutcome()
        summaries.append(
            _CarSummary(entry, timing, outcome, _status(timing, outcome, closed), _best_lap(timing.laps))
        )
    by_best = resolved.rules.session_type.ranks_by_best_lap
    if by_best:
        summaries.sort(
            key=lambda s: (
                s.status.classification_group,
                _NEVER if s.best is None else s.best.lap_time_us,
                _NEVER if s.best is None else s.best.crossing_us,
                _number_key(s.entry.number),
            )
        )
    else:
        summaries.sort(
            key=lambda s: (
                s.status.classification_group,
                -len(s.timing.laps),
                _race_time(s),
                _number_key(s.entry.number),
            )
        )
    gap_of = _best_gap if by_best else _race_gap
    session_best = min(
        (s for s in summaries if s.best is not None),
        key=lambda s: (s.best.lap_time_us, s.best.crossing_us),  # type: ignore[union-attr]
        default=None,
    )
    rows = []
    leader = summaries[0] if summaries else None
    for index, summary in enumerate(summaries):
        laps = summary.timing.laps
        last = laps[-1] if laps else None
        best = summary.best
        ahead = summaries[index - 1] if index else None
        rows.append(
            StandingRow(
                car_id=summary.entry.car_id,
                position=index + 1,
                number=summary.entry.number,
                driver=summary.entry.driver,
                car_class=summary.entry.car_class,
                transponders=resolved.transponders_of(summary.entry.car_id),
                laps=len(laps),
                last_lap_us=None if last is None else last.lap_time_us,
                best_lap_us=None if best is None else best.lap_time_us,
                best_lap_no=None if best is None else best.lap_no,
                gap=None if ahead is None or leader is None else gap_of(summary, leader),
                interval=None if ahead is None else gap_of(summary, ahead),
                personal_best=last is not None and best is last,
                session_best=summary is session_best,
                status=summary.status,
                status_reason=summary.outcome.status_reason,
                penalty_us=summary.outcome.penalty_us,
            )
        )
    return tuple(rows)
