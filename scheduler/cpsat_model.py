"""The CP-SAT model of a roster: one boolean per (driver, allowed slot) and the rules on them.

Windows delete variables rather than adding constraints; run counts are soft (a ``short``
count per driver) so the solver always has an answer; rest is one at-most-one per maximal
clique of too-close slots; shared cars (never two drivers in one slot, nor in two slots that
follow each other directly unless the plan allows a swap in the pit lane), capacity, class
families and skill pairs are boolean constraints. The goal terms (sessions used, groups
together, spread, early/late share) are built here and chosen stage by stage in
:mod:`scheduler.solver`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.model import Skill
from scheduler.problem import Problem
from scheduler.roster import Roster

EDGE_SLOTS_PER_DAY_END = 2  # the first two and last two slots of each day count as early/late


@dataclass(frozen=True, slots=True)
class Bucket:
    """A part of a day (split at breaks, or in halves) used to spread a driver's runs."""

    slots: tuple[int, ...]


def day_buckets(problem: Problem) -> tuple[Bucket, ...]:
    """Each day split at its breaks (a day without breaks is split into halves)."""
    buckets: list[Bucket] = []
    by_day: dict[int, list[int]] = defaultdict(list)
    for index, slot in enumerate(problem.slots):
        by_day[slot.day].append(index)
    for day, indices in sorted(by_day.items()):
        parts: list[list[int]] = [[indices[0]]]
        for previous, current in zip(indices, indices[1:]):
            gap = problem.slots[current].start - problem.slots[previous].end
            step = problem.plan.changeover_minutes
            if gap.total_seconds() / 60 > step:
                parts.append([])
            parts[-1].append(current)
        if len(parts) == 1 and len(indices) > 1:
            half = len(indices) // 2
            parts = [indices[:half], indices[half:]]
        buckets.extend(Bucket(tuple(p)) for p in parts)
    return tuple(buckets)


def edge_slots(problem: Problem) -> frozenset[int]:
    """The early and late slots of each day (first and last two)."""
    by_day: dict[int, list[int]] = defaultdict(list)
    for index, slot in enumerate(problem.slots):
        by_day[slot.day].append(index)
    edges: set[int] = set()
    for indices in by_day.values():
        edges.update(indices[:EDGE_SLOTS_PER_DAY_END])
        edges.update(indices[-EDGE_SLOTS_PER_DAY_END:])
    return frozenset(edges)


@dataclass
class RosterModel:
    """The CP-SAT model and handles to its variables."""

    problem: Problem
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    short: list[cp_model.IntVar] = field(default_factory=list)
    deep: list[tuple[int, cp_model.IntVar]] = field(default_factory=list)
    left_out: list[tuple[int, cp_model.IntVar]] = field(default_factory=list)
    used: list[cp_model.IntVar] = field(default_factory=list)
    family_of_slot: dict[tuple[int, str | None], cp_model.IntVar] = field(default_factory=dict)
    admits: dict[tuple[int, Skill], cp_model.IntVar] = field(default_factory=dict)
    together: list[cp_model.IntVar] = field(default_factory=list)
    spread: list[tuple[int, tuple[int, ...], int, cp_model.IntVar]] = field(default_factory=list)
    edges: list[tuple[int, cp_model.IntVar]] = field(default_factory=list)

    def total_short(self) -> cp_model.LinearExpr:
        """Runs left unplaced."""
        return sum(self.short)

    def drivers_left_out(self) -> cp_model.LinearExpr:
        """Drivers with none of their runs placed (built only with ``count_left_out``)."""
        return sum(v for _, v in self.left_out)

    def runs_short_beyond_one(self) -> cp_model.LinearExpr:
        """Unplaced runs beyond the first per driver (so the shortage is shared out)."""
        return sum(v for _, v in self.deep)

    def sessions_used(self) -> cp_model.LinearExpr:
        """Slots with at least one car."""
        return sum(self.used)

    def groups_together(self) -> cp_model.LinearExpr:
        """Groups whose members all share sessions."""
        return sum(self.together)

    def spread_penalty(self) -> cp_model.LinearExpr:
        """Runs beyond a driver's share in one part of a day, plus extra early/late runs."""
        return sum(v for *_, v in self.spread) + sum(v for _, v in self.edges)

    def changes_from(self, published: Mapping[int, tuple[int, ...]]) -> cp_model.LinearExpr:
        """Published runs no longer in the roster (each move counts once)."""
        terms = []
        for driver, slots in published.items():
            for slot in slots:
                var = self.x.get((driver, slot))
                terms.append(1 - var if var is not None else 1)
        return sum(terms)

    def hint(self, roster: Roster, skip: frozenset[int] = frozenset()) -> None:
        """A hint from a legal roster: complete, but for the runs of the ``skip`` drivers."""
        model = self.model
        model.clear_hints()
        chosen = {(d, s) for d, slots in enumerate(roster.sessions) for s in slots}
        for key, var in self.x.items():
            if key[0] not in skip:
                model.add_hint(var, key in chosen)
        for driver in self.problem.drivers:
            model.add_hint(self.short[driver.index], max(0, driver.runs - len(roster.sessions[driver.index])))
        for d, var in self.deep:
            model.add_hint(var, max(0, self.problem.drivers[d].runs - len(roster.sessions[d]) - 1))
        for d, var in self.left_out:
            model.add_hint(var, not roster.sessions[d])
        slot_family: dict[int, str | None] = {}
        slot_skills: dict[int, set[Skill]] = defaultdict(set)
        for d, s in chosen:
            driver = self.problem.drivers[d]
            slot_family[s] = driver.family
            if driver.skill is not None:
                slot_skills[s].add(driver.skill)
        for s, var in enumerate(self.used):
            model.add_hint(var, s in slot_family)
        for (s, family), var in self.family_of_slot.items():
            model.add_hint(var, s in slot_family and slot_family[s] == family)
        for (s, skill), var in self.admits.items():
            model.add_hint(var, skill in slot_skills[s])
        for group, var in zip(self.problem.groups, self.together):
            model.add_hint(var, all(set(roster.sessions[b]) <= set(roster.sessions[a]) for a, b in group.pairs))
        for driver, slots, target, var in self.spread:
            model.add_hint(var, max(0, len(set(slots) & set(roster.sessions[driver])) - target))
        edges = edge_slots(self.problem)
        for driver, var in self.edges:
            model.add_hint(var, max(0, len(edges & set(roster.sessions[driver])) - 1))

    def roster(self, solver: cp_model.CpSolver) -> Roster:
        """The roster in the solver's last solution."""
        return Roster.from_pairs(len(self.problem.drivers),
                                 (key for key, var in self.x.items() if solver.boolean_value(var)))


