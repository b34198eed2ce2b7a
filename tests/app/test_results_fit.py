"""The Results screen fits its columns to the terminal as Live does: Gap and Status are never cut off (at 80
columns the status word shows, a long reason may be cut; at 160 all of it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable

from laptiming.app import LiveTimingApp, Timing
from laptiming.engine import CarStatus
from laptiming.service.corrections import StatusRequest
from tests.app.conftest import app_test, finished_with_keys, screen_lines, timed_to_the_end, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


@pytest.mark.parametrize("size", [(80, 24), (160, 40)])
@app_test
async def test_results_show_gap_and_the_whole_status_at_any_width(event_db: Path, size: tuple[int, int]) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=size) as pilot:
        await timed_to_the_end(app, pilot)
        rows = sorted(app.model.rows.values(), key=lambda row: row.position)
        for row, status, reason in ((rows[1], CarStatus.DNF, "oil"), (rows[2], CarStatus.DSQ, "contact in turn 3")):
            app.send_correction(StatusRequest(row.number, status), reason)
            await until(pilot, lambda: app.timing.state is not None and any(
                r.number == row.number and r.status is status for r in app.timing.state.standings), f"{status.value}")
        await finished_with_keys(app, pilot)
        await pilot.press("4")
        await until(pilot, lambda: app.screen.id == "results" and app.screen.query_one(DataTable).row_count == 3,
                    "the results")
        table = app.screen.query_one(DataTable)
        keys = [column.key.value for column in table.columns.values()]
        assert {"gap", "status"} <= set(keys)
        drawn = sum(column.get_render_width(table) for column in table.columns.values())
        assert drawn - 1 <= table.scrollable_content_region.width  # nothing off the right edge
        width = next(column.width for column in table.columns.values() if column.key.value == "status")
        texts = [str(table.get_row_at(i)[keys.index("status")]) for i in range(3)]
        assert texts == ["finished", "DNF (oil)", "DSQ (contact in turn 3)"]
        if size[0] >= 120:  # room for the reasons: the whole of each status
            assert all(cell_len(text) <= width for text in texts), (texts, width)
        else:  # the status word itself, at least
            assert width >= max(len("finished"), len("DSQ")), width


@app_test
async def test_the_results_title_and_its_keys_are_whole_at_80_columns(event_db: Path) -> None:
    """The title listing the Results keys was cut at 80 columns in the middle of one: '... r: reopen, u: time'."""
    app = LiveTimingApp(Timing(event_db, SIM), official="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await until(pilot, lambda: app.screen.id == "results", "the Results screen")
        await pilot.pause()
        title = app.screen.query_one(".screen-title")
        row = screen_lines(app)[title.region.y].rstrip()
        assert row.endswith("Esc: back)"), row
        for key in ("e:", "p:", "o:", "r:", "u: time again"):
            assert key in row, (key, row)
