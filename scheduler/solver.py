"""Solve a roster in stages: runs placed, then fewest sessions, then groups, then spread.

(When runs cannot all be placed, a stage after the first shares the shortage out, and
with a published roster to keep, a stage before the sessions keeps moves to a minimum.)

Each stage bounds the previous goals at their best value and starts from the best roster
so far as a complete hint (a lexicographic objective without big weights). The greedy
roster is the first hint, so there is always an answer. Where the greedy start has friend
groups together, a stage first tries to improve its goal while holding those groups, and
only then without (the later groups stage gathers what was scattered).

Determinism: by default every stage stops on a budget of *deterministic* time (CP-SAT's own
count of work done, not the clock) with a search whose path does not depend on thread
timing: the packing stage (placing runs) runs CP-SAT's interleaved portfolio on two
threads, the improving stages one worker without the LP relaxation (on this problem it
finds better rosters sooner than the default portfolio on two cores). So the same input
and seed give the same roster whatever the machine's load. The wall clock is only a
safety net set far above the normal budget (:data:`SAFETY_FACTOR` times the time limit, at
least :data:`SAFETY_MIN_S`); a stage it cuts short is reported (the roster may then vary run to
run, and the command line refuses to publish it).
``workers > 0`` runs CP-SAT's parallel portfolio on that many cores and stops on the wall
clock: it can use every core, but is not reproducible run to run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.bounds import SessionBound, session_lower_bound
from scheduler.cpsat_model import Bucket, RosterModel, build_model, day_buckets, edge_slots
from scheduler.errors import SolverError
from scheduler.greedy import fill_missing, greedy_roster, share_shortage
from scheduler.problem import Problem
from scheduler.roster import Roster
from scheduler.together import together_in_fewest

# Share of the time limit each stage may use; what a stage leaves is passed on.
STAGE_SHARES: dict[str, float] = {
    "runs": 0.40, "fair share": 0.15, "changes": 0.10, "sessions": 0.12, "sessions (free)": 0.11,
    "groups": 0.11, "spread": 0.11,
}
PROVEN_SHORT_RUNS_SHARE = 0.6
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


@dataclass(frozen=True, slots=True)
class Solution:
    """The roster and how it was reached."""

    roster: Roster
    bound: SessionBound
    stages: tuple[StageResult, ...]
    seconds: float
    greedy: Roster
    unmet_runs: int
    constrained_by: str = ""  # what the session count is optimal under, if not the bound

    @property
    def sessions_proven_optimal(self) -> bool:
        """True when every run is placed and no roster can use fewer sessions.

        With runs kept from a published roster, "no roster" means none that keeps them.
        """
        if self.unmet_runs:
            return False
        used = len(self.roster.used_slots())
        if used <= self.bound.total:
            return True
        free = next((s for s in self.stages if s.name == "sessions (free)"), None)
        return free is not None and free.status == "OPTIMAL"

    @property
    def deterministic(self) -> bool:
        """False when a stage was cut by the wall clock (the roster may vary run to run)."""
        return not any(s.stopped_by_wall_clock for s in self.stages)


class _Stages:
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

    def held_groups(self) -> list[cp_model.IntVar]:
        """The together flags of groups that are together in the current roster."""
        problem = self.rm.problem
        return [var for group, var in zip(problem.groups, self.rm.together)
                if group.pairs and _together(group.pairs, self.roster)]

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

    def __init__(self, stages: _Stages, name: str) -> None:
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


def _together(pairs: tuple[tuple[int, int], ...], roster: Roster) -> bool:
    """Every pair nested: the one with fewer runs only in sessions of the other."""
    return all(set(roster.sessions[b]) <= set(roster.sessions[a]) for a, b in pairs)


def groups_together(problem: Problem, roster: Roster) -> int:
    """Groups (with at least one convoy of two) whose convoys run together."""
    return sum(1 for g in problem.groups if g.pairs and _together(g.pairs, roster))


def spread_penalty(problem: Problem, roster: Roster) -> int:
    """The spread goal's value for a roster (the same terms as the model's)."""
    buckets = day_buckets(problem)
    edges = edge_slots(problem)
    return sum(driver_spread(problem, driver.index, roster.sessions[driver.index], buckets, edges)
               for driver in problem.drivers)


def driver_spread(problem: Problem, index: int, sessions: Iterable[int], buckets: tuple[Bucket, ...],
                  edges: frozenset[int]) -> int:
    """One driver's share of the spread goal: runs beyond a fair share of a part of a day or of the edges."""
    driver = problem.drivers[index]
    mine = set(sessions)
    allowed = set(driver.allowed) | mine
    total = 0
    reachable = [set(b.slots) & allowed for b in buckets if set(b.slots) & allowed]
    if driver.runs > 1 and len(reachable) > 1:
        target = math.ceil(driver.runs / len(reachable))
        total += sum(max(0, len(mine & part) - target) for part in reachable)
    return total + max(0, len(mine & edges) - 1)


