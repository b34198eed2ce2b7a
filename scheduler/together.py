"""The first stage of a fresh solve: every run, every group together, in the fewest slots.

Minimising sessions and then gathering groups, each as a soft goal on the full model, is
slow: the solver must find which slots to leave empty while it reshuffles groups. Most
events have a roster at the lower bound with every group together, and it is found in
seconds once the question is turned into plain feasibility: choose which slots stay open
(the greedy start's busiest ones, as many as the bound allows), forbid the rest, and make
every convoy share its sessions by equalities (which CP-SAT's presolve merges into single
variables) instead of reified "together" flags. The first choice of open slots gets most of a
budget of deterministic work; the next choices are tried only when one is proven impossible.
When none works, the staged solve goes on as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.cpsat_model import RosterModel, build_model
from scheduler.problem import Problem
from scheduler.roster import Roster

ATTEMPTS = 3  # choices of open slots tried before giving the question back to the staged solve
FIRST_SHARE = 0.85  # the busiest slots of the start are the likeliest choice: most of the budget


@dataclass(frozen=True, slots=True)
class TogetherResult:
    """The roster found (or None), the work spent, and whether the wall clock cut an attempt."""

    roster: Roster | None
    model: RosterModel | None  # the model it was found in (every group held, the slots chosen)
    work: float
    seconds: float
    stopped_by_wall_clock: bool


def closing_orders(problem: Problem, start: Roster, open_count: int) -> list[frozenset[int]]:
    """Sets of slots to close: the start's emptiest first (later slots first on a tie)."""
    load = [0] * len(problem.slots)
    for slots in start.sessions:
        for slot in slots:
            load[slot] += 1
    ordered = sorted(range(len(problem.slots)), key=lambda s: (load[s], -s))
    close = len(problem.slots) - open_count
    if close <= 0:
        return [frozenset()]
    choices = [frozenset(ordered[:close])]
    for swap in range(close, min(len(ordered), close + ATTEMPTS - 1)):
        choices.append(frozenset(ordered[:close - 1] + [ordered[swap]]))
    return choices


def force_together(problem: Problem, rm: RosterModel) -> None:
    """Every convoy pair shares sessions: equal runs run the same slots, fewer runs nest."""
    model = rm.model
    slots_of: dict[int, set[int]] = {}
    for (d, s) in rm.x:
        slots_of.setdefault(d, set()).add(s)
    for group in problem.groups:
        for a, b in group.pairs:
            equal = problem.drivers[a].runs == problem.drivers[b].runs
            for s in sorted(slots_of.get(b, set())):
                if s in slots_of.get(a, set()):
                    if equal:
                        model.add(rm.x[(b, s)] == rm.x[(a, s)])
                    else:
                        model.add_implication(rm.x[(b, s)], rm.x[(a, s)])
                else:
                    model.add(rm.x[(b, s)] == 0)
            if equal:
                for s in sorted(slots_of.get(a, set()) - slots_of.get(b, set())):
                    model.add(rm.x[(a, s)] == 0)


def together_in_fewest(problem: Problem, start: Roster, open_count: int, budget: float, seed: int,
                       wall_left: Callable[[], float]) -> TogetherResult:
    """A roster with every run placed and every group together in ``open_count`` slots, if found."""
    work = seconds = 0.0
    # Where the start has a group apart, its runs contradict the equalities. Hinting them is
    # right on some events and sends the search the wrong way on others (700 drivers: 3 units
    # of work with them hinted on one event, with them left out on another, over 10 the other
    # way round), so the first choice of slots is tried both ways, on half its budget each.
    scattered = frozenset(d for group in problem.groups if group.pairs
                          and not all(set(start.sessions[b]) <= set(start.sessions[a]) for a, b in group.pairs)
                          for d in group.members)
    for attempt, closed in enumerate(closing_orders(problem, start, open_count)):
        rm = build_model(problem)
        force_together(problem, rm)
        model = rm.model
        for short in rm.short:
            model.add(short == 0)
        for slot in sorted(closed):
            model.add(rm.used[slot] == 0)
        share = budget * (FIRST_SHARE if attempt == 0 else (1 - FIRST_SHARE) / (ATTEMPTS - 1))
        hints = [frozenset(), scattered] if attempt == 0 and scattered else [frozenset()]
        for skip in hints:
            rm.hint(start, skip)
            solver = cp_model.CpSolver()
            params = solver.parameters
            params.random_seed = seed
            params.num_workers = 1
            params.linearization_level = 0
            params.max_deterministic_time = max(0.05, share / len(hints))
            params.max_time_in_seconds = max(0.01, wall_left())
            status = solver.solve(model)
            work += solver.deterministic_time
            seconds += solver.wall_time
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return TogetherResult(rm.roster(solver), rm, work, seconds, False)
            if status == cp_model.UNKNOWN and solver.deterministic_time < share / len(hints) * 0.99:
                return TogetherResult(None, None, work, seconds, True)  # the wall clock: give up
            if status == cp_model.INFEASIBLE:
                break  # these slots cannot work, whatever the hint
        else:
            # Out of work on the likeliest slots: other choices would fare no better; only a
            # proof that these slots cannot work moves on to the next choice.
            return TogetherResult(None, None, work, seconds, False)
    return TogetherResult(None, None, work, seconds, False)
