"""Exports of a session: laps, results, passings and corrections as CSV or JSON rows.

Headers are fixed (other tools read them): see ``HEADERS``. Times stay integer microseconds
in ``*_us`` columns, with a display column truncated to the thousandth beside them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from laptiming.engine import SessionResult
from laptiming.files import write_bytes_atomically
from laptiming.report import describe_action, result_clock
from laptiming.store import CorrectionRecord
from laptiming.store.corrections import action_payload
from laptiming.timefmt import format_gap, format_lap_time

HEADERS: dict[str, tuple[str, ...]] = {
    "laps": ("session", "transponder", "number", "driver", "lap", "lap_time_us", "lap_time", "crossing_us", "flags"),
    "results": (
        "position", "number", "driver", "class", "transponder", "laps",
        "best_lap_us", "best_lap", "best_lap_no", "gap", "status",
        "interval", "last_lap_us", "last_lap", "penalty_us", "reason",  # added later: at the end, for older readers
    ),
    "passings": ("decoder_id", "passing_number", "transponder", "decoder_time_us", "strength", "hits", "counted", "reason"),
    "corrections": ("id", "session", "made_at", "made_by", "kind", "details", "reason", "payload"),
}
KINDS = tuple(HEADERS)

Row = dict[str, Any]


def lap_rows(session_id: int, result: SessionResult) -> list[Row]:
    """One row per lap, cars in standings order, laps in order."""
    rows = []
    laps_by_car: dict[int, list] = {}
    for lap in result.laps:
        laps_by_car.setdefault(lap.car_id, []).append(lap)
    for standing in result.standings:
        for lap in laps_by_car.get(standing.car_id, []):
            rows.append(
                {
                    "session": session_id,
                    "transponder": lap.transponder,
                    "number": standing.number,
                    "driver": standing.driver,
                    "lap": lap.lap_no,
                    "lap_time_us": lap.lap_time_us,
                    "lap_time": format_lap_time(lap.lap_time_us),
                    "crossing_us": lap.crossing_us,
                    "flags": lap.flags_text,
                }
            )
    return rows


def result_rows(result: SessionResult) -> list[Row]:
    """One row per entered car, in finishing order; a car not classified has no position."""
    return [
        {
            "position": row.classified_position,  # empty for DNF, DNS, DSQ (the status says which)
            "number": row.number,
            "driver": row.driver,
            "class": row.car_class,
            "transponder": " ".join(str(t) for t in row.transponders),
            "laps": row.laps,
            "best_lap_us": row.best_lap_us,
            "best_lap": format_lap_time(row.best_lap_us),
            "best_lap_no": row.best_lap_no,
            "gap": format_gap(row.gap),
            "status": row.status.value,
            "interval": format_gap(row.interval),
            "last_lap_us": row.last_lap_us,
            "last_lap": format_lap_time(row.last_lap_us),
            "penalty_us": row.penalty_us,
            "reason": row.status_reason,  # why a car is DNF, DNS or DSQ, as the official gave it
        }
        for row in result.standings
    ]


def passing_rows(result: SessionResult) -> list[Row]:
    """Every passing of the session (added ones included) with whether and why it counted."""
    return [
        {
            "decoder_id": v.passing.decoder_id,
            "passing_number": v.passing.passing_number,
            "transponder": v.passing.transponder,
            "decoder_time_us": v.passing.decoder_time_us,
            "strength": v.passing.strength,
            "hits": v.passing.hits,
            "counted": v.reason.counted,
            "reason": v.reason.value,
        }
        for v in result.verdicts
    ]


def correction_rows(session_id: int, result: SessionResult, records: Sequence[CorrectionRecord]) -> list[Row]:
    """Every correction with who, when, why, in words and as its stored fields."""
    numbers = {row.car_id: row.number for row in result.standings}
    clock = result_clock(result)
    return [
        {
            "id": record.correction.correction_id,
            "session": session_id,
            "made_at": record.made_at,
            "made_by": record.made_by,
            "kind": record.correction.action.kind.value,
            "details": describe_action(record.correction.action, numbers, clock),
            "reason": record.reason,
            "payload": action_payload(record.correction.action),
        }
        for record in records
    ]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return value


def render(kind: str, rows: Sequence[Row], output_format: str) -> str:
    """The rows as CSV (fixed header) or a JSON array."""
    if output_format == "json":
        return json.dumps(list(rows), indent=1, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = HEADERS[kind]
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(row[name]) for name in header])
    return buffer.getvalue()


def write_atomically(path: str | Path, text: str) -> None:
    """Write the whole text file or nothing (UTF-8, newlines as given), with the user's umask."""
    write_bytes_atomically(path, text.encode("utf-8"))
