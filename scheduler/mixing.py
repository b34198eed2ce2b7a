"""Mixing: owners who are not in a group meet as many different owners as the rules allow.

Runs after every other goal and never costs one: a move swaps two drivers' runs between two
sessions (so every session keeps its number of cars, and no session opens or closes), and is
only made when both drivers are in no friend group, the swap keeps every rule (window, rest,
car, a shared car not straight back out with another driver, class, skills) and no driver's
spread gets worse. Local search, as the Social Golfer literature does it (Dotú & Van
Hentenryck): a move is kept when the number of different owners met does not fall. The
search runs a fixed number of steps from a seeded generator, so the same input and seed give
the same roster on any machine.

"Owners met" counts, for a driver, the other cars (a shared car is one owner) in any of their
sessions. A random roster (the same sessions, drivers swapped at random by legal moves) is
the yardstick it is reported against.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from scheduler.cpsat_model import day_buckets, edge_slots
from scheduler.grid import too_close
from scheduler.problem import Problem
from scheduler.roster import Roster
from scheduler.solver import driver_spread

STEPS_PER_RUN = 40  # swap attempts per placed run: enough to settle on a 700-driver event


@dataclass(frozen=True, slots=True)
class Mixing:
    """Owners met per driver: mean and least, for a roster."""

    mean: float
    least: int


class _Swapper:
    """A roster under legal swaps, with each driver's meetings counted per car."""

    def __init__(self, problem: Problem, roster: Roster) -> None:
        self.problem = problem
        self.sessions = [set(s) for s in roster.sessions]
        self.members: list[set[int]] = [set() for _ in problem.slots]
        for driver, slots in enumerate(self.sessions):
            for slot in slots:
                self.members[slot].add(driver)
        self.meets: list[Counter[int]] = [Counter() for _ in problem.drivers]
        for slot_members in self.members:
            for driver in slot_members:
                self._meet(driver, slot_members, 1)
        in_group = {d for g in problem.groups if g.pairs for d in g.members}
        self.free = [d.index for d in problem.drivers if d.index not in in_group and self.sessions[d.index]]
        self.buckets = day_buckets(problem)
        self.edges = edge_slots(problem)
        self.rest = problem.plan.min_rest_minutes
        self.neighbours = problem.back_to_back_neighbours()

    def _meet(self, driver: int, others: set[int], step: int) -> None:
        """Count (or uncount) ``driver`` meeting everyone in ``others``, both ways."""
        car = self.problem.drivers[driver].car
        for other in others:
            other_car = self.problem.drivers[other].car
            if other_car == car:
                continue
            self.meets[driver][other_car] += step
            self.meets[other][car] += step
            for key, counter in ((other_car, self.meets[driver]), (car, self.meets[other])):
                if counter[key] <= 0:
                    del counter[key]

    def met(self, driver: int) -> int:
        """Different owners this driver meets."""
        return len(self.meets[driver])

    def legal(self, driver: int, leave: int, join: int, partner: int) -> bool:
        """``driver`` may move from ``leave`` to ``join`` while ``partner`` goes the other way."""
        problem = self.problem
        me = problem.drivers[driver]
        if join not in me.allowed or join in self.sessions[driver]:
            return False
        for slot in self.sessions[driver] - {leave}:
            if too_close(problem.slots[slot], problem.slots[join], self.rest):
                return False
        for other in self.members[join] - {partner}:
            them = problem.drivers[other]
            if them.car == me.car or problem.plan.keeps_apart(me.skill, them.skill):
                return False
        for mate in problem.car_mates(driver):
            # Where the car's other drivers are after the swap (the partner changes place too).
            theirs = self.sessions[mate] - {join} | {leave} if mate == partner else self.sessions[mate]
            if any(slot in theirs for slot in self.neighbours[join]):
                return False
        return True

    def move(self, driver: int, leave: int, join: int) -> None:
        """Take the driver out of one session and into another, recounting meetings."""
        self.members[leave].discard(driver)
        self._meet(driver, self.members[leave], -1)
        self.sessions[driver].discard(leave)
        self._meet(driver, self.members[join], 1)
        self.members[join].add(driver)
        self.sessions[driver].add(join)

    def spread(self, driver: int) -> int:
        """The driver's spread term."""
        return driver_spread(self.problem, driver, self.sessions[driver], self.buckets, self.edges)

    def roster(self) -> Roster:
        """The roster as it stands."""
        return Roster(tuple(tuple(sorted(s)) for s in self.sessions))


def _search(problem: Problem, roster: Roster, seed: int, improve: bool) -> Roster:
    """Swap runs of drivers outside groups: to mix owners (``improve``) or at random."""
    swapper = _Swapper(problem, roster)
    free = swapper.free
    if len(free) < 2:
        return roster
    rng = random.Random(seed)
    steps = STEPS_PER_RUN * sum(len(s) for s in roster.sessions)
    for _ in range(steps):
        a, b = rng.sample(free, 2)
        first, second = problem.drivers[a], problem.drivers[b]
        if first.family != second.family:
            continue
        s = rng.choice(sorted(swapper.sessions[a]))
        t = rng.choice(sorted(swapper.sessions[b]))
        if s == t or not swapper.legal(a, s, t, b) or not swapper.legal(b, t, s, a):
            continue
        if not improve:
            swapper.move(a, s, t)
            swapper.move(b, t, s)
            continue
        touched = {a, b} | swapper.members[s] | swapper.members[t]
        before = sum(swapper.met(d) for d in touched)
        spread = swapper.spread(a) + swapper.spread(b)
        swapper.move(a, s, t)
        swapper.move(b, t, s)
        if sum(swapper.met(d) for d in touched) < before or swapper.spread(a) + swapper.spread(b) > spread:
            swapper.move(a, t, s)
            swapper.move(b, s, t)
    return swapper.roster()


def mix_owners(problem: Problem, roster: Roster, seed: int = 0) -> Roster:
    """The roster with owners outside groups mixed, every other goal as good as before."""
    return _search(problem, roster, seed, improve=True)


def random_roster(problem: Problem, roster: Roster, seed: int = 0) -> Roster:
    """The yardstick: the same sessions with drivers outside groups swapped at random (legally)."""
    return _search(problem, roster, seed, improve=False)


def owners_met(problem: Problem, roster: Roster) -> Mixing:
    """Owners met per driver (drivers with at least one run): mean and least."""
    swapper = _Swapper(problem, roster)
    counts = [swapper.met(d.index) for d in problem.drivers if roster.sessions[d.index]]
    if not counts:
        return Mixing(0.0, 0)
    return Mixing(sum(counts) / len(counts), min(counts))
