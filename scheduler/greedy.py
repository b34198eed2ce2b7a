"""A fast first-fit roster: always an answer, and the solver's starting hint.

Units are placed tightest first (fewest slots per run in the window): a friend group's
convoy as one unit, everyone else alone. A convoy's leader (most runs) takes the legal
slots where most mates can join, and the mates then run in the leader's slots. Each run
goes to a slot already open if possible (fewer sessions), else the one nearest to where the
run would sit if the driver's runs were spread evenly over their window.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections import Counter
from dataclasses import dataclass, field

from scheduler.model import Skill
from scheduler.problem import Driver, Problem
from scheduler.roster import Roster


CLOSE_ATTEMPTS = 3  # give up closing sessions after this many failures in a row


@dataclass
class _SlotState:
    """What a slot holds so far: load, class family, skills and cars on track."""

    load: int = 0
    family: str | None = None
    skills: Counter[Skill] = field(default_factory=Counter)
    cars: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)


class _Placer:
    """Mutable state of one greedy pass."""

    def __init__(self, problem: Problem, fixed: Mapping[int, tuple[int, ...]],
                 closed: frozenset[int] = frozenset(), start: Roster | None = None) -> None:
        self.problem = problem
        self.capacity = problem.capacity
        self.apart: dict[Skill | None, frozenset[Skill]] = {
            skill: frozenset(k for k in Skill if problem.plan.keeps_apart(skill, k))
            for skill in (*Skill, None)}
        self.closed = closed
        self.neighbours = problem.back_to_back_neighbours()
        self.mates = [problem.car_mates(d.index) for d in problem.drivers]
        self.state = [_SlotState() for _ in problem.slots]
        self.chosen: list[list[int]] = [[] for _ in problem.drivers]
        self.pinned = {(d, slot) for d, slots in fixed.items() for slot in slots}
        for driver_index, slots in fixed.items():
            for slot in slots:
                self.take(problem.drivers[driver_index], slot)
        if start is not None:
            for driver_index, slots in enumerate(start.sessions):
                for slot in slots:
                    if (driver_index, slot) not in self.pinned:
                        self.take(problem.drivers[driver_index], slot)

    def take(self, driver: Driver, slot: int) -> None:
        """Put the driver in the slot."""
        state = self.state[slot]
        state.load += 1
        state.family = driver.family
        if driver.skill is not None:
            state.skills[driver.skill] += 1
        state.cars.add(driver.car)
        state.members.add(driver.index)
        self.chosen[driver.index].append(slot)

    def drop(self, driver: Driver, slot: int) -> None:
        """Take the driver out of the slot."""
        state = self.state[slot]
        state.load -= 1
        state.cars.discard(driver.car)
        state.members.discard(driver.index)
        if driver.skill is not None:
            state.skills[driver.skill] -= 1
            if not state.skills[driver.skill]:
                del state.skills[driver.skill]
        self.chosen[driver.index].remove(slot)
        if not state.load:
            state.family = None

    def needed(self, driver: Driver) -> int:
        """Runs the driver still needs."""
        return driver.runs - len(self.chosen[driver.index])

    def fits(self, driver: Driver, slot: int, room: int = 1) -> bool:
        """True when the driver may join the slot (leaving ``room - 1`` seats for mates)."""
        state = self.state[slot]
        if slot in self.closed:
            return False
        if state.load + room > self.capacity or driver.car in state.cars:
            return False
        if state.load and state.family != driver.family:
            return False
        apart = self.apart[driver.skill]
        if apart and any(other in apart for other in state.skills):
            return False
        return self.car_clear(driver, slot) and self._rest_ok(driver, slot)

    def car_clear(self, driver: Driver, slot: int) -> bool:
        """True when no other driver of the car is in a slot right before or after this one."""
        mates = self.mates[driver.index]
        return not mates or not any(m in self.state[n].members for n in self.neighbours[slot] for m in mates)

    def _too_close(self, a: int, b: int) -> bool:
        low, high = min(a, b), max(a, b)
        return low == high or high in self.problem.rest[low]

    def _target(self, driver: Driver, k: int) -> float:
        """Where run ``k`` would sit if the driver's runs were spread evenly."""
        allowed = driver.allowed
        return allowed[0] + (k + 0.5) * len(allowed) / driver.runs

    def place(self, driver: Driver, among: tuple[int, ...] | None = None,
              mates: tuple[Driver, ...] = ()) -> None:
        """Place the driver's remaining runs (only ``among`` those slots, if given).

        With ``mates``, prefer slots where most of them can join too.
        """
        candidates = driver.allowed if among is None else among
        for k in range(len(self.chosen[driver.index]), driver.runs):
            target = self._target(driver, k)
            best: tuple[float, ...] | None = None
            best_slot = -1
            for slot in candidates:
                joining = [m for m in mates if self.needed(m) and slot in m.allowed and self.fits(m, slot)]
                if not self.fits(driver, slot, room=1 + len(joining)):
                    if not joining or not self.fits(driver, slot):
                        continue
                    joining = []
                score = (-len(joining), 0 if self.state[slot].load else 1, abs(slot - target))
                if best is None or score < best:
                    best, best_slot = score, slot
            if best_slot < 0:
                return
            self.take(driver, best_slot)

    def repair(self, driver: Driver) -> None:
        """Find room for missing runs by moving one driver out of a full slot."""
        for slot in driver.allowed:
            if not self.needed(driver):
                return
            if slot in self.closed or not self._rest_ok(driver, slot):
                continue
            if self.fits(driver, slot):
                self.take(driver, slot)
                continue
            state = self.state[slot]
            if state.load < self.capacity or driver.car in state.cars:
                continue
            if state.family != driver.family or any(k in self.apart[driver.skill] for k in state.skills):
                continue
            for other_index in sorted(state.members):
                if (other_index, slot) in self.pinned:
                    continue
                other = self.problem.drivers[other_index]
                self.drop(other, slot)
                target = next((t for t in other.allowed if t != slot and self.fits(other, t)), None)
                if target is not None and self.fits(driver, slot):
                    self.take(other, target)
                    self.take(driver, slot)
                    break
                self.take(other, slot)

    def _rest_ok(self, driver: Driver, slot: int) -> bool:
        return all(not self._too_close(slot, other) for other in self.chosen[driver.index])

    def place_convoy(self, convoy: tuple[Driver, ...]) -> None:
        """The leader first (where mates can join), then each mate inside the leader's slots."""
        leader, mates = convoy[0], convoy[1:]
        self.place(leader, mates=mates)
        for mate in mates:
            self.place(mate, among=tuple(self.chosen[leader.index]))
            if self.needed(mate):
                self.place(mate)


