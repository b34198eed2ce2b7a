"""The live form: a fold ``step(state, passing) -> (state, events)`` with immutable state.

One passing in, the changed verdicts, laps and standings rows out. The usual case (a car's
crossing later than all its others) extends that car only; a crossing that arrives out of order
(a resend after a reconnect) re-derives that car; the checkered flag falling by lap count
re-derives every car. A new setup (a correction, a flag) recomputes with the batch form and
sends what changed. ``result(state)`` must equal :func:`derive_session` over the same passings.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from hardware.events import Passing
from laptiming.engine.corrections import ResolvedSetup, SessionSetup
from laptiming.engine.derive import (
    SessionResult,
    collect_result,
    derive_cars,
    lap_context,
    race_time_up_finish,
    route,
    split_by_car,
    time_up_us,
)
from laptiming.engine.events import (
    FinishTimeSet,
    LapChanged,
    LapRemoved,
    PassingJudged,
    SessionEvent,
    StandingChanged,
    UnknownTransponder,
    UnknownTransponderSeen,
)
from laptiming.engine.laps import CarTiming, derive_car, extend_car, lap_count_finish
from laptiming.engine.model import Lap, PassingReason, Verdict, crossing_order, passing_id
from laptiming.engine.standings import StandingRow, Standings, changed_rows, rank, rerank_one


@dataclass(frozen=True, slots=True)
class SessionState:
    """Where a session stands after the passings folded so far. Never mutated; each step makes a new one."""

    resolved: ResolvedSetup
    raw: Mapping[int, tuple[Passing, ...]]  # each transponder's passings in crossing order
    cars: Mapping[int, CarTiming]
    unknown: Mapping[int, UnknownTransponder]
    finish_at_us: int | None
    table: Standings
    latest_us: int | None

    @property
    def standings(self) -> tuple[StandingRow, ...]:
        """The standings rows in order."""
        return self.table.rows

    @property
    def passing_count(self) -> int:
        """Journal passings folded in so far."""
        return sum(len(passings) for passings in self.raw.values())

    @property
    def setup(self) -> SessionSetup:
        """The setup (rules, flags, entries, corrections) in force."""
        return self.resolved.setup


def _all_passings(raw: Mapping[int, tuple[Passing, ...]], resolved: ResolvedSetup) -> list[Passing]:
    passings = [passing for per_transponder in raw.values() for passing in per_transponder]
    known = {passing_id(passing) for passing in passings}
    passings.extend(p for p in resolved.added_passings if passing_id(p) not in known)
    return passings


def _build(raw: Mapping[int, tuple[Passing, ...]], resolved: ResolvedSetup) -> SessionState:
    crossings_by_car, _ = split_by_car(_all_passings(raw, resolved), resolved)
    cars, finish = derive_cars(crossings_by_car, resolved)
    unknown: dict[int, UnknownTransponder] = {}
    for passings in raw.values():
        for passing in passings:
            if route(passing, resolved) is PassingReason.UNKNOWN_TRANSPONDER:
                unknown[passing.transponder] = _count_unknown(unknown.get(passing.transponder), passing)
    latest = max((car.crossings[-1].decoder_time_us for car in cars.values() if car.crossings), default=None)
    return SessionState(resolved, dict(raw), cars, unknown, finish, rank(cars, resolved), latest)


def start(setup: SessionSetup, passings: Iterable[Passing] = ()) -> SessionState:
    """The state of a session from its setup and the passings already journaled (a resume)."""
    seen = set()
    by_transponder: dict[int, list[Passing]] = {}
    for passing in passings:  # the first copy of a resend is the one kept
        identity = passing_id(passing)
        if identity not in seen:
            seen.add(identity)
            by_transponder.setdefault(passing.transponder, []).append(passing)
    raw = {transponder: tuple(sorted(kept, key=crossing_order)) for transponder, kept in by_transponder.items()}
    return _build(raw, ResolvedSetup(setup))


def result(state: SessionState) -> SessionResult:
    """The session's full result as the batch form presents it."""
    _, others = split_by_car(_all_passings(state.raw, state.resolved), state.resolved)
    return collect_result(others, state.cars, state.resolved, state.finish_at_us)


def _count_unknown(known: UnknownTransponder | None, passing: Passing) -> UnknownTransponder:
    time_us = passing.decoder_time_us
    if known is None:
        return UnknownTransponder(passing.transponder, 1, time_us, time_us)
    return UnknownTransponder(
        known.transponder, known.passings + 1, min(known.first_us, time_us), max(known.last_us, time_us)
    )


def _car_events(old: CarTiming | None, new: CarTiming) -> list[SessionEvent]:
    """Verdicts and laps that differ between two derivations of one car."""
    events: list[SessionEvent] = []
    before = {} if old is None else {passing_id(p): r for p, r in zip(old.crossings, old.verdicts)}
    for crossing, reason in zip(new.crossings, new.verdicts):
        if before.get(passing_id(crossing)) is not reason:
            events.append(PassingJudged(Verdict(crossing, new.car_id, reason)))
    events.extend(_lap_events(new.car_id, () if old is None else old.laps, new.laps))
    return events


