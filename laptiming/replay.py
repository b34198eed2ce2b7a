"""Replaying passings into a new, finished session: the core of ``laptiming replay`` and the weekend bench."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlite_utils import Database

from hardware.events import Passing
from laptiming import engine
from laptiming.engine import SessionResult, SessionRules
from laptiming.engine.arrays import derive_session_columns
from laptiming.store import (
    SessionPhase,
    bulk_import,
    create_session,
    journal_bulk,
    journal_columns,
    load_setup,
    update_session,
    write_derived,
)
from laptiming.store.entries import enter_by_number

if TYPE_CHECKING:
    from hardware.p3.columns import PassingColumns


def replay_session(
    db: Database, name: str, rules: SessionRules, passings: Sequence[Passing] | PassingColumns
) -> tuple[int, SessionResult]:
    """One transaction: a finished session (green at the first passing, checkered just after the last),
    unknown transponders entered by number, the passings journaled, laps and results derived and stored.

    Passings as columns (a bulk decode) are journaled, derived and their laps stored without an
    object per passing or per lap (the engine's array form on columns).
    """
    if not len(passings):
        raise ValueError("a replay needs at least one passing")
    if isinstance(passings, Sequence):
        times = [p.decoder_time_us for p in passings]
        first, last = min(times), max(times)
        transponders = {p.transponder for p in passings}
    else:
        first, last = int(passings.rtc_time_us.min()), int(passings.rtc_time_us.max())
        transponders = set(passings.transponder.tolist())
    with bulk_import(db):
        session_id = create_session(db, name, rules, phase=SessionPhase.FINISHED)
        update_session(db, session_id, green_us=first, checkered_us=last + 1)
        enter_by_number(db, session_id, transponders)
        # A new session links exactly these passings (deduplicated by the engine as by the journal),
        # so they need not be read back.
        if isinstance(passings, Sequence):
            journal_bulk(db.conn, session_id, passings)
            result = engine.derive_session(passings, load_setup(db, session_id))
        else:
            journal_columns(db.conn, session_id, passings)
            result = derive_session_columns(passings, load_setup(db, session_id))
        write_derived(db, session_id, result)
    return session_id, result
