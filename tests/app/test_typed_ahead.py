"""Keys sent in the same burst as the key that opens a form (a fast typist, tmux send-keys, a barcode scanner)
land in the form's field, in order: ``w 907`` entered car 07 when the form took its keys only once it had focus."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from laptiming.app import LiveTimingApp, Timing
from tests.app.conftest import app_test, press_together, timed_to_the_end, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


async def _typed_with_the_opening_key(app: LiveTimingApp, pilot, key: str, text: str, field_id: str) -> Input:
    """Send ``key`` and ``text`` together once the session is timed; the form's field, once it reads ``text``."""
    await timed_to_the_end(app, pilot)
    press_together(app, key, *text)
    await until(pilot, lambda: app.screen.query(f"#{field_id}"), f"the form with #{field_id}")
    field = app.screen.query_one(f"#{field_id}", Input)
    await until(pilot, lambda: field.value == text, f"{text} typed (the field reads {field.value!r})")
    return field


@app_test
async def test_a_car_number_typed_with_the_key_that_opens_the_walk_up_form_is_whole(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        field = await _typed_with_the_opening_key(app, pilot, "w", "907", "walkup-number")
        press_together(app, "enter", *"Bo")  # and the keys after it still go where they went before
        driver = app.screen.query_one("#walkup-driver", Input)
        await until(pilot, lambda: driver.value == "Bo", f"the driver typed (it reads {driver.value!r})")
        assert field.value == "907"


@app_test
async def test_a_minimum_lap_typed_with_the_key_that_opens_its_form_is_whole(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await _typed_with_the_opening_key(app, pilot, "m", "30", "field-seconds")
        assert app.screen.id != "day"  # '3' went to the form, not to the Day screen
