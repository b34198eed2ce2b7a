"""The session lower bound: each term it adds, reached by the solver, and shortfalls in words."""

from __future__ import annotations

import pytest

from scheduler.bounds import explain_shortfall, session_lower_bound
from scheduler.check import Rule, check_roster
from scheduler.problem import load_problem
from scheduler.roster import roster_rows
from scheduler.solver import SolveOptions, solve
from schedule_helpers import entry

MORNING = {"available_until": "2026-06-13 10:00"}
AFTERNOON = {"available_from": "2026-06-13 10:20"}

CASES = {
    # 10 drivers x 2 runs at 4 cars: 5 sessions.
    "capacity": ([entry(f"D{i}") for i in range(10)], 5),
    # 6 novice runs (2 sessions) + 6 advanced runs (2 sessions); 12 runs alone would need 3.
    "skills apart": ([entry(f"N{i}", skill="novice") for i in range(3)]
                     + [entry(f"A{i}", skill="advanced") for i in range(3)], 4),
    # One electric car needs its own 2 sessions beside the 2 for 8 standard runs.
    "separate class": ([entry("E1", car_class="Electric")] + [entry(f"D{i}") for i in range(4)], 4),
    # Two drivers sharing one car never share a session: 4 runs, 4 sessions.
    "shared car": ([entry("D1", car="C1", number="1", transponder="7"),
                    entry("D2", car="C1", number="1", transponder="7")], 4),
    # 9 morning runs need 3 morning sessions, 5 afternoon runs 2 more; 14 runs alone need 4.
    "windows": ([entry(f"M{i}", runs="1", **MORNING) for i in range(9)]
                + [entry(f"P{i}", runs="1", **AFTERNOON) for i in range(5)], 5),
    # A driver's runs need that many sessions.
    "run count": ([entry("D1", runs="4")], 4),
    # Novice sessions: 2 in the morning for N1, 2 in the afternoon for N2; advanced ones are
    # others again (2 for A1): 6, though each half of the day alone needs only 4.
    "kept-apart skills by window": ([entry("N1", skill="novice", **MORNING),
                                     entry("N2", skill="novice", **AFTERNOON),
                                     entry("A1", skill="advanced")], 6),
}


@pytest.mark.parametrize("case", CASES)
def test_each_term_of_the_bound_is_counted_and_reached(event_files, case):
    rows, expected = CASES[case]
    entries, plan = event_files(rows)
    entries_list, plan_obj, problem = load_problem(entries, plan)
    assert session_lower_bound(problem).total == expected
    solution = solve(problem, SolveOptions(time_limit_s=5))
    assert sum(solution.roster.unmet(problem)) == 0
    assert len(solution.roster.used_slots()) == expected
    assert solution.sessions_proven_optimal
    assert check_roster(roster_rows(problem, solution.roster), entries_list, plan_obj) == []


def test_too_many_novice_and_advanced_runs_are_explained_and_a_partial_roster_given(event_files):
    rows = ([entry(f"N{i:02}", skill="novice") for i in range(9)]
            + [entry(f"A{i:02}", skill="advanced") for i in range(9)]
            + [entry("E1", car_class="Electric")])
    entries, plan = event_files(rows)
    entries_list, plan_obj, problem = load_problem(entries, plan)
    bound = session_lower_bound(problem)
    assert bound.total == 12
    reasons = explain_shortfall(problem, bound)
    assert reasons == [
        "other classes runs need 10 sessions (other classes novice runs need 5 and other classes "
        "advanced runs need 5 (novice and advanced never share a session)), only 9 slots are left "
        "beside the 2 sessions Electric needs for all its runs"]
    solution = solve(problem, SolveOptions(time_limit_s=5))
    unmet = solution.roster.unmet(problem)
    # Fewest runs unmet: one electric session instead of two leaves 10 slots, 5 per skill,
    # enough for all 36 novice and advanced runs; only the electric car misses one run.
    assert sum(unmet) == 1
    assert unmet[problem.drivers[-1].index] == 1 and problem.drivers[-1].driver_id == "E1"
    violations = check_roster(roster_rows(problem, solution.roster), entries_list, plan_obj)
    assert {v.rule for v in violations} == {Rule.RUNS}
    assert len(violations) == sum(1 for u in unmet if u)


