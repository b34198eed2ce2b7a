"""A tight lower bound on the number of sessions, and shortfalls explained in words.

Separate classes run only among themselves, so each class family needs its own sessions.
Inside a family, sessions that admit one skill of a ``never_together`` pair and those that
admit the other are disjoint, so their needs add up. A car's drivers never share a session,
and a driver's runs need that many sessions. Drivers available only in part of the event
force their runs into it: the bound splits the slot line into time segments (dynamic
programming) and adds each segment's need. Every number is a proof: no roster can use fewer
sessions, and a need above the slots available proves the rules cannot all be met.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

from scheduler.model import Skill, format_time
from scheduler.problem import Driver, Problem


@dataclass(frozen=True, slots=True)
class Need:
    """Sessions a set of drivers needs in a run of slots, and the reason in words."""

    sessions: int
    reason: str


@dataclass(frozen=True, slots=True)
class FamilyBound:
    """The sessions one class family needs, over the best split of the event into segments."""

    family: str | None
    label: str
    sessions: int
    segments: tuple[tuple[int, int, Need], ...]  # (first slot, last slot + 1, need)


@dataclass(frozen=True, slots=True)
class SessionBound:
    """The lower bound on sessions for the whole event, family by family."""

    total: int
    families: tuple[FamilyBound, ...]


def _cliques(skills: set[Skill], problem: Problem) -> list[tuple[Skill, ...]]:
    """Sets of skills that are pairwise kept apart (their sessions are pairwise disjoint)."""
    ordered = sorted(skills, key=list(Skill).index)
    result = []
    for size in range(2, len(ordered) + 1):
        for combo in itertools.combinations(ordered, size):
            if all(problem.plan.keeps_apart(a, b) for a, b in itertools.combinations(combo, 2)):
                result.append(combo)
    return result


def family_label(problem: Problem, family: str | None) -> str:
    """How staff call a family: the class name, or 'other classes' / '' for the mixed one."""
    if family is not None:
        return next(c for c in problem.plan.separate_classes if c.casefold() == family)
    return "other classes" if any(d.family is not None for d in problem.drivers) else ""


def _need(problem: Problem, drivers: list[Driver], label: str) -> Need:
    """What these drivers need, whatever the slots: capacity, skill split, cars, run counts."""
    capacity = problem.capacity
    runs = sum(d.runs for d in drivers)
    prefix = f"{label} " if label else ""
    best = Need(math.ceil(runs / capacity), f"{runs} {prefix}runs at {capacity} cars per session")
    by_skill: dict[Skill, list[Driver]] = defaultdict(list)
    for driver in drivers:
        if driver.skill is not None:
            by_skill[driver.skill].append(driver)

    def skill_need(skill: Skill) -> int:
        group = by_skill[skill]
        return max(math.ceil(sum(d.runs for d in group) / capacity), max(d.runs for d in group))

    for clique in _cliques(set(by_skill), problem):
        total = sum(skill_need(s) for s in clique)
        if total > best.sessions:
            parts = " and ".join(f"{prefix}{s} runs need {skill_need(s)}" for s in clique)
            best = Need(total, f"{parts} ({' and '.join(clique)} never share a session)")
    per_car: dict[int, list[Driver]] = defaultdict(list)
    for driver in drivers:
        per_car[driver.car].append(driver)
    for car_drivers in per_car.values():
        total = sum(d.runs for d in car_drivers)
        if total > best.sessions:
            car = car_drivers[0].entry.car_id
            reason = (f"car {car} is shared by {len(car_drivers)} drivers with {total} runs between them"
                      if len(car_drivers) > 1 else f"{car_drivers[0].driver_id} has {total} runs")
            best = Need(total, reason)
    return best


def _segments(problem: Problem, drivers: list[Driver], label: str) -> tuple[int, tuple[tuple[int, int, Need], ...]]:
    """Best split of the slot line into segments, each needing what is forced inside it."""
    slot_count = len(problem.slots)
    by_window: dict[tuple[int, int], list[Driver]] = defaultdict(list)
    for driver in drivers:
        by_window[(driver.allowed[0], driver.allowed[-1])].append(driver)
    starts = sorted({lo for lo, _ in by_window})
    ends = {hi + 1 for _, hi in by_window}
    best = [0] * (slot_count + 1)
    choice: list[tuple[int, Need | None]] = [(0, None)] * (slot_count + 1)
    for end in range(1, slot_count + 1):
        best[end], choice[end] = best[end - 1], (end - 1, None)
        if end not in ends:
            continue
        for start in starts:
            if start >= end:
                break
            inside = [d for (lo, hi), ds in by_window.items() if lo >= start and hi < end for d in ds]
            need = _need(problem, inside, label)
            if best[start] + need.sessions > best[end]:
                best[end], choice[end] = best[start] + need.sessions, (start, need)
    segments = []
    position = slot_count
    while position > 0:
        start, need = choice[position]
        if need is not None:
            segments.append((start, position, need))
        position = start
    return best[slot_count], tuple(reversed(segments))


def _family_bound(problem: Problem, family: str | None, drivers: list[Driver]) -> FamilyBound:
    """The family's need: over time segments, or per kept-apart skill when that is more.

    Sessions admitting novices and those admitting advanced drivers are disjoint, so each
    skill's own need over its drivers' windows (morning-only novices need novice sessions in
    the morning, afternoon-only ones in the afternoon) adds up across the pair.
    """
    label = family_label(problem, family)
    sessions, segments = _segments(problem, drivers, label)
    skills = {d.skill for d in drivers if d.skill is not None}
    prefix = f"{label} " if label else ""
    for clique in _cliques(skills, problem):
        parts = []
        for skill in clique:
            own = [d for d in drivers if d.skill == skill]
            need, pieces = _segments(problem, own, f"{prefix}{skill}")
            where = "; ".join(f"{_span(problem, a, b - 1)}: {n.reason}" for a, b, n in pieces) \
                if len(pieces) > 1 else pieces[0][2].reason
            parts.append((skill, need, where))
        total = sum(need for _, need, _ in parts)
        if total > sessions:
            text = " and ".join(f"{prefix}{skill} runs need {need} ({where})" for skill, need, where in parts)
            reason = f"{text} ({' and '.join(clique)} never share a session)"
            sessions, segments = total, ((0, len(problem.slots), Need(total, reason)),)
    return FamilyBound(family, label, sessions, segments)


def _by_family(problem: Problem) -> dict[str | None, list[Driver]]:
    """Drivers split by class family, mixed family first, then classes in plan order."""
    families: dict[str | None, list[Driver]] = defaultdict(list)
    for driver in problem.drivers:
        families[driver.family].append(driver)
    order = [None] + [c.casefold() for c in problem.plan.separate_classes]
    return {f: families[f] for f in order if families.get(f)}


def session_lower_bound(problem: Problem) -> SessionBound:
    """No roster can place every run in fewer sessions than ``total``."""
    families = tuple(_family_bound(problem, f, ds) for f, ds in _by_family(problem).items())
    return SessionBound(sum(f.sessions for f in families), families)


def _span(problem: Problem, first: int, last: int) -> str:
    """A segment of slots in words."""
    start, end = problem.slots[first].start, problem.slots[last].end
    return f"between {format_time(start)} and {end:%H:%M}" if start.date() == end.date() \
        else f"between {format_time(start)} and {format_time(end)}"


def explain_shortfall(problem: Problem, bound: SessionBound | None = None) -> list[str]:
    """Why the rules cannot all be met, in words staff can act on (empty: no proof of it)."""
    bound = bound or session_lower_bound(problem)
    slot_count = len(problem.slots)
    reasons: list[str] = []
    # The biggest family that does not fit beside the others (one reason is enough: the
    # smaller families then overflow only because of it).
    for family in sorted(bound.families, key=lambda f: -f.sessions):
        if reasons:
            break
        others = [f for f in bound.families if f is not family]
        taken = sum(f.sessions for f in others)
        left = slot_count - taken
        if family.sessions <= left or left < 0:
            continue
        need = max(family.segments, key=lambda s: s[2].sessions)[2]
        what = f"{family.label} runs" if family.label else "the runs"
        if others:
            names = " and ".join(f.label for f in others)
            other_note = f", only {left} slots are left after the {taken} {names} sessions"
        else:
            other_note = f", the plan has only {slot_count} slots"
        detail = need.reason if len(family.segments) == 1 else \
            "; ".join(f"{_span(problem, a, b - 1)}: {n.reason}" for a, b, n in family.segments)
        reasons.append(f"{what} need {family.sessions} sessions ({detail}){other_note}")
    if not reasons and bound.total > slot_count:
        parts = " and ".join(f"{f.label} runs {f.sessions}" for f in bound.families)
        reasons.append(f"the classes need {bound.total} sessions together ({parts}), the plan has "
                       f"only {slot_count} slots")
    # Time segments where the families together need more sessions than there are slots.
    families = _by_family(problem)
    windows = {(d.allowed[0], d.allowed[-1]) for d in problem.drivers}
    overloaded: list[tuple[int, int, str]] = []
    for first in sorted({lo for lo, _ in windows}):
        for last in sorted({hi for _, hi in windows}):
            slots_here = last - first + 1
            if last < first or slots_here == slot_count:
                continue
            needs = []
            for family, drivers in families.items():
                inside = [d for d in drivers if d.allowed[0] >= first and d.allowed[-1] <= last]
                if inside:
                    needs.append(_need(problem, inside, family_label(problem, family)))
            total = sum(n.sessions for n in needs)
            if total > slots_here:
                text = "; ".join(n.reason for n in needs)
                overloaded.append((first, last, f"drivers available only {_span(problem, first, last)} "
                                   f"need {total} sessions there ({text}), there are {slots_here} slots"))
    for first, last, text in overloaded:
        if not any((a, b) != (first, last) and first <= a and b <= last for a, b, _ in overloaded):
            reasons.append(text)
    return _minimal(reasons)


def _minimal(reasons: list[str]) -> list[str]:
    """Drop repeats, keep the order."""
    seen: set[str] = set()
    return [r for r in reasons if not (r in seen or seen.add(r))]
