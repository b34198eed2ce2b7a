"""A shared car never goes straight back out with another driver (no time to swap seat, belts and
helmet settings, nor to cool), unless the plan allows a swap in the pit lane; a break between two
slots leaves that time. The solver, the greedy start, the re-planner and mixing all keep the rule."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from scheduler.check import Rule, check_roster
from scheduler.cpsat_model import build_model
from scheduler.greedy import fill_missing, greedy_roster, share_shortage
from scheduler.grid import build_slots
from scheduler.mixing import mix_owners, random_roster
from scheduler.model import Entry, Plan, TrackDay
from scheduler.problem import Problem, build_problem, load_problem
from scheduler.replan import describe_changes, keep_plan
from scheduler.roster import Roster, RosterRow, roster_rows, write_roster
from scheduler.samples import EventSize, write_event
from scheduler.solver import SolveOptions, solve
from schedule_helpers import SMALL_PLAN, drawn_window, entry, run_laptiming

SWAP_ALLOWED = SMALL_PLAN.replace("capacity = 4", "capacity = 4\nshared_car_back_to_back = true")
OPTIONS = SolveOptions(time_limit_s=2)

# SMALL_PLAN's slots (by index): 0 08:00, 1 08:20, 2 08:40, ... 5 09:40, the break, 6 10:20, ...
# D3 can only run at 08:00 and D4 only at 08:20, so the fewest sessions are those two slots, and
# the car S shared by S1 and S2 (one run each, 08:00 to 09:15) fits them only back to back.
MORNING = [
    entry("D3", runs="1", available_until="2026-06-13 08:15"),
    entry("D4", runs="1", available_from="2026-06-13 08:20", available_until="2026-06-13 08:35"),
    entry("S1", car="C-S", runs="1", available_until="2026-06-13 09:15"),
    entry("S2", car="C-S", runs="1", available_until="2026-06-13 09:15"),
]
# The same around the break: D3 only at 09:40, D4 only at 10:20, the car S in either.
AROUND_THE_BREAK = [
    entry("D3", runs="1", available_from="2026-06-13 09:40", available_until="2026-06-13 09:55"),
    entry("D4", runs="1", available_from="2026-06-13 10:20", available_until="2026-06-13 10:35"),
    entry("S1", car="C-S", runs="1", available_from="2026-06-13 09:40", available_until="2026-06-13 10:35"),
    entry("S2", car="C-S", runs="1", available_from="2026-06-13 09:40", available_until="2026-06-13 10:35"),
]


def _car_slots(problem: Problem, sessions: tuple[tuple[int, ...], ...]) -> list[int]:
    """The slot indices of car S's runs (S1's and S2's), in order."""
    return sorted(s for d in problem.drivers if d.driver_id in ("S1", "S2") for s in sessions[d.index])


def _apart(slots: list[int]) -> bool:
    """True when no two of these (same-morning) slot indices follow each other."""
    return all(later - earlier > 1 for earlier, later in zip(slots, slots[1:]))


def _hand_made(problem: Problem, slot_of: dict[str, int]) -> list[RosterRow]:
    """Roster rows with each named driver in the given slot index."""
    return roster_rows(problem, Roster.from_pairs(
        len(problem.drivers), ((d.index, slot_of[d.driver_id]) for d in problem.drivers)))


def test_by_default_a_shared_car_is_never_in_two_slots_back_to_back(event_files):
    entries, plan, problem = load_problem(*event_files(MORNING))
    solution = solve(problem, OPTIONS)
    roster = solution.roster
    assert sum(roster.unmet(problem)) == 0
    assert _apart(_car_slots(problem, roster.sessions))  # the old roster: S1 08:00, S2 08:20
    assert len(roster.used_slots()) == 3
    assert check_roster(roster_rows(problem, roster), entries, plan) == []


def test_with_a_swap_in_the_pit_lane_the_car_goes_back_to_back_again(event_files):
    entries, plan, problem = load_problem(*event_files(MORNING, SWAP_ALLOWED))
    solution = solve(problem, OPTIONS)
    assert _car_slots(problem, solution.roster.sessions) == [0, 1]
    assert len(solution.roster.used_slots()) == 2 and solution.sessions_proven_optimal
    assert check_roster(roster_rows(problem, solution.roster), entries, plan) == []


def test_slots_either_side_of_the_lunch_break_are_not_back_to_back(event_files):
    entries, plan, problem = load_problem(*event_files(AROUND_THE_BREAK))
    solution = solve(problem, OPTIONS)
    assert _car_slots(problem, solution.roster.sessions) == [5, 6]
    assert len(solution.roster.used_slots()) == 2 and solution.sessions_proven_optimal
    assert check_roster(roster_rows(problem, solution.roster), entries, plan) == []


def test_the_greedy_start_alone_keeps_the_car_apart(event_files):
    entries, plan, problem = load_problem(*event_files(MORNING))
    roster = greedy_roster(problem)
    assert sum(roster.unmet(problem)) == 0
    assert _apart(_car_slots(problem, roster.sessions))
    assert check_roster(roster_rows(problem, roster), entries, plan) == []


