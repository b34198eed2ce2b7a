"""The roster validator: lists every hard rule a roster breaks.

It is deliberately independent of the solver: it reads only the roster rows, the entries and
the plan, and re-derives each rule from times and names. Tests and benchmarks use it to prove
the solver's rosters have zero hard violations; staff use it on hand-made rosters.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.grid import back_to_back, build_slots
from scheduler.model import Entry, Plan, Skill
from scheduler.roster import RosterRow


class Rule(enum.StrEnum):
    """The hard rules, as named in ``check`` output."""

    SLOT = "slot"                      # on the grid, inside the day, clear of breaks
    SESSION = "session"                # one name per session, sessions never overlap
    CAPACITY = "capacity"
    CAR_ONCE = "car-once"              # a car at most once per session
    DRIVER_UNKNOWN = "unknown-driver"
    ENTRY_MISMATCH = "entry-mismatch"  # roster details differ from the registration
    RUNS = "runs"                      # exactly the driver's runs
    WINDOW = "window"                  # inside the driver's availability
    REST = "rest"                      # minimum rest between a driver's runs
    NEVER_TOGETHER = "never-together"
    SEPARATE_CLASS = "separate-class"
    SHARED_CAR_ADJACENT = "shared-car-adjacent"  # a shared car straight back out with another driver


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: which rule, which session (if any), the roster line, and what."""

    rule: Rule
    session: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        session = f"session {self.session}: " if self.session else ""
        return f"{where}{session}[{self.rule}] {self.message}"


_Key = tuple[datetime, datetime]


def _slot_violations(plan: Plan, sessions: dict[_Key, list[RosterRow]]) -> list[Violation]:
    """Each session must be a plan slot: right length, inside its day, clear of breaks."""
    found: list[Violation] = []
    grid = {(s.start, s.end) for s in build_slots(plan)}
    days = {d.day: d for d in plan.days}
    length = timedelta(minutes=plan.session_minutes)
    for (start, end), rows in sessions.items():
        label, line = rows[0].session, rows[0].line
        day = days.get(start.date())
        span = f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"
        if day is None:
            found.append(Violation(Rule.SLOT, label, line, f"{span} is not on a track day of the plan"))
            continue
        if end - start != length:
            found.append(Violation(Rule.SLOT, label, line,
                                   f"{span} lasts {(end - start) // timedelta(minutes=1)} min, "
                                   f"sessions are {plan.session_minutes} min"))
        if start.time() < day.start or end > datetime.combine(day.day, day.end) or end.date() != start.date():
            found.append(Violation(Rule.SLOT, label, line,
                                   f"{span} is outside the track day {day.start:%H:%M}-{day.end:%H:%M}"))
        for begin, finish in day.breaks:
            if start < datetime.combine(day.day, finish) and end > datetime.combine(day.day, begin):
                found.append(Violation(Rule.SLOT, label, line,
                                       f"{span} overlaps the break {begin:%H:%M}-{finish:%H:%M}"))
        if (start, end) not in grid and not any(v.session == label and v.rule == Rule.SLOT for v in found):
            found.append(Violation(Rule.SLOT, label, line,
                                   f"{span} is not one of the plan's session slots"))
    return found


def _session_violations(sessions: dict[_Key, list[RosterRow]]) -> list[Violation]:
    """One name per session time, one time per session name, no two sessions overlapping."""
    found: list[Violation] = []
    times_by_label: dict[str, set[_Key]] = defaultdict(set)
    for key, rows in sessions.items():
        labels = sorted({r.session for r in rows})
        if len(labels) > 1:
            found.append(Violation(Rule.SESSION, labels[0], rows[0].line,
                                   f"sessions {', '.join(labels)} are at the same time"))
        for row in rows:
            times_by_label[row.session].add(key)
    for label, keys in sorted(times_by_label.items()):
        if len(keys) > 1:
            found.append(Violation(Rule.SESSION, label, 0, f"session {label} has {len(keys)} different times"))
    ordered = sorted(sessions)
    for earlier, later in zip(ordered, ordered[1:]):
        if later[0] < earlier[1]:
            row = sessions[later][0]
            found.append(Violation(Rule.SESSION, row.session, row.line,
                                   f"overlaps session {sessions[earlier][0].session} on the one track"))
    return found


