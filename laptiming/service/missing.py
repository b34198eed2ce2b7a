"""Passings a live session never got: numbers its decoder gave that are missing between its passings.

A decoder numbers every passing. When the reader could not get one (frames lost on the wire and not
resent, a decoder too busy to answer RESEND), the session's laps across it read too long and nothing
else says so once the link line has moved on. The app keeps an alert up while any are missing; it
goes when they come (the reader asks for them again, :class:`hardware.holdback.Reasks`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hardware.events import Passing
from laptiming.engine import SessionState
from laptiming.store import open_event_db
from laptiming.store.gaps import Gaps, column_gaps, not_journaled, numbering_rows


class MissingPassings:
    """The numbers missing in a live session's journal, worked out again only when its passings change.

    Each transponder's columns are kept until its passings change (the engine's state replaces that
    transponder's tuple, nothing else), so a new passing costs its car's columns and one sort of numbers:
    6 ms at 30,000 passings of 20 cars, where reading every passing again took 37-78 ms."""

    def __init__(self, db_path: Path) -> None:
        self._db_path = db_path
        self._counted = -1
        self._missing: Gaps = {}
        self._columns: dict[int, tuple[tuple[Passing, ...], np.ndarray]] = {}  # by transponder

    def now(self, state: SessionState) -> Gaps:
        """Per decoder, the passing numbers missing between the session's passings that no session journaled.

        The database is read only when the numbers have gaps (seldom): a number another session journaled
        (timed on the same decoder in between) is that session's, not missing."""
        count = state.passing_count
        if count == self._counted:
            return self._missing
        gaps = column_gaps(np.concatenate([self._of(transponder, passings) for transponder, passings
                                           in state.raw.items()] or [np.empty((0, 3), dtype=np.int64)]))
        if gaps:
            db = open_event_db(self._db_path, readonly=True)
            try:
                gaps = not_journaled(db, gaps)
            finally:
                db.close()
        self._missing, self._counted = gaps, count
        return gaps

    def _of(self, transponder: int, passings: tuple[Passing, ...]) -> np.ndarray:
        kept = self._columns.get(transponder)
        if kept is None or kept[0] is not passings:
            kept = self._columns[transponder] = (passings, numbering_rows(passings))
        return kept[1]
