"""The event database's schema, declared once as sqlite-utils migrations and applied at open.

One file per event. Raw facts (the passing journal, corrections, entries, sessions) are only
ever appended or updated in place for state; ``laps`` and ``results`` are derived and may be
rewritten from the journal at any time.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("laptiming")


@MIGRATIONS()
def m001_initial(db: Database) -> None:
    """Event, people and cars, sessions and entries, the passing journal, corrections, derived tables."""
    db["event"].create({"id": int, "name": str, "created_at": str}, pk="id")
    db["drivers"].create({"id": int, "name": str}, pk="id", not_null={"name"})
    db["drivers"].create_index(["name"], unique=True)
    db["cars"].create({"id": int, "number": str, "car_class": str}, pk="id", not_null={"number"})
    db["cars"].create_index(["number"], unique=True)
    db["transponder_assignments"].create(
        {"id": int, "transponder": int, "car_id": int, "from_us": int, "assigned_at": str},
        pk="id",
        not_null={"transponder", "car_id"},
        foreign_keys=[("car_id", "cars", "id")],
    )
    db["transponder_assignments"].create_index(["transponder"])
    db["sessions"].create(
        {
            "id": int,
            "name": str,
            "session_type": str,
            "rules": str,
            "planned_start": str,
            "planned_end": str,
            "phase": str,
            "green_us": int,
            "checkered_us": int,
            "created_at": str,
            "finished_at": str,
        },
        pk="id",
        not_null={"name", "session_type", "rules", "phase"},
    )
    db["session_entries"].create(
        {"session_id": int, "car_id": int, "driver_id": int},
        pk=("session_id", "car_id"),
        foreign_keys=[("session_id", "sessions", "id"), ("car_id", "cars", "id"), ("driver_id", "drivers", "id")],
    )
    db["passings"].create(
        {
            "id": int,
            "decoder_id": int,
            "passing_number": int,
            "transponder": int,
            "decoder_time_us": int,
            "strength": int,
            "hits": int,
            "transponder_code": str,
            "utc_time_us": int,
            "host_time_ns": int,
            "source": str,
        },
        pk="id",
        not_null={"decoder_id", "passing_number", "transponder", "decoder_time_us"},
    )
    db["passings"].create_index(["decoder_id", "passing_number", "decoder_time_us"], unique=True)
    # Link and derived tables are keyed lookups written in bulk: WITHOUT ROWID keeps one B-tree
    # instead of two (sqlite-utils cannot declare that, so these two are plain SQL).
    db.execute(
        """CREATE TABLE session_passings (
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            passing_id INTEGER NOT NULL REFERENCES passings(id),
            PRIMARY KEY (session_id, passing_id)
        ) WITHOUT ROWID"""
    )
    db["corrections"].create(
        {
            "id": int,
            "session_id": int,
            "kind": str,
            "payload": str,
            "made_by": str,
            "reason": str,
            "made_at": str,
        },
        pk="id",
        not_null={"session_id", "kind", "payload", "made_by", "made_at"},
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db["corrections"].create_index(["session_id"])
    db.execute(
        """CREATE TABLE laps (
            session_id INTEGER NOT NULL,
            car_id INTEGER NOT NULL,
            lap_no INTEGER NOT NULL,
            transponder INTEGER,
            lap_time_us INTEGER,
            crossing_us INTEGER,
            flags TEXT,
            PRIMARY KEY (session_id, car_id, lap_no)
        ) WITHOUT ROWID"""
    )
    db["results"].create(
        {
            "session_id": int,
            "car_id": int,
            "position": int,
            "number": str,
            "driver": str,
            "car_class": str,
            "transponders": str,
            "laps": int,
            "last_lap_us": int,
            "best_lap_us": int,
            "best_lap_no": int,
            "gap": str,
            "interval": str,
            "status": str,
            "status_reason": str,
            "penalty_us": int,
        },
        pk=("session_id", "car_id"),
    )


@MIGRATIONS()
def m002_assignment_author(db: Database) -> None:
    """Every change to the event has an author and a reason: transponder assignments too."""
    db["transponder_assignments"].add_column("made_by", str)
    db["transponder_assignments"].add_column("reason", str)


@MIGRATIONS()
def m003_session_control(db: Database) -> None:
    """Flags shown and results finished, confirmed or reopened: appended with who, when and why."""
    db["session_control"].create(
        {"id": int, "session_id": int, "action": str, "flag": str, "at_us": int, "made_by": str, "reason": str,
         "made_at": str},
        pk="id",
        not_null={"session_id", "action", "made_by", "made_at"},
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db["session_control"].create_index(["session_id"])


@MIGRATIONS()
def m004_session_capacity(db: Database) -> None:
    """How many cars a planned session may have on track (the roster plan's capacity; none for other sessions)."""
    db["sessions"].add_column("capacity", int)


KNOWN_MIGRATIONS = frozenset({"m001_initial", "m002_assignment_author", "m003_session_control",
                              "m004_session_capacity"})
