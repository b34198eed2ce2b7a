"""Proven lower bounds for an over-subscribed event: drivers left out, runs unmet, runs short
beyond one per driver, sessions used.

The full model has a boolean per driver and slot, and on an event with more runs than seats
its own bound on unmet runs stays far from the truth (the README's capacity-20 example: 17
against 26 or more), so the packing stage used to spend its whole budget. Drivers who differ
in nothing the rules look at (class family, skill, window, runs) are interchangeable for
these goals, so this model counts them: how many of each kind run in each slot, with the
slot's family and kept-apart skill chosen as in the full model, capacity per slot, and for
each kind at most one run per driver in every set of too-close slots and at most its runs in
all. Shared cars and groups are left out. Every roster maps onto a solution of this model,
so its optimum (or CP-SAT's proven bound on it, when the budget ends first) is a lower bound
for the full model; the solver stops a stage as soon as its roster reaches it.

The counting model's best solution also lays the day out (which slots are for which class
family and kept-apart skill): with that layout imposed and every friend group held together,
finding named drivers for the counted seats is easy for CP-SAT, and gives the solver a roster
at the bound (when proven) or near it.
"""

from __future__ import annotations

import enum
import math
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.cpsat_model import RosterModel, build_model
from scheduler.errors import SolverError
from scheduler.problem import Problem
from scheduler.roster import Roster
from scheduler.together import force_together

_Kind = tuple[str | None, object, tuple[int, ...], int]  # family, skill, allowed slots, runs


class Goal(enum.Enum):
    """What :func:`least` bounds."""

    LEFT_OUT = "drivers with no run"
    UNMET = "runs unmet"
    BEYOND_ONE = "runs short beyond one per driver"
    SESSIONS = "sessions used"


def _kinds(problem: Problem) -> dict[_Kind, int]:
    """How many drivers there are of each kind (in first-seen order, so the model is the same every time)."""
    counts: dict[_Kind, int] = defaultdict(int)
    for driver in problem.drivers:
        counts[(driver.family, driver.skill, driver.allowed, driver.runs)] += 1
    return dict(counts)


@dataclass(frozen=True, slots=True)
class _Counting:
    """The counting model, its goal expressions and each slot's family and skill flags."""

    model: cp_model.CpModel
    goals: dict[Goal, cp_model.LinearExpr]
    family_of: dict[tuple[int, str | None], cp_model.IntVar]
    admits: dict[tuple[int, object], cp_model.IntVar]


def _model(problem: Problem) -> _Counting:
    """The counting model."""
    model = cp_model.CpModel()
    slot_count = len(problem.slots)
    families = sorted({d.family for d in problem.drivers}, key=lambda f: (f is not None, f or ""))
    family_of = {(s, f): model.new_bool_var(f"family_{s}_{f}") for s in range(slot_count) for f in families}
    apart = sorted({k for pair in problem.plan.never_together for k in pair})
    admits = {(s, k): model.new_bool_var(f"admits_{s}_{k}") for s in range(slot_count) for k in apart}
    used = [model.new_bool_var(f"used_{s}") for s in range(slot_count)]
    for s in range(slot_count):
        model.add(sum(family_of[(s, f)] for f in families) == used[s])
        for a, b in problem.plan.never_together:
            model.add_at_most_one([admits[(s, a)], admits[(s, b)]])
    load: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    family_load: dict[tuple[int, str | None], list[cp_model.IntVar]] = defaultdict(list)
    skill_load: dict[tuple[int, object], list[cp_model.IntVar]] = defaultdict(list)
    goals: dict[Goal, list[cp_model.LinearExprT]] = defaultdict(list)
    for number, ((family, skill, allowed, runs), count) in enumerate(_kinds(problem).items()):
        placed = {}
        for s in allowed:
            var = model.new_int_var(0, count, f"kind_{number}_{s}")
            model.add(var <= count * family_of[(s, family)])
            if skill in apart:
                model.add(var <= count * admits[(s, skill)])
            placed[s] = var
            load[s].append(var)
            family_load[(s, family)].append(var)
            if skill in apart:
                skill_load[(s, skill)].append(var)
        previous_end = -1
        for s in allowed:  # at most one run per driver in each maximal set of too-close slots
            clique = [s] + [t for t in problem.rest[s] if t in placed]
            end = problem.rest[s][-1] if problem.rest[s] else s
            if len(clique) > 1 and end > previous_end:
                model.add(sum(placed[t] for t in clique) <= count)
            previous_end = max(previous_end, end)
        total = sum(placed.values())
        model.add(total <= count * runs)
        unmet = model.new_int_var(0, count * runs, f"unmet_{number}")
        model.add(unmet == count * runs - total)
        left_out = model.new_int_var(0, count, f"left_out_{number}")
        if runs > 0:
            model.add(left_out >= count - total)  # each driver with a run adds at least one
        beyond = model.new_int_var(0, count * runs, f"beyond_{number}")
        model.add(beyond >= unmet - count)  # a kind short of more runs than drivers
        goals[Goal.UNMET].append(unmet)
        goals[Goal.LEFT_OUT].append(left_out)
        goals[Goal.BEYOND_ONE].append(beyond)
    # Capacity per slot, and per family and kept-apart skill on its flag: the same rule for
    # whole slots, and in the LP a slot shared out fractionally seats no more than one slot.
    for s in range(slot_count):
        model.add(sum(load[s]) <= problem.capacity * used[s])
    for (s, family), terms in family_load.items():
        model.add(sum(terms) <= problem.capacity * family_of[(s, family)])
    for (s, skill), terms in skill_load.items():
        model.add(sum(terms) <= problem.capacity * admits[(s, skill)])
    goals[Goal.SESSIONS] = list(used)
    return _Counting(model, {goal: sum(terms) for goal, terms in goals.items()}, family_of, admits)


