"""What the batch and fold forms of the engine share: routing a passing, the finish, deriving cars, the result."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter

from hardware.events import Passing
from laptiming.engine.corrections import ResolvedSetup, SessionSetup
from laptiming.engine.events import UnknownTransponder
from laptiming.engine.laps import CarTiming, LapContext, derive_car, lap_count_finish
from laptiming.engine.model import Lap, PassingId, PassingReason, Verdict, crossing_order, passing_id
from laptiming.engine.standings import StandingRow, leader, rank

_crossing_us = attrgetter("crossing_us")


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


def time_up_us(resolved: ResolvedSetup) -> int | None:
    """When the session's duration runs out (decoder µs), or None (no duration, or no green flag yet)."""
    markers, duration_us = resolved.markers, resolved.rules.duration_us
    return None if markers.green_us is None or duration_us is None else markers.green_us + duration_us


def base_finish(resolved: ResolvedSetup) -> int | None:
    """Finish time from the flag shown by hand and, in practice and qualifying, the session's duration.

    A race run to time ends as its leader crosses the line once the time is up (:func:`rules_finish`), and a
    race run to laps as its leader completes them: neither is known before that crossing.
    """
    markers = resolved.markers
    candidates = []
    if markers.checkered_us is not None:
        candidates.append(markers.checkered_us)
    up = time_up_us(resolved)
    if up is not None and resolved.rules.session_type.ranks_by_best_lap:
        candidates.append(up)
    return min(candidates, default=None)


def race_time_up_finish(cars: Mapping[int, CarTiming], resolved: ResolvedSetup) -> int | None:
    """In a race run to time, the crossing at which its leader takes the checkered flag: the first lap completed
    at or after the time ran out by a car on the lead lap (the most laps completed before then).

    A car that crosses the line after the time is up but before the leader (one it is about to lap, or
    a car less than a lap behind and ahead on the road) has not been shown the flag yet: it drives one
    more lap, as in every race run to time. ``cars`` derived with no finish, or with one not before
    this crossing (a finish later on changes no lap before it).
    """
    up = time_up_us(resolved)
    if up is None or resolved.rules.session_type.ranks_by_best_lap:
        return None
    counts = {car_id: bisect.bisect_left(car.laps, up, key=_crossing_us) for car_id, car in cars.items()}
    lead = max(counts.values(), default=0)
    flagged = [cars[car_id].laps[count].crossing_us for car_id, count in counts.items()
               if count == lead and count < len(cars[car_id].laps)]
    return min(flagged, default=None)


def rules_finish(cars: Mapping[int, CarTiming], resolved: ResolvedSetup, finish: int | None) -> int | None:
    """The finish time once the session's own rules are applied to cars derived against ``finish``: its
    leader completing the lap count, or crossing the line once a race's time is up, when that came first."""
    reached = [t for t in (lap_count_finish(car, resolved.rules.lap_count) for car in cars.values()) if t is not None]
    time_up = race_time_up_finish(cars, resolved)
    if time_up is not None:
        reached.append(time_up)
    earliest = min(reached, default=None)
    return earliest if earliest is not None and (finish is None or earliest < finish) else finish


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
    by_rules = rules_finish(cars, resolved, finish)
    if by_rules != finish:
        finish = by_rules
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
