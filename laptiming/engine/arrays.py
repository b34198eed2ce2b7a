"""The batch form on arrays (numpy): a large session's result with no Python step per crossing.

Per car, crossings are sorted by one ``lexsort``; where no two crossings after the green flag
are closer than the minimum lap (the usual case: no double reads), every one of them counts, so
verdicts, lap times (one ``diff``), the median and the suspect flags are whole-array work. A car
with a crossing under the minimum lap, a session with voided passings or a transponder that
moved between cars take the per-crossing path of :mod:`.laps` / :mod:`.batch`, so the result is
always exactly :func:`derive_session`'s.

Passings may come as objects or as the columns of a bulk decode (:func:`derive_session_columns`);
either way the result's verdicts, laps and crossings are column-backed sequences
(:mod:`.columns`), so a million passings make no million objects unless someone reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING

import numpy as np

from hardware.events import Passing
from hardware.gcpause import no_cyclic_gc
from laptiming.engine.columns import REASONS as _REASONS
from laptiming.engine.columns import (
    LapColumns,
    PassingRows,
    VerdictColumns,
    take_passings,
)
from laptiming.engine.corrections import ResolvedSetup, SessionSetup
from laptiming.engine.derive import (
    SessionResult,
    base_finish,
    checkered_at_leader,
    collect_result,
    derive_cars_flagged,
    lap_context,
    route,
    rules_finish,
    split_by_car,
    unique_passings,
)
from laptiming.engine.events import UnknownTransponder
from laptiming.engine.laps import CarTiming, LapContext, derive_car
from laptiming.engine.model import Lap, PassingReason
from laptiming.engine.standings import rank

if TYPE_CHECKING:
    from hardware.p3.columns import PassingColumns
    from laptiming.engine.columns import PassingSource

_CODE = {reason: code for code, reason in enumerate(_REASONS)}
_NO_CAR = -1


def derive_session_arrays(
    passings: Sequence[Passing], setup: SessionSetup, *, flag_at_leader: bool = False
) -> SessionResult:
    """:func:`derive_session` on arrays: the same result, for sessions of many passings.

    The cyclic garbage collector is paused meanwhile: the result is a few hundred thousand
    acyclic objects (verdicts, laps), and collections while they are made cost nearly as much as
    making them (measured: 1.9 s against 1.0 s for 330,000 passings).
    """
    with no_cyclic_gc():
        return _derive_session(passings, setup, flag_at_leader)


def derive_session_columns(
    columns: PassingColumns, setup: SessionSetup, *, flag_at_leader: bool = False
) -> SessionResult:
    """:func:`derive_session` of passings as columns (a bulk decode), with no object made per passing.

    The result's verdicts, laps and each car's crossings are column-backed sequences
    (:mod:`.columns`): a replay stores the laps without a ``Lap`` object each. A session this form
    does not take on columns (a passing repeated, passings added or voided by a correction, a
    transponder that moves between cars) is derived from ``columns.passings()``.
    """
    with no_cyclic_gc():
        resolved = ResolvedSetup(setup)
        arrays = _Arrays(*(np.asarray(column, dtype=np.int64) for column in (
            columns.rtc_time_us, columns.decoder_id, columns.passing_number, columns.transponder)))
        transponders = arrays.transponders_in_order()
        if (len(columns) < 2 or resolved.added_passings or resolved.has_voids or arrays.repeats()
                or any(resolved.is_time_dependent(t) for t in transponders)):
            return _derive_session(columns.passings(), setup, flag_at_leader)
        return _derive(columns, arrays, resolved, transponders, flag_at_leader)


@dataclass(frozen=True, slots=True)
class _Arrays:
    """The four fields the derivation reads, one int64 array each, in the source's order."""

    times: np.ndarray
    decoders: np.ndarray
    numbers: np.ndarray
    transponder_of: np.ndarray

    @classmethod
    def of_passings(cls, passings: Sequence[Passing]) -> _Arrays:
        count = len(passings)
        return cls(*(np.fromiter(map(attrgetter(name), passings), dtype=np.int64, count=count)
                     for name in ("decoder_time_us", "decoder_id", "passing_number", "transponder")))

    def repeats(self) -> bool:
        """Whether a passing's identity (decoder, number, time) occurs twice."""
        order = np.lexsort((self.decoders, self.numbers, self.times))
        repeated = np.ones(max(len(order) - 1, 0), dtype=bool)
        for column in (self.times, self.numbers, self.decoders):
            repeated &= column[order[1:]] == column[order[:-1]]
        return bool(repeated.any())

    def transponders_in_order(self) -> dict[int, None]:
        """Each transponder once, in the order its first passing comes."""
        found, first = np.unique(self.transponder_of, return_index=True)
        return dict.fromkeys(found[np.argsort(first)].tolist())


