"""One car's laps from its crossings: the whole derivation, and the one-crossing-more fast path.

Rules (per session): the first crossing at or after the green flag opens the car's timing and
completes no lap; each later crossing at least ``min_lap_us`` after the previous counted crossing
completes a lap; a sooner one counts for nothing. The first counted crossing at or after the
finish time (the checkered flag) finishes the car; later crossings are kept but not counted. A car
whose first crossing after the green comes at or after the finish time never starts: that crossing
and the rest count for nothing (``AFTER_CHECKERED``).
A lap longer than ``suspect_factor`` x the car's median lap is flagged ``suspect``.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from hardware.events import Passing
from laptiming.engine.model import Lap, LapFlag, PassingReason


@dataclass(frozen=True, slots=True)
class LapContext:
    """What one car's derivation needs to know about its session."""

    min_lap_us: int
    suspect_factor: float
    green_us: int | None
    finish_at_us: int | None
    deleted_crossings: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class CarTiming:
    """One car's crossings (sorted by decoder time), the verdict on each, and its laps."""

    car_id: int
    crossings: Sequence[Passing] = ()  # a tuple, or columns read as one (engine.columns)
    verdicts: tuple[PassingReason, ...] = ()
    laps: Sequence[Lap] = ()
    sorted_lap_times: tuple[int, ...] = ()
    last_counted_us: int | None = None
    finished: bool = False
    best_index: int | None = None

    @property
    def best_lap(self) -> Lap | None:
        """The car's best lap whose time counts (a tie keeps the earlier lap)."""
        return None if self.best_index is None else self.laps[self.best_index]

    @property
    def opened(self) -> bool:
        """Whether the car has a counted crossing (its timing is open)."""
        return self.last_counted_us is not None


def _judge(
    time_us: int, last_counted_us: int | None, finished: bool, context: LapContext
) -> PassingReason:
    """The verdict on a crossing given the car's state just before it."""
    if context.green_us is None or time_us < context.green_us:
        return PassingReason.BEFORE_GREEN
    if finished:
        return PassingReason.AFTER_FINISH
    if last_counted_us is None:
        if context.finish_at_us is not None and time_us >= context.finish_at_us:
            return PassingReason.AFTER_CHECKERED
        return PassingReason.OPENED
    if time_us - last_counted_us < context.min_lap_us:
        return PassingReason.UNDER_MIN_LAP
    if context.finish_at_us is not None and time_us >= context.finish_at_us:
        return PassingReason.FINISH
    return PassingReason.LAP


def _flags(lap: Lap, median2: int, context: LapContext) -> frozenset[LapFlag]:
    """A lap's flags; ``median2`` is twice the car's median lap (keeps the test in integers)."""
    suspect = 2 * lap.lap_time_us > context.suspect_factor * median2
    deleted = lap.crossing_us in context.deleted_crossings
    if suspect and deleted:
        return frozenset({LapFlag.SUSPECT, LapFlag.DELETED})
    if suspect:
        return _SUSPECT
    if deleted:
        return _DELETED
    return _NO_FLAGS


_NO_FLAGS: frozenset[LapFlag] = frozenset()
_SUSPECT = frozenset({LapFlag.SUSPECT})
_DELETED = frozenset({LapFlag.DELETED})


def _twice_median(sorted_times: Sequence[int]) -> int:
    """Twice the median of sorted lap times (an integer even for an even count)."""
    count = len(sorted_times)
    middle = count // 2
    if count % 2:
        return 2 * sorted_times[middle]
    return sorted_times[middle - 1] + sorted_times[middle]


def _reflag(laps: Sequence[Lap], sorted_times: Sequence[int], context: LapContext) -> list[Lap]:
    """Laps with flags brought up to date with the current median; unchanged laps are kept as they are."""
    if not laps:
        return []
    median2 = _twice_median(sorted_times)
    deleted = context.deleted_crossings
    suspect_over = context.suspect_factor * median2  # suspect when 2 x lap time exceeds this
    result = []
    for lap in laps:
        suspect = 2 * lap.lap_time_us > suspect_over
        if not deleted:
            flags = _SUSPECT if suspect else _NO_FLAGS
        else:
            flags = _flags(lap, median2, context)
        result.append(lap if flags == lap.flags else _with_flags(lap, flags))
    return result


def _no_flag_moves(old_sorted: Sequence[int], new_sorted: Sequence[int], context: LapContext) -> bool:
    """Whether no earlier lap's suspect flag changes when the median moves from ``old_sorted``'s to ``new_sorted``'s.

    A lap is suspect when 2 x its time exceeds the factor x twice the median; only a lap whose time
    lies between the old and the new bound flips, and the sorted times tell in two bisections
    whether there is one. Re-flagging every lap at each crossing made a step cost grow with the
    car's laps (an endurance session, a long capture recorded live).
    """
    if not old_sorted:
        return True
    factor = context.suspect_factor
    bounds = sorted((factor * _twice_median(old_sorted), factor * _twice_median(new_sorted)))
    if bounds[0] == bounds[1]:
        return True
    within = [bisect.bisect_right(old_sorted, False, key=lambda time_us, bound=bound: 2 * time_us > bound)
              for bound in bounds]  # laps not suspect under each bound
    return within[0] == within[1]


