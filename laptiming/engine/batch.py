"""The batch form: a session's whole result from its passings and setup, in one pass.

This is what a replay, an export and every correction run; the live fold (:mod:`.fold`)
must always agree with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hardware.events import Passing
from laptiming.engine.corrections import ResolvedSetup, SessionSetup
from laptiming.engine.events import UnknownTransponder
from laptiming.engine.laps import CarTiming, LapContext, derive_car, lap_count_finish
from laptiming.engine.model import Lap, PassingReason, Verdict, crossing_order, passing_id
from laptiming.engine.standings import StandingRow, rank


@dataclass(frozen=True, slots=True)
class SessionResult:
    """Everything a session's results sheet and exports show."""

    setup: SessionSetup
    verdicts: tuple[Verdict, ...]
    laps: tuple[Lap, ...]
    standings: tuple[StandingRow, ...]
    unknown: tuple[UnknownTransponder, ...]
    finish_at_us: int | None


def route(passing: Passing, resolved: ResolvedSetup) -> int | PassingReason:
    """The car a passing belongs to, or why it belongs to none."""
    if resolved.is_voided(passing):
        return PassingReason.VOIDED
    car_id = resolved.car_for(passing.transponder, passing.decoder_time_us)
    if car_id is None:
        return PassingReason.UNKNOWN_TRANSPONDER
    if car_id not in resolved.entries:
        return PassingReason.NOT_ENTERED
    return car_id


def base_finish(resolved: ResolvedSetup) -> int | None:
    """Finish time from the flag shown by hand and the session's duration (not its lap count)."""
    markers = resolved.markers
    candidates = []
    if markers.checkered_us is not None:
        candidates.append(markers.checkered_us)
    if markers.green_us is not None and resolved.rules.duration_us is not None:
        candidates.append(markers.green_us + resolved.rules.duration_us)
    return min(candidates, default=None)


def lap_context(resolved: ResolvedSetup, finish_at_us: int | None, car_id: int) -> LapContext:
    """The derivation context of one car."""
    return LapContext(
        min_lap_us=resolved.rules.min_lap_us,
        suspect_factor=resolved.rules.suspect_factor,
        green_us=resolved.markers.green_us,
        finish_at_us=finish_at_us,
        deleted_crossings=resolved.deleted_crossings.get(car_id, frozenset()),
    )


def derive_cars(
    crossings_by_car: Mapping[int, list[Passing]], resolved: ResolvedSetup
) -> tuple[dict[int, CarTiming], int | None]:
    """Every car's timing (crossings already sorted) and the session's finish time."""
    finish = base_finish(resolved)
    cars = {
        car_id: derive_car(car_id, crossings, lap_context(resolved, finish, car_id))
        for car_id, crossings in crossings_by_car.items()
    }
    lap_count = resolved.rules.lap_count
    if lap_count is not None:
        reached = [t for t in (lap_count_finish(car, lap_count) for car in cars.values()) if t is not None]
        if reached and (finish is None or min(reached) < finish):
            finish = min(reached)
            cars = {
                car_id: derive_car(car_id, crossings, lap_context(resolved, finish, car_id))
                for car_id, crossings in crossings_by_car.items()
            }
    return cars, finish


def collect_result(
    passings: Iterable[Passing],
    cars: Mapping[int, CarTiming],
    resolved: ResolvedSetup,
    finish_at_us: int | None,
) -> SessionResult:
    """Assemble the result from derived cars; ``passings`` are all of the session's (deduplicated)."""
    counted = {}
    for car in cars.values():
        for crossing, reason in zip(car.crossings, car.verdicts):
            counted[passing_id(crossing)] = (car.car_id, reason)
    verdicts = []
    unknown: dict[int, list[int]] = {}
    for passing in passings:
        found = counted.get(passing_id(passing))
        if found is not None:
            verdicts.append(Verdict(passing, found[0], found[1]))
            continue
        reason = route(passing, resolved)
        if not isinstance(reason, PassingReason):
            raise ValueError(f"passing {passing_id(passing)} routes to car {reason} but is not among its crossings")
        verdicts.append(Verdict(passing, None, reason))
        if reason is PassingReason.UNKNOWN_TRANSPONDER:
            unknown.setdefault(passing.transponder, []).append(passing.decoder_time_us)
    verdicts.sort(key=lambda verdict: crossing_order(verdict.passing))
    laps = tuple(lap for car_id in sorted(cars) for lap in cars[car_id].laps)
    return SessionResult(
        setup=resolved.setup,
        verdicts=tuple(verdicts),
        laps=laps,
        standings=rank(cars, resolved).rows,
        unknown=tuple(
            UnknownTransponder(transponder, len(times), min(times), max(times))
            for transponder, times in sorted(unknown.items())
        ),
        finish_at_us=finish_at_us,
    )


def derive_session(passings: Iterable[Passing], setup: SessionSetup) -> SessionResult:
    """The batch form: the result of a session from its journal passings and its setup."""
    resolved = ResolvedSetup(setup)
    seen = set()
    unique: list[Passing] = []
    crossings_by_car: dict[int, list[Passing]] = {}
    for passing in (*passings, *resolved.added_passings):
        identity = passing_id(passing)
        if identity in seen:
            continue
        seen.add(identity)
        unique.append(passing)
        destination = route(passing, resolved)
        if not isinstance(destination, PassingReason):
            crossings_by_car.setdefault(destination, []).append(passing)
    for crossings in crossings_by_car.values():
        crossings.sort(key=crossing_order)
    cars, finish = derive_cars(crossings_by_car, resolved)
    return collect_result(unique, cars, resolved, finish)