def _derive_session(passings: Sequence[Passing], setup: SessionSetup, flag_at_leader: bool) -> SessionResult:
    resolved = ResolvedSetup(setup)
    every = (*passings, *resolved.added_passings)
    arrays = _Arrays.of_passings(every)
    unique = list(every) if not arrays.repeats() else unique_passings(every)
    if len(unique) != len(every):
        arrays = _Arrays.of_passings(unique)
    transponders = {passing.transponder: None for passing in unique}
    if len(unique) < 2 or resolved.has_voids or any(resolved.is_time_dependent(t) for t in transponders):
        crossings_by_car, others = split_by_car(unique, resolved)  # routing passing by passing
        cars, finish, resolved = derive_cars_flagged(crossings_by_car, resolved, flag_at_leader)
        return collect_result(others, cars, resolved, finish)
    return _derive(unique, arrays, resolved, transponders, flag_at_leader)


def _derive(source: PassingSource, arrays: _Arrays, resolved: ResolvedSetup, transponders: dict[int, None],
            flag_at_leader: bool) -> SessionResult:
    times, decoders, numbers, transponder_of = arrays.times, arrays.decoders, arrays.numbers, arrays.transponder_of
    # every transponder routed once: to a car, or to a reason it belongs to none
    destination: dict[int, int | PassingReason] = {}
    car_order: dict[int, None] = {}  # cars in the order the per-crossing batch meets them
    for transponder in transponders:
        routed = route(_probe(transponder), resolved)
        destination[transponder] = routed
        if not isinstance(routed, PassingReason):
            car_order.setdefault(routed, None)
    keys = np.array(sorted(destination), dtype=np.int64)
    key_of = np.searchsorted(keys, transponder_of)  # each passing's transponder, as an index into keys
    routed_to = [destination[key] for key in keys.tolist()]
    car_of = np.array([_NO_CAR if isinstance(d, PassingReason) else d for d in routed_to], dtype=np.int64)[key_of]
    reason_code = np.array([_CODE[d] if isinstance(d, PassingReason) else 0 for d in routed_to], dtype=np.int8)[key_of]

    on_car = np.flatnonzero(car_of != _NO_CAR)
    order = on_car[np.lexsort((numbers[on_car], decoders[on_car], times[on_car], car_of[on_car]))]
    sorted_cars = car_of[order]
    bounds = np.flatnonzero(np.diff(sorted_cars)) + 1
    slices = {int(sorted_cars[start]): (start, stop)
              for start, stop in zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(order)].tolist())} if len(order) else {}

    def cars_with(finish: int | None) -> dict[int, CarTiming]:
        built = {}
        for car_id in car_order:
            start, stop = slices[car_id]
            built[car_id] = _car(car_id, source, order[start:stop], times, transponder_of,
                                 lap_context(resolved, finish, car_id), reason_code)
        return built

    finish = base_finish(resolved)
    cars = cars_with(finish)
    by_rules = rules_finish(cars, resolved, finish)
    if by_rules != finish:
        finish = by_rules
        cars = cars_with(finish)
    if flag_at_leader and finish is None:
        flagged = checkered_at_leader(cars, resolved)
        if flagged is not None:
            resolved = flagged  # cars_with reads it: each car judged again against the new flag
            finish = base_finish(resolved)
            cars = cars_with(finish)

    by_time = np.lexsort((numbers, decoders, times))
    return SessionResult(
        setup=resolved.setup,
        verdicts=VerdictColumns(source, by_time, car_of[by_time], reason_code[by_time], _NO_CAR),
        laps=LapColumns.concatenate([_lap_columns(cars[car_id].laps) for car_id in sorted(cars)]),
        standings=rank(cars, resolved).rows,
        unknown=_unknown(times, transponder_of, reason_code),
        finish_at_us=finish,
    )