def test_a_crowded_morning_is_explained(event_files):
    rows = [entry(f"M{i}", **MORNING) for i in range(13)]
    entries, plan = event_files(rows)
    _, _, problem = load_problem(entries, plan)
    reasons = explain_shortfall(problem)
    # The window is crowded; rest says more: slots 09:00, 09:20 and 09:40 are too close for
    # two runs, so each driver runs once before 09:00 and once after, 13 cars in 3 slots each.
    rest = ("13 runs at 4 cars per session; with 40 min rest between runs their windows leave "
            "no other room for them), there are 3 slots")
    assert reasons == [
        "drivers available only between 2026-06-13 08:00 and 09:55 need 7 sessions there "
        "(26 runs at 4 cars per session), there are 6 slots",
        f"rest: 13 drivers need 4 sessions between 2026-06-13 08:00 and 08:55 ({rest}",
        f"rest: 13 drivers need 4 sessions between 2026-06-13 09:00 and 09:55 ({rest}"]


# With 40 min rest, slot k (08:00 + 20k min) and slot k+3 are the closest a driver may run:
# two runs in a four-slot window are pinned to its first and last slot.
PINNED = {
    "A": {"available_until": "2026-06-13 09:15"},  # slots 08:00 .. 09:00: runs at 08:00 and 09:00
    "B": {"available_from": "2026-06-13 08:20", "available_until": "2026-06-13 09:35"},  # 08:20, 09:20
    "C": {"available_from": "2026-06-13 08:40", "available_until": "2026-06-13 09:55"},  # 08:40, 09:40
}


def test_rest_raises_the_bound_to_the_optimum(event_files):
    # Windows and capacity alone ask for 2 sessions (6 runs at 4 cars, 2 runs each, no window
    # inside another stretch's); rest pins each driver's runs to two slots of their own: 6.
    entries, plan = event_files([entry(name, **window) for name, window in PINNED.items()])
    entries_list, plan_obj, problem = load_problem(entries, plan)
    bound = session_lower_bound(problem)
    assert bound.total == 6
    assert [need.reason for _, _, need in bound.families[0].segments][0].startswith(
        "rest: 1 driver needs 1 session between 2026-06-13 08:00 and 08:15")
    solution = solve(problem, SolveOptions(time_limit_s=5))
    assert len(solution.roster.used_slots()) == 6
    assert solution.sessions_proven_optimal
    assert check_roster(roster_rows(problem, solution.roster), entries_list, plan_obj) == []


def test_runs_rest_crowds_into_one_slot_are_explained(event_files):
    # Five drivers pinned to 08:00 and 09:00 at 4 cars a session: a slot cannot take them all,
    # though their window (4 slots, 10 runs) would hold 16 cars.
    entries, plan = event_files([entry(f"A{i}", **PINNED["A"]) for i in range(5)])
    _, _, problem = load_problem(entries, plan)
    bound = session_lower_bound(problem)
    assert not bound.allows_full_roster(len(problem.slots))
    note = "5 runs at 4 cars per session; with 40 min rest between runs their windows leave no other room for them"
    assert explain_shortfall(problem, bound) == [
        f"rest: 5 drivers need 2 sessions between 2026-06-13 08:00 and 08:15 ({note}), there is 1 slot",
        f"rest: 5 drivers need 2 sessions between 2026-06-13 09:00 and 09:15 ({note}), there is 1 slot"]
    solution = solve(problem, SolveOptions(time_limit_s=5))
    assert sum(solution.roster.unmet(problem)) == 1  # the fifth runs once, at 08:20 or 08:40
