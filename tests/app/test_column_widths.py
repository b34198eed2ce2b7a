"""No value that matters is cut: a car numbered by its transponder shows all seven digits on Live and Results, at
80 columns too, and Status takes the room its text needs (a penalty, a DNF and its reason) when the screen has it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.widgets.columns import COLUMNS, NARROWER, drawn_width, fit_columns, wanted_columns
from laptiming.app.widgets.standings import HEADER_LINES, StandingsTable
from laptiming.engine import CarStatus, SessionRules, SessionType
from laptiming.service.corrections import PenaltyRequest, StatusRequest
from tests.app.conftest import app_test, finished_with_keys, make_event, timed_to_the_end, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"  # with enter_unknown: each car numbered by its 7-digit transponder
TERMINAL_80, TERMINAL_120 = (80, 24), (120, 40)
SCROLLBAR = 2


def _widths(columns: tuple[tuple[str, str, int], ...]) -> dict[str, int]:
    return {key: width for key, _, width in columns}


def test_the_number_column_is_as_wide_as_the_widest_number_at_any_width() -> None:
    for available in range(60, 200, 7):
        for number in (1, 3, 7, 9):
            widths = _widths(fit_columns(available, {"no": number}))
            assert widths["no"] == max(number, len("No")), (available, number)


@pytest.mark.parametrize("available", [78, 98, 118, 160])
def test_seven_digit_numbers_and_every_other_must_have_fit_an_80_column_terminal(available: int) -> None:
    columns = fit_columns(available, {"pos": 2, "no": 7, "laps": 2, "status": 8})
    assert drawn_width(columns) == available  # no sideways scrolling: Status on screen
    assert {"pos", "no", "laps", "last", "best", "gap", "status"} <= set(_widths(columns))


@pytest.mark.parametrize("status", [8, 19, 23, 40])
def test_status_gets_the_room_it_needs_before_class_and_int_when_the_screen_has_it(status: int) -> None:
    for available in range(70, 200, 3):
        _check_status_room(available, status)


def _check_status_room(available: int, status: int) -> None:
    content = {"pos": 2, "no": 3, "laps": 2, "status": status}
    columns = fit_columns(available, content)
    widths = _widths(columns)
    assert [key for key, _, _ in COLUMNS if key in widths] == list(widths), available  # the order kept
    assert drawn_width(columns) >= available  # fits exactly, or (narrowest) scrolls sideways
    assert widths["status"] >= 10  # the start of a status always shows
    with_class = drawn_width(wanted_columns({**content, "status": max(status, 10)})) - 5 - 2 - 6  # no (lap), driver 14
    if available >= with_class:  # the whole status, the class kept
        assert widths["status"] >= status and "class" in widths, available
    if widths["status"] < status:  # cut only once (lap) and the class have given way, never before Int
        assert "class" not in widths and "lap" not in widths, available
    assert ("int" in widths) == (available >= drawn_width(wanted_columns({**content, "status": 0})) - 7 - 6 - 14), available


def test_the_narrowings_keep_the_always_shown_columns() -> None:
    for most in NARROWER:
        assert not {"pos", "no", "laps", "last", "best", "gap", "status"} & {key for key, width in most.items() if not width}


@pytest.mark.parametrize("size", [TERMINAL_80, TERMINAL_120])
@app_test
async def test_live_shows_a_car_numbered_by_its_transponder_in_full(event_db: Path, size: tuple[int, int]) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=size) as pilot:
        await timed_to_the_end(app, pilot)
        table = app.screen_named("live").query_one(StandingsTable)
        numbers = {row.car_id: row.number for row in app.model.rows.values()}
        await until(pilot, lambda: _listed(table, numbers), "every car in the table")
        await pilot.pause()
        assert all(len(number) == 7 for number in numbers.values()), numbers
        header = table.render_line(0).text
        assert table.virtual_size.width <= table.scrollable_content_region.width  # Status not off the right edge
        for car_id, number in numbers.items():
            line = table.render_line(HEADER_LINES + table.get_row_index(str(car_id))).text
            assert line.split()[1] == number, line  # all seven digits, as drawn
            assert line.index(number) == header.index("No")  # under its header
            assert "running" in line


def _listed(table: StandingsTable, car_ids: Iterable[int]) -> bool:
    """Whether the table has drawn a line for each of these cars (it catches up with the model on its tick)."""
    return all(table.has_car(car_id) for car_id in car_ids)


@app_test
async def test_results_show_a_car_numbered_by_its_transponder_in_full_at_80_columns(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=TERMINAL_80) as pilot:
        await timed_to_the_end(app, pilot)
        numbers = {row.number for row in app.model.rows.values()}
        await finished_with_keys(app, pilot)
        await pilot.press("4")
        await until(pilot, lambda: app.screen.id == "results" and app.screen.query_one(DataTable).row_count == 3,
                    "the results")
        await pilot.pause()
        table = app.screen.query_one("#result-table", DataTable)
        widths = {column.key.value: column.width for column in table.columns.values()}
        assert widths["no"] >= 7 and "status" in widths
        drawn = sum(column.get_render_width(table) for column in table.columns.values())
        assert drawn - 1 <= table.scrollable_content_region.width  # nothing off the right edge
        lines = [table.render_line(y).text for y in range(1, 4)]
        assert {line.split()[1] for line in lines} == numbers, lines


@app_test
async def test_at_120_columns_live_shows_a_penalty_and_a_dnf_reason_in_full(tmp_path: Path) -> None:
    """Status was 10 cells at 120 columns: `+30.000 pen running` drawn `+30.000 pe`, a DNF's reason cut."""
    db = make_event(tmp_path / "event.db", "Race 1", rules=SessionRules(session_type=SessionType.RACE))
    app = LiveTimingApp(Timing(db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=TERMINAL_120) as pilot:
        await timed_to_the_end(app, pilot)
        table = app.screen_named("live").query_one(StandingsTable)
        first, second, _ = sorted(app.model.rows.values(), key=lambda row: row.position)
        await until(pilot, lambda: _listed(table, app.model.rows), "every car in the table")
        app.send_correction(PenaltyRequest(first.number, 30_000_000), "jump start")
        app.send_correction(StatusRequest(second.number, CarStatus.DNF), "oil on track")
        app.send_correction(PenaltyRequest(second.number, 5_000_000), "pit lane speeding")
        await until(pilot, lambda: table.cell_text(first.car_id, "status") == "+30.000 pen running"
                    and table.cell_text(second.car_id, "status") == "DNF (oil on track) +5.000 pen", "the corrections")
        await pilot.pause()
        assert table.virtual_size.width <= table.scrollable_content_region.width  # Status not off the right edge
        header = table.render_line(0).text
        for car_id, status in ((first.car_id, "+30.000 pen running"), (second.car_id, "DNF (oil on track) +5.000 pen")):
            line = table.render_line(HEADER_LINES + table.get_row_index(str(car_id))).text
            assert line.rstrip().endswith(status), line  # the whole of it, as drawn
            assert line.index(status) == header.index("Status")
        assert cell_len(header.rstrip()) <= TERMINAL_120[0] - SCROLLBAR
