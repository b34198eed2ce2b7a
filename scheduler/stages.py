"""The solver's stages: budgets of deterministic work, the best roster so far, progress.

Each stage stops on a budget of *deterministic* time (CP-SAT's own count of work done, not
the clock) with a search whose path does not depend on thread timing: the packing stage
(placing runs) runs CP-SAT's interleaved portfolio on two threads, the improving stages one
worker without the LP relaxation (on this problem it finds better rosters sooner than the
default portfolio on two cores). So the same input and seed give the same roster whatever
the machine's load. The wall clock is only a safety net set far above the normal budget
(:data:`SAFETY_FACTOR` times the time limit, at least :data:`SAFETY_MIN_S`); a stage it cuts
short is reported (the roster may then vary run to run, and the command line refuses to
publish it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.cpsat_model import RosterModel
from scheduler.errors import SolverError
from scheduler.roster import Roster
from scheduler.shortfall import Goal, Least, least

# Share of the time limit each stage may use; what a stage leaves is passed on.
STAGE_SHARES: dict[str, float] = {
    "runs": 0.40, "fair share": 0.15, "changes": 0.10, "sessions": 0.12, "sessions (free)": 0.11,
    "groups": 0.11, "spread": 0.11,
    # An over-subscribed event's goals: each bound from the counting model, and the search for
    # a roster at it (see scheduler.shortfall); what they leave is not passed on.
    "bound": 0.08, "at the bound": 0.06,
}
PROVEN_SHORT_RUNS_SHARE = 0.6
LAYOUT_RUNS_SHARE = 0.15  # placing runs from a roster the counting model's layout gave (near its bound)
TOGETHER_SHARE = 0.6  # the first try: every group together at the bound (see scheduler.together)
# Placing every run is a packing problem where the LP relaxation pays off; the later stages
# improve a full roster, where one worker without the LP finds better rosters sooner.
PACKING_STAGES = frozenset({"runs"})
PACKING_SUBSOLVERS = ("default_lp", "quick_restart", "reduced_costs", "pseudo_costs")
# CP-SAT deterministic-time units per second of time limit, measured on a 2-core laptop:
# one worker without LP does 1.3 to 3 units a second, the interleaved packing search about
# 1.3. Budgeting below both leaves the wall clock as a safety net that rarely acts.
UNITS_PER_SECOND = 0.85
PACKING_UNITS_PER_SECOND = 0.75
# The wall clock only guards against a machine far slower or busier than expected: it fires
# at this many times the time limit (never sooner than SAFETY_MIN_S), so a loaded laptop
# still finishes every stage on work done.
SAFETY_FACTOR = 20.0
SAFETY_MIN_S = 60.0


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the solve is: stage, sessions in the best roster so far, the bound, seconds spent."""

    stage: str
    sessions: int
    bound: int
    unmet: int
    elapsed_s: float


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """Solver settings: time limit (seconds), random seed, and workers (0 = deterministic).

    With ``workers == 0`` the time limit is turned into a budget of deterministic work and
    ``wall_limit_s`` (default: :func:`safety_limit`) is only a safety net.
    """

    time_limit_s: float = 20.0
    seed: int = 0
    workers: int = 0
    log: Callable[[str], None] | None = None
    wall_limit_s: float | None = None
    progress: Callable[[Progress], None] | None = None

    @property
    def wall_limit(self) -> float:
        """Seconds after which the wall clock stops a stage (a safety net when deterministic)."""
        if self.wall_limit_s is not None:
            return self.wall_limit_s
        return safety_limit(self.time_limit_s) if self.workers == 0 else self.time_limit_s


def safety_limit(time_limit_s: float) -> float:
    """The default wall-clock safety net for a deterministic solve of this time limit."""
    return max(SAFETY_MIN_S, SAFETY_FACTOR * time_limit_s)


@dataclass(frozen=True, slots=True)
class StageResult:
    """How one stage ended: its goal's value, the best proven bound, and how it stopped."""

    name: str
    status: str
    value: int
    bound: int
    seconds: float
    stopped_by_wall_clock: bool