def _units(problem: Problem) -> list[tuple[Driver, ...]]:
    """Convoys of two or more and single drivers, tightest first."""
    in_convoy: set[int] = set()
    units: list[tuple[Driver, ...]] = []
    for group in problem.groups:
        for convoy in group.convoys:
            if len(convoy) > 1:
                units.append(tuple(problem.drivers[i] for i in convoy))
                in_convoy.update(convoy)
    units += [(d,) for d in problem.drivers if d.index not in in_convoy]

    def slack(unit: tuple[Driver, ...]) -> float:
        return min(len(d.allowed) / d.runs for d in unit)

    units.sort(key=lambda unit: (slack(unit), -len(unit), unit[0].index))
    return units


def _first_fit(problem: Problem, fixed: Mapping[int, tuple[int, ...]],
               closed: frozenset[int]) -> _Placer:
    """One pass: units tightest first, then one round of repairs for missing runs."""
    placer = _Placer(problem, fixed, closed)
    for unit in _units(problem):
        placer.place_convoy(unit) if len(unit) > 1 else placer.place(unit[0])
    for driver in problem.drivers:
        if placer.needed(driver):
            placer.repair(driver)
    return placer


def _unmet(problem: Problem, placer: _Placer) -> int:
    return sum(placer.needed(d) for d in problem.drivers)


