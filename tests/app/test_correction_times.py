"""Times in the correction forms are typed as an official reads them: a time of day on the decoder clock,
as the Passings screen shows it; and what is typed fast lands in the field it was typed for."""

from __future__ import annotations

import re
from pathlib import Path

from textual import events
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Label

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.screens.passings import PASSING_COLUMN_INDEX
from laptiming.app.widgets.standings import StandingsTable
from laptiming.service.clocktime import session_decoder_time
from laptiming.store import load_corrections, open_event_db
from tests.app.conftest import app_test, timed_to_the_end, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"
TYPED = "09:01:30.250"  # the simulator's decoder clock starts at 09:00 on its day
TIME_OF_DAY = re.compile(r"09:0\d:\d\d\.\d{6}")  # a passing of its five-minute session, to the µs


async def timed_and_selected(app: LiveTimingApp, pilot, pick) -> object:
    """Time the simulated session to its end, then select the car ``pick`` (min or max) by position."""
    await timed_to_the_end(app, pilot)
    car = pick(app.model.rows.values(), key=lambda row: row.position)
    table = app.screen_named("live").query_one(StandingsTable)
    await until(pilot, lambda: table.has_car(car.car_id), "the car's row drawn")
    table.move_cursor(row=table.get_row_index(str(car.car_id)))
    await until(pilot, lambda: table.selected_car() == car.car_id, "the car selected")
    return car


async def stored_corrections(pilot, event_db: Path) -> list:
    """Session 1's corrections, once the first is stored (read as another program would)."""
    db = open_event_db(event_db, readonly=True)
    try:
        await until(pilot, lambda: load_corrections(db, 1), "the correction stored")
        return load_corrections(db, 1)
    finally:
        db.close()


@app_test
async def test_an_added_passing_typed_as_a_time_of_day_lands_exactly_on_the_decoder_clock(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        car = await timed_and_selected(app, pilot, max)  # the last car: not the row the cursor starts on
        await pilot.press("i")
        await until(pilot, lambda: app.screen.query("#field-time_us"), "the add-passing form")
        form = app.screen
        # the selected car's transponder is filled in
        assert form.query_one("#field-transponder", Input).value == str(car.transponders[0])
        form.query_one("#field-time_us", Input).value = "9:01:30.25x"  # a typo: said on the form, nothing sent
        reason = form.query_one("#field-reason", Input)
        reason.value = "loop missed it"
        reason.focus()
        await pilot.press("enter")
        error = form.query_one("#form-error", Label)
        await until(pilot, lambda: "time" in str(error.render()), "the typo named")
        form.query_one("#field-time_us", Input).value = TYPED
        reason.focus()
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is not form, "the form closed")
        added = (await stored_corrections(pilot, event_db))[-1].correction.action
        db = open_event_db(event_db, readonly=True)
        try:
            expected = session_decoder_time(db, 1, TYPED, field="time").decoder_time_us
        finally:
            db.close()
        assert (added.transponder, added.decoder_time_us) == (car.transponders[0], expected)
        assert expected % 1_000_000 == 250_000  # the typed milliseconds, exactly


@app_test
async def test_a_refused_correction_opens_its_form_again_as_typed_saying_why(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        leader = await timed_and_selected(app, pilot, min)
        await pilot.press("l")  # delete a lap of the selected car
        await until(pilot, lambda: app.screen.query("#field-lap"), "the delete-lap form")
        first = app.screen
        car = first.query_one("#field-car", Input).value
        assert car == leader.number
        first.query_one("#field-lap", Input).value = "99"  # passes the form's own checks; the service refuses it
        reason = first.query_one("#field-reason", Input)
        reason.value = "track limits"
        reason.focus()
        await until(pilot, lambda: reason.has_focus, "the reason field focused")  # Enter there records it
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is not first and app.screen.query("#form-error"), "the form again")
        again = app.screen
        assert f"car {car} has no lap 99" in str(again.query_one("#form-error", Label).render())
        assert [again.query_one(f"#field-{key}", Input).value for key in ("car", "lap", "reason")] == \
            [car, "99", "track limits"]
        again.query_one("#field-lap", Input).value = "1"
        reason_again = again.query_one("#field-reason", Input)
        reason_again.focus()
        await until(pilot, lambda: reason_again.has_focus, "the reason field focused again")
        await pilot.press("enter")
        await until(pilot, lambda: not app.screen.query("#form-error"), "the form closed")
        assert len(await stored_corrections(pilot, event_db)) == 1  # only the second one stored


