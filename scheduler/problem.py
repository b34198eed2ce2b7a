"""The scheduling problem: plan + entries joined into drivers, cars, groups and slots.

This is the one place where the user's two files are checked against each other (a window
that cannot hold the driver's runs, a day too short for a session). Everything downstream
(bounds, greedy, solver) works on the :class:`Problem`, by index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from scheduler.entries import read_entries_with_problems
from scheduler.errors import InputProblem, ScheduleInputError
from scheduler.grid import back_to_back_pairs, build_slots, max_runs_in, rest_conflicts
from scheduler.model import Entry, Plan, Skill, Slot, name_key
from scheduler.plan import read_plan


@dataclass(frozen=True, slots=True)
class Driver:
    """One entry resolved against the plan: its run count, car, family and allowed slots."""

    index: int
    entry: Entry
    runs: int
    car: int
    family: str | None
    allowed: tuple[int, ...]

    @property
    def driver_id(self) -> str:
        """The registration id."""
        return self.entry.driver_id

    @property
    def skill(self) -> Skill | None:
        """The declared skill (None when blank: no pairing rule applies)."""
        return self.entry.skill


@dataclass(frozen=True, slots=True)
class Group:
    """Drivers who want to run in the same sessions, split into convoys that legally can.

    A convoy is a set of members who may all share every session: different cars, skills
    not kept apart, the same class family, and windows that leave room for the shorter
    member's runs. ``pairs`` holds ``(a, b)`` of one convoy with ``runs[a] >= runs[b]``; the
    group is together when, for every pair, each session of ``b`` is also a session of ``a``
    (so members with equal runs share exactly the same sessions).
    """

    name: str
    members: tuple[int, ...]
    convoys: tuple[tuple[int, ...], ...]
    pairs: tuple[tuple[int, int], ...]

@dataclass(frozen=True, slots=True)
class Problem:
    """Everything the bound, the greedy start and the solver need, indexed by position."""

    plan: Plan
    slots: tuple[Slot, ...]
    drivers: tuple[Driver, ...]
    cars: tuple[tuple[int, ...], ...]
    groups: tuple[Group, ...]
    rest: tuple[tuple[int, ...], ...]
    # Slot pairs (i, i + 1) that follow each other directly: a shared car never has one driver
    # in each (no time to swap), unless the plan allows a swap in the pit lane (then empty).
    back_to_back: tuple[tuple[int, int], ...] = ()

    @property
    def capacity(self) -> int:
        """Cars on track at once."""
        return self.plan.capacity

    def car_mates(self, driver: int) -> tuple[int, ...]:
        """The other drivers of this driver's car."""
        return tuple(d for d in self.cars[self.drivers[driver].car] if d != driver)

    def back_to_back_neighbours(self) -> tuple[tuple[int, ...], ...]:
        """For each slot, the slots right before and after it in which its car may not have
        another driver (computed afresh: callers keep it)."""
        neighbours: list[list[int]] = [[] for _ in self.slots]
        for first, second in self.back_to_back:
            neighbours[first].append(second)
            neighbours[second].append(first)
        return tuple(tuple(sorted(n)) for n in neighbours)

    @property
    def total_runs(self) -> int:
        """Runs asked for by all drivers."""
        return sum(d.runs for d in self.drivers)

    def compatible(self, a: int, b: int) -> bool:
        """True when drivers ``a`` and ``b`` may share a session."""
        first, second = self.drivers[a], self.drivers[b]
        return (first.car != second.car and first.family == second.family
                and not self.plan.keeps_apart(first.skill, second.skill))