def build_model(problem: Problem, fixed: Mapping[int, tuple[int, ...]] | None = None,
                frozen: frozenset[int] = frozenset(), count_left_out: bool = False) -> RosterModel:
    """The model; ``fixed`` runs are forced, ``frozen`` drivers get no other slot.

    ``count_left_out`` adds a flag per driver that is set when none of their runs is placed
    (for events that cannot place every run: nobody should be left out while others run).
    """
    fixed = fixed or {}
    rm = RosterModel(problem)
    model = rm.model
    for driver in problem.drivers:
        kept = set(fixed.get(driver.index, ()))
        slots = sorted(kept) if driver.index in frozen else sorted(set(driver.allowed) | kept)
        for s in slots:
            var = model.new_bool_var(f"x_{driver.index}_{s}")
            rm.x[(driver.index, s)] = var
            if s in kept:
                model.add(var == 1)
        short = model.new_int_var(0, driver.runs, f"short_{driver.index}")
        rm.short.append(short)
        if driver.runs > 1:
            deep = model.new_int_var(0, driver.runs - 1, f"deep_{driver.index}")
            model.add(deep >= short - 1)
            rm.deep.append((driver.index, deep))
        if count_left_out and driver.runs > 0:
            left = model.new_bool_var(f"left_out_{driver.index}")
            model.add(short <= driver.runs - 1 + left)
            rm.left_out.append((driver.index, left))
        model.add(sum(rm.x[(driver.index, s)] for s in slots) + short == driver.runs)
        _rest(problem, rm, driver.index, slots)
    by_slot: dict[int, list[int]] = defaultdict(list)
    for (d, s) in rm.x:
        by_slot[s].append(d)
    for s in range(len(problem.slots)):
        used = model.new_bool_var(f"used_{s}")
        rm.used.append(used)
        drivers = by_slot.get(s, [])
        if not drivers:
            model.add(used == 0)
            continue
        model.add(sum(rm.x[(d, s)] for d in drivers) <= problem.capacity * used)
        for d in drivers:
            model.add_implication(rm.x[(d, s)], used)
        _slot_rules(problem, rm, s, drivers)
    for car in problem.cars:
        if len(car) > 1:
            for s in range(len(problem.slots)):
                shared = [rm.x[(d, s)] for d in car if (d, s) in rm.x]
                if len(shared) > 1:
                    model.add_at_most_one(shared)
            _car_back_to_back(problem, rm, car)
    _goals(problem, rm)
    return rm