@dataclass(frozen=True, slots=True)
class Least:
    """A proven lower bound, the work it took, whether the wall clock cut a search, and a roster
    as good as the counting model's best when one was asked for and found."""

    value: int
    work: float
    seconds: float
    stopped_by_wall_clock: bool
    roster: Roster | None = None


def least(problem: Problem, goal: Goal, caps: Mapping[Goal, int], work: float, seed: int = 0,
          wall_left_s: float = 60.0, roster_work: float = 0.0, current: int | None = None) -> Least:
    """A proven lower bound on ``goal`` over rosters that keep the other goals within ``caps``.

    ``work`` is a budget of CP-SAT deterministic time, so the bound is the same on any
    machine; the wall clock (``wall_left_s``) is only a safety net, and says when it acted.
    With ``roster_work``, and when the ``current`` roster's value is above the counting model's
    best, a roster as good as that best (the bound, when proven) is looked for in its slot layout
    (families and kept-apart skills), its runs spread over the day as well as the budget allows.
    """
    started = time.perf_counter()
    counting = _model(problem)
    for capped, value in caps.items():
        counting.model.add(counting.goals[capped] <= value)
    counting.model.minimize(counting.goals[goal])
    solver = _solver(seed, work, wall_left_s, lp=True)
    status = solver.solve(counting.model)
    if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        raise SolverError(f"the {goal.value} bound: no roster keeps {caps} ({solver.status_name(status)})")
    by_wall = status != cp_model.OPTIMAL and solver.deterministic_time < work * 0.99
    value = max(0, math.ceil(solver.best_objective_bound - 1e-6))
    spent = solver.deterministic_time
    roster = None
    reached = round(solver.objective_value) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    if reached is not None and roster_work > 0 and (current is None or current > reached):
        # The counting model's best layout: at the bound when proven, else near it.
        rm = _at_layout(problem, counting, solver, {**caps, goal: reached})
        rm.model.minimize(rm.spread_penalty())
        search = _solver(seed, roster_work, wall_left_s - (time.perf_counter() - started))
        found = search.solve(rm.model)
        spent += search.deterministic_time
        if found in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            roster = rm.roster(search)
        elif found == cp_model.UNKNOWN and search.deterministic_time < roster_work * 0.99:
            by_wall = True
    return Least(value, spent, time.perf_counter() - started, by_wall, roster)


def _solver(seed: int, work: float, wall_left_s: float, lp: bool = False) -> cp_model.CpSolver:
    """One worker (with the LP for bounds, without it to find a roster), stopped on deterministic
    work (the wall clock a safety net)."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 1 if lp else 0
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = max(0.05, work)
    solver.parameters.max_time_in_seconds = max(0.01, wall_left_s)
    return solver


def _at_layout(problem: Problem, counting: _Counting, solved: cp_model.CpSolver, caps: Mapping[Goal, int]
               ) -> RosterModel:
    """The full model with the counting optimum's slot layout imposed, every goal within ``caps``
    and every friend group together (equalities, as in :mod:`scheduler.together`)."""
    rm = build_model(problem, count_left_out=True)
    force_together(problem, rm)
    model = rm.model
    for (slot, family), flag in counting.family_of.items():
        if not solved.boolean_value(flag):
            for driver in problem.drivers:
                if driver.family == family and (driver.index, slot) in rm.x:
                    model.add(rm.x[(driver.index, slot)] == 0)
    for (slot, skill), flag in counting.admits.items():
        if not solved.boolean_value(flag):
            for driver in problem.drivers:
                if driver.skill == skill and (driver.index, slot) in rm.x:
                    model.add(rm.x[(driver.index, slot)] == 0)
    expressions = {Goal.LEFT_OUT: rm.drivers_left_out(), Goal.UNMET: rm.total_short(),
                   Goal.BEYOND_ONE: rm.runs_short_beyond_one(), Goal.SESSIONS: rm.sessions_used()}
    for goal, value in caps.items():
        model.add(expressions[goal] <= value)
    return rm