def solve(problem: Problem, options: SolveOptions = SolveOptions(),
          fixed: Mapping[int, tuple[int, ...]] | None = None, frozen: frozenset[int] = frozenset(),
          published: Mapping[int, tuple[int, ...]] | None = None,
          start: Mapping[int, tuple[int, ...]] | None = None) -> Solution:
    """The best roster found within the time limit.

    ``fixed`` runs are kept (driver index -> slot indices) and ``frozen`` drivers get no
    other runs; with ``published``, moves away from it are minimised right after placing
    every run (use it instead of ``fixed`` when moves are allowed, with ``start`` the legal
    part of it for the greedy start).
    """
    started = time.perf_counter()
    bound = session_lower_bound(problem)
    greedy = greedy_roster(problem, fixed if fixed else start)
    first = greedy
    early: list[StageResult] = []
    if not fixed and not published and options.workers == 0 and bound.allows_full_roster(len(problem.slots)):
        found = together_in_fewest(
            problem, greedy, bound.total, TOGETHER_SHARE * options.time_limit_s * UNITS_PER_SECOND,
            options.seed, lambda: options.wall_limit - (time.perf_counter() - started))
        if found.roster is not None:
            first = found.roster
        if options.progress is not None:
            options.progress(Progress("together at the bound", len(first.used_slots()), bound.total,
                                      sum(first.unmet(problem)), time.perf_counter() - started))
        early.append(StageResult("together at the bound", "OPTIMAL" if found.roster else "FEASIBLE",
                                 len(first.used_slots()), bound.total, found.seconds,
                                 found.stopped_by_wall_clock))
        if options.log:
            options.log(f"together at the bound: {'found' if found.roster else 'not found'} in "
                        f"{found.seconds:.1f}s (work {found.work:.1f})")
    rm = build_model(problem, fixed, frozen)
    stages = _Stages(rm, options, first, started)
    stages.results.extend(early)
    stages.bound = bound.total
    # After every group together at the bound, the stages up to groups have nothing to do; the
    # spread then gets its own share, not theirs (its gains are small, its work on big events is not).
    stages.carry_on = first is greedy
    model = rm.model
    possible = sum(1 for g in problem.groups if g.pairs)
    weight = possible + 1

    def unmet(roster: Roster) -> int:
        return sum(roster.unmet(problem))

    def together(roster: Roster) -> int:
        return groups_together(problem, roster)

    # When the bound proves some runs cannot be placed, placing as many as possible is the
    # whole problem (every slot will be used): it gets most of the time.
    proven_short = not bound.allows_full_roster(len(problem.slots))
    stages.run("runs", rm.total_short(), 0, unmet, share=PROVEN_SHORT_RUNS_SHARE if proven_short else None)
    if unmet(stages.roster):
        filled = fill_missing(problem, stages.roster, fixed)
        if unmet(filled) < unmet(stages.roster):
            stages.roster = filled
    short = unmet(stages.roster)
    model.add(rm.total_short() <= short)
    if short:
        # Share the shortage out: nobody should miss all their runs while others miss none.
        def beyond_one(roster: Roster) -> int:
            return sum(max(0, u - 1) for u in roster.unmet(problem))
        shared = share_shortage(problem, stages.roster, fixed)
        if unmet(shared) == short and beyond_one(shared) < beyond_one(stages.roster):
            stages.roster = shared
        fair = stages.run("fair share", rm.runs_short_beyond_one(), 0, beyond_one)
        model.add(rm.runs_short_beyond_one() <= fair)
    if published:
        def moved(roster: Roster) -> int:
            return sum(len(set(slots) - set(roster.sessions[d])) for d, slots in published.items())
        changes = stages.run("changes", rm.changes_from(published), 0, moved)
        model.add(rm.changes_from(published) <= changes)
    sessions_bound = bound.total if short == 0 else 0
    model.add(rm.sessions_used() >= sessions_bound)

    def sessions_used(roster: Roster) -> int:
        return len(roster.used_slots())

    stages.run("sessions", rm.sessions_used(), sessions_bound, sessions_used, hold=True)
    if sessions_used(stages.roster) > sessions_bound:
        stages.run("sessions (free)", weight * rm.sessions_used() - rm.groups_together(),
                   weight * sessions_bound - possible, lambda r: weight * sessions_used(r) - together(r))
    model.add(rm.sessions_used() <= sessions_used(stages.roster))
    kept = stages.run("groups", rm.groups_together(), possible, together, sense=-1)
    model.add(rm.groups_together() >= kept)
    stages.run("spread", rm.spread_penalty(), 0, lambda r: spread_penalty(problem, r))
    return Solution(stages.roster, bound, tuple(stages.results), time.perf_counter() - started, greedy,
                    unmet(stages.roster),
                    "the published runs kept" if fixed else "moves kept to a minimum" if published else "")
