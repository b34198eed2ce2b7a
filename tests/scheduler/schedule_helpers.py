"""Helpers for the scheduler tests: a small plan, entry rows, an entries CSV writer, and the CLI runners."""

from __future__ import annotations

import csv
import zlib
from collections.abc import Sequence
from pathlib import Path

from hypothesis import strategies as st

from scheduler.grid import max_runs_in
from scheduler.model import ENTRY_COLUMNS, Slot
from tests.timing.cli_runner import run_cli, run_cli_process

# ``laptiming ARGS`` in this process (fast, the default) or as a real subprocess (when the claim is about a process).
run_laptiming = run_cli
run_laptiming_process = run_cli_process

# 08:00-12:00 with a 10:00-10:20 break: slots 08:00 ... 09:40 (6) and 10:20 ... 11:40 (5).
SMALL_PLAN = """\
[event]
name = "Test day"

[[days]]
date = "2026-06-13"
start = "08:00"
end = "12:00"
breaks = [["10:00", "10:20"]]

[sessions]
length_minutes = 15
changeover_minutes = 5
capacity = 4

[drivers]
runs = 2
min_rest_minutes = 40

[rules]
never_together = [["novice", "advanced"]]
separate_classes = ["Electric"]
"""


def entry(driver_id: str, *, car: str | None = None, number: str | None = None,
          transponder: str | None = None, car_class: str = "Standard", skill: str = "intermediate",
          group: str = "", available_from: str = "", available_until: str = "",
          runs: str = "") -> list[str]:
    """One entries row; the car defaults to the driver's own, its number to the car id without ``C-``, and its
    transponder to a number made from the car id (so drivers sharing a car share both)."""
    car = car or f"C-{driver_id}"
    return [driver_id, f"Driver {driver_id}", car, number or car.removeprefix("C-"),
            transponder or str(1 + zlib.crc32(car.encode())), car_class, skill, group, available_from,
            available_until, runs]


def write_entries(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = ENTRY_COLUMNS) -> Path:
    """Write an entries CSV."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def drawn_window(draw: st.DrawFn, slots: Sequence[Slot], rest_minutes: int) -> tuple[int, int, int]:
    """A driver's window for the property tests: its first and last slot, and how many runs it holds with
    that rest (so the runs drawn for it can always be placed)."""
    first = draw(st.integers(0, len(slots) - 1))
    last = draw(st.integers(first, len(slots) - 1))
    return first, last, max_runs_in(list(range(first, last + 1)), slots, rest_minutes)
