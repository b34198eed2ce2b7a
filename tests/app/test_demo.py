"""The demo: the sample track day on the simulator, in the app and (without a terminal) as text."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from laptiming.app import LiveTimingApp, Timing, demo
from laptiming.app.widgets.standings import StandingsTable
from laptiming.store import SessionPhase, list_sessions, open_event_db
from laptiming.store.sessions import load_entries
from tests.app.conftest import app_test, until

FIRST_LAPS_WITHIN_S = 10.0


def test_demo_event_is_the_sample_roster(tmp_path: Path) -> None:
    record, url = demo.prepare(tmp_path / "demo.db")
    assert record is not None and record.name == "Session 2" and record.planned_start == "2026-06-13 08:20"
    db = open_event_db(tmp_path / "demo.db", readonly=True)
    try:
        sessions = list_sessions(db)
        entries = load_entries(db, record.session_id)
    finally:
        db.close()
    assert len(sessions) > 20 and all(s.phase is SessionPhase.PLANNED for s in sessions)
    assert all(entry.driver for entry in entries)  # the roster's drivers
    assert url.startswith("sim://?from-db=1&")  # the simulator drives the session's own transponders


@app_test
async def test_demo_goes_green_and_fills_lap_times_within_ten_seconds(tmp_path: Path) -> None:
    db_path = tmp_path / "demo.db"
    record, url = demo.prepare(db_path)
    assert record is not None
    app = LiveTimingApp(Timing(db_path, url, url_for=demo.simulate_session), official="demo", autostart=True)
    started = time.monotonic()
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.screen_named("live").query_one(StandingsTable)

        def lap_times_shown() -> bool:
            return any(table.cell_text(car_id, "last") for car_id in app.model.rows if table.has_car(car_id))

        await until(pilot, lap_times_shown, "lap times in the table", timeout=30)
        took = time.monotonic() - started
        assert app.timing.flag().value == "green"
        assert not app.model.unknown  # every car is the roster's
        assert took < FIRST_LAPS_WITHIN_S, f"first lap times after {took:.1f} s"
        await pilot.press("q", "y")


def test_demo_without_a_terminal_prints_the_session_and_ends(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "laptiming", "demo", "--db", str(tmp_path / "demo.db"), "--speed", "400"],
                          capture_output=True, text=True, timeout=100, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("no terminal: printing the demo session")
    assert "Session 1: Session 2 (practice, finished)" in done.stdout
