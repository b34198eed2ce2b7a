"""The derived tables (``laps``, ``results``): rewritten from a session's result, never edited by hand."""

from __future__ import annotations

from operator import attrgetter

from sqlite_utils import Database

from laptiming.engine import SessionResult
from laptiming.engine.model import Lap
from laptiming.timefmt import format_gap


def write_derived(db: Database, session_id: int, result: SessionResult) -> None:
    """Replace the session's stored laps and results with this result (inside the caller's transaction)."""
    conn = db.conn
    conn.execute("DELETE FROM laps WHERE session_id = ?", (session_id,))
    conn.execute("DELETE FROM results WHERE session_id = ?", (session_id,))
    laps = result.laps
    flags_text = {flags: Lap(0, 0, 0, 0, 0, flags).flags_text for flags in {lap.flags for lap in laps}}
    # the session id is the same in every row, so it is written into the statement (an int) rather than bound
    conn.executemany(
        "INSERT INTO laps (session_id, car_id, lap_no, transponder, lap_time_us, crossing_us, flags) "
        f"VALUES ({int(session_id)}, ?, ?, ?, ?, ?, ?)",
        zip(*(map(attrgetter(name), laps) for name in ("car_id", "lap_no", "transponder", "lap_time_us", "crossing_us")),
            map(flags_text.__getitem__, map(attrgetter("flags"), laps))),
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
