"""The derived tables (``laps``, ``results``): rewritten from a session's result, never edited by hand."""

from __future__ import annotations

from sqlite_utils import Database

from laptiming.engine import SessionResult
from laptiming.timefmt import format_gap


def write_derived(db: Database, session_id: int, result: SessionResult) -> None:
    """Replace the session's stored laps and results with this result (inside the caller's transaction)."""
    conn = db.conn
    conn.execute("DELETE FROM laps WHERE session_id = ?", (session_id,))
    conn.execute("DELETE FROM results WHERE session_id = ?", (session_id,))
    conn.executemany(
        "INSERT INTO laps (session_id, car_id, lap_no, transponder, lap_time_us, crossing_us, flags) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (session_id, lap.car_id, lap.lap_no, lap.transponder, lap.lap_time_us, lap.crossing_us, lap.flags_text)
            for lap in result.laps
        ),
    )
    conn.executemany(
        "INSERT INTO results (session_id, car_id, position, number, driver, car_class, transponders, laps, "
        "last_lap_us, best_lap_us, best_lap_no, gap, interval, status, status_reason, penalty_us) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                session_id,
                row.car_id,
                row.position,
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
