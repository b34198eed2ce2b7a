"""Sessions, cars, drivers, transponders and entry lists: writing them and reading a session's setup."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlite_utils import Database

from laptiming.engine import (
    Entry,
    SessionMarkers,
    SessionRules,
    SessionSetup,
    TransponderAssignment,
)
from laptiming.errors import InputError, StoreError
from laptiming.store.corrections import load_corrections
from laptiming.store.database import db_name


class SessionPhase(enum.Enum):
    """Where a session is in its day: planned, running (resumable), finished (results final)."""

    PLANNED = "planned"
    RUNNING = "running"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One row of ``sessions``."""

    session_id: int
    name: str
    rules: SessionRules
    phase: SessionPhase
    green_us: int | None
    checkered_us: int | None
    planned_start: str | None = None
    planned_end: str | None = None
    capacity: int | None = None  # cars the roster plan lets on track at once (None: no plan says)

    @property
    def markers(self) -> SessionMarkers:
        """The flags as the engine takes them."""
        return SessionMarkers(self.green_us, self.checkered_us, closed=self.phase is SessionPhase.FINISHED)


def now_text() -> str:
    """Host wall time for "when" columns (never used for laps)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _record(row: dict) -> SessionRecord:
    """A ``sessions`` row as a record; a hand-edited row that makes no sense is a :class:`StoreError` naming it."""
    try:
        rules = SessionRules.from_json(json.loads(row["rules"]))
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        raise StoreError(f"session {row['id']} ({row['name']}): its rules are not valid ({_why(err)}); "
                         f"rules were {row['rules']!r}") from err
    try:
        phase = SessionPhase(row["phase"])
    except ValueError as err:
        known = ", ".join(p.value for p in SessionPhase)
        raise StoreError(f"session {row['id']} ({row['name']}): phase {row['phase']!r} is not one of {known}") from err
    return SessionRecord(
        session_id=row["id"],
        name=row["name"],
        rules=rules,
        phase=phase,
        green_us=row["green_us"],
        checkered_us=row["checkered_us"],
        planned_start=row["planned_start"],
        planned_end=row["planned_end"],
        capacity=row.get("capacity"),
    )


def set_rules(db: Database, session_id: int, rules: SessionRules) -> None:
    """Replace the session's rules (inside the caller's write unit)."""
    db["sessions"].update(session_id, {"rules": json.dumps(rules.to_json())})


def _why(err: Exception) -> str:
    return f"missing {err}" if isinstance(err, KeyError) else str(err)


def check_session_name(name: str) -> None:
    """Refuse a blank session name: it shows as nothing in every list and no command could name it."""
    if not name.strip():
        raise InputError(f"a session needs a name ({name!r} is blank)")


def create_session(
    db: Database,
    name: str,
    rules: SessionRules,
    *,
    phase: SessionPhase = SessionPhase.PLANNED,
    planned_start: str | None = None,
    planned_end: str | None = None,
    capacity: int | None = None,
) -> int:
    """A new session; its id (a blank name is an :class:`InputError`)."""
    check_session_name(name)
    table = db["sessions"].insert(
        {
            "name": name,
            "session_type": rules.session_type.value,
            "rules": json.dumps(rules.to_json()),
            "planned_start": planned_start,
            "planned_end": planned_end,
            "capacity": capacity,
            "phase": phase.value,
            "green_us": None,
            "checkered_us": None,
            "created_at": now_text(),
            "finished_at": None,
        }
    )
    return int(table.last_pk)  # type: ignore[arg-type]


def get_session(db: Database, session_id: int) -> SessionRecord:
    """A session by id; an :class:`InputError` naming the id and the database when there is none."""
    rows = list(db.query("SELECT * FROM sessions WHERE id = ?", [session_id]))
    if not rows:
        raise InputError(f"no session {session_id} in {db_name(db)}")
    return _record(rows[0])


def find_session(db: Database, name: str, phases: tuple[SessionPhase, ...]) -> SessionRecord | None:
    """The newest session with this name in one of these phases."""
    marks = ",".join("?" for _ in phases)
    rows = list(
        db.query(
            f"SELECT * FROM sessions WHERE name = ? AND phase IN ({marks}) ORDER BY id DESC LIMIT 1",
            [name, *(phase.value for phase in phases)],
        )
    )
    return _record(rows[0]) if rows else None


def session_named(db: Database, name: str) -> SessionRecord:
    """The one session with this name (a roster names sessions by slot: "Session 26" may be id 19); an
    :class:`InputError` when no session, or several, have it."""
    rows = list(db.query("SELECT * FROM sessions WHERE name = ? ORDER BY id", [name]))
    if not rows:
        raise InputError(f"no session named {name!r} in {db_name(db)} (`laptiming sessions --db {db_name(db)}` "
                         "lists each session's id and name)")
    if len(rows) > 1:
        raise InputError(f"{len(rows)} sessions are named {name!r} in {db_name(db)} "
                         f"(ids {', '.join(str(row['id']) for row in rows)}): give --session ID")
    return _record(rows[0])


def list_sessions(db: Database) -> list[SessionRecord]:
    """Every session, oldest first."""
    return [_record(row) for row in db.query("SELECT * FROM sessions ORDER BY id")]


def latest_session(db: Database) -> SessionRecord:
    """The newest session (what commands use when none is named)."""
    rows = list(db.query("SELECT * FROM sessions ORDER BY id DESC LIMIT 1"))
    if not rows:
        raise InputError(f"no sessions yet in {db_name(db)}")
    return _record(rows[0])


def update_session(
    db: Database,
    session_id: int,
    *,
    phase: SessionPhase | None = None,
    green_us: int | None = None,
    checkered_us: int | None = None,
    rules: SessionRules | None = None,
) -> None:
    """Set a session's phase, flags or rules (only the ones given)."""
    changes: dict[str, object] = {}
    if phase is not None:
        changes["phase"] = phase.value
        if phase is SessionPhase.FINISHED:
            changes["finished_at"] = now_text()
    if green_us is not None:
        changes["green_us"] = green_us
    if checkered_us is not None:
        changes["checkered_us"] = checkered_us
    if rules is not None:
        changes["rules"] = json.dumps(rules.to_json())
        changes["session_type"] = rules.session_type.value
    if changes:
        db["sessions"].update(session_id, changes)


