"""The event database (SQLite via sqlite-utils): schema, journal, sessions, corrections, derived tables."""

from laptiming.store.corrections import (
    CorrectionRecord,
    append_correction,
    load_corrections,
)
from laptiming.store.database import (
    Durability,
    bulk_import,
    check_event_db,
    check_integrity,
    open_event_db,
    remove_event_db,
    write_transaction,
)
from laptiming.store.derived import write_derived
from laptiming.store.journal import (
    count_passings,
    journal_bulk,
    journal_columns,
    journal_passing,
    load_passings,
)
from laptiming.store.sessions import (
    SessionPhase,
    SessionRecord,
    assign_transponder,
    car_by_number,
    check_session_name,
    create_session,
    db_name,
    ensure_car,
    ensure_driver,
    enter_car,
    find_session,
    get_session,
    latest_session,
    list_sessions,
    load_setup,
    update_session,
)
from laptiming.store.writer import JournalWriter

__all__ = [
    "check_event_db",
    "check_integrity",
    "CorrectionRecord",
    "Durability",
    "JournalWriter",
    "SessionPhase",
    "SessionRecord",
    "append_correction",
    "assign_transponder",
    "bulk_import",
    "car_by_number",
    "count_passings",
    "check_session_name",
    "create_session",
    "db_name",
    "ensure_car",
    "ensure_driver",
    "enter_car",
    "find_session",
    "get_session",
    "journal_bulk",
    "journal_columns",
    "journal_passing",
    "latest_session",
    "list_sessions",
    "load_corrections",
    "load_passings",
    "load_setup",
    "open_event_db",
    "remove_event_db",
    "update_session",
    "write_derived",
    "write_transaction",
]
