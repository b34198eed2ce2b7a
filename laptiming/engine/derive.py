"""What the batch and fold forms of the engine share: routing a passing, the finish, deriving cars, the result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter

from hardware.events import Passing
from laptiming.engine.corrections import ResolvedSetup, SessionSetup
from laptiming.engine.events import UnknownTransponder
from laptiming.engine.laps import CarTiming, LapContext, derive_car, lap_count_finish
from laptiming.engine.model import Lap, PassingId, PassingReason, Verdict, crossing_order, passing_id
from laptiming.engine.standings import StandingRow, leader, rank


@dataclass(frozen=True, slots=True)
class SessionResult:
    """Everything a session's results sheet and exports show."""

    setup: SessionSetup
    verdicts: Sequence[Verdict]  # in decoder-time order; a tuple, or columns read as one (engine.columns)
    laps: Sequence[Lap]
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


def checkered_at_leader(cars: Mapping[int, CarTiming], resolved: ResolvedSetup) -> ResolvedSetup | None:
    """The setup with the checkered flag shown as the leader completed its last lap, or None if no car did.

    Where a race captured without its flag ended: the leader took the flag on its last crossing, each
    other car at its next one. ``cars`` must be derived with no finish time.
    """
    car_id = leader(cars, resolved)
    timing = None if car_id is None else cars.get(car_id)
    if timing is None or not len(timing.laps):
        return None
    markers = replace(resolved.markers, checkered_us=timing.last_counted_us)
    return ResolvedSetup(replace(resolved.setup, markers=markers))


def derive_cars_flagged(
    crossings_by_car: Mapping[int, list[Passing]], resolved: ResolvedSetup, flag_at_leader: bool
) -> tuple[dict[int, CarTiming], int | None, ResolvedSetup]:
    """:func:`derive_cars`, then, with ``flag_at_leader`` and nothing else ending the session, again against
    the checkered flag at the leader's last lap; with the setup the cars were judged by."""
    cars, finish = derive_cars(crossings_by_car, resolved)
    if flag_at_leader and finish is None:
        flagged = checkered_at_leader(cars, resolved)
        if flagged is not None:
            cars, finish = derive_cars(crossings_by_car, flagged)
            return cars, finish, flagged
    return cars, finish, resolved


_verdict_order = attrgetter("passing.decoder_time_us", "passing.decoder_id", "passing.passing_number")


def collect_result(
    others: Iterable[Verdict],
    cars: Mapping[int, CarTiming],
    resolved: ResolvedSetup,
    finish_at_us: int | None,
) -> SessionResult:
    """Assemble the result from derived cars and the verdicts on passings that belong to no car."""
    verdicts = [
        Verdict(crossing, car.car_id, reason)
        for car in cars.values()
        for crossing, reason in zip(car.crossings, car.verdicts)
    ]
    unknown: dict[int, list[int]] = {}
    for verdict in others:
        verdicts.append(verdict)
        if verdict.reason is PassingReason.UNKNOWN_TRANSPONDER:
            unknown.setdefault(verdict.passing.transponder, []).append(verdict.passing.decoder_time_us)
    verdicts.sort(key=_verdict_order)
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


def split_by_car(
    passings: Iterable[Passing], resolved: ResolvedSetup
) -> tuple[dict[int, list[Passing]], list[Verdict]]:
    """Each car's crossings (sorted) and the verdicts on passings that belong to no car.

    ``passings`` must be deduplicated. Routing is done once per transponder when its car cannot
    change during the session and nothing is voided; otherwise passing by passing.
    """
    by_transponder: dict[int, list[Passing]] = {}
    for passing in passings:
        found = by_transponder.get(passing.transponder)
        if found is None:
            by_transponder[passing.transponder] = [passing]
        else:
            found.append(passing)
    crossings_by_car: dict[int, list[Passing]] = {}
    others: list[Verdict] = []
    per_passing = resolved.has_voids
    for transponder, group in by_transponder.items():
        if not per_passing and not resolved.is_time_dependent(transponder):
            destination = route(group[0], resolved)
            if isinstance(destination, PassingReason):
                others.extend(Verdict(passing, None, destination) for passing in group)
            else:
                crossings_by_car.setdefault(destination, []).extend(group)
            continue
        for passing in group:
            destination = route(passing, resolved)
            if isinstance(destination, PassingReason):
                others.append(Verdict(passing, None, destination))
            else:
                crossings_by_car.setdefault(destination, []).append(passing)
    for crossings in crossings_by_car.values():
        crossings.sort(key=crossing_order)
    return crossings_by_car, others


def unique_passings(passings: Iterable[Passing]) -> list[Passing]:
    """Each passing once (the first copy of a resend), in arrival order."""
    first: dict[PassingId, Passing] = {}
    for passing in passings:
        first.setdefault(passing_id(passing), passing)
    return list(first.values())
