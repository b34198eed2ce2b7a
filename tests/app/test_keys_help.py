"""The keys list (?) on an 80x24 terminal: every key of the screen and of the app is on screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from laptiming.app import LiveTimingApp, Timing
from tests.app.conftest import app_test, screen_lines, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


@pytest.mark.parametrize("screen_key", ["1", "2", "3", "4"])
@app_test
async def test_at_80_by_24_the_keys_list_shows_every_key(event_db: Path, screen_key: str) -> None:
    """Live has twenty keys: listed in one column, the box was cut off below 2 Passings, so Day, Results,
    ? and Quit were not on screen (the README says ? lists every key)."""
    app = LiveTimingApp(Timing(event_db, SIM), official="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(screen_key)
        await pilot.pause()
        underneath = app.screen
        await pilot.press("question_mark")
        await until(pilot, lambda: app.screen.query("#keys"), "the keys listed")
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        bindings = [*underneath.BINDINGS, *app.BINDINGS]
        for binding in bindings:
            key = binding.key.replace("question_mark", "?").replace("escape", "Esc")
            assert f"{key}  {binding.description}" in shown, f"{key} {binding.description} not on screen"
        # in two columns, each line whole: a third column (Live's 21st key, q) wrapped onto a line of its own
        listed = [line.strip() for line in str(app.screen.query_one("#keys").render()).splitlines() if line.strip()]
        assert all(line in shown for line in listed), "a line of the keys list is not on screen whole"
