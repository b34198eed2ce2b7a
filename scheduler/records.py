"""A roster as plain records for the event database: drivers, cars, transponders, sessions.

Pure: no database here. The application's store inserts these (``dataclasses.asdict`` gives
rows ready for ``insert_all``) when ``laptiming schedule --db`` is wired onto it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.problem import Problem
from scheduler.roster import Roster


@dataclass(frozen=True, slots=True)
class DriverRecord:
    """A registered driver and the car they drive."""

    driver_id: str
    name: str
    car_id: str
    skill: str
    group: str
    runs: int


@dataclass(frozen=True, slots=True)
class CarRecord:
    """A car on the entry list."""

    car_id: str
    car_number: str
    car_class: str
    transponder: str


@dataclass(frozen=True, slots=True)
class TransponderRecord:
    """Which car a transponder identifies (what the timing app needs at the loop)."""

    transponder: str
    car_id: str
    car_number: str


@dataclass(frozen=True, slots=True)
class SessionEntryRecord:
    """One car in one session, with the driver at the wheel."""

    session: str
    driver_id: str
    car_id: str
    car_number: str
    transponder: str


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A session that will run: its name, times and entry list."""

    session: str
    day: str
    start: datetime
    end: datetime
    entries: tuple[SessionEntryRecord, ...]
    capacity: int | None = None  # cars the plan lets on track at once (the circuit's limit)


@dataclass(frozen=True, slots=True)
class RosterRecords:
    """Everything the timing app needs from a roster."""

    event_name: str
    drivers: tuple[DriverRecord, ...]
    cars: tuple[CarRecord, ...]
    transponders: tuple[TransponderRecord, ...]
    sessions: tuple[SessionRecord, ...]


def roster_records(problem: Problem, roster: Roster) -> RosterRecords:
    """Turn a roster into plain records (only sessions that have cars are listed)."""
    drivers = tuple(DriverRecord(d.driver_id, d.entry.driver, d.entry.car_id,
                                 d.skill.value if d.skill else "", d.entry.group, d.runs)
                    for d in problem.drivers)
    cars: dict[str, CarRecord] = {}
    for driver in problem.drivers:
        entry = driver.entry
        cars.setdefault(entry.car_id, CarRecord(entry.car_id, entry.car_number, entry.car_class,
                                                entry.transponder))
    transponders = tuple(TransponderRecord(c.transponder, c.car_id, c.car_number) for c in cars.values())
    by_slot: dict[int, list[SessionEntryRecord]] = {}
    for driver in problem.drivers:
        for slot in roster.sessions[driver.index]:
            label = problem.slots[slot].label
            by_slot.setdefault(slot, []).append(SessionEntryRecord(
                label, driver.driver_id, driver.entry.car_id, driver.entry.car_number,
                driver.entry.transponder))
    sessions = tuple(
        SessionRecord(problem.slots[s].label, problem.slots[s].start.date().isoformat(),
                      problem.slots[s].start, problem.slots[s].end,
                      tuple(sorted(entries, key=lambda e: e.driver_id)), problem.capacity)
        for s, entries in sorted(by_slot.items()))
    return RosterRecords(problem.plan.event_name, drivers, tuple(cars.values()), transponders, sessions)