def _lap_columns(laps: Sequence[Lap]) -> LapColumns:
    """A car's laps as columns (they are already, unless the car was judged crossing by crossing)."""
    return laps if isinstance(laps, LapColumns) else LapColumns.from_laps(laps)


def _probe(transponder: int) -> Passing:
    """A stand-in passing for routing a transponder whose car does not depend on time or identity."""
    return Passing(0, 0, transponder, 0)


def _car(car_id: int, source: PassingSource, indices: np.ndarray, times: np.ndarray, transponder_of: np.ndarray,
         context: LapContext, reason_code: np.ndarray) -> CarTiming:
    """One car's timing from its crossings' indices (sorted); writes each crossing's verdict code."""
    car_times = times[indices]
    green, finish = context.green_us, context.finish_at_us
    opened_at = len(car_times) if green is None else int(np.searchsorted(car_times, green))
    counted = car_times[opened_at:]
    gaps = np.diff(counted)
    if (gaps < context.min_lap_us).any():  # a crossing under the minimum lap: judged one by one
        timing = derive_car(car_id, take_passings(source, indices.tolist()), context)
        reason_code[indices] = [_CODE[reason] for reason in timing.verdicts]
        return timing
    codes = np.full(len(car_times), _CODE[PassingReason.BEFORE_GREEN], dtype=np.int8)
    laps_done = len(counted) - 1
    finished = False
    if len(counted):
        codes[opened_at] = _CODE[PassingReason.OPENED]
        codes[opened_at + 1 :] = _CODE[PassingReason.LAP]
        if finish is not None:
            at = int(np.searchsorted(counted, finish))  # the first counted crossing at or after the finish
            if at == 0:  # the flag fell before the car reached the line: it never starts
                codes[opened_at:] = _CODE[PassingReason.AFTER_CHECKERED]
                counted = counted[:0]
                laps_done = 0
            elif at < len(counted):
                finished = True
                laps_done = at
                codes[opened_at + at] = _CODE[PassingReason.FINISH]
                codes[opened_at + at + 1 :] = _CODE[PassingReason.AFTER_FINISH]
    reason_code[indices] = codes
    laps_done = max(laps_done, 0)
    lap_times = gaps[:laps_done]
    sorted_times = np.sort(lap_times).tolist()
    crossing_times = counted[1 : laps_done + 1]
    flag_code = np.zeros(laps_done, dtype=np.int8)
    best_index = None
    if laps_done > 0:
        middle = laps_done // 2
        median2 = 2 * sorted_times[middle] if laps_done % 2 else sorted_times[middle - 1] + sorted_times[middle]
        suspect = 2 * lap_times > context.suspect_factor * median2
        deleted = np.zeros(laps_done, dtype=bool)
        if context.deleted_crossings:
            deleted = np.isin(crossing_times, np.array(sorted(context.deleted_crossings), dtype=np.int64))
        flag_code = suspect.astype(np.int8) + 2 * deleted.astype(np.int8)
        if not deleted.all():
            best_index = int(np.argmin(np.where(deleted, np.iinfo(np.int64).max, lap_times)))
    laps = LapColumns(np.full(laps_done, car_id, dtype=np.int64), np.arange(1, laps_done + 1, dtype=np.int64), lap_times,
                      crossing_times, transponder_of[indices[opened_at + 1 : opened_at + 1 + laps_done]], flag_code)
    last_counted = int(counted[laps_done]) if len(counted) else None
    return CarTiming(car_id, PassingRows(source, indices), tuple(map(_REASONS.__getitem__, codes.tolist())), laps,
                     tuple(sorted_times), last_counted, finished, best_index)


def _unknown(times: np.ndarray, transponder_of: np.ndarray, reason_code: np.ndarray) -> tuple[UnknownTransponder, ...]:
    """Transponders no car has: how many passings, first and last, by transponder."""
    unknown = np.flatnonzero(reason_code == _CODE[PassingReason.UNKNOWN_TRANSPONDER])
    found: dict[int, list[int]] = {}
    for transponder, time_us in zip(transponder_of[unknown].tolist(), times[unknown].tolist()):
        found.setdefault(transponder, []).append(time_us)
    return tuple(UnknownTransponder(t, len(found[t]), min(found[t]), max(found[t])) for t in sorted(found))
