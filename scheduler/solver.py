"""Solve a roster in stages: runs placed, then fewest sessions, then groups, then spread.

(With a published roster to keep, a stage before the sessions keeps moves to a minimum.)

Each stage bounds the previous goals at their best value and starts from the best roster
so far as a complete hint (a lexicographic objective without big weights). The greedy
roster is the first hint, so there is always an answer. Where the greedy start has friend
groups together, a stage first tries to improve its goal while holding those groups, and
only then without (the later groups stage gathers what was scattered).

When the start leaves runs out (more runs wanted than seats), placing them comes first
with fairness built in: nobody is left without a run while others run, then as many runs
as possible, then as few drivers as possible miss more than one. On a fresh solve each of
these, and the sessions after them, is bounded by a counting model
(:mod:`scheduler.shortfall`) that also offers a roster at its bound; a stage whose roster
reaches the bound is proven and ends at once.

Determinism: every stage stops on a budget of *deterministic* time (CP-SAT's count of work
done), never on the clock; see :mod:`scheduler.stages`. ``workers > 0`` runs CP-SAT's
parallel portfolio on that many cores and stops on the wall clock: it can use every core,
but is not reproducible run to run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scheduler.bounds import SessionBound, session_lower_bound
from scheduler.cpsat_model import Bucket, build_model, day_buckets, edge_slots
from scheduler.greedy import fill_missing, greedy_roster, share_shortage
from scheduler.problem import Problem
from scheduler.roster import Roster
from scheduler.shortfall import Goal
from scheduler.stages import (LAYOUT_RUNS_SHARE, PROVEN_SHORT_RUNS_SHARE, TOGETHER_SHARE, UNITS_PER_SECOND, Progress,
                              SolveOptions, StageResult, Stages, safety_limit, together_in)
from scheduler.together import together_in_fewest

__all__ = ["Progress", "Solution", "SolveOptions", "StageResult", "groups_together", "safety_limit",
           "solve", "spread_penalty"]


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
    def runs_proven(self) -> bool:
        """True when no roster can place more runs (nor leave fewer drivers without one)."""
        return any(s.name == "runs" and s.status == "OPTIMAL" for s in self.stages)

    @property
    def shortage_shared_proven(self) -> bool:
        """True when no roster as full as this one has fewer runs missed beyond one per driver."""
        return any(s.name == "fair share" and s.status == "OPTIMAL" for s in self.stages)

    @property
    def deterministic(self) -> bool:
        """False when a stage was cut by the wall clock (the roster may vary run to run)."""
        return not any(s.stopped_by_wall_clock for s in self.stages)

def groups_together(problem: Problem, roster: Roster) -> int:
    """Groups (with at least one convoy of two) whose convoys run together."""
    return sum(1 for g in problem.groups if g.pairs and together_in(g.pairs, roster))


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
    part of it for the greedy start; ``fixed`` then holds only runs that may not move, those in
    sessions already run, which ``start`` must include).
    """
    started = time.perf_counter()
    bound = session_lower_bound(problem)
    greedy = greedy_roster(problem, start if start else fixed)  # start holds what is fixed, when both are given
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
    # An over-subscribed event (the start leaves runs out): nobody is left out while others
    # run, then as many runs as possible, then the shortage shared out; on a fresh solve each
    # stage ends as soon as its roster reaches a proven bound.
    over = any(first.unmet(problem))
    rm = build_model(problem, fixed, frozen, count_left_out=over)
    stages = Stages(rm, options, first, started)
    stages.results.extend(early)
    stages.bound = bound.total
    # After every group together at the bound, the stages up to groups have nothing to do; the
    # spread then gets its own share, not theirs (its gains are small, its work on big events is
    # not). Nor does a stage ended by a proof hand its budget on.
    stages.carry_on = first is greedy and not over
    model = rm.model
    possible = sum(1 for g in problem.groups if g.pairs)
    weight = possible + 1
    fresh = not fixed and not published

    def unmet(roster: Roster) -> int:
        return sum(roster.unmet(problem))

    def left_out(roster: Roster) -> int:
        return sum(1 for d in problem.drivers if d.runs and not roster.sessions[d.index])

    def shortfall(roster: Roster) -> int:
        return (problem.total_runs + 1) * left_out(roster) + unmet(roster)

    def together(roster: Roster) -> int:
        return groups_together(problem, roster)

    # When the bound proves some runs cannot be placed, placing as many as possible is the
    # whole problem (every slot will be used): it gets most of the time.
    proven_short = not bound.allows_full_roster(len(problem.slots))
    runs_goal, runs_bound = rm.total_short(), 0
    runs_share = PROVEN_SHORT_RUNS_SHARE if proven_short else None
    if over:
        runs_goal = (problem.total_runs + 1) * rm.drivers_left_out() + rm.total_short()
    if over and not fixed:  # the counting model knows no pinned run; moves come after runs
        fewest_left_out = stages.least(Goal.LEFT_OUT, {}).value
        current = unmet(stages.roster) if left_out(stages.roster) <= fewest_left_out else problem.total_runs + 1
        found = stages.least(Goal.UNMET, {Goal.LEFT_OUT: fewest_left_out}, current)
        runs_bound = (problem.total_runs + 1) * fewest_left_out + found.value
        if found.roster is not None and shortfall(found.roster) < shortfall(stages.roster):
            stages.roster = found.roster
            runs_share = LAYOUT_RUNS_SHARE  # a start near the bound: a little search to close the gap
        model.add(runs_goal >= runs_bound)  # lets CP-SAT stop on reaching it
    stages.run("runs", runs_goal, runs_bound, shortfall, share=runs_share)
    if unmet(stages.roster):
        filled = fill_missing(problem, stages.roster, fixed)
        if shortfall(filled) < shortfall(stages.roster):
            stages.roster = filled
    short = unmet(stages.roster)
    model.add(rm.total_short() <= short)
    caps = {Goal.UNMET: short}
    if over:
        caps[Goal.LEFT_OUT] = left_out(stages.roster)
        model.add(rm.drivers_left_out() <= caps[Goal.LEFT_OUT])
    if short:
        # Share the shortage out: as few drivers as possible miss more than one run.
        def beyond_one(roster: Roster) -> int:
            return sum(max(0, u - 1) for u in roster.unmet(problem))
        shared = share_shortage(problem, stages.roster, fixed)
        if shortfall(shared) == shortfall(stages.roster) and beyond_one(shared) < beyond_one(stages.roster):
            stages.roster = shared
        fair_bound = 0
        if not fixed:
            found = stages.least(Goal.BEYOND_ONE, caps, beyond_one(stages.roster))
            fair_bound = found.value
            if found.roster is not None and beyond_one(found.roster) < beyond_one(stages.roster):
                stages.roster = found.roster
        fair = stages.run("fair share", rm.runs_short_beyond_one(), fair_bound, beyond_one, hold=True)
        model.add(rm.runs_short_beyond_one() <= fair)
        caps[Goal.BEYOND_ONE] = fair
    if published:
        def moved(roster: Roster) -> int:
            return sum(len(set(slots) - set(roster.sessions[d])) for d, slots in published.items())
        changes = stages.run("changes", rm.changes_from(published), 0, moved)
        model.add(rm.changes_from(published) <= changes)
    sessions_bound = bound.total if short == 0 else 0
    if short and fresh:
        found = stages.least(Goal.SESSIONS, caps, len(stages.roster.used_slots()))
        sessions_bound = found.value
        if found.roster is not None and len(found.roster.used_slots()) < len(stages.roster.used_slots()):
            stages.roster = found.roster
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
                    "moves kept to a minimum" if published else "the published runs kept" if fixed else "")
