"""The Day screen follows the day by itself while it is open: no u needed to see a session start."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from laptiming.app import LiveTimingApp, Timing
from tests.app.conftest import app_test, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"
STATE = 5  # the Day table's state column at 120 columns


def _state(table: DataTable, row: int) -> str:
    """The state cell of this row as shown."""
    return str(table.get_row_at(row)[STATE])


@app_test
async def test_the_day_screen_shows_a_session_started_while_it_is_open(event_db: Path) -> None:
    """The Day screen was read once when opened: a session started meanwhile still read "planned" (and its
    passings 0) until the official pressed u or opened the screen again."""
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await until(pilot, lambda: app.screen.id == "day", "the Day screen")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2, "both sessions listed")
        assert _state(table, 0) == "planned"
        await pilot.press("down")  # the official's selection survives each read
        await until(pilot, lambda: table.cursor_row == 1, "the second row selected")
        app.start_session(1)
        await until(pilot, lambda: _state(table, 0) == "running", "session 1 shown running, with no key pressed")
        assert app.screen.id == "day" and table.cursor_row == 1
