"""Standings: the ordered table of a session from each car's laps.

Practice and qualifying rank by best lap (a tie goes to whoever set it first); a race ranks by
laps, then by the time the last lap was completed (plus penalties). Running and finished cars
come first, then DNF, DNS and DSQ; a car that never crossed the line before the finish time is DNS
once the session closes, and so in practice and qualifying is one that completed no lap. Gaps are to the leader, intervals to the car ahead: the
difference of best laps, or in a race the difference at the same lap number, or ``+N L``.
Cars not classified (DNF, DNS, DSQ) have neither, and no position: ``position`` is only their place
in the order, ``classified_position`` is what every result shows.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from operator import attrgetter

from laptiming.engine.corrections import CarOutcome, ResolvedSetup
from laptiming.engine.laps import CarTiming
from laptiming.engine.model import NEVER_US, Entry, Lap
from laptiming.engine.rules import CarStatus


@dataclass(frozen=True, slots=True)
class Gap:
    """Distance to another car: whole laps behind, else time behind (None when not comparable)."""

    time_us: int | None = None  # negative when this car completed the lap before the one compared with
    laps: int = 0


@dataclass(frozen=True, slots=True)
class StandingRow:
    """One car's line in the standings, keyed by ``car_id``; ``position`` is its place in the order (1-based)."""

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

    @property
    def classified_position(self) -> int | None:
        """The position results show: None for a car not classified (DNF, DNS, DSQ), which has none."""
        return self.position if self.status.classified else None


_NO_OUTCOME = CarOutcome()
_ROW_AFTER_POSITION = attrgetter(*[field.name for field in fields(StandingRow)][2:])  # every field after position


def _at_position(row: StandingRow, position: int) -> StandingRow:
    """The same row at another position: ``dataclasses.replace`` on this frozen dataclass took 9.7 µs
    a row here, the constructor 5.1 µs, and a race start shifts dozens of rows a crossing."""
    return StandingRow(row.car_id, position, *_ROW_AFTER_POSITION(row))


def _status(timing: CarTiming, outcome: CarOutcome, closed: bool, by_best: bool) -> CarStatus:
    if outcome.status is not None:
        return outcome.status
    if timing.finished:
        return CarStatus.FINISHED
    # A car whose first crossing came at or after the finish time never opened its timing
    # (that crossing is AFTER_CHECKERED): as a car that never crossed the line, it did not start.
    if closed and not timing.opened:
        return CarStatus.DNS
    if closed and by_best:
        # Practice and qualifying are over for everyone when the session closes; only a race
        # asks each car to take the flag. A car that completed no lap set no time: it did not
        # start the timed session (as a race car that never crossed the line), so it is DNS.
        return CarStatus.FINISHED if timing.laps else CarStatus.DNS
    return CarStatus.RUNNING


def number_key(number: str) -> tuple[int, str]:
    """Car numbers in natural order: 2 before 10, numeric before anything else."""
    return (int(number), number) if number.isdigit() else (NEVER_US, number)


_crossing_of = attrgetter("crossing_us")


def race_gap(car: CarTiming, car_penalty_us: int, ahead: CarTiming, ahead_penalty_us: int) -> Gap | None:
    """Race distance from ``ahead``: time at the same lap number, or ``+N L`` when truly lapped.

    Lapped means ``ahead`` had completed more laps than the car by the time the car completed
    its last one; a car merely behind on the lead lap keeps its time gap when the leader crosses.
    A car that has taken the flag is done: if ``ahead`` completed more laps in all (it took the
    flag later, behind it on the road), the car finished those laps down.
    A car without a completed lap has nothing to compare, so no gap; nor has a car that was in
    front at that lap number (it left the pits first, or ``ahead`` has passed it since): its
    distance is not known until it crosses again, and a gap below zero read as ahead of the leader.
    """
    laps = len(car.laps)
    ahead_laps = len(ahead.laps)
    if laps == 0 or ahead_laps < laps:
        return None
    if car.finished and ahead_laps > laps:
        return Gap(laps=ahead_laps - laps)
    car_crossing_us = car.laps[laps - 1].crossing_us
    ahead_done = bisect.bisect_right(ahead.laps, car_crossing_us, key=_crossing_of)
    if ahead_done > laps:
        return Gap(laps=ahead_done - laps)
    ahead_crossing_us = ahead.laps[laps - 1].crossing_us
    time_us = (car_crossing_us + car_penalty_us) - (ahead_crossing_us + ahead_penalty_us)
    return None if time_us < 0 else Gap(time_us=time_us)


