"""The demo: the sample track day (its roster's drivers, cars and sessions) timed from the simulator.

The simulator drives the session's own transponders (``sim://?from-db=1``, filled in by the
service from the session's entries), so the demo looks like the event. Each session gets its own
simulator seed, so the fields differ from session to session.
"""

from __future__ import annotations

from pathlib import Path

from laptiming.engine import SessionRules
from laptiming.roster_import import import_roster
from laptiming.store import SessionPhase, SessionRecord, list_sessions, open_event_db
from scheduler.greedy import greedy_roster
from scheduler.problem import load_problem
from scheduler.records import roster_records

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "trackday"
DEMO_MINUTES = 15  # each session's length; the checkered flag falls by itself
DEMO_SPEED = 40  # x real time: first lap times within about 4 s of the start, a session in about 25 s
DEMO_SEED = 7


def build_event(db_path: Path, sample: Path = SAMPLE) -> int:
    """The sample event's roster (first-fit, instant) into a new event database; the sessions made."""
    _, _, problem = load_problem(sample / "entries.csv", sample / "plan.toml")
    records = roster_records(problem, greedy_roster(problem))
    rules = SessionRules(duration_us=DEMO_MINUTES * 60 * 1_000_000)
    db = open_event_db(db_path, create=True)
    try:
        return import_roster(db, records, rules).sessions_created
    finally:
        db.close()


def next_demo_session(db_path: Path) -> SessionRecord | None:
    """The session the demo runs: the one left running, else the first planned."""
    db = open_event_db(db_path, readonly=True)
    try:
        sessions = list_sessions(db)
    finally:
        db.close()
    for phase in (SessionPhase.RUNNING, SessionPhase.PLANNED):
        for record in sessions:
            if record.phase is phase:
                return record
    return None


def prepare(db_path: Path, speed: float = DEMO_SPEED) -> tuple[SessionRecord | None, str]:
    """Make the demo event if the database has none; the session to run and the simulator URL for it."""
    if not db_path.exists() or not _has_sessions(db_path):
        db_path.parent.mkdir(parents=True, exist_ok=True)
        build_event(db_path)
    record = next_demo_session(db_path)
    if record is None:
        return None, ""
    return record, simulate_session(db_path, record, speed)


def simulate_session(db_path: Path, record: SessionRecord, speed: float = DEMO_SPEED) -> str:
    """The simulator URL for this session: its entered cars' transponders, its own seed."""
    minutes = DEMO_MINUTES + 2  # the cars run on past the flag to take it
    seed = DEMO_SEED + record.session_id
    return f"sim://?from-db=1&seed={seed}&speed={speed:g}&minutes={minutes}&faults=1"


def _has_sessions(db_path: Path) -> bool:
    db = open_event_db(db_path, readonly=True)
    try:
        return bool(list_sessions(db))
    finally:
        db.close()
