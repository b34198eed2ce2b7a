"""Passings a live session never got: numbers its decoder gave that are missing between its passings.

A decoder numbers every passing. When the reader could not get one (frames lost on the wire and not
resent, a decoder too busy to answer RESEND), the session's laps across it read too long and nothing
else says so once the link line has moved on. The app keeps an alert up while any are missing; it
goes when they come (the reader asks for them again, :class:`hardware.holdback.Reasks`).
"""

from __future__ import annotations

from pathlib import Path

from laptiming.engine import SessionState
from laptiming.store import open_event_db
from laptiming.store.journal import not_journaled, number_gaps

Missing = dict[int, list[tuple[int, int]]]  # per decoder id, the ranges of passing numbers never received


class MissingPassings:
    """The numbers missing in a live session's journal, worked out again only when its passings change."""

    def __init__(self, db_path: Path) -> None:
        self._db_path = db_path
        self._counted = -1
        self._missing: Missing = {}

    def now(self, state: SessionState) -> Missing:
        """Per decoder, the passing numbers missing between the session's passings that no session journaled.

        The database is read only when the numbers have gaps (seldom): a number another session journaled
        (timed on the same decoder in between) is that session's, not missing."""
        count = state.passing_count
        if count != self._counted:
            gaps = number_gaps(passing for passings in state.raw.values() for passing in passings)
            if gaps:
                db = open_event_db(self._db_path, readonly=True)
                try:
                    gaps = not_journaled(db, gaps)
                finally:
                    db.close()
            self._missing, self._counted = gaps, count
        return self._missing