def test_a_replan_moves_a_published_run_that_sends_the_car_straight_back_out(event_files):
    entries, plan, problem = load_problem(*event_files(MORNING))
    published = _hand_made(problem, {"D3": 0, "D4": 1, "S1": 0, "S2": 1})  # S1 08:00, S2 08:20
    keep = keep_plan(problem, published)
    assert keep.dropped == ("S2: published run(s) at 08:20 no longer fit the entry or the rules",)
    solution = solve(problem, OPTIONS, fixed=keep.fixed, frozen=keep.frozen)
    assert _apart(_car_slots(problem, solution.roster.sessions))
    assert check_roster(roster_rows(problem, solution.roster), entries, plan) == []
    (change,) = describe_changes(problem, keep, solution.roster)
    assert change.startswith("S2 Driver S2: moved from 2026-06-13 08:20 to 2026-06-13 ")


def test_schedule_check_names_the_car_both_drivers_and_both_sessions(event_files, tmp_path):
    entries_path, plan_path = event_files(MORNING)
    _, _, problem = load_problem(entries_path, plan_path)
    roster = tmp_path / "hand-made.csv"
    write_roster(roster, _hand_made(problem, {"D3": 0, "D4": 1, "S1": 0, "S2": 1}))
    swap_allowed = tmp_path / "swap.toml"
    swap_allowed.write_text(SWAP_ALLOWED, encoding="utf-8")
    allowed = run_laptiming("schedule", "check", roster, "--entries", entries_path, "--plan", swap_allowed)
    assert allowed.returncode == 0, allowed.stdout
    result = run_laptiming("schedule", "check", roster, "--entries", entries_path, "--plan", plan_path)
    assert result.returncode == 1
    line = next(number for number, text in enumerate(roster.read_text().splitlines(), start=1) if ",S2," in text)
    assert result.stdout.splitlines() == [
        f"{roster}: line {line}: session 2: [shared-car-adjacent] car 'C-S' goes straight back out with another "
        "driver: S1 in session 1, then S2 in session 2, no time to swap "
        "(sessions.shared_car_back_to_back = true allows a swap in the pit lane)",
        f"1 broken rule(s) in {roster}"]


def test_mixing_and_its_random_yardstick_keep_shared_cars_apart(tmp_path: Path):
    entries, plan, problem = load_problem(*write_event(EventSize(drivers=90, capacity=12, seed=5), tmp_path))
    assert any(len(car) > 1 for car in problem.cars)
    solved = solve(problem, OPTIONS).roster
    for roster in (mix_owners(problem, solved, seed=1), random_roster(problem, solved, seed=1)):
        assert check_roster(roster_rows(problem, roster), entries, plan) == []


def test_one_driver_may_take_two_slots_in_a_row_when_the_rest_allows_it(event_files):
    # With no minimum rest S1 runs 08:00 and 08:20 in the shared car: the rule is about a swap.
    rows = [entry("S1", car="C-S", available_until="2026-06-13 08:35"),
            entry("S2", car="C-S", runs="1", available_from="2026-06-13 09:40",
                  available_until="2026-06-13 09:55")]
    entries, plan, problem = load_problem(*event_files(rows, SMALL_PLAN.replace("min_rest_minutes = 40",
                                                                                "min_rest_minutes = 0")))
    roster = solve(problem, OPTIONS).roster
    assert roster.sessions == ((0, 1), (5,))
    assert check_roster(roster_rows(problem, roster), entries, plan) == []


DAY = date(2026, 6, 13)


@st.composite
def shared_car_events(draw: st.DrawFn) -> tuple[list[Entry], Plan, Problem]:
    """3 to 8 drivers in 1 to 4 cars over a morning of 9 slots with a break after the fifth."""
    plan = Plan("plan.toml", "Property", (TrackDay(DAY, time(8), time(11, 20), ((time(9, 40), time(10)),)),),
                15, 5, draw(st.integers(1, 3)), 2, draw(st.sampled_from([0, 20, 40])), (), ())
    slots = build_slots(plan)
    entries = []
    for index in range(draw(st.integers(3, 8))):
        first, last, fit = drawn_window(draw, slots, plan.min_rest_minutes)
        car = draw(st.integers(0, 3))
        entries.append(Entry("entries.csv", index + 2, f"D{index}", f"Driver {index}", f"C{car}", str(car),
                             f"T{car}", "Standard", None, "", slots[first].start, slots[last].end,
                             draw(st.integers(1, min(3, fit)))))
    return entries, plan, build_problem(entries, plan)


def _broken(entries: list[Entry], plan: Plan, problem: Problem, roster: Roster) -> set[Rule]:
    """The rules a roster breaks, but for run counts (greedy rosters may leave runs out)."""
    return {v.rule for v in check_roster(roster_rows(problem, roster), entries, plan)} - {Rule.RUNS}


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(shared_car_events())
def test_every_roster_maker_keeps_shared_cars_apart_and_agrees_with_check(event) -> None:
    entries, plan, problem = event
    greedy = greedy_roster(problem)
    rosters = [greedy, fill_missing(problem, greedy), share_shortage(problem, greedy),
               random_roster(problem, greedy, seed=1)]
    for roster in rosters:
        assert _broken(entries, plan, problem, roster) == set()
    rm = build_model(problem)
    rm.model.minimize(rm.total_short())
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    assert solver.solve(rm.model) == cp_model.OPTIMAL
    best = rm.roster(solver)
    assert _broken(entries, plan, problem, best) == set()
    assert sum(best.unmet(problem)) <= min(sum(r.unmet(problem)) for r in rosters)