def _rest(problem: Problem, rm: RosterModel, driver: int, slots: list[int]) -> None:
    """At most one run in each maximal set of pairwise too-close slots."""
    available = set(slots)
    previous_end = -1
    for s in slots:
        clique = [s] + [t for t in problem.rest[s] if t in available]
        end = problem.rest[s][-1] if problem.rest[s] else s
        if len(clique) > 1 and end > previous_end:
            rm.model.add_at_most_one(rm.x[(driver, t)] for t in clique)
        previous_end = max(previous_end, end)


def _car_back_to_back(problem: Problem, rm: RosterModel, car: tuple[int, ...]) -> None:
    """A shared car never has one driver in a slot and another in the slot right after it.

    When rest already keeps one driver out of both slots, all the car's runs in the pair form
    one at-most-one; otherwise (little rest) each pair of two different drivers is forbidden.
    """
    model = rm.model
    for first, second in problem.back_to_back:
        early = [(d, rm.x[(d, first)]) for d in car if (d, first) in rm.x]
        late = [(d, rm.x[(d, second)]) for d in car if (d, second) in rm.x]
        if not early or not late:
            continue
        if second in problem.rest[first]:
            model.add_at_most_one(var for _, var in early + late)
            continue
        for d, before in early:
            for e, after in late:
                if d != e:
                    model.add_bool_or([before.Not(), after.Not()])


def _slot_rules(problem: Problem, rm: RosterModel, s: int, drivers: list[int]) -> None:
    """Class families never mix in a slot; kept-apart skills never share it."""
    model = rm.model
    families = sorted({problem.drivers[d].family for d in drivers}, key=lambda f: (f is not None, f or ""))
    if len(families) > 1:
        flags = []
        for family in families:
            flag = model.new_bool_var(f"family_{s}_{family}")
            rm.family_of_slot[(s, family)] = flag
            flags.append(flag)
        model.add_at_most_one(flags)
        for d in drivers:
            model.add_implication(rm.x[(d, s)], rm.family_of_slot[(s, problem.drivers[d].family)])
    skills = {problem.drivers[d].skill for d in drivers} - {None}
    pairs = [(a, b) for a, b in problem.plan.never_together if a in skills and b in skills]
    if not pairs:
        return
    for skill in sorted({k for pair in pairs for k in pair}):
        rm.admits[(s, skill)] = model.new_bool_var(f"admits_{s}_{skill}")
    for a, b in pairs:
        model.add_at_most_one([rm.admits[(s, a)], rm.admits[(s, b)]])
    for d in drivers:
        skill = problem.drivers[d].skill
        if skill is not None and (s, skill) in rm.admits:
            model.add_implication(rm.x[(d, s)], rm.admits[(s, skill)])


def _goals(problem: Problem, rm: RosterModel) -> None:
    """Groups together (soft), runs spread over parts of the day, early/late fair share."""
    model = rm.model
    slots_of: dict[int, list[int]] = defaultdict(list)
    for (d, s) in rm.x:
        slots_of[d].append(s)
    for g, group in enumerate(problem.groups):
        together = model.new_bool_var(f"together_{g}")
        rm.together.append(together)
        if not group.pairs:
            model.add(together == 0)
            continue
        for a, b in group.pairs:
            for s in slots_of[b]:
                partner = rm.x.get((a, s))
                if partner is None:
                    model.add_implication(together, rm.x[(b, s)].Not())
                else:
                    model.add_bool_or([rm.x[(b, s)].Not(), partner, together.Not()])
    buckets = day_buckets(problem)
    edges = edge_slots(problem)
    for driver in problem.drivers:
        mine = set(slots_of[driver.index])
        # Parts of the day the driver can run in (by window, whatever is fixed) set the target.
        reach = set(driver.allowed) | mine
        parts = [set(b.slots) for b in buckets if reach & set(b.slots)]
        if driver.runs > 1 and len(parts) > 1:
            target = math.ceil(driver.runs / len(parts))
            for part in parts:
                slots = tuple(sorted(mine & part))
                if len(slots) <= target:
                    continue
                excess = model.new_int_var(0, driver.runs, f"spread_{driver.index}_{slots[0]}")
                model.add(excess >= sum(rm.x[(driver.index, s)] for s in slots) - target)
                rm.spread.append((driver.index, slots, target, excess))
        edge_here = sorted(mine & edges)
        if len(edge_here) > 1:
            excess = model.new_int_var(0, driver.runs, f"edge_{driver.index}")
            model.add(excess >= sum(rm.x[(driver.index, s)] for s in edge_here) - 1)
            rm.edges.append((driver.index, excess))