def _with_flags(lap: Lap, flags: frozenset[LapFlag]) -> Lap:
    return Lap(lap.car_id, lap.lap_no, lap.lap_time_us, lap.crossing_us, lap.transponder, flags)


def derive_car(car_id: int, crossings: Sequence[Passing], context: LapContext) -> CarTiming:
    """The whole derivation for one car; ``crossings`` must be sorted by decoder time.

    The same rules as :func:`_judge`, written out in the loop: this runs for every passing of a
    replayed weekend.
    """
    verdicts: list[PassingReason] = []
    laps: list[Lap] = []
    last_counted_us: int | None = None
    finished = False
    green_us = context.green_us
    finish_at_us = context.finish_at_us
    min_lap_us = context.min_lap_us
    append = verdicts.append
    for passing in crossings:
        time_us = passing.decoder_time_us
        if green_us is None or time_us < green_us:
            append(BEFORE_GREEN)
        elif finished:
            append(AFTER_FINISH)
        elif last_counted_us is None:
            if finish_at_us is not None and time_us >= finish_at_us:
                append(AFTER_CHECKERED)
            else:
                append(OPENED)
                last_counted_us = time_us
        elif time_us - last_counted_us < min_lap_us:
            append(UNDER_MIN_LAP)
        else:
            laps.append(Lap(car_id, len(laps) + 1, time_us - last_counted_us, time_us, passing.transponder))
            last_counted_us = time_us
            finished = finish_at_us is not None and time_us >= finish_at_us
            append(FINISH if finished else LAP)
    sorted_times = sorted(lap.lap_time_us for lap in laps)
    flagged = _reflag(laps, sorted_times, context)
    best_index = None
    best_time = 0
    for index, lap in enumerate(flagged):
        if (best_index is None or lap.lap_time_us < best_time) and lap.counts_for_best:
            best_index, best_time = index, lap.lap_time_us
    return CarTiming(
        car_id=car_id,
        crossings=tuple(crossings),
        verdicts=tuple(verdicts),
        laps=tuple(flagged),
        sorted_lap_times=tuple(sorted_times),
        last_counted_us=last_counted_us,
        finished=finished,
        best_index=best_index,
    )


BEFORE_GREEN = PassingReason.BEFORE_GREEN
AFTER_FINISH = PassingReason.AFTER_FINISH
AFTER_CHECKERED = PassingReason.AFTER_CHECKERED
OPENED = PassingReason.OPENED
UNDER_MIN_LAP = PassingReason.UNDER_MIN_LAP
FINISH = PassingReason.FINISH
LAP = PassingReason.LAP


def extend_car(
    car: CarTiming, passing: Passing, context: LapContext
) -> tuple[CarTiming, PassingReason, list[Lap]]:
    """One more crossing that sorts after all the car's others: the new car, its verdict, changed laps."""
    time_us = passing.decoder_time_us
    reason = _judge(time_us, car.last_counted_us, car.finished, context)
    crossings = (*car.crossings, passing)
    verdicts = car.verdicts + (reason,)
    if reason is PassingReason.OPENED:
        timing = CarTiming(
            car.car_id, crossings, verdicts, car.laps, car.sorted_lap_times, time_us, False, car.best_index
        )
        return timing, reason, []
    if reason is not PassingReason.LAP and reason is not PassingReason.FINISH:
        timing = CarTiming(
            car.car_id,
            crossings,
            verdicts,
            car.laps,
            car.sorted_lap_times,
            car.last_counted_us,
            car.finished,
            car.best_index,
        )
        return timing, reason, []
    lap_time_us = time_us - car.last_counted_us  # type: ignore[operator]
    new_lap = Lap(car.car_id, len(car.laps) + 1, lap_time_us, time_us, passing.transponder)
    sorted_times = list(car.sorted_lap_times)
    bisect.insort(sorted_times, lap_time_us)
    old_laps = car.laps
    if _no_flag_moves(car.sorted_lap_times, sorted_times, context):  # the usual case: only the new lap to flag
        laps = [*old_laps, _reflag((new_lap,), sorted_times, context)[0]]
        changed = [laps[-1]]
    else:
        laps = _reflag((*old_laps, new_lap), sorted_times, context)
        changed = [lap for lap, old in zip(laps, old_laps) if lap is not old]
        changed.append(laps[-1])
    best_index = car.best_index
    if laps[-1].counts_for_best and (best_index is None or lap_time_us < laps[best_index].lap_time_us):
        best_index = len(laps) - 1
    timing = CarTiming(
        car.car_id,
        crossings,
        verdicts,
        tuple(laps),
        tuple(sorted_times),
        time_us,
        reason is PassingReason.FINISH,
        best_index,
    )
    return timing, reason, changed


def lap_count_finish(car: CarTiming, lap_count: int | None) -> int | None:
    """Decoder time at which this car completed ``lap_count`` laps, if it has."""
    if lap_count is None or len(car.laps) < lap_count:
        return None
    return car.laps[lap_count - 1].crossing_us