def _window_problem(entry: Entry, runs: int, fit: int, slot_count: int, plan: Plan) -> InputProblem:
    """Say why a driver's window is too short, at the cell that narrows it."""
    first, last = plan.days[0], plan.days[-1]  # in date order
    if entry.available_until and entry.available_until <= datetime.combine(first.day, first.start):
        return InputProblem(entry.source, entry.line, "available_until", f"{entry.available_until:%Y-%m-%d %H:%M} is "
                            f"before the event's first day ({first.day}); is the date right?")
    if entry.available_from and entry.available_from >= datetime.combine(last.day, last.end):
        return InputProblem(entry.source, entry.line, "available_from", f"{entry.available_from:%Y-%m-%d %H:%M} is "
                            f"after the event's last day ({last.day}); is the date right?")
    column = ("available_until" if entry.available_until
              else "available_from" if entry.available_from else "runs")
    start = f"{entry.available_from:%Y-%m-%d %H:%M}" if entry.available_from else "the start of the event"
    until = f"{entry.available_until:%Y-%m-%d %H:%M}" if entry.available_until else "the end of the event"
    return InputProblem(
        entry.source, entry.line, column,
        f"the window from {start} to {until} holds {slot_count} session slots, room for "
        f"{fit} runs with {plan.min_rest_minutes} min rest, but {entry.driver_id} needs {runs} runs")


def _groups(drivers: list[Driver], problem: Problem) -> tuple[Group, ...]:
    """Friend groups with two or more members, split into convoys."""
    by_name: dict[str, list[int]] = {}
    for driver in drivers:
        if driver.entry.group:
            # any case and spacing: each friend types the group on the form ("Porsche Club,  North")
            by_name.setdefault(name_key(driver.entry.group), []).append(driver.index)
    groups = []
    for members in by_name.values():
        if len(members) < 2:
            continue
        ordered = sorted(members, key=lambda i: (-drivers[i].runs, -len(drivers[i].allowed), i))
        convoys: list[list[int]] = []
        for member in ordered:
            home = next((c for c in convoys if all(_nestable(problem, m, member) for m in c)), None)
            if home is None:
                convoys.append([member])
            else:
                home.append(member)
        pairs = tuple((a, b) for c in convoys for pos, a in enumerate(c) for b in c[pos + 1:])
        groups.append(Group(drivers[members[0]].entry.group, tuple(members),
                            tuple(tuple(c) for c in convoys), pairs))
    return tuple(groups)


def _nestable(problem: Problem, a: int, b: int) -> bool:
    """True when ``b`` (no more runs than ``a``) can run only in sessions ``a`` also runs in."""
    if not problem.compatible(a, b):
        return False
    shared = sorted(set(problem.drivers[a].allowed) & set(problem.drivers[b].allowed))
    return max_runs_in(shared, problem.slots, problem.plan.min_rest_minutes) >= problem.drivers[b].runs


def absent_class_note(entries: Sequence[Entry], plan: Plan, shown: int = 10) -> InputProblem | None:
    """One note for ``separate_classes`` names no entry has: a typo there silently stops keeping a class apart,
    while a plan reused across events may name a class nobody brought, so it is said, not refused."""
    classes = list(dict.fromkeys(entry.car_class.strip() for entry in entries if entry.car_class.strip()))
    present = {name.casefold() for name in classes}
    absent = [name for name in plan.separate_classes if name.casefold() not in present]
    if not absent:
        return None
    ordered = sorted(classes, key=str.casefold)
    listed = ", ".join(ordered[:shown]) + (", ..." if len(ordered) > shown else "") if ordered else "none"
    named = ", ".join(repr(name) for name in absent)
    return InputProblem(plan.source, plan.line_of("rules.separate_classes"), "",
                        f"separate_classes names {named}, which no entry has (classes: {listed})")


def window_problems(entries: Sequence[Entry], plan: Plan) -> list[InputProblem]:
    """Entries whose availability window cannot hold their runs (and a plan with no slot)."""
    try:
        build_problem(entries, plan)
    except ScheduleInputError as err:
        return list(err.problems)
    return []


