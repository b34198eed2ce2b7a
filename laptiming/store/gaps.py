"""Gaps in a session's passing numbers: the numbers its decoder gave that the session never got.

A decoder numbers every passing. Taken in the decoder's time order, a session's passings of one
decoder should count up by one; a jump is passings lost on the wire, or not resent. A number going
down is a counter reset, not a gap, and a jump of ``GAP_ASKED_AGAIN_MAX`` or more is a counter set
elsewhere. The finding is pure and works on columns (numpy: a long session is tens of thousands of
passings, looked at again for each new one by the app's alert); the database then says which of the
numbers another session journaled (those are that session's, not missing).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlite_utils import Database

from hardware.events import Passing
from hardware.sequence import number_runs
from laptiming.engine import MANUAL_DECODER_ID

GAP_ASKED_AGAIN_MAX = 10_000  # a longer run of missing numbers is no gap but a decoder's counter set elsewhere
Gaps = dict[int, list[tuple[int, int]]]  # per decoder id, ranges of passing numbers (first, last)


def numbering_rows(passings: Iterable[Passing]) -> np.ndarray:
    """Decoder id, decoder time and passing number of each passing from a decoder (added ones left out), as rows."""
    rows = [(p.decoder_id, p.decoder_time_us, p.passing_number) for p in passings if p.decoder_id != MANUAL_DECODER_ID]
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def column_gaps(columns: np.ndarray) -> Gaps:
    """The gaps in these rows (:func:`numbering_rows`), per decoder in the decoder's time order."""
    if len(columns) < 2:
        return {}
    decoder, time_us, number = columns[:, 0], columns[:, 1], columns[:, 2]
    order = np.lexsort((number, time_us, decoder))
    decoder, number = decoder[order], number[order]
    step = np.diff(number)
    jumps = np.flatnonzero((decoder[1:] == decoder[:-1]) & (step > 1) & (step <= GAP_ASKED_AGAIN_MAX))
    gaps: Gaps = {}
    for at in jumps.tolist():
        gaps.setdefault(int(decoder[at]), []).append((int(number[at]) + 1, int(number[at + 1]) - 1))
    return gaps


def number_gaps(passings: Iterable[Passing]) -> Gaps:
    """Per decoder, the passing numbers missing between these passings in the decoder's time order (pure)."""
    return column_gaps(numbering_rows(passings))


def not_journaled(db: Database, gaps: Gaps) -> Gaps:
    """The numbers of these gaps that no session journaled (one query a gap: there are seldom any)."""
    left: Gaps = {}
    for decoder_id, ranges in gaps.items():
        for first, last in ranges:
            journaled = {row[0] for row in db.execute(
                "SELECT passing_number FROM passings WHERE decoder_id = ? AND passing_number BETWEEN ? AND ?",
                [decoder_id, first, last])}
            left.setdefault(decoder_id, []).extend(number_runs(n for n in range(first, last + 1) if n not in journaled))
    return {decoder_id: ranges for decoder_id, ranges in left.items() if ranges}


def journal_gaps(db: Database, passings: Iterable[Passing]) -> Gaps:
    """Per decoder, the passing numbers missing between this session's passings (in the decoder's time order)
    that the journal holds nowhere: what a recorder that was cut off, or whose decoder did not answer a
    RESEND, never got. A resumed recorder asks for them again; results list them."""
    return not_journaled(db, number_gaps(passings))