class Stages:
    """Runs the stages on one model, keeping the best roster so far."""

    def __init__(self, rm: RosterModel, options: SolveOptions, roster: Roster, started: float) -> None:
        self.rm = rm
        self.options = options
        self.roster = roster
        self.results: list[StageResult] = []
        self.started = started
        self.carry = 0.0  # unused budget, in deterministic units (or seconds with workers)
        self.bound = 0  # the session bound shown by the progress display
        self.carry_on = True  # whether a stage's unused budget passes to the next

    def report(self, stage: str, roster: Roster) -> None:
        """Tell the progress display where the solve stands."""
        if self.options.progress is not None:
            self.options.progress(Progress(stage, len(roster.used_slots()), self.bound,
                                           sum(roster.unmet(self.rm.problem)),
                                           time.perf_counter() - self.started))

    def least(self, goal: Goal, caps: Mapping[Goal, int], current: int | None = None) -> Least:
        """A proven lower bound on an over-subscribed event's goal, and when the best roster's
        ``current`` value is above it, a roster at it if one is found in the bound's slot layout
        (see :mod:`scheduler.shortfall`)."""
        work = STAGE_SHARES["bound"] * self.options.time_limit_s * UNITS_PER_SECOND
        roster_work = STAGE_SHARES["at the bound"] * self.options.time_limit_s * UNITS_PER_SECOND \
            if current is not None else 0.0
        self.report(f"bound on {goal.value}", self.roster)
        found = least(self.rm.problem, goal, caps, work, self.options.seed,
                      self.options.wall_limit - (time.perf_counter() - self.started), roster_work, current)
        self.results.append(StageResult(f"bound on {goal.value}", "BOUND", found.value, found.value,
                                        found.seconds, found.stopped_by_wall_clock))
        if self.options.log:
            self.options.log(f"bound on {goal.value}: {found.value}, roster at it "
                             f"{'found' if found.roster else 'not found'}, in {found.seconds:.1f}s (work {found.work:.1f})")
        return found

    def held_groups(self) -> list[cp_model.IntVar]:
        """The together flags of groups that are together in the current roster."""
        problem = self.rm.problem
        return [var for group, var in zip(problem.groups, self.rm.together)
                if group.pairs and together_in(group.pairs, self.roster)]

    def run(self, name: str, objective: cp_model.LinearExprT, bound: int,
            evaluate: Callable[[Roster], int], sense: int = 1, hold: bool = False,
            share: float | None = None) -> int:
        """Minimise (sense 1) or maximise (sense -1) ``objective``; return the value reached.

        ``bound`` is a proven limit of the goal: reaching it ends the stage. With ``hold``,
        groups together in the current roster stay together during this stage.
        """
        share = (STAGE_SHARES[name] if share is None else share) * self.options.time_limit_s
        rate = PACKING_UNITS_PER_SECOND if name in PACKING_STAGES else UNITS_PER_SECOND
        budget = share * (rate if self.options.workers == 0 else 1.0) + (self.carry if self.carry_on else 0.0)
        start_value = evaluate(self.roster)
        if sense * start_value <= sense * bound:
            self.results.append(StageResult(name, "OPTIMAL", start_value, bound, 0.0, False))
            self.carry = budget
            return start_value
        model = self.rm.model
        self.rm.hint(self.roster)
        if sense > 0:
            model.minimize(objective)
        else:
            model.maximize(objective)
        model.clear_assumptions()
        if hold:
            model.add_assumptions(self.held_groups())
        solver = cp_model.CpSolver()
        wall_left = max(0.01, self.options.wall_limit - (time.perf_counter() - self.started))
        _configure(solver, self.options, budget, wall_left, packing=name in PACKING_STAGES)
        self.report(name, self.roster)
        callback = _ProgressCallback(self, name) if self.options.progress else None
        status = solver.solve(model, callback)
        model.clear_assumptions()
        if status == cp_model.MODEL_INVALID:
            raise SolverError(f"the {name} stage model is invalid: {model.validate()}")
        used = solver.deterministic_time if self.options.workers == 0 else solver.wall_time
        self.carry = max(0.0, budget - used)
        value = start_value
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            candidate = self.rm.roster(solver)
            found = evaluate(candidate)
            if sense * found <= sense * start_value:
                self.roster, value = candidate, found
        proven = bound
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and not hold:
            best = solver.best_objective_bound
            proven = max(bound, math.ceil(best - 1e-6)) if sense > 0 else min(bound, math.floor(best + 1e-6))
        status_name = "OPTIMAL" if value == proven else "FEASIBLE"
        by_wall = (self.options.workers == 0 and status != cp_model.OPTIMAL
                   and solver.deterministic_time < budget * 0.99)
        self.results.append(StageResult(name, status_name, value, proven, solver.wall_time, by_wall))
        self.report(name, self.roster)
        if self.options.log:
            self.options.log(f"{name}: {status_name} value {value} bound {proven} in "
                             f"{solver.wall_time:.1f}s (work {solver.deterministic_time:.1f})")
        return value


class _ProgressCallback(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution of a stage (reading it only: the search is unchanged)."""

    def __init__(self, stages: Stages, name: str) -> None:
        super().__init__()
        self.stages = stages
        self.name = name
        self.used = stages.rm.used
        self.short = stages.rm.short

    def on_solution_callback(self) -> None:
        """Sessions and unmet runs of the solution just found."""
        stages = self.stages
        if stages.options.progress is None:
            return
        stages.options.progress(Progress(
            self.name, sum(self.boolean_value(v) for v in self.used), stages.bound,
            sum(self.value(v) for v in self.short), time.perf_counter() - stages.started))


def _configure(solver: cp_model.CpSolver, options: SolveOptions, budget: float, wall_left: float,
               packing: bool) -> None:
    """Seed, workers and limits for one stage."""
    params = solver.parameters
    params.random_seed = options.seed
    if options.workers > 0:
        params.num_workers = options.workers
        params.max_time_in_seconds = max(0.1, min(budget, wall_left))
        return
    if packing:
        # CP-SAT's interleaved portfolio of LP-based searches: two threads, the same search
        # whatever their timing.
        params.num_workers = 2
        params.interleave_search = True
        params.subsolvers.extend(PACKING_SUBSOLVERS)
    else:
        params.num_workers = 1
        params.linearization_level = 0
    params.max_deterministic_time = max(0.05, budget)
    params.max_time_in_seconds = wall_left


def together_in(pairs: tuple[tuple[int, int], ...], roster: Roster) -> bool:
    """Every pair nested: the one with fewer runs only in sessions of the other."""
    return all(set(roster.sessions[b]) <= set(roster.sessions[a]) for a, b in pairs)
