"""A session left running (the app quit or was killed mid-session) is said on Live until it is resumed."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.widgets.status import AlertBar
from laptiming.store import SessionPhase, open_event_db
from tests.app.conftest import app_test, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


@app_test
async def test_a_session_left_running_and_not_timed_is_an_alert_until_it_is_resumed(event_db: Path) -> None:
    """Restarted after a quit mid-session, Live said only "no session running": nothing said that a session was
    still running with nobody reading its decoder."""
    db = open_event_db(event_db)
    try:
        with db.atomic():
            db.execute("UPDATE sessions SET phase = ? WHERE name = ?", [SessionPhase.RUNNING.value, "Practice 2"])
    finally:
        db.close()
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(100, 30)) as pilot:
        alerts = app.screen_named("live").query_one(AlertBar)
        said = "NOT TIMED: Practice 2 was left running and no one is reading its decoder -- press n to resume it"
        await until(pilot, lambda: said in str(alerts.render()) and alerts.display, "the session left running said")
        assert "Practice 1" not in str(alerts.render())  # planned, not running
        assert "no session timed here" in str(app.screen_named("live").query_one("#session-bar").render())
        await pilot.press("n")
        await until(pilot, lambda: "SessionPicker" in type(app.screen).__name__, "the picker")
        assert app.screen.query_one(OptionList).get_option_at_index(0).id == "2"
        await pilot.press("enter")
        await until(pilot, lambda: app.timing.record is not None and app.timing.record.name == "Practice 2",
                    "Practice 2 resumed")
        await until(pilot, lambda: "NOT TIMED" not in str(alerts.render()), "the alert gone once it is timed")