def _entry_violations(rows: Sequence[RosterRow], entries: dict[str, Entry]) -> list[Violation]:
    """Unknown drivers, and roster details that differ from the registration."""
    found: list[Violation] = []
    for row in rows:
        entry = entries.get(row.driver_id)
        if entry is None:
            found.append(Violation(Rule.DRIVER_UNKNOWN, row.session, row.line,
                                   f"driver_id '{row.driver_id}' is not in the entries"))
            continue
        expected = {"driver": entry.driver, "car_id": entry.car_id, "car_number": entry.car_number,
                    "transponder": entry.transponder, "car_class": entry.car_class,
                    "skill": entry.skill.value if entry.skill else "", "group": entry.group}
        for column, value in expected.items():
            if getattr(row, column).casefold() != value.casefold():
                found.append(Violation(Rule.ENTRY_MISMATCH, row.session, row.line,
                                       f"{row.driver_id}: {column} is '{getattr(row, column)}', "
                                       f"the entries say '{value}'"))
    return found


def _session_rule_violations(plan: Plan, sessions: dict[_Key, list[RosterRow]],
                             entries: dict[str, Entry]) -> list[Violation]:
    """Capacity, a car once per session, skill pairs and separate classes, session by session."""
    found: list[Violation] = []
    separate = {c.casefold() for c in plan.separate_classes}
    # Each broken rule is said at the row that breaks it, as a hand edit most likely made it: the car past
    # capacity, a car's second row, the first row of the smaller side of a kept-apart pair or class.
    for rows in sessions.values():
        label = rows[0].session
        if len(rows) > plan.capacity:
            found.append(Violation(Rule.CAPACITY, label, rows[plan.capacity].line,
                                   f"{len(rows)} cars on track, capacity is {plan.capacity}"))
        known = [(row, entries[row.driver_id]) for row in rows if row.driver_id in entries]
        by_car: dict[str, list[RosterRow]] = defaultdict(list)
        for row, entry in known:
            by_car[entry.car_id].append(row)
        for car, car_rows in sorted(by_car.items()):
            if len(car_rows) > 1:
                found.append(Violation(Rule.CAR_ONCE, label, car_rows[1].line,
                                       f"car '{car}' is in the session {len(car_rows)} times "
                                       f"({', '.join(sorted(r.driver_id for r in car_rows))})"))
        by_skill: dict[Skill, list[RosterRow]] = defaultdict(list)
        for row, entry in known:
            if entry.skill is not None:
                by_skill[entry.skill].append(row)
        for first, second in plan.never_together:
            if by_skill.get(first) and by_skill.get(second):
                found.append(Violation(Rule.NEVER_TOGETHER, label, _smaller_side(by_skill[first], by_skill[second]),
                                       f"{first} ({', '.join(sorted(r.driver_id for r in by_skill[first]))}) and "
                                       f"{second} ({', '.join(sorted(r.driver_id for r in by_skill[second]))}) "
                                       "share the session"))
        classes = {entry.car_class.casefold(): entry.car_class for _, entry in known}
        own = sorted(c for c in classes if c in separate)
        if own and len(classes) > 1:
            names = ", ".join(sorted(classes.values(), key=str.casefold))
            inside = [row for row, entry in known if entry.car_class.casefold() == own[0]]
            outside = [row for row, entry in known if entry.car_class.casefold() != own[0]]
            found.append(Violation(Rule.SEPARATE_CLASS, label, _smaller_side(inside, outside),
                                   f"{classes[own[0]]} runs only among itself, the session mixes {names}"))
    return found


