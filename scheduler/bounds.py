"""A tight lower bound on the number of sessions, and shortfalls explained in words.

Separate classes run only among themselves, so each class family needs its own sessions.
Inside a family, sessions that admit one skill of a ``never_together`` pair and those that
admit the other are disjoint, so their needs add up. A car's drivers never share a session,
and a driver's runs need that many sessions. Windows and rest force runs into stretches of
the slot line (:mod:`scheduler.forced`): the bound splits the line into stretches (dynamic
programming) and adds each stretch's need for the runs forced into it. Every number is a
proof: no roster can use fewer sessions, and a stretch that needs more sessions than it has
slots proves the rules cannot all be met.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scheduler.forced import forced_runs
from scheduler.model import Skill, format_time
from scheduler.problem import Driver, Problem

MAX_CROWDED_STRETCHES = 3  # why-lines about stretches of the day that need more sessions than slots


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
    """The lower bound on sessions for the whole event, family by family.

    ``crowded`` says, in words, which stretches of the event need more sessions than they
    have slots (each proves that no roster places every run, whatever ``total`` is).
    """

    total: int
    families: tuple[FamilyBound, ...]
    crowded: tuple[str, ...] = ()

    def allows_full_roster(self, slot_count: int) -> bool:
        """False when the bound proves that some runs cannot be placed."""
        return self.total <= slot_count and not self.crowded


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


def _ceil_div(values: np.ndarray, divisor: int) -> np.ndarray:
    """Element-wise ceiling of ``values / divisor``."""
    return -(-values // divisor)


def _need_matrix(problem: Problem, forced: np.ndarray, members: Sequence[int]) -> np.ndarray:
    """``need[a, b]``: sessions these drivers need in slots ``a .. b-1`` for their forced runs.

    The same terms as :func:`_need`, for every stretch at once.
    """
    size = len(problem.slots) + 1
    if not members:
        return np.zeros((size, size), dtype=np.int32)
    capacity = problem.capacity
    mine = forced[list(members)]
    need = _ceil_div(mine.sum(axis=0), capacity)
    by_skill: dict[Skill, list[int]] = defaultdict(list)
    for position, index in enumerate(members):
        skill = problem.drivers[index].skill
        if skill is not None:
            by_skill[skill].append(position)

    def skill_need(skill: Skill) -> np.ndarray:
        part = mine[by_skill[skill]]
        return np.maximum(_ceil_div(part.sum(axis=0), capacity), part.max(axis=0))

    for clique in _cliques(set(by_skill), problem):
        need = np.maximum(need, sum(skill_need(s) for s in clique))
    cars = np.array([problem.drivers[i].car for i in members])
    order = np.argsort(cars, kind="stable")
    firsts = np.flatnonzero(np.r_[True, np.diff(cars[order]) != 0])
    per_car = np.add.reduceat(mine[order], firsts, axis=0)
    return np.maximum(need, per_car.max(axis=0))


def _need(problem: Problem, counted: Sequence[tuple[Driver, int]], label: str) -> Need:
    """What these drivers need for ``(driver, runs)``: capacity, skill split, cars, run counts."""
    capacity = problem.capacity
    runs = sum(count for _, count in counted)
    prefix = f"{label} " if label else ""
    best = Need(math.ceil(runs / capacity), f"{runs} {prefix}runs at {capacity} cars per session")
    by_skill: dict[Skill, list[int]] = defaultdict(list)
    for driver, count in counted:
        if driver.skill is not None:
            by_skill[driver.skill].append(count)

    def skill_need(skill: Skill) -> int:
        counts = by_skill[skill]
        return max(math.ceil(sum(counts) / capacity), max(counts))

    for clique in _cliques(set(by_skill), problem):
        total = sum(skill_need(s) for s in clique)
        if total > best.sessions:
            parts = " and ".join(f"{prefix}{s} runs need {skill_need(s)}" for s in clique)
            best = Need(total, f"{parts} ({' and '.join(clique)} never share a session)")
    per_car: dict[int, list[tuple[Driver, int]]] = defaultdict(list)
    for driver, count in counted:
        per_car[driver.car].append((driver, count))
    for car_drivers in per_car.values():
        total = sum(count for _, count in car_drivers)
        if total > best.sessions:
            car = car_drivers[0][0].entry.car_id
            reason = (f"car {car} is shared by {len(car_drivers)} drivers with {total} runs between them"
                      if len(car_drivers) > 1 else f"{car_drivers[0][0].driver_id} has {total} runs")
            best = Need(total, reason)
    return best


def _counted(problem: Problem, forced: np.ndarray, members: Sequence[int], first: int, end: int
             ) -> list[tuple[Driver, int]]:
    """The drivers with runs forced into slots ``first .. end-1``, and how many each."""
    return [(problem.drivers[i], int(forced[i, first, end])) for i in members if forced[i, first, end] > 0]


def _rested(counted: Sequence[tuple[Driver, int]], first: int, end: int) -> bool:
    """True when some of these drivers could run outside the stretch (rest or a tight window forces them in)."""
    return any(d.allowed[0] < first or d.allowed[-1] >= end for d, _ in counted)


def _drivers_need(drivers: int, sessions: int) -> str:
    """'N drivers need K sessions' with the right plurals."""
    who = "1 driver needs" if drivers == 1 else f"{drivers} drivers need"
    return f"{who} {sessions} session{'' if sessions == 1 else 's'}"


def _rest_note(problem: Problem) -> str:
    """Why runs of drivers free to run elsewhere are forced into a stretch."""
    rest = problem.plan.min_rest_minutes
    return (f"with {rest} min rest between runs their windows leave no other room for them" if rest
            else "their windows leave no other room for them")


def _stretch_need(problem: Problem, forced: np.ndarray, members: Sequence[int], first: int, end: int,
                  label: str) -> Need:
    """The need of one stretch in words; a need that rest creates says so."""
    counted = _counted(problem, forced, members, first, end)
    need = _need(problem, counted, label)
    if not _rested(counted, first, end):
        return need
    return Need(need.sessions, f"rest: {_drivers_need(len(counted), need.sessions)} "
                               f"{_span(problem, first, end - 1)} ({need.reason}; {_rest_note(problem)})")


def _segments(problem: Problem, forced: np.ndarray, members: Sequence[int], label: str
              ) -> tuple[int, tuple[tuple[int, int, Need], ...]]:
    """Best split of the slot line into stretches, each needing what is forced inside it."""
    slot_count = len(problem.slots)
    need = _need_matrix(problem, forced, members)
    best = np.zeros(slot_count + 1, dtype=np.int64)
    choice: list[tuple[int, bool]] = [(0, False)] * (slot_count + 1)
    for end in range(1, slot_count + 1):
        best[end], choice[end] = best[end - 1], (end - 1, False)
        candidates = best[:end] + need[:end, end]
        start = int(np.argmax(candidates))
        if candidates[start] > best[end]:
            best[end], choice[end] = candidates[start], (start, True)
    segments = []
    position = slot_count
    while position > 0:
        start, counts = choice[position]
        if counts:
            segments.append((start, position, _stretch_need(problem, forced, members, start, position, label)))
        position = start
    return int(best[slot_count]), tuple(reversed(segments))


def _where(problem: Problem, pieces: Sequence[tuple[int, int, Need]]) -> str:
    """A split into stretches in words (a single stretch is its reason alone)."""
    if len(pieces) == 1:
        return pieces[0][2].reason
    return "; ".join(n.reason if n.reason.startswith("rest:") else f"{_span(problem, a, b - 1)}: {n.reason}"
                     for a, b, n in pieces)


def _family_bound(problem: Problem, forced: np.ndarray, family: str | None, members: list[int]) -> FamilyBound:
    """The family's need: over stretches, or per kept-apart skill when that is more.

    Sessions admitting novices and those admitting advanced drivers are disjoint, so each
    skill's own need over its drivers' windows (morning-only novices need novice sessions in
    the morning, afternoon-only ones in the afternoon) adds up across the pair.
    """
    label = family_label(problem, family)
    sessions, segments = _segments(problem, forced, members, label)
    skills = {problem.drivers[i].skill for i in members} - {None}
    prefix = f"{label} " if label else ""
    for clique in _cliques(skills, problem):
        parts = []
        for skill in clique:
            own = [i for i in members if problem.drivers[i].skill == skill]
            need, pieces = _segments(problem, forced, own, f"{prefix}{skill}")
            parts.append((skill, need, _where(problem, pieces)))
        total = sum(need for _, need, _ in parts)
        if total > sessions:
            text = " and ".join(f"{prefix}{skill} runs need {need} ({where})" for skill, need, where in parts)
            reason = f"{text} ({' and '.join(clique)} never share a session)"
            sessions, segments = total, ((0, len(problem.slots), Need(total, reason)),)
    return FamilyBound(family, label, sessions, segments)


def _by_family(problem: Problem) -> dict[str | None, list[int]]:
    """Driver indices split by class family, mixed family first, then classes in plan order."""
    families: dict[str | None, list[int]] = defaultdict(list)
    for driver in problem.drivers:
        families[driver.family].append(driver.index)
    order = [None] + [c.casefold() for c in problem.plan.separate_classes]
    return {f: families[f] for f in order if families.get(f)}


def _minimal_crowded(over: np.ndarray) -> list[tuple[int, int]]:
    """Crowded stretches ``(first, end)`` with no shorter crowded stretch inside them."""
    size = over.shape[0]
    inside = np.zeros_like(over)  # a crowded stretch lies within [first, end)
    for width in range(1, size):
        for first in range(0, size - width):
            end = first + width
            inside[first, end] = over[first, end] or (width > 1 and (inside[first + 1, end] or inside[first, end - 1]))
    return [(int(a), int(b)) for a, b in zip(*np.nonzero(over))
            if not (b - a > 1 and (inside[a + 1, b] or inside[a, b - 1]))]


def _crowded(problem: Problem, forced: np.ndarray) -> tuple[str, ...]:
    """Stretches (short of the whole event) whose families together need more sessions than slots.

    First the drivers' windows (the smallest crowded ones), then the stretches that rest
    crowds (the smallest, most crowded first): both are proofs, the second often more precise.
    """
    slot_count = len(problem.slots)
    families = _by_family(problem)
    total = sum(_need_matrix(problem, forced, members) for members in families.values())
    index = np.arange(slot_count + 1)
    length = index[None, :] - index[:, None]
    over = (total > length) & (length > 0)
    over[0, slot_count] = False
    window_shaped = np.zeros_like(over)
    starts = sorted({d.allowed[0] for d in problem.drivers})
    ends = sorted({d.allowed[-1] + 1 for d in problem.drivers})
    window_shaped[np.ix_(starts, ends)] = True
    by_window = _minimal_crowded(over & window_shaped)
    by_rest = sorted(_minimal_crowded(over), key=lambda s: (-(total[s] - length[s]), s))
    lines = [_crowded_words(problem, forced, families, first, end) for first, end in by_window]
    rested = [_crowded_words(problem, forced, families, first, end) for first, end in by_rest]
    lines.extend([line for line in rested if line.startswith("rest:")][:MAX_CROWDED_STRETCHES])
    return tuple(lines)


def _crowded_words(problem: Problem, forced: np.ndarray, families: dict[str | None, list[int]],
                   first: int, end: int) -> str:
    """Why one stretch cannot hold the runs forced into it."""
    needs, rested, drivers = [], False, 0
    for family, members in families.items():
        counted = _counted(problem, forced, members, first, end)
        if counted:
            needs.append(_need(problem, counted, family_label(problem, family)))
            rested = rested or _rested(counted, first, end)
            drivers += len(counted)
    sessions = sum(n.sessions for n in needs)
    text = "; ".join(n.reason for n in needs)
    span = _span(problem, first, end - 1)
    slots = "there is 1 slot" if end - first == 1 else f"there are {end - first} slots"
    if rested:
        return f"rest: {_drivers_need(drivers, sessions)} {span} ({text}; {_rest_note(problem)}), {slots}"
    return f"drivers available only {span} need {sessions} sessions there ({text}), {slots}"


def session_lower_bound(problem: Problem) -> SessionBound:
    """No roster can place every run in fewer sessions than ``total``."""
    forced = forced_runs(problem)
    families = tuple(_family_bound(problem, forced, f, members) for f, members in _by_family(problem).items())
    return SessionBound(sum(f.sessions for f in families), families, _crowded(problem, forced))


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
        what = f"{family.label} runs" if family.label else "the runs"
        if others:
            names = " and ".join(f.label for f in others)
            other_note = f", only {left} slots are left beside the {taken} sessions {names} needs for all its runs"
        else:
            other_note = f", the plan has only {slot_count} slots"
        reasons.append(f"{what} need {family.sessions} sessions ({_where(problem, family.segments)}){other_note}")
    if not reasons and bound.total > slot_count:
        parts = " and ".join(f"{f.label} runs {f.sessions}" for f in bound.families)
        reasons.append(f"the classes need {bound.total} sessions together ({parts}), the plan has "
                       f"only {slot_count} slots")
    reasons.extend(bound.crowded)
    return _minimal(reasons)


def _minimal(reasons: list[str]) -> list[str]:
    """Drop repeats, keep the order."""
    seen: set[str] = set()
    return [r for r in reasons if not (r in seen or seen.add(r))]
