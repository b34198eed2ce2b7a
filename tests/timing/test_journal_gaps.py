"""The numbers a resumed session never got, found in a real event database: what a recorder asks for again."""

from __future__ import annotations

from pathlib import Path

from laptiming.engine import MANUAL_DECODER_ID, SessionRules
from laptiming.store import create_session, journal_bulk, load_passings, open_event_db, write_transaction
from laptiming.store.gaps import journal_gaps
from tests.timing.timing_builders import DECODER, S, T0, passing


def test_the_gaps_are_the_numbers_journaled_nowhere_between_a_sessions_passings(tmp_path: Path) -> None:
    db = open_event_db(tmp_path / "event.db", create=True)
    try:
        with write_transaction(db):
            this = create_session(db, "Practice 1", SessionRules())
            other = create_session(db, "Practice 2", SessionRules())
            numbers = [1, 2, 5, 6, 20]  # 3-4 and 7-19 missing here
            journal_bulk(db.conn, this, [passing(7, T0 + n * S, n) for n in numbers])
            journal_bulk(db.conn, other, [passing(8, T0 + n * S, n) for n in (10, 11)])  # the other session's
            journal_bulk(db.conn, this, [passing(7, T0 + 30 * S, 3, decoder_id=DECODER + 1),  # another decoder,
                                         passing(7, T0 + 31 * S, 1, decoder_id=DECODER + 1),  # its counter reset
                                         passing(7, T0 + 32 * S, 99, decoder_id=MANUAL_DECODER_ID)])
        gaps = journal_gaps(db, load_passings(db, this))
    finally:
        db.close()
    assert gaps == {DECODER: [(3, 4), (7, 9), (12, 19)]}
