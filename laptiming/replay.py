"""Replaying passings into a new, finished session: the core of ``laptiming replay`` and the weekend bench."""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database

from hardware.events import Passing
from laptiming import engine
from laptiming.engine import SessionResult, SessionRules
from laptiming.store import (
    SessionPhase,
    create_session,
    journal_bulk,
    load_setup,
    update_session,
    write_derived,
    write_transaction,
)
from laptiming.store.entries import enter_by_number


def replay_session(db: Database, name: str, rules: SessionRules, passings: Sequence[Passing]) -> tuple[int, SessionResult]:
    """One transaction: a finished session (green at the first passing, checkered just after the last),
    unknown transponders entered by number, the passings journaled, laps and results derived and stored."""
    if not passings:
        raise ValueError("a replay needs at least one passing")
    with write_transaction(db):
        session_id = create_session(db, name, rules, phase=SessionPhase.FINISHED)
        update_session(
            db,
            session_id,
            green_us=min(p.decoder_time_us for p in passings),
            checkered_us=max(p.decoder_time_us for p in passings) + 1,
        )
        enter_by_number(db, session_id, {p.transponder for p in passings})
        journal_bulk(db.conn, session_id, passings)
        # A new session links exactly these passings (deduplicated by the engine as by the journal),
        # so they need not be read back.
        result = engine.derive_session(passings, load_setup(db, session_id))
        write_derived(db, session_id, result)
    return session_id, result
