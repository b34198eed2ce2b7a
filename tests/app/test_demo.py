"""The demo: the sample track day on the simulator, in the app and (without a terminal) as text."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path


from laptiming.app import LiveTimingApp, Timing, demo
from laptiming.app.widgets.standings import StandingsTable
from laptiming.store import SessionPhase, list_sessions, open_event_db
from laptiming.store.sessions import load_entries
from laptiming.service.web_feed import FeedPicture
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
    assert "session 1 (Session 2): practice, finished" in done.stdout


def test_demo_serves_the_phone_page_of_the_session_it_times(tmp_path: Path) -> None:
    """``demo --web 0``: the page's address comes first, and its event stream shows the demo's session running."""
    import httpx
    from httpx_sse import connect_sse

    demo_run = subprocess.Popen([sys.executable, "-m", "laptiming", "demo", "--db", str(tmp_path / "demo.db"),
                                 "--speed", "20", "--web", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        first = demo_run.stdout.readline()
        assert first.startswith("serving live results at http://127.0.0.1:"), first + demo_run.stderr.read()
        url = first.split(" at ", 1)[1].split()[0]
        with httpx.Client(trust_env=False, timeout=httpx.Timeout(10, read=60)) as client, \
                connect_sse(client, "GET", url + "api/events") as stream:
            picture = FeedPicture()
            for event in stream.iter_sse():  # a snapshot, then a change per commit
                if event.data:
                    picture.apply(event.event, json.loads(event.data))
                if picture.session is not None and picture.session["phase"] == "running" and picture.rows:
                    break
        assert picture.session["name"] == "Session 2"
        assert all(row["driver"] for row in picture.standings())  # the roster's drivers, not unknown cars
    finally:
        demo_run.terminate()
        demo_run.wait(60)
        demo_run.stdout.close()
        demo_run.stderr.close()
