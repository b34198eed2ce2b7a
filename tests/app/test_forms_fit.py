"""Forms on an 80x24 terminal: every field, the message under them and the keys line are on screen."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Label

from laptiming.app import LiveTimingApp, Timing
from tests.app.conftest import app_test, loaner_walked_up_by_a_second_car, screen_lines, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"  # the event has no cars: three unknown transponders


@app_test
async def test_at_80_by_24_the_walk_up_forms_from_field_comes_with_its_question(event_db: Path) -> None:
    """With an unknown transponder filled in and From opened for a loaner, the form was 25 rows high: the box was
    cut at 21, so "transponder ... belongs to car 7: when was it handed on?", any error typed From, and the keys
    line were under its bottom edge; the official saw a new field appear and Enter seem to do nothing."""
    app = LiveTimingApp(Timing(event_db, SIM), official="gate")
    async with app.run_test(size=(80, 24)) as pilot:
        form, _ = await loaner_walked_up_by_a_second_car(app, pilot)
        error = form.query_one("#form-error", Label)
        await until(pilot, lambda: "belongs to car 7" in str(error.render())
                    and form.query_one("#walkup-from", Input).has_focus, "From asked for")
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "belongs to car 7: when was it" in shown
        assert "Esc: cancel" in shown
        await pilot.press(*"half past nine", "enter")
        await until(pilot, lambda: "belongs to car 7" not in str(error.render()), "the time refused")
        await pilot.pause()
        said = str(error.render()).split()[0]
        assert said in "\n".join(screen_lines(app)) and app.screen is form