def best_gap(car: CarTiming, ahead: CarTiming) -> Gap | None:
    """Best-lap distance from ``ahead``: the difference of best laps."""
    best = car.best_lap
    ahead_best = ahead.best_lap
    if best is None or ahead_best is None:
        return None
    return Gap(time_us=best.lap_time_us - ahead_best.lap_time_us)


SortKey = tuple[int, int, int, tuple[int, str], int]


@dataclass(frozen=True, slots=True)
class Standings:
    """The ordered rows plus what the incremental update needs: each row's sort key and the session best."""

    rows: tuple[StandingRow, ...]
    keys: tuple[SortKey, ...]
    session_best_car: int | None


def _sort_key(timing: CarTiming, entry: Entry, outcome: CarOutcome, status: CarStatus, by_best: bool) -> SortKey:
    if by_best:
        best = timing.best_lap
        return (
            status.classification_group,
            NEVER_US if best is None else best.lap_time_us,
            NEVER_US if best is None else best.crossing_us,
            number_key(entry.number),
            entry.car_id,
        )
    last = timing.last_counted_us
    return (
        status.classification_group,
        -len(timing.laps),
        NEVER_US if last is None else last + outcome.penalty_us,
        number_key(entry.number),
        entry.car_id,
    )


def _beats(lap: Lap, other: Lap | None) -> bool:
    return other is None or (lap.lap_time_us, lap.crossing_us) < (other.lap_time_us, other.crossing_us)


class _Ranker:
    """Builds rows for one setup and one set of car timings."""

    __slots__ = ("cars", "resolved", "by_best", "closed")

    def __init__(self, cars: Mapping[int, CarTiming], resolved: ResolvedSetup) -> None:
        self.cars = cars
        self.resolved = resolved
        self.by_best = resolved.rules.session_type.ranks_by_best_lap
        self.closed = resolved.markers.closed

    def timing(self, car_id: int) -> CarTiming:
        """The car's timing (empty if it has not crossed the line)."""
        return self.cars.get(car_id) or CarTiming(car_id)

    def standing_best(self, car_id: int) -> Lap | None:
        """The car's best lap if its times stand: a disqualified car's do not, so it holds no session best."""
        if self.resolved.outcomes.get(car_id, _NO_OUTCOME).status is CarStatus.DSQ:
            return None
        return self.timing(car_id).best_lap

    def key(self, car_id: int) -> SortKey:
        """Where the car sorts in this session."""
        timing = self.timing(car_id)
        outcome = self.resolved.outcomes.get(car_id, _NO_OUTCOME)
        status = _status(timing, outcome, self.closed, self.by_best)
        return _sort_key(timing, self.resolved.entries[car_id], outcome, status, self.by_best)

    def gap(self, car_id: int, other_id: int) -> Gap | None:
        """Distance from ``car_id`` to ``other_id`` by the session's rule."""
        timing = self.timing(car_id)
        other = self.timing(other_id)
        if self.by_best:
            return best_gap(timing, other)
        outcomes = self.resolved.outcomes
        return race_gap(
            timing,
            outcomes.get(car_id, _NO_OUTCOME).penalty_us,
            other,
            outcomes.get(other_id, _NO_OUTCOME).penalty_us,
        )

    def row(self, order: list[int], index: int, session_best_car: int | None) -> StandingRow:
        """The row at ``index`` of ``order``."""
        car_id = order[index]
        entry = self.resolved.entries[car_id]
        timing = self.timing(car_id)
        outcome = self.resolved.outcomes.get(car_id, _NO_OUTCOME)
        laps = timing.laps
        last_lap = laps[-1] if laps else None
        best = timing.best_lap
        status = _status(timing, outcome, self.closed, self.by_best)
        # Only classified cars (running, finished) have a gap and interval; DNF, DNS, DSQ show none.
        first = index == 0 or status.classification_group != 0
        return StandingRow(
            car_id=car_id,
            position=index + 1,
            number=entry.number,
            driver=entry.driver,
            car_class=entry.car_class,
            transponders=self.resolved.transponders_of(car_id),
            laps=len(laps),
            last_lap_us=None if last_lap is None else last_lap.lap_time_us,
            best_lap_us=None if best is None else best.lap_time_us,
            best_lap_no=None if best is None else best.lap_no,
            gap=None if first else self.gap(car_id, order[0]),
            interval=None if first else self.gap(car_id, order[index - 1]),
            personal_best=last_lap is not None and timing.best_index == len(laps) - 1,
            session_best=car_id == session_best_car,
            status=status,
            status_reason=outcome.status_reason,
            penalty_us=outcome.penalty_us,
        )