@app_test
async def test_the_passings_screen_shows_each_time_as_the_forms_take_it_back(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(100, 30)) as pilot:
        car = await timed_and_selected(app, pilot, min)
        await pilot.press("2")
        await until(pilot, lambda: app.screen.id == "passings", "the Passings screen")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == len(app.model.verdicts) > 0, "every passing listed")
        await until(pilot, lambda: table.virtual_size.width <= table.scrollable_content_region.width,
                    "every column on screen at 100 columns, the µs too")
        passings = {"{}:{}:{}".format(*key): verdict.passing for key, verdict in app.model.verdicts.items()}
        for index in range(table.row_count):  # each row's time of day reads back to its passing's decoder µs
            row_key = table.coordinate_to_cell_key(Coordinate(index, 0)).row_key
            shown = str(table.get_cell(row_key, "time_of_day"))
            assert TIME_OF_DAY.fullmatch(shown), shown
            assert app.timing.read_time(shown, "time") == passings[str(row_key.value)].decoder_time_us
            assert str(table.get_cell(row_key, "time")) == str(passings[str(row_key.value)].decoder_time_us)
        # the car's newest passing, read off the screen and typed into the add-passing form as it is shown
        car_column = PASSING_COLUMN_INDEX["car"]
        index = next(i for i in range(table.row_count) if str(table.get_row_at(i)[car_column]) == car.number)
        row_key = table.coordinate_to_cell_key(Coordinate(index, 0)).row_key
        shown, passing = str(table.get_cell(row_key, "time_of_day")), passings[str(row_key.value)]
        await pilot.press("escape", "i")
        await until(pilot, lambda: app.screen.query("#field-time_us"), "the add-passing form")
        form = app.screen
        form.query_one("#field-time_us", Input).value = shown
        reason = form.query_one("#field-reason", Input)
        reason.value = "read off the Passings screen"
        reason.focus()
        await until(pilot, lambda: reason.has_focus, "the reason field focused")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is not form, "the form closed")
        added = (await stored_corrections(pilot, event_db))[-1].correction.action
        assert (added.transponder, added.decoder_time_us) == (passing.transponder, passing.decoder_time_us)


@app_test
async def test_x_on_the_passings_screen_voids_the_selected_passing_its_time_given_as_shown(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await timed_and_selected(app, pilot, min)
        await pilot.press("2")
        await until(pilot, lambda: app.screen.id == "passings", "the Passings screen")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == len(app.model.verdicts) > 0, "every passing listed")
        table.move_cursor(row=3)
        row_key = table.coordinate_to_cell_key(Coordinate(3, 0)).row_key
        shown = str(table.get_cell(row_key, "time_of_day"))
        passing = {"{}:{}:{}".format(*key): verdict.passing for key, verdict in app.model.verdicts.items()}[
            str(row_key.value)]
        await pilot.press("x")
        await until(pilot, lambda: app.screen.query("#field-number"), "the void-passing form")
        form = app.screen
        # the time as the screen shows it (the time of day, exact), not 16 digits of µs
        assert [form.query_one(f"#field-{key}", Input).value for key in ("decoder", "number", "time_us")] == \
            [str(passing.decoder_id), str(passing.passing_number), shown]
        reason = form.query_one("#field-reason", Input)
        reason.value = "a marshal's transponder"
        reason.focus()
        await until(pilot, lambda: reason.has_focus, "the reason field focused")
        await pilot.press("enter")
        voided = (await stored_corrections(pilot, event_db))[-1].correction.action
    assert (voided.decoder_id, voided.passing_number, voided.decoder_time_us) == \
        (passing.decoder_id, passing.passing_number, passing.decoder_time_us)


@app_test
async def test_a_correction_form_typed_faster_than_the_screen_redraws(event_db: Path) -> None:
    """Keys that arrive together (a fast typist, keys sent by tmux) each land in the field they were typed
    for, and Enter on the reason records what was typed before it (each Input has its own key queue)."""
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        car = await timed_and_selected(app, pilot, min)
        await pilot.press("s")
        await until(pilot, lambda: app.screen.query("#field-status"), "the status form")
        form = app.screen
        await until(pilot, lambda: form.focused is form.query_one("#field-status", Input), "the status field focused")
        assert form.query_one("#field-car", Input).value == car.number
        for key in [*"DNF", "enter", *"oil leak", "enter"]:  # queued before any is handled
            app.post_message(events.Key("space" if key == " " else key, key if len(key) == 1 else None))
        [stored] = await stored_corrections(pilot, event_db)
    assert (stored.correction.action.status.value, stored.reason) == ("DNF", "oil leak")



@app_test
async def test_a_time_hours_from_the_sessions_passings_is_said_on_the_form_before_it_is_recorded(event_db: Path) -> None:
    """`laptiming correct add-passing --time 04:01:30` says the time is hours before the first passing; the app's
    form recorded it without a word (correction #1 recorded), an added passing that counts for nothing."""
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        await timed_and_selected(app, pilot, min)
        await pilot.press("i")
        await until(pilot, lambda: app.screen.query("#field-time_us"), "the add-passing form")
        form = app.screen
        await pilot.press(*"04:01:30", "enter", *"seen on camera", "enter")  # 09:01:30 meant: five hours off
        error = form.query_one("#form-error", Label)
        await until(pilot, lambda: "04:01:30 is 4 h 59 min before the first passing" in str(error.render()),
                    "the far time said on the form")
        assert app.screen is form and "Enter again" in str(error.render())
        db = open_event_db(event_db, readonly=True)
        try:
            assert load_corrections(db, 1) == []  # nothing recorded yet
        finally:
            db.close()
        await pilot.press("enter")  # as typed, on purpose
        await until(pilot, lambda: app.screen is not form, "the form closed")
        [correction] = await stored_corrections(pilot, event_db)
        assert correction.reason == "seen on camera"
