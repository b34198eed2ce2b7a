"""Keys sent in the same burst as the key that opens a form (a fast typist, tmux send-keys, a barcode scanner)
land in the form's field, in order: ``w 907`` entered car 07 when the form took its keys only once it had focus."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from textual.widgets import Input

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.event_db import DaySession
from laptiming.app.screens.dialogs import SessionPicker
from tests.app.conftest import WAIT_S, app_test, press_together, timed_to_the_end, until

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


class SlowDay(Timing):
    """A day that takes a while to read (a busy laptop's disk): the test says when it may be read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.may_read = threading.Event()

    def day(self) -> list[DaySession]:
        """The day, once the test allows it."""
        assert self.may_read.wait(WAIT_S)
        return super().day()


@app_test
async def test_enter_typed_while_the_session_picker_reads_the_day_starts_the_session(event_db: Path) -> None:
    timing = SlowDay(event_db, SIM, enter_unknown=True)
    app = LiveTimingApp(timing, official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        press_together(app, "n", "enter")  # n, then Enter for the session under the cursor, before the picker shows
        await pilot.pause()  # both keys reach the app while the day is being read
        timing.may_read.set()
        await until(pilot, lambda: timing.recording is not None, "the session the Enter typed ahead chose, started")
        assert not isinstance(app.screen, SessionPicker)


@app_test
async def test_enter_typed_with_the_key_that_opens_the_walk_up_form_moves_on_to_the_next_field(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await timed_to_the_end(app, pilot)
        press_together(app, "w", *"907", "enter", *"Bo")  # the number, Enter, the driver: one burst
        await until(pilot, lambda: app.screen.query("#walkup-driver"), "the walk-up form")
        driver = app.screen.query_one("#walkup-driver", Input)
        await until(pilot, lambda: driver.value == "Bo", f"the driver typed after the Enter (it reads {driver.value!r})")
        assert app.screen.query_one("#walkup-number", Input).value == "907"
