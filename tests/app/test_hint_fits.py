"""The hint line under the standings on an 80-column terminal: shown whole, never cut at its end."""

from __future__ import annotations

from pathlib import Path

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.adapter import FlagShown
from laptiming.app.widgets.status import Line
from tests.app.conftest import app_test, screen_lines, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


def _hint_row(app: LiveTimingApp) -> str:
    """The hint line as drawn on the terminal."""
    hint = app.screen_named("live").query_one("#hint", Line)
    return screen_lines(app)[hint.region.y].strip()


@app_test
async def test_at_80_columns_the_hint_says_where_the_keys_are_and_is_not_cut(event_db: Path) -> None:
    """The running session's hint is 97 characters: at 80 columns "2: passings  ?: keys" fell off its end (the
    footer is cut too), and the checkered flag's hint lost "all are in"."""
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: app.timing.flag() is FlagShown.GREEN, "the green flag")
        await until(pilot, lambda: "flags" in _hint_row(app), "the running session's hint")
        assert _hint_row(app) == "y/r/g/c: flags  s/p/l/i/a: correct the selected car  w: walk-up  ?: all keys"
        await pilot.press("c")
        await until(pilot, lambda: "checkered:" in _hint_row(app), "the checkered flag's hint")
        assert _hint_row(app).endswith("f: finish when all are in")