def rank(cars: Mapping[int, CarTiming], resolved: ResolvedSetup) -> Standings:
    """The standings of every entered car, in order, computed from scratch."""
    ranker = _Ranker(cars, resolved)
    keyed = sorted((ranker.key(car_id), car_id) for car_id in resolved.entries)
    order = [car_id for _, car_id in keyed]
    session_best_car = None
    session_best = None
    for car_id in order:
        best = ranker.standing_best(car_id)
        if best is not None and _beats(best, session_best):
            session_best, session_best_car = best, car_id
    return _every_row(ranker, order, tuple(key for key, _ in keyed), session_best_car)


def _every_row(ranker: _Ranker, order: list[int], keys: tuple[SortKey, ...], session_best_car: int | None) -> Standings:
    return Standings(tuple(ranker.row(order, index, session_best_car) for index in range(len(order))), keys,
                     session_best_car)


def leader_laps(rows: Iterable[StandingRow]) -> int:
    """The most laps any car has completed (the leader's, in a race): what a lap count counts down from."""
    return max((row.laps for row in rows), default=0)


def leader(cars: Mapping[int, CarTiming], resolved: ResolvedSetup) -> int | None:
    """The classified car at the top of the standings (its sort key only, no gaps worked out), or None."""
    ranker = _Ranker(cars, resolved)
    best = min(((ranker.key(car_id), car_id) for car_id in resolved.entries), default=None)
    return None if best is None or best[0][0] != 0 else best[1]  # group 0: running or finished


def rerank_one(
    previous: Standings,
    cars: Mapping[int, CarTiming],
    resolved: ResolvedSetup,
    car_id: int,
    best_changed: bool,
    globally_latest: bool,
) -> tuple[Standings, list[StandingRow]]:
    """Standings after one car gained a crossing at its end (its best can only have improved).

    Only the rows between the car's old and new places, the row behind it and the session-best
    holders are rebuilt; a new leader, or a leader's change that can move every gap (a new best
    lap; in a race a crossing older than another car's), falls back to :func:`rank`.
    ``globally_latest``: the crossing is later than every other car's, so in a race nobody's
    gap to this car can change. Returns the standings and the changed rows.
    """
    ranker = _Ranker(cars, resolved)
    order = [row.car_id for row in previous.rows]
    keys = list(previous.keys)
    old_index = order.index(car_id)
    old_leader = order[0]
    new_key = ranker.key(car_id)
    del order[old_index]
    del keys[old_index]
    new_index = bisect.bisect_left(keys, new_key)
    order.insert(new_index, car_id)
    keys.insert(new_index, new_key)

    best = ranker.standing_best(car_id)
    session_best_car = previous.session_best_car
    holder_best = None if session_best_car is None else ranker.standing_best(session_best_car)
    if best is not None and session_best_car != car_id and _beats(best, holder_best):
        session_best_car = car_id
    every_gap_moves = order[0] == car_id and (best_changed if ranker.by_best else not globally_latest)
    if order[0] != old_leader or every_gap_moves:
        # every gap is to a new leader, or moved with it: every row again, in the order and with the
        # session best worked out above (no other car's sort key changed; sorting them again cost a third)
        full = _every_row(ranker, order, tuple(keys), session_best_car)
        return full, changed_rows(full.rows, previous.rows)

    touched = set(range(min(old_index, new_index), min(max(old_index, new_index) + 2, len(order))))
    for holder in (previous.session_best_car, session_best_car):
        if holder is not None:
            touched.add(order.index(holder))
    rows = list(previous.rows)
    if old_index != new_index:
        moved = rows.pop(old_index)
        rows.insert(new_index, moved)
    holders = {previous.session_best_car, session_best_car}
    changed = []
    for index in sorted(touched):
        before = rows[index]  # this car's row before the crossing, already moved to its new place
        ahead = order[index - 1] if index else None
        ahead_before = previous.rows[before.position - 2].car_id if before.position > 1 else None
        if order[index] != car_id and order[index] not in holders and ahead == ahead_before != car_id:
            # only shifted by the crossing car (a race start moves a car past dozens): its gap to
            # the same leader and its interval to the same car ahead are as they were
            row = before if before.position == index + 1 else _at_position(before, index + 1)
        else:
            row = ranker.row(order, index, session_best_car)
        if row != before:
            rows[index] = row
            changed.append(row)
    return Standings(tuple(rows), tuple(keys), session_best_car), changed


def changed_rows(new: tuple[StandingRow, ...], old: tuple[StandingRow, ...]) -> list[StandingRow]:
    """Rows of ``new`` that are not identical to the same car's row in ``old``."""
    before = {row.car_id: row for row in old}
    return [row for row in new if before.get(row.car_id) != row]
