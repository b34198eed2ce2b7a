"""Mixing owners: more different owners met, and not one other goal or rule given up for it."""

from __future__ import annotations

from collections import Counter

from scheduler.check import check_roster
from scheduler.mixing import mix_owners, owners_met, random_roster
from scheduler.problem import load_problem
from scheduler.roster import roster_rows
from scheduler.samples import EventSize, write_event
from scheduler.solver import SolveOptions, groups_together, solve, spread_penalty


def test_mixing_meets_more_owners_than_a_random_roster_and_keeps_every_goal(tmp_path):
    entries, plan, problem = load_problem(*write_event(EventSize(drivers=90, capacity=12, seed=5), tmp_path))
    solved = solve(problem, SolveOptions(time_limit_s=2)).roster
    mixed = mix_owners(problem, solved, seed=1)
    assert mix_owners(problem, solved, seed=1) == mixed  # the same seed, the same roster
    assert check_roster(roster_rows(problem, mixed), entries, plan) == []
    assert mixed.unmet(problem) == solved.unmet(problem)
    load = lambda roster: Counter(s for slots in roster.sessions for s in slots)  # noqa: E731
    assert load(mixed) == load(solved)  # the same sessions, each with as many cars
    assert groups_together(problem, mixed) == groups_together(problem, solved)
    in_groups = {d for g in problem.groups if g.pairs for d in g.members}
    assert all(mixed.sessions[d] == solved.sessions[d] for d in in_groups)
    assert spread_penalty(problem, mixed) <= spread_penalty(problem, solved)
    before, after = owners_met(problem, solved), owners_met(problem, mixed)
    baseline = owners_met(problem, random_roster(problem, solved, seed=1))
    assert after.mean > before.mean and after.mean > baseline.mean
    assert after.least >= before.least
