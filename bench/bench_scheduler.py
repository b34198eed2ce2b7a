"""Heat scheduler benchmark: generated events of 60, 220 and 700 drivers, the hard family, and
the README's over-subscribed example (the 220-driver sample at 20 cars a session).

For each: sessions used vs the tight lower bound, unmet runs, groups together, hard
violations found by the independent validator, owners met per driver with ``--mix`` (and
without, and on a random roster), solve time and whether every stage stopped on work done
(deterministic), each beside its target. The machine's load is printed too:
the times are wall-clock seconds on whatever else the machine is doing, so the CPU seconds
the solve used (all its threads) are printed beside them.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from scheduler.check import Rule, check_roster
from scheduler.mixing import mix_owners, owners_met, random_roster
from scheduler.problem import load_problem
from scheduler.roster import roster_rows
from scheduler.samples import EventSize, hard_event, write_event
from scheduler.solver import SolveOptions, groups_together, solve

TIME_LIMIT_S = 20.0  # the command line's default budget


@dataclass(frozen=True, slots=True)
class Case:
    """One benchmark event and its targets."""

    name: str
    size: EventSize
    target_s: float
    must_be_optimal: bool
    oversubscribed: bool = False  # more runs than seats: the targets are proofs of the fewest unmet


CASES = (
    Case("60 drivers", EventSize(drivers=60, days=1, capacity=25, seed=4), target_s=10, must_be_optimal=True),
    Case("220 drivers (the sample event)", EventSize(drivers=220, days=1, capacity=25, seed=4),
         target_s=10, must_be_optimal=True),
    Case("700 drivers, two days", EventSize(drivers=700, days=2, capacity=40, seed=4), target_s=60,
         must_be_optimal=False),
    Case("hard family: 700 drivers, two days, 35 cars, two runs, a quarter on one day",
         hard_event(700, seed=4), target_s=60, must_be_optimal=False),
    Case("over-subscribed: the sample event at 20 cars a session (the README example)",
         EventSize(drivers=220, days=1, capacity=20, seed=4), target_s=30, must_be_optimal=False,
         oversubscribed=True),
)


def run_case(case: Case, directory: Path) -> list[str]:
    """Solve one event and return its report lines."""
    entries_path, plan_path = write_event(case.size, directory)
    loaded = time.perf_counter()
    entries, plan, problem = load_problem(entries_path, plan_path)
    load_s = time.perf_counter() - loaded
    before = os.getloadavg()[0]
    cpu = time.process_time()
    solution = solve(problem, SolveOptions(time_limit_s=TIME_LIMIT_S))
    cpu_s = time.process_time() - cpu
    after = os.getloadavg()[0]
    roster = solution.roster
    used = len(roster.used_slots())
    bound = solution.bound.total
    gap = 100 * (used - bound) / bound
    unmet = sum(roster.unmet(problem))
    possible = sum(1 for g in problem.groups if g.pairs)
    together = groups_together(problem, roster)
    # The unmet runs of a partial roster are 'runs' findings by design; every other rule must hold.
    found = check_roster(roster_rows(problem, roster), entries, plan)
    violations = [v for v in found if v.rule != Rule.RUNS]
    short_drivers = len(found) - len(violations)
    mixing_started = time.perf_counter()
    mixed = mix_owners(problem, roster)
    mix_s = time.perf_counter() - mixing_started
    met, solved_met = owners_met(problem, mixed), owners_met(problem, roster)
    baseline = owners_met(problem, random_roster(problem, roster))
    mixed_violations = sum(1 for v in check_roster(roster_rows(problem, mixed), entries, plan) if v.rule != Rule.RUNS)
    proof = "proven optimal" if solution.sessions_proven_optimal else f"{gap:.1f}% above bound"
    target = "proven optimal" if case.must_be_optimal else "within 5% of the bound"
    if case.oversubscribed:
        left_out = sum(1 for d in problem.drivers if not roster.sessions[d.index])
        several = sum(1 for u in roster.unmet(problem) if u > 1)
        placing = [
            f"  sessions used     {used} of {len(problem.slots)} slots (lower bound {bound} for a full "
            f"roster: none exists)   target: a partial roster",
            f"  unmet runs        {unmet} ({'proven fewest' if solution.runs_proven else 'NOT proven'}), "
            f"{left_out} drivers left without a run   target: the proven fewest, nobody left out",
            f"  shared out        {several} drivers miss more than one run "
            f"({'proven fewest' if solution.shortage_shared_proven else 'NOT proven'})   target: the proven fewest",
        ]
    else:
        placing = [f"  sessions used     {used} vs lower bound {bound} ({proof})   target: {target}",
                   f"  unmet runs        {unmet}   target: 0"]
    return [
        f"{case.name}: {len(problem.slots)} slots, capacity {case.size.capacity}, {problem.total_runs} "
        f"runs, {possible} groups",
        *placing,
        f"  groups together   {together} of {possible} ({100 * together / max(1, possible):.0f}%)"
        "   target: 100%",
        f"  hard violations   {len(violations)}"
        + (f" (and {short_drivers} 'runs' findings: the drivers short of runs)" if short_drivers else "")
        + "   target: 0 (independent validator)",
        f"  owners met        mean {met.mean:.1f}, least {met.least} with --mix ({mix_s:.1f} s, "
        f"{mixed_violations} violations); {solved_met.mean:.1f}, {solved_met.least} without; a random "
        f"roster {baseline.mean:.1f}, {baseline.least}   target: above the random roster",
        f"  solve time        {solution.seconds:.1f} s wall, {cpu_s:.1f} s CPU (+ {load_s:.1f} s reading "
        f"files)   target: under {case.target_s:.0f} s on two cores; load average {before:.1f} "
        f"before, {after:.1f} after (CPU seconds bound an idle machine's wall time)",
        f"  deterministic     {'yes' if solution.deterministic else 'NO (cut by the wall clock)'}   "
        "target: yes (every stage stops on work done)",
    ]


def main() -> None:
    """Print each case's numbers beside its targets."""
    print(f"{os.cpu_count()} cores; --time-limit {TIME_LIMIT_S:g} (work budget); seed 0")
    with tempfile.TemporaryDirectory() as scratch:
        for index, case in enumerate(CASES):
            for line in run_case(case, Path(scratch) / f"event{index}"):
                print(line, flush=True)


if __name__ == "__main__":
    main()
