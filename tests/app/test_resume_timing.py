"""A session finished too soon, timed again from the Results screen: a reason, then it runs and is timed."""

from __future__ import annotations

from pathlib import Path

from laptiming.app import LiveTimingApp, Timing
from laptiming.service.control import control_log
from laptiming.store import SessionPhase, get_session, open_event_db
from tests.app.conftest import app_test, timed_to_the_end, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


def _phase(db_path: Path) -> SessionPhase:
    db = open_event_db(db_path, readonly=True)
    try:
        return get_session(db, 1).phase
    finally:
        db.close()


@app_test
async def test_u_on_the_results_screen_times_a_session_finished_too_soon_again(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await timed_to_the_end(app, pilot)
        await pilot.press("f", "y")
        await until(pilot, lambda: app.timing.recording is None and _phase(event_db) is SessionPhase.FINISHED, "finished")
        await pilot.press("4")
        await until(pilot, lambda: app.screen.id == "results" and app.screen._session_id == 1, "session 1 shown")
        await pilot.press("u")
        await until(pilot, lambda: app.screen.query("#reason"), "the reason asked")
        await pilot.press(*"finished by mistake", "enter")
        await until(pilot, lambda: app.timing.recording is not None and app.timing.recording.session_id == 1,
                    "session 1 timed again")
        assert _phase(event_db) is SessionPhase.RUNNING and app.screen.id == "live"
        await until(pilot, lambda: len(app.model.rows) == 3, "its standings back on Live")
    db = open_event_db(event_db, readonly=True)
    try:
        resumed = [(r.made_by, r.reason) for r in control_log(db, 1) if r.action.value == "resume"]
    finally:
        db.close()
    assert resumed == [("desk", "finished by mistake")]
