"""Printouts at event scale: every slip and the results sheet of a 100-car session as PDF (target under 5 s),
and a driver's day for each of 700 drivers in one PDF (target under 60 s).

The event databases are made by :mod:`laptiming.sample_day` (real SQLite, laps derived by the
engine); the time counts loading the results from the database, rendering every chart and writing the PDFs.
The CPU time is printed too: on a machine shared with other work the wall clock is the CPU time plus waiting.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from laptiming.printouts.charts import Charts
from laptiming.printouts.data import load_event_day, load_session_sheet
from laptiming.printouts.day_model import build_days
from laptiming.printouts.driver_day import days_pdf
from laptiming.printouts.output import write_bytes_atomically
from laptiming.printouts.results_pdf import results_pdf
from laptiming.printouts.results_table import build_results
from laptiming.sample_day import build_sample_event
from laptiming.printouts.slip import session_slips
from laptiming.printouts.slip_pdf import slips_pdf

SESSION_CARS = 100
SESSION_TARGET_S = 5.0
DAY_DRIVERS = 700
DAY_TARGET_S = 60.0


def _verdict(elapsed: float, target: float) -> str:
    return "OK" if elapsed < target else "MISSED"


def bench_session(folder: Path) -> None:
    """All slips and the results sheet of one 100-car session."""
    db = build_sample_event(folder / "hundred.db", drivers=SESSION_CARS, per_session=SESSION_CARS, runs=1,
                            race=False, minutes=20)
    started, cpu = time.perf_counter(), time.process_time()
    sheet = load_session_sheet(db, 1)
    charts = Charts()
    slips = list(session_slips(sheet))
    write_bytes_atomically(folder / "slips.pdf", slips_pdf(slips, charts))
    write_bytes_atomically(folder / "results.pdf", results_pdf(build_results(sheet), charts=charts))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    laps = len(sheet.result.laps)
    print(f"slips + results sheet: {len(slips)} cars, {laps} laps, {(folder / 'slips.pdf').stat().st_size // 1024} KiB of slips")
    print(f"  {elapsed:.2f} s ({cpu:.2f} s of CPU)  (target: under {SESSION_TARGET_S:.0f} s) "
          f"{_verdict(elapsed, SESSION_TARGET_S)}")


def bench_day(folder: Path) -> None:
    """A driver's day for every one of 700 drivers (three runs each, 25 cars a session)."""
    db = build_sample_event(folder / "day.db", drivers=DAY_DRIVERS, per_session=25, runs=3, race=False)
    started, cpu = time.perf_counter(), time.process_time()
    day = load_event_day(db)
    days = build_days(day)
    write_bytes_atomically(folder / "days.pdf", days_pdf(days, day.event_name))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"driver's day: {len(days)} drivers over {len(day.sessions)} sessions, one page each")
    print(f"  {elapsed:.2f} s ({cpu:.2f} s of CPU), {1000 * elapsed / len(days):.0f} ms a page  (target: under {DAY_TARGET_S:.0f} s) "
          f"{_verdict(elapsed, DAY_TARGET_S)}")


def main() -> None:
    """Run both and print each time beside its target."""
    with tempfile.TemporaryDirectory() as folder:
        bench_session(Path(folder))
        bench_day(Path(folder))


if __name__ == "__main__":
    main()
