"""The Passings screen on an 80-column terminal: Why reads in full ("counte" was all of "counted: lap"), the
decoder µs and then the decoder id giving way; x still voids the passing selected, read by column key."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.screens.passings import PASSING_COLUMNS, REASONS, passing_columns
from tests.app.conftest import app_test, timed_to_the_end, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"  # with enter_unknown: each car numbered by its 7-digit transponder
ALL = tuple(key for key, _ in PASSING_COLUMNS)
# The demo's widest texts: a 5-digit passing number, a 6-digit decoder id, a time of day to the µs, 7-digit
# transponders and car numbers, 16 digits of decoder µs, the longest reason.
WIDEST = {"no": 7, "decoder": 7, "time_of_day": 15, "transponder": 11, "car": 7, "time": 16,
          "reason": max(len(reason) for reason in REASONS.values())}


@pytest.mark.parametrize(("available", "left_out"), [
    (118, ()), (98, ()), (97, ("time",)), (80, ("time",)), (79, ("time", "decoder")), (40, ("time", "decoder"))])
def test_the_decoder_us_then_the_decoder_id_give_way_before_why_is_cut(available: int, left_out: tuple) -> None:
    assert passing_columns(available, WIDEST, time_of_day_shown=True) == tuple(k for k in ALL if k not in left_out)


def test_on_a_clock_with_no_time_of_day_its_blank_column_gives_way_not_the_decoder_us() -> None:
    widths = {**WIDEST, "time_of_day": len("Time of day")}
    assert passing_columns(90, widths, time_of_day_shown=False) == tuple(k for k in ALL if k != "time_of_day")


@app_test
async def test_at_80_columns_why_reads_in_full_and_x_voids_the_selected_passing(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        await timed_to_the_end(app, pilot)
        await pilot.press("2")
        await until(pilot, lambda: app.screen.id == "passings", "the Passings screen")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == len(app.model.verdicts) > 0, "every passing listed")
        await pilot.pause()
        assert table.virtual_size.width <= table.scrollable_content_region.width  # nothing off the right edge
        keys = [column.key.value for column in table.columns.values()]
        assert {"no", "time_of_day", "transponder", "car", "reason"} <= set(keys)
        verdicts = {"{}:{}:{}".format(*key): verdict for key, verdict in app.model.verdicts.items()}
        numbers = {row.car_id: row.number for row in app.model.rows.values()}
        header = table.render_line(0).text
        for y in range(1, 1 + min(table.row_count, table.scrollable_content_region.height - 1)):
            row_key = table.coordinate_to_cell_key(Coordinate(y - 1, 0)).row_key
            verdict = verdicts[str(row_key.value)]
            line = table.render_line(y).text  # as drawn
            reason = REASONS[verdict.reason.value]
            assert line.rstrip().endswith(reason) and line.index(reason) == header.index("Why"), line
            if verdict.car_id is not None:
                assert f" {numbers[verdict.car_id]} " in line, line  # all seven digits
        table.move_cursor(row=3)
        row_key = table.coordinate_to_cell_key(Coordinate(3, 0)).row_key
        passing = verdicts[str(row_key.value)].passing
        shown = str(table.get_cell(row_key, "time_of_day"))
        await pilot.press("x")
        await until(pilot, lambda: app.screen.query("#field-number"), "the void-passing form")
        assert [app.screen.query_one(f"#field-{key}", Input).value for key in ("decoder", "number", "time_us")] == \
            [str(passing.decoder_id), str(passing.passing_number), shown]  # whichever columns are drawn


@app_test
async def test_home_and_end_move_the_selection_so_x_voids_the_passing_seen(event_db: Path) -> None:
    """Home showed the newest passings at the top but left the selection where it was, off screen below: x then
    opened the void form for a passing the official could not see (Home then 14 Down picked the 15th one below it)."""
    app = LiveTimingApp(Timing(event_db, "sim://?cars=6&seed=5&speed=0&minutes=15", enter_unknown=True),
                         official="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        await timed_to_the_end(app, pilot, cars=6)
        await pilot.press("2")
        await until(pilot, lambda: app.screen.id == "passings", "the Passings screen")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == len(app.model.verdicts) > 0, "every passing listed")
        assert table.row_count > table.scrollable_content_region.height  # the list scrolls
        await pilot.press("end")
        await until(pilot, lambda: table.cursor_row == table.row_count - 1, "the oldest passing selected")
        await pilot.press("home")
        await until(pilot, lambda: table.cursor_row == 0, "the newest passing selected")
        newest = str(table.get_row_at(0)[0])
        await pilot.press("x")
        await until(pilot, lambda: app.screen.query("#field-number"), "the void-passing form")
        assert app.screen.query_one("#field-number", Input).value == newest
