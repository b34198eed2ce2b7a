"""The itineraries CSV lists drivers as people look themselves up: alphabetically, accents and case aside."""

from __future__ import annotations

from datetime import datetime

from scheduler.roster import RosterRow
from scheduler.sheets import itinerary_sheet


def run(driver_id: str, driver: str, hour: int) -> RosterRow:
    start = datetime(2026, 6, 13, hour, 0)
    return RosterRow("1", start, start.replace(minute=15), driver_id, driver, f"C{driver_id}", "7", "3100222",
                     "Standard", "novice", "")


def test_drivers_are_in_alphabetical_order_and_each_drivers_runs_in_time_order() -> None:
    """By driver id, 'Émile Zola' (D0001) came first and 'ana Ortiz' (D0003) last; an id says nothing to a driver
    looking for their name on the sheet."""
    rows = [run("D0001", "Émile Zola", 9), run("D0002", "Ana Ångström", 10), run("D0003", "ana Ortiz", 8),
            run("D0002", "Ana Ångström", 8), run("D0004", "Zoë Brandt", 11), run("D0005", "Ana Ångström", 12)]
    lines = itinerary_sheet(rows)
    assert [(line[0], line[3], line[6][-5:]) for line in lines] == [
        ("D0002", "1", "08:00"), ("D0002", "2", "10:00"),  # namesakes by id
        ("D0005", "1", "12:00"),
        ("D0003", "1", "08:00"),
        ("D0001", "1", "09:00"),
        ("D0004", "1", "11:00"),
    ]
