"""A published heat roster into the event database: drivers, cars, transponders, planned sessions.

The scheduler hands over plain records (:mod:`scheduler.records`); this puts them in the store in
one transaction, so the timing app finds each session's entry list ready (``laptiming record
--session "Session 3"`` picks the planned session up). Importing a re-planned roster again
updates the sessions that have not started and never touches one that is running or finished.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlite_utils import Database

from hardware.p3.records import code_to_transponder
from laptiming.engine import SessionRules
from laptiming.store import (
    SessionPhase,
    assign_transponder,
    create_session,
    ensure_car,
    ensure_driver,
    enter_car,
    find_session,
    write_transaction,
)
from laptiming.store.sessions import load_assignments, now_text, set_rules
from laptiming.timefmt import US_PER_SECOND
from scheduler.model import name_key
from scheduler.records import RosterRecords, SessionRecord


@dataclass(slots=True)
class ImportSummary:
    """What an import did, for the command's report."""

    sessions_created: int = 0
    sessions_updated: int = 0
    sessions_removed: int = 0
    sessions_kept: list[str] = field(default_factory=list)  # already running or finished
    drivers: int = 0
    cars: int = 0
    transponders: int = 0
    cars_without_transponder: list[str] = field(default_factory=list)


def transponder_number(text: str) -> int:
    """The number a decoder reports for this transponder: digits as they are, a printed code
    (``PV-38463``) as the number the decoder layer gives code-only passings."""
    text = text.strip()
    return int(text) if text.isdigit() else code_to_transponder(text.encode("ascii", "replace"))


def session_name(label: str) -> str:
    """The timing session's name for a roster session label ("3" -> "Session 3")."""
    return f"Session {label}" if label.isdigit() else label


def started_slots(db: Database | None, labels: Sequence[str]) -> frozenset[int]:
    """Which roster slots (by their labels' positions) have sessions that started in the database (running,
    finished, confirmed): an import leaves those as they are, so a re-plan must place nobody new in them."""
    if db is None:
        return frozenset()
    started = {row["name"] for row in db.query("SELECT name FROM sessions WHERE phase != ?",
                                                [SessionPhase.PLANNED.value])}
    return frozenset(i for i, label in enumerate(labels) if session_name(label) in started)


def slot_rules(session: SessionRecord) -> SessionRules:
    """A practice session as long as its slot: the plan's session length, from the green flag."""
    return SessionRules(duration_us=int((session.end - session.start).total_seconds()) * US_PER_SECOND)


def driver_names(records: RosterRecords) -> dict[str, str]:
    """Each registration's name in the event database; namesakes get their registration id, also when the names
    differ only in case or spacing (``--driver`` finds a name in any case, and would pick one of them silently)."""
    counts = Counter(name_key(driver.name) for driver in records.drivers)
    return {d.driver_id: d.name if counts[name_key(d.name)] == 1 else f"{d.name} ({d.driver_id})"
            for d in records.drivers}


def import_roster(db: Database, records: RosterRecords, rules: SessionRules | None = None) -> ImportSummary:
    """Put the roster in the database, all or nothing. Each session runs for its slot's length from its green flag
    (the checkered flag falls by itself; ``laptiming length`` gives back time lost), unless ``rules`` are given."""
    summary = ImportSummary()
    with write_transaction(db):
        _set_event_name(db, records.event_name)
        driver_ids = {reg: ensure_driver(db, name) for reg, name in driver_names(records).items()}
        car_ids: dict[str, int] = {}
        owners = {a.transponder: a.car_id for a in load_assignments(db)}  # the latest assignment wins
        for car in records.cars:
            car_id = ensure_car(db, car.car_number, car.car_class or None)
            car_ids[car.car_id] = car_id
            if not car.transponder:
                summary.cars_without_transponder.append(car.car_number)
                continue
            transponder = transponder_number(car.transponder)
            if owners.get(transponder) != car_id:
                assign_transponder(db, transponder, car_id, made_by="schedule --db", reason="roster import")
                owners[transponder] = car_id
            summary.transponders += 1
        planned_names = set()
        for session in records.sessions:
            name = session_name(session.session)
            planned_names.add(name)
            existing = find_session(db, name, tuple(SessionPhase))
            if existing is not None and existing.phase is not SessionPhase.PLANNED:
                summary.sessions_kept.append(name)
                continue
            start, end = f"{session.start:%Y-%m-%d %H:%M}", f"{session.end:%Y-%m-%d %H:%M}"
            session_rules = rules or slot_rules(session)
            if existing is None:
                session_id = create_session(db, name, session_rules, planned_start=start, planned_end=end,
                                            capacity=session.capacity)
                summary.sessions_created += 1
            else:
                session_id = existing.session_id
                db["sessions"].update(session_id, {"planned_start": start, "planned_end": end,
                                                   "capacity": session.capacity})
                set_rules(db, session_id, session_rules)
                db.execute("DELETE FROM session_entries WHERE session_id = ?", [session_id])
                summary.sessions_updated += 1
            for entry in session.entries:
                enter_car(db, session_id, car_ids[entry.car_id], driver_ids[entry.driver_id])
        summary.sessions_removed = _remove_unplanned(db, planned_names)
        summary.drivers, summary.cars = len(driver_ids), len(car_ids)
    return summary


def _set_event_name(db: Database, name: str) -> None:
    row = next(iter(db.query("SELECT id FROM event ORDER BY id LIMIT 1")), None)
    if row is None:
        db["event"].insert({"name": name, "created_at": now_text()})
    else:
        db["event"].update(row["id"], {"name": name})


def _remove_unplanned(db: Database, planned_names: set[str]) -> int:
    """Drop planned, never-started sessions a re-planned roster no longer has (with their entries)."""
    query = """SELECT id, name FROM sessions s WHERE phase = ? AND planned_start IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.session_id = s.id)
               AND NOT EXISTS (SELECT 1 FROM session_passings p WHERE p.session_id = s.id)"""
    stale = [row["id"] for row in db.query(query, [SessionPhase.PLANNED.value]) if row["name"] not in planned_names]
    for session_id in stale:
        db.execute("DELETE FROM session_entries WHERE session_id = ?", [session_id])
        db.execute("DELETE FROM sessions WHERE id = ?", [session_id])
    return len(stale)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def describe_import(db_path: object, summary: ImportSummary) -> str:
    """What the import did, in a few lines for the person at the keyboard."""
    changed = [f"{_count(summary.sessions_created, 'session')} created"]
    if summary.sessions_updated:
        changed.append(f"{summary.sessions_updated} updated")
    if summary.sessions_removed:
        changed.append(f"{summary.sessions_removed} no longer planned removed")
    lines = [f"event database {db_path}: {', '.join(changed)}; {_count(summary.drivers, 'driver')}, "
             f"{_count(summary.cars, 'car')}, {_count(summary.transponders, 'transponder')}"]
    if summary.sessions_kept:
        lines.append(f"  already started, left as they are: {', '.join(summary.sessions_kept)}")
    if summary.cars_without_transponder:
        lines.append(f"  cars with no transponder (cannot be timed): {', '.join(summary.cars_without_transponder)}")
    return "\n".join(lines)