def _smaller_side(one: list[RosterRow], other: list[RosterRow]) -> int:
    """The line of the first row of the side with fewer rows (the earlier one on a tie): the one that came in."""
    side = min((one, other), key=lambda rows: (len(rows), rows[0].line))
    return side[0].line


def _driver_violations(plan: Plan, rows: Sequence[RosterRow], entries: dict[str, Entry]) -> list[Violation]:
    """Run counts, availability windows and rest, driver by driver."""
    found: list[Violation] = []
    runs: dict[str, list[RosterRow]] = defaultdict(list)
    for row in rows:
        runs[row.driver_id].append(row)
    rest = timedelta(minutes=plan.min_rest_minutes)
    for driver_id, entry in entries.items():
        mine = sorted(runs.get(driver_id, []), key=lambda r: r.start)
        wanted = entry.runs if entry.runs is not None else plan.runs
        if len(mine) != wanted:
            found.append(Violation(Rule.RUNS, "", mine[0].line if mine else 0,
                                   f"{driver_id} has {len(mine)} runs, needs exactly {wanted}"))
        for row in mine:
            if (entry.available_from and row.start < entry.available_from) or (
                    entry.available_until and row.end > entry.available_until):
                window = (f"{entry.available_from:%Y-%m-%d %H:%M}" if entry.available_from else "start") + \
                    " to " + (f"{entry.available_until:%Y-%m-%d %H:%M}" if entry.available_until else "end")
                found.append(Violation(Rule.WINDOW, row.session, row.line,
                                       f"{driver_id} is available {window} only"))
        for first, second in zip(mine, mine[1:]):
            if second.start == first.start:
                found.append(Violation(Rule.REST, second.session, second.line,
                                       f"{driver_id} is listed twice in this session"))
            elif second.start < first.end + rest:
                gap = (second.start - first.end) // timedelta(minutes=1)
                found.append(Violation(Rule.REST, second.session, second.line,
                                       f"{driver_id} rests {gap} min after session {first.session}, "
                                       f"needs {plan.min_rest_minutes}"))
    return found


def _shared_car_violations(plan: Plan, rows: Sequence[RosterRow], entries: dict[str, Entry]) -> list[Violation]:
    """A shared car never has one driver in a session and another in the session right after it
    (no time to swap drivers), unless the plan allows a swap in the pit lane."""
    if plan.shared_car_back_to_back:
        return []
    found: list[Violation] = []
    by_car: dict[str, list[RosterRow]] = defaultdict(list)
    for row in rows:
        if (entry := entries.get(row.driver_id)) is not None:
            by_car[entry.car_id].append(row)
    for car, runs in sorted(by_car.items()):
        if len({row.driver_id for row in runs}) < 2:
            continue
        ordered = sorted(runs, key=lambda r: (r.start, r.line))
        for position, first in enumerate(ordered):
            for second in ordered[position + 1:]:
                if second.driver_id != first.driver_id and back_to_back(
                        (first.start, first.end), (second.start, second.end), plan.changeover_minutes):
                    found.append(Violation(
                        Rule.SHARED_CAR_ADJACENT, second.session, second.line,
                        f"car '{car}' goes straight back out with another driver: {first.driver_id} in "
                        f"session {first.session}, then {second.driver_id} in session {second.session}, "
                        "no time to swap (sessions.shared_car_back_to_back = true allows a swap in the pit lane)"))
    return found


def check_roster(rows: Sequence[RosterRow], entries: Sequence[Entry], plan: Plan) -> list[Violation]:
    """Every hard rule the roster breaks (an empty list means the roster is valid)."""
    by_id = {e.driver_id: e for e in entries}
    sessions: dict[_Key, list[RosterRow]] = defaultdict(list)
    for row in rows:
        sessions[(row.start, row.end)].append(row)
    found = (_slot_violations(plan, sessions) + _session_violations(sessions)
             + _entry_violations(rows, by_id) + _session_rule_violations(plan, sessions, by_id)
             + _driver_violations(plan, rows, by_id) + _shared_car_violations(plan, rows, by_id))
    return found