def reopen_for_timing(db: Database, session_id: int) -> None:
    """A finished session running again: its checkered flag and finish time withdrawn (inside the caller's unit)."""
    db.execute("UPDATE sessions SET phase = ?, checkered_us = NULL, finished_at = NULL WHERE id = ?",
               [SessionPhase.RUNNING.value, session_id])


def ensure_car(db: Database, number: str, car_class: str | None = None) -> int:
    """The car with this number (made if new; its class set when given); its id."""
    rows = list(db.query("SELECT id, car_class FROM cars WHERE number = ?", [number]))
    if rows:
        car_id = int(rows[0]["id"])
        if car_class is not None and rows[0]["car_class"] != car_class:
            db["cars"].update(car_id, {"car_class": car_class})
        return car_id
    return int(db["cars"].insert({"number": number, "car_class": car_class}).last_pk)  # type: ignore[arg-type]


def ensure_driver(db: Database, name: str) -> int:
    """The driver with this name (made if new); their id."""
    rows = list(db.query("SELECT id FROM drivers WHERE name = ?", [name]))
    if rows:
        return int(rows[0]["id"])
    return int(db["drivers"].insert({"name": name}).last_pk)  # type: ignore[arg-type]


def car_by_number(db: Database, number: str) -> int:
    """A car's id from its number; an :class:`InputError` when there is no such car."""
    rows = list(db.query("SELECT id FROM cars WHERE number = ?", [number]))
    if not rows:
        raise InputError(f"no car number {number} in {db_name(db)}")
    return int(rows[0]["id"])


def assign_transponder(
    db: Database, transponder: int, car_id: int, from_us: int | None = None, *, made_by: str, reason: str
) -> None:
    """From ``from_us`` (decoder time; None: from the start) this transponder belongs to this car; who and why."""
    db["transponder_assignments"].insert(
        {"transponder": transponder, "car_id": car_id, "from_us": from_us, "assigned_at": now_text(),
         "made_by": made_by, "reason": reason}
    )


def enter_car(db: Database, session_id: int, car_id: int, driver_id: int | None = None) -> None:
    """Put a car (with this driver) on the session's entry list, or change its driver.

    Plain SQL rather than sqlite-utils' ``upsert``, which reads the table's schema on every call:
    a replay enters every car of its session (1,500 cars for a weekend: 0.47 s against 0.02 s).
    """
    db.execute(
        "INSERT INTO session_entries (session_id, car_id, driver_id) VALUES (?, ?, ?) "
        "ON CONFLICT (session_id, car_id) DO UPDATE SET driver_id = excluded.driver_id",
        [session_id, car_id, driver_id],
    )


def is_entered(db: Database, session_id: int, car_id: int) -> bool:
    """Whether the car is on the session's entry list."""
    rows = db.execute(
        "SELECT 1 FROM session_entries WHERE session_id = ? AND car_id = ?", [session_id, car_id]
    ).fetchall()
    return bool(rows)


def load_entries(db: Database, session_id: int) -> tuple[Entry, ...]:
    """The session's entry list with each car's number, class and driver for this session."""
    rows = db.query(
        """
        SELECT c.id AS car_id, c.number, c.car_class, d.name AS driver
        FROM session_entries e JOIN cars c ON c.id = e.car_id LEFT JOIN drivers d ON d.id = e.driver_id
        WHERE e.session_id = ? ORDER BY c.id
        """,
        [session_id],
    )
    return tuple(Entry(row["car_id"], row["number"], row["driver"], row["car_class"]) for row in rows)


def load_assignments(db: Database) -> tuple[TransponderAssignment, ...]:
    """Every transponder assignment of the event, in the order they were made."""
    rows = db.query("SELECT transponder, car_id, from_us FROM transponder_assignments ORDER BY id")
    return tuple(TransponderAssignment(row["transponder"], row["car_id"], row["from_us"]) for row in rows)


def load_setup(db: Database, session_id: int) -> SessionSetup:
    """Everything but the passings that decides the session's result."""
    record = get_session(db, session_id)
    return SessionSetup(
        rules=record.rules,
        markers=record.markers,
        entries=load_entries(db, session_id),
        assignments=load_assignments(db),
        corrections=tuple(c.correction for c in load_corrections(db, session_id)),
    )


def setup_fingerprint(db: Database, session_id: int) -> tuple[object, ...]:
    """A cheap summary that changes whenever the session's setup does (flags, rules, entries, corrections)."""
    session = db.execute(
        "SELECT rules, phase, green_us, checkered_us FROM sessions WHERE id = ?", [session_id]
    ).fetchone()
    entries = db.execute(
        "SELECT COUNT(*), TOTAL(car_id), TOTAL(COALESCE(driver_id, 0)) FROM session_entries WHERE session_id = ?",
        [session_id],
    ).fetchone()
    corrections = db.execute("SELECT MAX(id) FROM corrections WHERE session_id = ?", [session_id]).fetchone()
    assignments = db.execute("SELECT MAX(id) FROM transponder_assignments").fetchone()
    return (tuple(session or ()), tuple(entries), corrections[0], assignments[0])
