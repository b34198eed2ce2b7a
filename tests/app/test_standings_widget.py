"""The standings widget: a changed car redraws its own line only; the cursor keys and the selection; colours."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App, ComposeResult

from laptiming.app.widgets.standings import StandingsTable
from laptiming.engine import CarStatus, StandingRow
from tests.app.conftest import app_test, until


def _row(car_id: int, position: int, laps: int = 3, *, session_best: bool = False,
         personal_best: bool = False) -> StandingRow:
    return StandingRow(car_id, position, str(car_id), f"Driver {car_id}", "GT", (1000 + car_id,), laps,
                       90_000_000 + car_id, 89_000_000 + car_id, 2, None, None, personal_best, session_best,
                       CarStatus.RUNNING)


class TableApp(App[None]):
    """Only the standings, fed by the test."""

    def __init__(self) -> None:
        super().__init__()
        self.drawn: list[int] = []

    def compose(self) -> ComposeResult:
        yield StandingsTable()

    def on_mount(self) -> None:
        self.query_one(StandingsTable).on_drawn = lambda cars: self.drawn.extend(cars)


@app_test
async def test_a_changed_car_redraws_only_its_own_line() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(StandingsTable)
        rows = {car_id: _row(car_id, car_id) for car_id in range(1, 11)}
        table.show(rows, set(rows), set())
        await until(pilot, lambda: len(set(app.drawn)) == 10, "every row drawn")
        before = {car_id: line for car_id, (_, line) in table._strips.items()}
        app.drawn.clear()
        asked: list[int] = []
        render_line = table.render_line
        table.render_line = lambda y: asked.append(y) or render_line(y)  # type: ignore[method-assign]
        rows[4] = replace(rows[4], laps=4)  # a lap, no change of place
        assert table.show(rows, {4}, set()) == 1
        await until(pilot, lambda: app.drawn == [4], "car 4's line drawn")
        await pilot.pause()
        assert table.cell_text(4, "laps") == "4"
        assert set(asked) == {1 + 3}  # the header is line 0: only car 4's line was drawn again
        after = {car_id: line for car_id, (_, line) in table._strips.items()}
        assert [car_id for car_id in rows if after[car_id] is not before[car_id]] == [4]


@app_test
async def test_cursor_keys_move_the_selection_and_it_follows_the_car_when_places_change() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(StandingsTable)
        rows = {car_id: _row(car_id, car_id) for car_id in range(1, 6)}
        table.show(rows, set(rows), set())
        await pilot.pause()
        table.focus()
        assert table.selected_car() == 1  # the leader until the official picks a car
        await pilot.press("down", "down")
        assert table.selected_car() == 3
        rows = {car_id: replace(row, position=6 - car_id) for car_id, row in rows.items()}  # the order turned round
        table.show(rows, set(rows), set())
        await pilot.pause()
        assert table.selected_car() == 3 and table.cursor_row == 2
        rows[3] = replace(rows[3], position=1)
        rows[5] = replace(rows[5], position=3)
        table.show(rows, {3, 5}, set())
        await pilot.pause()
        assert table.selected_car() == 3 and table.cursor_row == 0
        await pilot.press("end")
        assert table.selected_car() == 1


@app_test
async def test_session_best_in_colour_and_the_crossing_car_highlighted() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(StandingsTable)
        rows = {1: _row(1, 1, session_best=True), 2: _row(2, 2)}
        table.show(rows, set(rows), {2})
        await until(pilot, lambda: len(set(app.drawn)) == 2, "both rows drawn")
        first, second = (table._strips[car_id][1] for car_id in (1, 2))
        best = next(segment for segment in first if segment.text.strip() == "1:29.000")
        assert best.style is not None and best.style.bold and best.style.color.name == "magenta"
        last = next(segment for segment in first if "1:30.000" in segment.text)  # slower than its best
        assert last.style is None or last.style.color is None or last.style.color.name != "magenta"
        name = next(segment for segment in second if "Driver 2" in segment.text)
        assert name.style is not None and name.style.reverse
        assert not any(segment.style and segment.style.reverse for segment in first)


@app_test
async def test_the_last_lap_takes_the_session_best_colour_only_when_it_is_the_session_best() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(StandingsTable)
        rows = {1: _row(1, 1, session_best=True, personal_best=True), 2: _row(2, 2, personal_best=True)}
        table.show(rows, set(rows), set())
        await until(pilot, lambda: len(set(app.drawn)) == 2, "both rows drawn")
        first, second = (table._strips[car_id][1] for car_id in (1, 2))
        last = next(segment for segment in first if "1:30.000" in segment.text)
        assert last.style is not None and last.style.color.name == "magenta"  # the session's best lap, just set
        last = next(segment for segment in second if "1:30.000" in segment.text)
        assert last.style is not None and last.style.color.name == "green"  # its own best only



def test_a_penalty_comes_before_running_or_finished_so_a_narrow_status_column_keeps_its_number() -> None:
    """At 120 columns Status is 10 cells: `running +30.000 pen` was drawn `running +3`, read as another penalty."""
    from laptiming.app.widgets.columns import COLUMN_INDEX, COLUMNS
    from laptiming.app.widgets.standings import row_cells

    width = COLUMNS[COLUMN_INDEX["status"]][2]
    penalised = replace(_row(1, 1, 5), penalty_us=30_000_000)
    assert row_cells(penalised)[COLUMN_INDEX["status"]].plain[:width] == "+30.000 pe"
    assert row_cells(replace(penalised, status=CarStatus.FINISHED))[COLUMN_INDEX["status"]].plain == \
        "+30.000 pen finished"
    disqualified = replace(penalised, status=CarStatus.DSQ, status_reason="contact")
    assert row_cells(disqualified)[COLUMN_INDEX["status"]].plain.startswith("DSQ (contact)")  # out of it: first


def test_a_car_out_of_the_running_shows_no_position_on_the_live_table() -> None:
    """The engine keeps its place in the order; the table, like every result, shows no position for DNF/DNS/DSQ."""
    from laptiming.app.widgets.columns import COLUMN_INDEX
    from laptiming.app.widgets.standings import row_cells

    position = COLUMN_INDEX["pos"]
    assert row_cells(_row(1, 7, 5))[position].plain == "7"
    for status in (CarStatus.DNF, CarStatus.DNS, CarStatus.DSQ):
        assert row_cells(replace(_row(1, 7, 5), status=status))[position].plain == ""