def _lap_events(car_id: int, old_laps: tuple[Lap, ...], new_laps: tuple[Lap, ...]) -> list[SessionEvent]:
    """Laps that are new or differ, then laps that are gone (one car)."""
    events: list[SessionEvent] = [
        LapChanged(lap) for index, lap in enumerate(new_laps) if index >= len(old_laps) or old_laps[index] != lap
    ]
    events.extend(LapRemoved(car_id, lap.lap_no) for lap in old_laps[len(new_laps):])
    return events




def step(state: SessionState, passing: Passing) -> tuple[SessionState, list[SessionEvent]]:
    """Fold one journaled passing into the session: the new state and what changed."""
    transponder = passing.transponder
    previous = state.raw.get(transponder, ())  # in crossing order: the latest is last
    order = crossing_order(passing)  # the passing's identity, fields reordered
    if previous and order <= crossing_order(previous[-1]):  # a resend, or a passing arriving late
        at = bisect.bisect_left(previous, order, key=crossing_order)
        if at < len(previous) and crossing_order(previous[at]) == order:
            return state, []
        kept = (*previous[:at], passing, *previous[at:])
    else:  # the usual case, checked without looking at the transponder's other passings
        kept = (*previous, passing)
    raw = {**state.raw, transponder: kept}
    resolved = state.resolved
    destination = route(passing, resolved)
    if isinstance(destination, PassingReason):
        events: list[SessionEvent] = [PassingJudged(Verdict(passing, None, destination))]
        unknown = state.unknown
        if destination is PassingReason.UNKNOWN_TRANSPONDER:
            counted = _count_unknown(unknown.get(transponder), passing)
            unknown = {**unknown, transponder: counted}
            events.append(UnknownTransponderSeen(counted))
        return replace(state, raw=raw, unknown=unknown), events

    car_id = destination
    time_up = time_up_us(resolved) if not resolved.rules.session_type.ranks_by_best_lap else None
    if time_up is not None and passing.decoder_time_us < time_up and state.latest_us is not None \
            and state.latest_us >= time_up:
        # A race's passing from before its time ran out, arriving after (a resend): it can change who led
        # then, and so who took the checkered flag. Rare: the session is derived again.
        return resetup(replace(state, raw=raw), resolved.setup)
    old_car = state.cars.get(car_id) or CarTiming(car_id)
    context = lap_context(resolved, state.finish_at_us, car_id)
    time_us = passing.decoder_time_us
    in_order = not old_car.crossings or crossing_order(passing) >= crossing_order(old_car.crossings[-1])
    if in_order:
        new_car, reason, changed_laps = extend_car(old_car, passing, context)
        events = [PassingJudged(Verdict(passing, car_id, reason))]
        events.extend(LapChanged(lap) for lap in changed_laps)
    else:
        crossings = sorted((*old_car.crossings, passing), key=crossing_order)
        new_car = derive_car(car_id, crossings, context)
        events = _car_events(old_car, new_car)
    cars = {**state.cars, car_id: new_car}

    finish = state.finish_at_us
    reached = lap_count_finish(new_car, resolved.rules.lap_count)
    if time_up is not None and time_us >= time_up and (finish is None or time_us < finish):
        flagged = race_time_up_finish(cars, resolved)  # the leader's crossing once the time is up
        if flagged is not None and (reached is None or flagged < reached):
            reached = flagged
    if reached is not None and (finish is None or reached < finish):
        finish = reached
        events.append(FinishTimeSet(finish))
        rederived = {
            other_id: derive_car(other_id, car.crossings, lap_context(resolved, finish, other_id))
            for other_id, car in cars.items()
        }
        for other_id, car in rederived.items():
            events.extend(_car_events(cars[other_id], car))
        cars = rederived

    latest = time_us if state.latest_us is None else max(state.latest_us, time_us)
    if in_order and finish == state.finish_at_us:
        table, changed = rerank_one(
            state.table,
            cars,
            resolved,
            car_id,
            best_changed=new_car.best_index != old_car.best_index,
            globally_latest=state.latest_us is None or time_us >= state.latest_us,
        )
    else:
        table = rank(cars, resolved)
        changed = changed_rows(table.rows, state.table.rows)
    events.extend(StandingChanged(row) for row in changed)
    return SessionState(resolved, raw, cars, state.unknown, finish, table, latest), events


def resetup(state: SessionState, setup: SessionSetup) -> tuple[SessionState, list[SessionEvent]]:
    """Apply a new setup (a correction, a flag, an entry): recompute and send what changed."""
    new_state = _build(state.raw, ResolvedSetup(setup))
    events: list[SessionEvent] = []
    if new_state.finish_at_us != state.finish_at_us:
        events.append(FinishTimeSet(new_state.finish_at_us))
    old_verdicts = {passing_id(v.passing): v for v in result(state).verdicts}
    for verdict in result(new_state).verdicts:
        if old_verdicts.get(passing_id(verdict.passing)) != verdict:
            events.append(PassingJudged(verdict))
    for car_id, car in new_state.cars.items():
        old_car = state.cars.get(car_id)
        events.extend(_lap_events(car_id, () if old_car is None else old_car.laps, car.laps))
    for car_id, old_car in state.cars.items():
        if car_id not in new_state.cars:
            events.extend(_lap_events(car_id, old_car.laps, ()))
    for transponder, unknown in new_state.unknown.items():
        if state.unknown.get(transponder) != unknown:
            events.append(UnknownTransponderSeen(unknown))
    events.extend(StandingChanged(row) for row in changed_rows(new_state.standings, state.standings))
    return new_state, events
