"""A small laptop's terminal (100 columns): the Live table keeps Status (and Int) on screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.widgets.columns import COLUMNS, drawn_width, fit_columns
from laptiming.app.widgets.standings import HEADER_LINES, StandingsTable
from tests.app.conftest import app_test, make_event, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"
SMALL_LAPTOP = (100, 30)
ALWAYS_SHOWN = {"pos", "no", "driver", "laps", "last", "best", "gap", "status"}


@app_test
async def test_at_100_columns_the_status_of_a_car_is_on_screen(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=SMALL_LAPTOP) as pilot:
        app.start_session(1)
        table = app.screen_named("live").query_one(StandingsTable)
        await until(pilot, lambda: table.row_count == 3 and app.model.link is not None
                    and app.model.link.state.value == "ended", "three cars timed")
        leader = min(app.model.rows.values(), key=lambda row: row.position)
        table.move_cursor(row=table.get_row_index(str(leader.car_id)))
        await pilot.press("s")
        await until(pilot, lambda: app.screen.query("#field-status"), "the status form")
        app.screen.query_one("#field-status", Input).value = "DSQ"
        reason = app.screen.query_one("#field-reason", Input)
        reason.value = "jump start"
        reason.focus()
        await until(pilot, lambda: reason.has_focus, "the reason field focused")
        await pilot.press("enter")
        await until(pilot, lambda: table.has_car(leader.car_id)
                    and table.cell_text(leader.car_id, "status") == "DSQ (jump start)", "the DSQ in the table")
        await pilot.pause()
        assert table.region.right <= SMALL_LAPTOP[0] and table.scroll_x == 0
        assert table.virtual_size.width <= table.scrollable_content_region.width  # nothing off the right edge
        header = table.render_line(0).text  # as drawn: cut to the widget's visible width
        assert header.split() == ["Pos", "No", "Driver", "Laps", "Last", "Best", "Gap", "Int", "Status"]
        line = table.render_line(HEADER_LINES + table.get_row_index(str(leader.car_id))).text
        assert header.index("Status") == line.index("DSQ (")  # under its header, on screen
        assert "DSQ (jump" in line  # and as much of the reason as fits


TYPICAL = {"pos": 2, "no": 3, "laps": 2, "status": 7}  # a club day's widest texts: car 206, 12 laps, running
NARROWEST = 74  # cells the fewest columns need then: an 80-column terminal, less its scrollbar, has 78
WITH_INT = 87  # Int goes only below 89 terminal columns
FULL = 114  # every column at its full width: a 116-column terminal


@pytest.mark.parametrize("available", range(40, 160, 3))
def test_the_columns_fit_and_only_the_least_needed_give_way(available: int) -> None:
    columns = fit_columns(available, TYPICAL)
    keys = {key for key, _, _ in columns}
    assert ALWAYS_SHOWN <= keys
    assert [key for key, _, _ in COLUMNS if key in keys] == [key for key, _, _ in columns]  # the order kept
    assert drawn_width(columns) == max(available, NARROWEST)  # fits exactly; narrower: it scrolls sideways
    assert ("int" in keys) == (available >= WITH_INT)
    assert (keys == {key for key, _, _ in COLUMNS}) == (available >= FULL)


@app_test
async def test_on_an_80_by_24_terminal_the_picker_keeps_its_new_session_field_on_screen(tmp_path: Path) -> None:
    """A day of 27 sessions pushed "or a new practice session" and its field below the bottom of the screen."""
    db = make_event(tmp_path / "event.db", *(f"Session {n}" for n in range(1, 28)))
    app = LiveTimingApp(Timing(db, SIM), official="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: "SessionPicker" in type(app.screen).__name__, "the picker")
        await pilot.pause()
        field = app.screen.query_one("#new-session", Input)
        assert 0 < field.region.bottom <= 24
        assert app.screen.get_widget_at(field.region.x, field.region.y)[0] is field  # drawn, not hidden