def greedy_roster(problem: Problem, fixed: Mapping[int, tuple[int, ...]] | None = None,
                  close_sessions: bool = True) -> Roster:
    """A legal roster built first-fit; ``fixed`` runs (driver -> slots) are kept as given.

    With ``close_sessions``, the emptiest session is closed and the pass repeated while every
    run still finds a place, so the start has few sessions. Runs that fit nowhere are left
    unplaced (the roster's ``unmet``).
    """
    fixed = fixed or {}
    best = _first_fit(problem, fixed, frozenset())
    closed: frozenset[int] = frozenset()
    tried: set[int] = set()
    failures = 0
    while close_sessions and failures < CLOSE_ATTEMPTS:
        loads = [(state.load, slot) for slot, state in enumerate(best.state)
                 if state.load and slot not in tried and not any(slot in s for s in fixed.values())]
        if not loads:
            break
        _, slot = min(loads)
        tried.add(slot)
        attempt = _first_fit(problem, fixed, closed | {slot})
        if _unmet(problem, attempt) <= _unmet(problem, best):
            best, closed, failures = attempt, closed | {slot}, 0
        else:
            failures += 1
    return Roster.from_pairs(len(problem.drivers),
                             ((d, s) for d, slots in enumerate(best.chosen) for s in slots))


def fill_missing(problem: Problem, roster: Roster,
                 fixed: Mapping[int, tuple[int, ...]] | None = None) -> Roster:
    """The roster with missing runs placed where they fit (moving one other driver if need be)."""
    placer = _Placer(problem, fixed or {}, start=roster)
    for driver in problem.drivers:
        if placer.needed(driver):
            placer.place(driver)
        if placer.needed(driver):
            placer.repair(driver)
    return Roster.from_pairs(len(problem.drivers),
                             ((d, s) for d, slots in enumerate(placer.chosen) for s in slots))


def share_shortage(problem: Problem, roster: Roster,
                   fixed: Mapping[int, tuple[int, ...]] | None = None) -> Roster:
    """Hand seats from drivers missing nothing to drivers missing two runs or more.

    The number of unplaced runs stays the same; fewer drivers miss several runs.
    """
    placer = _Placer(problem, fixed or {}, start=roster)
    for driver in problem.drivers:
        for slot in driver.allowed:
            if placer.needed(driver) < 2:
                break
            state = placer.state[slot]
            if slot in placer.closed or not placer._rest_ok(driver, slot) or driver.car in state.cars:
                continue
            if not placer.car_clear(driver, slot):
                continue
            if state.load < placer.capacity:
                continue  # a free seat would have been taken by the packing stage already
            if state.family != driver.family or any(k in placer.apart[driver.skill] for k in state.skills):
                continue
            donor = next((m for m in sorted(state.members) if (m, slot) not in placer.pinned
                          and placer.needed(problem.drivers[m]) == 0), None)
            if donor is not None:
                placer.drop(problem.drivers[donor], slot)
                placer.take(driver, slot)
    return Roster.from_pairs(len(problem.drivers),
                             ((d, s) for d, slots in enumerate(placer.chosen) for s in slots))


def legal_subset(problem: Problem, wanted: Mapping[int, tuple[int, ...]]) -> dict[int, tuple[int, ...]]:
    """The runs of ``wanted`` (driver -> slots) that can stand together, taken in order.

    A run is kept when its slot is in the driver's window, the driver still needs runs, and
    it fits capacity, car (once per slot, and not straight back out with another driver), class,
    skill and rest alongside the runs kept before it.
    """
    placer = _Placer(problem, {})
    for driver_index in sorted(wanted):
        driver = problem.drivers[driver_index]
        for slot in wanted[driver_index]:
            if slot in driver.allowed and placer.needed(driver) and placer.fits(driver, slot):
                placer.take(driver, slot)
    return {d: tuple(sorted(placer.chosen[d])) for d in wanted if placer.chosen[d]}