def build_problem(entries: Sequence[Entry], plan: Plan) -> Problem:
    """Join entries to the plan; raise with every window too short for its runs."""
    slots = build_slots(plan)
    if not slots:
        raise ScheduleInputError([InputProblem(
            plan.source, 0, "days", f"no {plan.session_minutes}-minute session fits in any day")])
    problems: list[InputProblem] = []
    event_fit = max_runs_in(list(range(len(slots))), slots, plan.min_rest_minutes)
    if plan.runs > event_fit:
        # One line at the plan, not one per driver at a blank runs cell.
        problems.append(InputProblem(
            plan.source, plan.line_of("drivers.runs"), "drivers.runs",
            f"{plan.runs} runs per driver do not fit: the event's {len(slots)} session slots have "
            f"room for {event_fit} runs with {plan.min_rest_minutes} min rest"))
    car_index: dict[str, int] = {}
    cars: list[list[int]] = []
    drivers: list[Driver] = []
    for entry in entries:
        runs = entry.runs if entry.runs is not None else plan.runs
        allowed = tuple(
            i for i, slot in enumerate(slots)
            if (entry.available_from is None or slot.start >= entry.available_from)
            and (entry.available_until is None or slot.end <= entry.available_until)
        )
        fit = max_runs_in(list(allowed), slots, plan.min_rest_minutes)
        if fit < runs and (entry.runs is not None or plan.runs <= event_fit):
            problems.append(_window_problem(entry, runs, fit, len(allowed), plan))
        car = car_index.setdefault(entry.car_id, len(cars))
        if car == len(cars):
            cars.append([])
        cars[car].append(len(drivers))
        family = plan.separate_class_key(entry.car_class)
        drivers.append(Driver(len(drivers), entry, runs, car, family, allowed))
    if problems:
        raise ScheduleInputError(problems)
    rest = rest_conflicts(slots, plan.min_rest_minutes)
    adjacent = () if plan.shared_car_back_to_back else back_to_back_pairs(slots, plan.changeover_minutes)
    problem = Problem(plan, slots, tuple(drivers), tuple(tuple(c) for c in cars), (), rest, adjacent)
    groups = _groups(drivers, problem)
    return Problem(plan, slots, tuple(drivers), problem.cars, groups, rest, adjacent)


def groups_too_big(problem: Problem) -> list[str]:
    """Why a group can never run together, one line each: the convoy members with the most runs all share the
    same sessions, and everyone else's runs go in those sessions too, so a session must hold them."""
    reasons = []
    for group in problem.groups:
        for convoy in group.convoys:
            runs = [problem.drivers[i].runs for i in convoy]
            most = max(runs)
            top = runs.count(most)
            if len(convoy) > 1 and top > problem.capacity:
                reasons.append(f"{group.name} cannot run together: its {top} drivers with {most} runs each would "
                               f"all be in the same sessions, which hold {problem.capacity} cars")
                break
            if len(convoy) > 1 and sum(runs) > most * problem.capacity:
                reasons.append(f"{group.name} cannot run together: its {len(convoy)} drivers' {sum(runs)} runs would "
                               f"all be in {most} sessions of {problem.capacity} cars")
                break
    return reasons


def restrict_slots(problem: Problem, allowed: Sequence[tuple[int, ...]], runs: Sequence[int]) -> Problem:
    """The problem with each driver's allowed slots and runs narrowed (by driver index; every driver keeps a slot
    and as many runs as those slots hold); the friend groups' convoys are worked out again, since who can share a
    session depends on the slots left."""
    drivers = [replace(driver, allowed=slots, runs=count)
               for driver, slots, count in zip(problem.drivers, allowed, runs, strict=True)]
    narrowed = replace(problem, drivers=tuple(drivers), groups=())
    return replace(narrowed, groups=_groups(drivers, narrowed))


def load_problem(entries_path: Path, plan_path: Path, notes: list[InputProblem] | None = None
                 ) -> tuple[tuple[Entry, ...], Plan, Problem]:
    """Read both files and join them, reporting the problems of both files together.

    ``notes`` receives what was read but is worth telling the user (ignored columns).
    """
    problems: list[InputProblem] = []
    plan: Plan | None = None
    entries: tuple[Entry, ...] = ()
    try:
        plan = read_plan(plan_path)
    except ScheduleInputError as err:
        problems.extend(err.problems)
    entries, entry_problems = read_entries_with_problems(entries_path, notes)
    problems.extend(entry_problems)
    if plan is not None and entries:
        problems.extend(window_problems(entries, plan))
        if notes is not None and not entry_problems and (note := absent_class_note(entries, plan)):
            notes.append(note)
    if problems or plan is None:
        raise ScheduleInputError(problems)
    return entries, plan, build_problem(entries, plan)
