"""Heat scheduler benchmark: generated events of 60, 220 and 700 drivers (the last over two days).

For each: sessions used vs the tight lower bound, unmet runs, groups together, hard
violations found by the independent validator, and solve time, each beside its target.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from scheduler.check import check_roster
from scheduler.problem import load_problem
from scheduler.roster import roster_rows
from scheduler.samples import EventSize, write_event
from scheduler.solver import SolveOptions, groups_together, solve


@dataclass(frozen=True, slots=True)
class Case:
    """One benchmark event and its time target."""

    size: EventSize
    time_limit_s: float
    target_s: float


CASES = (
    Case(EventSize(drivers=60, days=1, capacity=25, seed=4), time_limit_s=10, target_s=30),
    Case(EventSize(drivers=220, days=1, capacity=25, seed=4), time_limit_s=25, target_s=30),
    Case(EventSize(drivers=700, days=2, capacity=40, seed=4), time_limit_s=80, target_s=90),
)


def run_case(case: Case, directory: Path) -> list[str]:
    """Solve one event and return its report lines."""
    entries_path, plan_path = write_event(case.size, directory)
    loaded = time.perf_counter()
    entries, plan, problem = load_problem(entries_path, plan_path)
    load_s = time.perf_counter() - loaded
    solution = solve(problem, SolveOptions(time_limit_s=case.time_limit_s))
    roster = solution.roster
    used = len(roster.used_slots())
    bound = solution.bound.total
    gap = 100 * (used - bound) / bound
    unmet = sum(roster.unmet(problem))
    possible = sum(1 for g in problem.groups if g.pairs)
    together = groups_together(problem, roster)
    violations = check_roster(roster_rows(problem, roster), entries, plan)
    proof = "proven optimal" if solution.sessions_proven_optimal else f"{gap:.1f}% above bound"
    size = case.size
    return [
        f"{size.drivers} drivers, {size.days} day(s), {len(problem.slots)} slots, capacity "
        f"{size.capacity}, {problem.total_runs} runs, {len(problem.groups)} groups",
        f"  sessions used     {used} vs lower bound {bound} ({proof})   target: optimal or within 5%",
        f"  unmet runs        {unmet}   target: 0",
        f"  groups together   {together} of {possible} ({100 * together / max(1, possible):.0f}%)"
        "   target: at least 90%",
        f"  hard violations   {len(violations)}   target: 0 (independent validator)",
        f"  solve time        {solution.seconds:.1f} s (+ {load_s:.1f} s reading files; "
        f"{'deterministic' if solution.deterministic else 'cut by wall clock'})   "
        f"target: under {case.target_s:.0f} s on two cores",
    ]


def main() -> None:
    """Print each case's numbers beside its targets."""
    with tempfile.TemporaryDirectory() as scratch:
        for index, case in enumerate(CASES):
            for line in run_case(case, Path(scratch) / f"event{index}"):
                print(line, flush=True)


if __name__ == "__main__":
    main()
