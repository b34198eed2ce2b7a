"""Keys that need a running session, pressed after it was finished in the same run: refused, never a crash."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from laptiming.app import LiveTimingApp, Timing
from laptiming.errors import TimingError
from laptiming.service.corrections import MinLapRequest
from tests.app.conftest import app_test, finished_with_keys, timed_to_the_end, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"
NO_SESSION_TO_CORRECT = "no session running (corrections to finished sessions: laptiming correct)"  # as on Live


@app_test
async def test_voiding_a_passing_of_the_session_just_finished_is_refused_not_a_crash(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await timed_to_the_end(app, pilot)
        await finished_with_keys(app, pilot)
        await pilot.press("2")
        await until(pilot, lambda: app.screen.id == "passings" and app.screen.query_one(DataTable).row_count > 0,
                    "the Passings screen")
        await pilot.press("x", *"typo", "enter")  # as the tester typed it: a reason and Enter, if a form opened
        await until(pilot, lambda: any(n.message == NO_SESSION_TO_CORRECT for n in app._notifications), "refused")
        assert app.screen.id == "passings" and app.is_running


def test_the_timing_service_refuses_what_needs_a_running_session(event_db: Path) -> None:
    """The adapter's calls that need a recording say so (TimingError), never an assert."""
    timing = Timing(event_db, SIM)
    refused = timing.correct(MinLapRequest(30_000_000), "desk", "why")
    assert isinstance(refused.exception(), TimingError) and str(refused.exception()) == NO_SESSION_TO_CORRECT
    for call in (lambda: timing.finish("desk"), lambda: timing.show_flag(timing.flag(), "desk")):
        try:
            call()
        except TimingError as err:
            assert "no session running" in str(err)
        else:
            raise AssertionError("not refused")


@app_test
async def test_after_finish_the_uncounted_transponders_alerts_name_what_still_counts_them(event_db: Path) -> None:
    """Once the session was finished its UNKNOWN TRANSPONDER alerts stayed as they were, "-- press a to assign it
    to a car", and a then said no session was running: the alert sent the official to a key that refuses."""
    app = LiveTimingApp(Timing(event_db, SIM), official="desk")  # no --enter-unknown: all three stay unknown
    async with app.run_test(size=(120, 40)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: len(app.model.unknown) == 3 and app.model.link is not None
                    and app.model.link.state.value == "ended", "three unknown transponders, the source ended")
        await finished_with_keys(app, pilot)
        alerts = app.screen_named("live").query_one("#alerts")
        transponder = min(app.model.unknown)
        await until(pilot, lambda: "laptiming correct assign" in str(alerts.render()), "the alerts reworded")
        text = str(alerts.render())
        assert "press a" not in text
        assert f"UNKNOWN TRANSPONDER {transponder}: " in text and "not counted in Practice 1 (finished)" in text
