"""The session lower bound is a proof: on small random events it never exceeds CP-SAT's exact optimum,
and when it says some runs cannot be placed, CP-SAT finds no full roster either."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from scheduler.bounds import session_lower_bound
from scheduler.cpsat_model import build_model
from scheduler.grid import build_slots
from scheduler.model import Entry, Plan, Skill, TrackDay
from scheduler.problem import Problem, build_problem
from schedule_helpers import drawn_window

DAY = date(2026, 6, 13)


def _plan(capacity: int, rest: int) -> Plan:
    """A morning of nine slots, novices and advanced drivers kept apart, Electric separate."""
    return Plan("plan.toml", "Property", (TrackDay(DAY, time(8), time(11), ()),), 15, 5, capacity, 2, rest,
                ((Skill.NOVICE, Skill.ADVANCED),), ("Electric",))


def _at(slot: int) -> datetime:
    return datetime.combine(DAY, time(8)) + timedelta(minutes=20 * slot)


@st.composite
def events(draw: st.DrawFn) -> tuple[list[Entry], Plan]:
    """2 to 8 drivers with windows, skills, a class, shared cars and 1 to 3 runs their windows hold."""
    plan = _plan(draw(st.integers(1, 4)), draw(st.sampled_from([0, 20, 40, 60])))
    slots = build_slots(plan)
    entries = []
    for index in range(draw(st.integers(2, 8))):
        first, last, fit = drawn_window(draw, slots, plan.min_rest_minutes)
        car = draw(st.integers(0, 5))
        entries.append(Entry(
            "entries.csv", index + 2, f"D{index}", f"Driver {index}", f"C{car}", str(car), f"T{car}",
            "Electric" if car == 5 else "Standard", draw(st.sampled_from([None, *Skill])), "",
            _at(first), _at(last) + timedelta(minutes=15), draw(st.integers(1, min(3, fit)))))
    return entries, plan


def _fewest_sessions(problem: Problem) -> int | None:
    """CP-SAT's proven fewest sessions for every run, or None when no full roster exists."""
    rm = build_model(problem)
    for short in rm.short:
        rm.model.add(short == 0)
    rm.model.minimize(rm.sessions_used())
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20
    status = solver.solve(rm.model)
    assert status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    return round(solver.objective_value) if status == cp_model.OPTIMAL else None


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(events())
def test_the_bound_never_exceeds_the_optimum(event: tuple[list[Entry], Plan]) -> None:
    entries, plan = event
    problem = build_problem(entries, plan)
    bound = session_lower_bound(problem)
    best = _fewest_sessions(problem)
    if best is None:
        return  # no full roster: any bound is true
    assert bound.allows_full_roster(len(problem.slots)), bound.crowded
    assert bound.total <= best
