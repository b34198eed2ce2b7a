"""Re-deriving stored results: every session's laps and standings recomputed from journal + corrections.

Derived tables are never edited; after anything that changes how passings count across sessions
(a transponder moved to another car from some time on, a rule change) each affected session is
derived again in one write unit, so the stored results agree with what a replay would give.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from laptiming import engine
from laptiming.store import load_passings, load_setup, write_derived


def sessions_with_passings(db: Database, transponder: int | None = None) -> list[int]:
    """Ids of the sessions that have journal passings (of this transponder, if given), in order."""
    if transponder is None:
        rows = db.execute("SELECT DISTINCT session_id FROM session_passings ORDER BY session_id")
    else:
        rows = db.execute(
            "SELECT DISTINCT s.session_id FROM session_passings s JOIN passings p ON p.id = s.passing_id "
            "WHERE p.transponder = ? ORDER BY s.session_id",
            [transponder],
        )
    return [row[0] for row in rows]


def rederive_sessions(db: Database, session_ids: Iterable[int] | None = None) -> int:
    """Derive and store each session again (every session with passings by default); inside the caller's
    write unit. Returns how many sessions were derived."""
    ids = sessions_with_passings(db) if session_ids is None else list(session_ids)
    for session_id in ids:
        result = engine.derive_session(load_passings(db, session_id), load_setup(db, session_id))
        write_derived(db, session_id, result)
    return len(ids)
