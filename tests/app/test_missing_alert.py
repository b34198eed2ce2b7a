"""The app says which passings the decoder numbered and the session never got: live, and before results go official."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label

from hardware.p3 import encode_passing
from laptiming.app import LiveTimingApp, Timing
from laptiming.app.screens.dialogs import Confirm
from laptiming.app.widgets.status import AlertBar
from tests.app.conftest import app_test, finished_with_keys, timed_to_the_end, until
from tests.timing.timing_builders import DECODER, S, T0, passing


@app_test
async def test_an_alert_names_the_passings_lost_on_the_wire(event_db: Path, tmp_path: Path) -> None:
    capture = tmp_path / "lost.p3"  # passings 3 and 4 never reached the laptop
    capture.write_bytes(b"".join(encode_passing(passing(5000001, T0 + n * 95 * S, n)) for n in (1, 2, 5, 6)))
    app = LiveTimingApp(Timing(event_db, f"file://{capture}", enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 36)) as pilot:
        app.start_session(1)
        alerts = app.screen_named("live").query_one(AlertBar)
        await until(pilot, lambda: "PASSINGS MISSING" in str(alerts.render()), "the missing passings alert")
        assert (f"PASSINGS MISSING: decoder {DECODER} never sent passing(s) 3-4 (2); a lap across them reads too "
                "long") in " ".join(str(alerts.render()).split())


@app_test
async def test_the_results_screen_says_so_before_the_results_are_made_official(event_db: Path, tmp_path: Path) -> None:
    capture = tmp_path / "lost.p3"
    capture.write_bytes(b"".join(encode_passing(passing(5000001, T0 + n * 95 * S, n)) for n in (1, 2, 5, 6)))
    app = LiveTimingApp(Timing(event_db, f"file://{capture}", enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 36)) as pilot:
        await timed_to_the_end(app, pilot, cars=1)
        await finished_with_keys(app, pilot)
        await pilot.press("4")
        status = app.screen.query_one("#result-status", Label)
        await until(pilot, lambda: "never received" in str(status.render()), "the results say what never came")
        assert str(status.render()) == (f"session 1 (Practice 1): results provisional -- 2 passing(s) never received (decoder "
                                        f"{DECODER}: 3-4): a lap across them reads too long")
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, Confirm), "the question")
        question = " ".join(str(label.render()) for label in app.screen.query(Label))
        assert "2 passing(s) never received" in question and "official?" in question
