"""Roster sheets for the paddock: one per session (grid marshal) and one per driver (itinerary).

CSV here; ``laptiming print roster`` renders the same rows as PDF.
"""

from __future__ import annotations

from pathlib import Path

from anyascii import anyascii

from scheduler.model import format_time
from scheduler.output import CsvFile, write_all
from scheduler.roster import RosterRow

SESSION_SHEET_COLUMNS: tuple[str, ...] = (
    "session", "start", "end", "cars", "car_number", "driver", "driver_id", "car_class", "skill",
    "transponder", "group",
)
ITINERARY_COLUMNS: tuple[str, ...] = (
    "driver_id", "driver", "car_number", "run", "of", "session", "start", "end",
)


def session_sheet(rows: list[RosterRow]) -> list[list[str]]:
    """One line per car, session by session in time order, cars by number within a session."""
    counts: dict[tuple, int] = {}
    for row in rows:
        counts[(row.start, row.session)] = counts.get((row.start, row.session), 0) + 1
    ordered = sorted(rows, key=lambda r: (r.start, r.session, _number(r.car_number), r.driver_id))
    return [[r.session, format_time(r.start), format_time(r.end), str(counts[(r.start, r.session)]),
             r.car_number, r.driver, r.driver_id, r.car_class, r.skill, r.transponder, r.group]
            for r in ordered]


def itinerary_sheet(rows: list[RosterRow]) -> list[list[str]]:
    """One line per run, drivers in alphabetical order as people read it (accents and case aside, as the printed
    itineraries; namesakes by id), each driver's runs in time order."""
    by_driver: dict[str, list[RosterRow]] = {}
    for row in rows:
        by_driver.setdefault(row.driver_id, []).append(row)
    names = {driver_id: runs[0].driver for driver_id, runs in by_driver.items()}
    lines = []
    for driver_id in sorted(by_driver, key=lambda d: (anyascii(names[d]).casefold(), names[d], d)):
        runs = sorted(by_driver[driver_id], key=lambda r: r.start)
        for number, r in enumerate(runs, start=1):
            lines.append([r.driver_id, r.driver, r.car_number, str(number), str(len(runs)), r.session,
                          format_time(r.start), format_time(r.end)])
    return lines


def sheet_paths(directory: Path) -> tuple[Path, Path]:
    """Where the sheets go in ``directory``: ``sessions.csv`` and ``itineraries.csv``."""
    return directory / "sessions.csv", directory / "itineraries.csv"


def sheet_files(directory: Path, rows: list[RosterRow]) -> tuple[CsvFile, CsvFile]:
    """``sessions.csv`` and ``itineraries.csv`` in ``directory``, ready to write."""
    sessions, itineraries = sheet_paths(directory)
    return (CsvFile(sessions, SESSION_SHEET_COLUMNS, session_sheet(rows)),
            CsvFile(itineraries, ITINERARY_COLUMNS, itinerary_sheet(rows)))


def write_sheets(directory: Path, rows: list[RosterRow]) -> tuple[Path, Path]:
    """Write ``sessions.csv`` and ``itineraries.csv`` into ``directory`` (both or neither)."""
    files = sheet_files(directory, rows)
    write_all(files)
    return files[0].path, files[1].path


def _number(car_number: str) -> tuple[int, str]:
    return (int(car_number), "") if car_number.isdigit() else (1 << 30, car_number)
