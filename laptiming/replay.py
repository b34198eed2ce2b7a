"""Replaying passings into a new, finished session: the core of ``laptiming replay`` and the weekend bench."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlite_utils import Database

from hardware.events import Passing
from laptiming import engine
from laptiming.engine import SessionResult, SessionRules, SessionSetup, SessionType
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
    """One transaction: a finished session, unknown transponders entered by number, the passings
    journaled, laps and results derived and stored.

    The green flag falls at the first passing. The checkered flag falls just after the last, except
    in a race with neither a duration nor a lap count: there it falls as the leader completed its last
    lap, as it did at the track (each other car finishes at its next crossing). Passings as columns (a
    bulk decode) are journaled, derived and their laps stored without an object per passing or per
    lap (the engine's array form on columns).
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
    flag_at_leader = rules.session_type is SessionType.RACE and rules.duration_us is None and rules.lap_count is None
    with bulk_import(db):
        session_id = create_session(db, name, rules, phase=SessionPhase.FINISHED)
        update_session(db, session_id, green_us=first, checkered_us=None if flag_at_leader else last + 1)
        enter_by_number(db, session_id, transponders)
        # A new session links exactly these passings (deduplicated by the engine as by the journal),
        # so they need not be read back.
        if isinstance(passings, Sequence):
            journal_bulk(db.conn, session_id, passings)
        else:
            journal_columns(db.conn, session_id, passings)
        result = _derive(passings, load_setup(db, session_id), flag_at_leader)
        if flag_at_leader:
            checkered_us = result.setup.markers.checkered_us
            update_session(db, session_id, checkered_us=last + 1 if checkered_us is None else checkered_us)
            if checkered_us is None:  # no car completed a lap: judged against the flag just after the last
                result = _derive(passings, load_setup(db, session_id), False)
        write_derived(db, session_id, result)
    return session_id, result


def _derive(passings: Sequence[Passing] | PassingColumns, setup: SessionSetup, flag_at_leader: bool) -> SessionResult:
    """The engine's batch form on passings, or its array form on a bulk decode's columns."""
    if isinstance(passings, Sequence):
        return engine.derive_session(passings, setup, flag_at_leader=flag_at_leader)
    return derive_session_columns(passings, setup, flag_at_leader=flag_at_leader)
