"""The derived tables (``laps``, ``results``): rewritten from a session's result, never edited by hand."""

from __future__ import annotations

import numpy as np
from sqlite_utils import Database

from laptiming.engine import SessionResult
from laptiming.engine.columns import FLAG_SETS, LapColumns
from laptiming.engine.model import Lap
from laptiming.store.bulk import insert_flat
from laptiming.timefmt import format_gap

_FLAGS_TEXT = np.array([Lap(0, 0, 0, 0, 0, flags).flags_text for flags in FLAG_SETS], dtype=object)


def clear_derived(db: Database, session_id: int) -> None:
    """Remove the session's stored laps and results (a session timed again has none until it finishes)."""
    db.conn.execute("DELETE FROM laps WHERE session_id = ?", (session_id,))
    db.conn.execute("DELETE FROM results WHERE session_id = ?", (session_id,))


def write_derived(db: Database, session_id: int, result: SessionResult) -> None:
    """Replace the session's stored laps and results with this result (inside the caller's transaction)."""
    conn = db.conn
    clear_derived(db, session_id)
    laps = LapColumns.from_laps(result.laps)  # columns already, from the array form of the engine
    table = np.empty((len(laps), 6), dtype=object)  # ints and the flags' text, row after row
    for index, column in enumerate((laps.car_id, laps.lap_no, laps.transponder, laps.lap_time_us, laps.crossing_us)):
        table[:, index] = column
    table[:, 5] = _FLAGS_TEXT[laps.flag_code]
    insert_flat(conn, "INSERT INTO laps (car_id, lap_no, transponder, lap_time_us, crossing_us, flags, session_id)", 6,
                table.ravel().tolist(), (session_id,))
    conn.executemany(
        "INSERT INTO results (session_id, car_id, position, number, driver, car_class, transponders, laps, "
        "last_lap_us, best_lap_us, best_lap_no, gap, interval, status, status_reason, penalty_us) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                session_id,
                row.car_id,
                row.classified_position,  # NULL for DNF, DNS, DSQ: they have no position
                row.number,
                row.driver,
                row.car_class,
                " ".join(str(t) for t in row.transponders),
                row.laps,
                row.last_lap_us,
                row.best_lap_us,
                row.best_lap_no,
                format_gap(row.gap),
                format_gap(row.interval),
                row.status.value,
                row.status_reason,
                row.penalty_us,
            )
            for row in result.standings
        ),
    )
