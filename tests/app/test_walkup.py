"""The walk-up form: a car from the gate entered through the entries service, then timed with its name."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input, Label

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.widgets.standings import StandingsTable
from laptiming.service.clocktime import session_decoder_time
from laptiming.service.corrections import AssignRequest, apply_correction
from laptiming.service.entries import WalkUpEntry, enter_walk_up
from laptiming.app.widgets.status import AlertBar
from laptiming.store import assign_transponder, create_session, ensure_car, ensure_driver, enter_car, open_event_db, write_transaction
from laptiming.store.sessions import load_assignments, load_entries
from laptiming.engine import SessionRules
from tests.app.conftest import app_test, loaner_walked_up_by_a_second_car, make_event, until, walk_up_to_the_first_unknown

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


def _entries(db_path: Path) -> list[tuple[str, str | None, str | None]]:
    db = open_event_db(db_path, readonly=True)
    try:
        return [(e.number, e.driver, e.car_class) for e in load_entries(db, 1)]
    finally:
        db.close()


@app_test
async def test_walk_up_form_enters_the_car_and_it_is_timed_by_name(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM), official="gate")
    async with app.run_test(size=(120, 40)) as pilot:
        first = await walk_up_to_the_first_unknown(app, pilot)
        form = app.screen
        assert form.query_one("#walkup-transponder", Input).value == str(first)  # the unknown one, offered
        assert str(first) in str(form.query_one("#prefill-note", Label).render())
        await pilot.press("enter", "enter", "enter", "enter")  # nothing typed: the form says what is missing
        error = form.query_one("#form-error", Label)
        await until(pilot, lambda: "needed: Car number, Driver" in str(error.render()), "the inline message")
        assert app.screen is form and _entries(event_db) == []
        await pilot.click("#walkup-number")
        await pilot.press(*"42", "enter", *"Grace Hopper", "enter", *"Cup", "enter", "enter")
        await until(pilot, lambda: app.screen is not form, "the form closed")
        assert ("42", "Grace Hopper", "Cup") in _entries(event_db)
        # said by the session's name, as the header and the form say it (it said "car entered in session 1")
        await until(pilot, lambda: [n.message for n in app._notifications]
                    == ["car 42 (Grace Hopper) entered in Practice 1 (new car)"], "the confirmation")
        table = app.screen_named("live").query_one(StandingsTable)
        await until(pilot, lambda: any(row.number == "42" for row in app.model.rows.values()), "car 42 timed")
        car = next(row for row in app.model.rows.values() if row.number == "42")
        await until(pilot, lambda: table.cell_text(car.car_id, "driver") == "Grace Hopper", "its row with the name")
        assert int(table.cell_text(car.car_id, "laps")) >= 1


@app_test
async def test_walk_up_form_shows_the_services_refusal_inline(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM), official="gate")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await until(pilot, lambda: app.screen.query("#keys"), "the keys listed")
        assert "w  Walk-up entry" in str(app.screen.query_one("#keys", Label).render())
        await pilot.press("escape")
        await pilot.press("w")  # nothing running: the next planned session
        await until(pilot, lambda: app.screen.query("#walkup-number"), "the walk-up form")
        assert "Practice 1" in str(app.screen.query_one(".dialog-title", Label).render())
        await pilot.press(*"7", "enter", *"Ada", "enter", "enter", *"1234", "enter")
        await until(pilot, lambda: not app.screen.query("#walkup-number"), "car 7 entered")
        await pilot.press("w")
        await until(pilot, lambda: app.screen.query("#walkup-number"), "the form again")
        await pilot.press(*"8", "enter", *"Bob", "enter", "enter", *"12x4", "enter")
        error = app.screen.query_one("#form-error", Label)
        await until(pilot, lambda: "not a whole number" in str(error.render()), "a bad transponder refused")
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"1234", "enter")
        await until(pilot, lambda: "belongs to car 7" in str(error.render()), "the service's refusal, inline")
        assert app.screen.query("#walkup-number")
    assert _entries(event_db) == [("7", "Ada", None)]


@app_test
async def test_walk_up_form_typed_faster_than_the_screen_redraws(event_db: Path) -> None:
    """Keys that arrive together, as a fast typist or a scanner sends them, each land in the right field."""
    app = LiveTimingApp(Timing(event_db, SIM), official="gate")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        await until(pilot, lambda: app.screen.query("#walkup-number"), "the walk-up form")
        form = app.screen
        for key in [*"9", "enter", *"Fast Typist", "enter", *"Cup", "enter", *"4321", "enter"]:  # queued at once
            app.post_message(events.Key("space" if key == " " else key, key if len(key) == 1 else None))
        await until(pilot, lambda: app.screen is not form, "the car entered")
    # Read from what was stored: a closed form's fields may already be gone from the screen.
    assert ("9", "Fast Typist", "Cup") in _entries(event_db)
    db = open_event_db(event_db, readonly=True)
    try:
        [car] = [e.car_id for e in load_entries(db, 1) if e.number == "9"]
        assert [a.transponder for a in load_assignments(db) if a.car_id == car] == [4321]
    finally:
        db.close()


@app_test
async def test_a_loaner_handed_on_opens_the_from_field_and_moves_from_that_time(event_db: Path) -> None:
    """A transponder that belongs to another car: the form asks From (a time of day on the decoder clock),
    and the transponder becomes the new car's from exactly then; its earlier passings stay with the old car."""
    typed = "09:01:30.250"  # the simulator's decoder clock starts at 09:00 on its day
    app = LiveTimingApp(Timing(event_db, SIM), official="gate")
    async with app.run_test(size=(120, 40)) as pilot:
        form, loaner = await loaner_walked_up_by_a_second_car(app, pilot)
        error = form.query_one("#form-error", Label)
        from_box = form.query_one("#walkup-from", Input)
        await until(pilot, lambda: "belongs to car 7" in str(error.render()) and from_box.has_focus,
                    "the refusal, and From asked for")
        assert from_box.display and form.query_one("#walkup-from-label", Label).display
        assert from_box.region.height == 1  # on screen, not only focused
        await pilot.press(*typed, "enter")
        await until(pilot, lambda: app.screen is not form, "car 8 entered")
        await until(pilot, lambda: any("transponder moved from car 7" in str(n.message) for n in app._notifications),
                    "the move said")
    db = open_event_db(event_db, readonly=True)
    try:
        moves = db.execute("SELECT c.number, a.from_us FROM transponder_assignments a JOIN cars c ON c.id = a.car_id "
                           "WHERE a.transponder = ? ORDER BY a.id", [loaner]).fetchall()
        expected = session_decoder_time(db, 1, typed, field="from").decoder_time_us
    finally:
        db.close()
    assert moves[-1] == ("8", expected) and moves[-2][0] == "7"
    assert ("8", "Bob", None) in _entries(event_db)


@app_test
async def test_a_walk_up_on_another_cars_number_is_refused_on_the_form(event_db: Path) -> None:
    """Car 152 is Pat Olsen's Standard car: the form says so and stays as typed; nothing changes."""
    db = open_event_db(event_db)
    try:
        enter_walk_up(db, 1, WalkUpEntry("152", "Pat Olsen", 3100152, "Standard"), made_by="registration")
    finally:
        db.close()
    app = LiveTimingApp(Timing(event_db, SIM), official="gate")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        await until(pilot, lambda: app.screen.query("#walkup-number"), "the walk-up form")
        form = app.screen
        await pilot.press(*"152", "enter", *"Ada Lovelace", "enter", *"GT4", "enter", *"3199077", "enter")
        error = form.query_one("#form-error", Label)
        await until(pilot, lambda: "car 152 is already Pat Olsen (Standard)" in str(error.render()), "the refusal")
        assert "use a (assign) to give car 152 another transponder" in str(error.render())
        assert app.screen is form and form.values()["driver"] == "Ada Lovelace"
    assert _entries(event_db) == [("152", "Pat Olsen", "Standard")]


def _car_77_on_track_not_entered(event_db: Path, driver_in_practice_2: str | None = None) -> LiveTimingApp:
    """Car 77 (GT4, transponder 3177777) is the event's but not entered in session 1, where car 5 is; the app
    with a simulator driving both transponders."""
    db = open_event_db(event_db)
    try:
        with write_transaction(db):
            car = ensure_car(db, "77", "GT4")
            assign_transponder(db, 3177777, car, made_by="registration", reason="roster")
            if driver_in_practice_2 is not None:
                enter_car(db, 2, car, ensure_driver(db, driver_in_practice_2))
            enter_car(db, 1, ensure_car(db, "5"), ensure_driver(db, "Bo"))
            assign_transponder(db, 3100005, ensure_car(db, "5"), made_by="registration", reason="roster")
    finally:
        db.close()
    return LiveTimingApp(Timing(event_db, "sim://?transponders=3177777,3100005&seed=5&speed=0&minutes=5"),
                         official="gate")


@app_test
async def test_a_known_car_not_entered_on_track_gets_an_alert_and_w_enters_it(event_db: Path) -> None:
    """Car 77 is the event's (transponder 3177777) but not entered in session 1: Live says so once, w enters it."""
    app = _car_77_on_track_not_entered(event_db)
    async with app.run_test(size=(120, 40)) as pilot:
        app.start_session(1)
        alerts = app.screen_named("live").query_one(AlertBar)
        said = "TRANSPONDER 3177777 (car 77, not entered in this session): passings not counted -- press w to enter it"
        await until(pilot, lambda: said in str(alerts.render()) and app.model.link is not None
                    and app.model.link.state.value == "ended", "the alert naming car 77")
        assert str(alerts.render()).count("3177777") == 1
        await pilot.press("w")
        await until(pilot, lambda: app.screen.query("#walkup-number"), "the walk-up form")
        form = app.screen
        assert [form.query_one(f"#walkup-{key}", Input).value for key in ("number", "transponder")] == ["77", "3177777"]
        await pilot.press(*"Ada", "enter", "enter", "enter")
        await until(pilot, lambda: app.screen is not form, "car 77 entered")
        await until(pilot, lambda: "3177777" not in str(alerts.render()), "the alert gone")
        assert any(row.number == "77" and row.laps >= 1 for row in app.model.rows.values())


@app_test
async def test_a_known_car_with_one_driver_is_filled_in_whole_and_one_enter_enters_it(event_db: Path) -> None:
    """Car 77 runs in Practice 2 with Björn Brontë: the form had only its number, and the official had to type
    the driver's name, accents and all. Now it has his name and the class too, the cursor on the last field."""
    app = _car_77_on_track_not_entered(event_db, driver_in_practice_2="Björn Brontë")
    async with app.run_test(size=(120, 40)) as pilot:
        app.start_session(1)
        alerts = app.screen_named("live").query_one(AlertBar)
        await until(pilot, lambda: "car 77, not entered" in str(alerts.render()) and app.known_cars.get(3177777),
                    "the alert naming car 77, the car looked up")
        await pilot.press("w")
        await until(pilot, lambda: app.screen.query("#walkup-number"), "the walk-up form")
        form = app.screen
        assert [form.query_one(f"#walkup-{key}", Input).value for key in ("number", "driver", "class", "transponder")] \
            == ["77", "Björn Brontë", "GT4", "3177777"]
        await until(pilot, lambda: app.focused is form.query_one("#walkup-transponder", Input), "the last field")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is not form, "car 77 entered")
    assert ("77", "Björn Brontë", "GT4") in _entries(event_db)


@app_test
async def test_a_walk_up_past_the_plans_capacity_is_said_in_the_confirmation(tmp_path: Path) -> None:
    """The roster plan lets one car on track in this session and car 11 is entered: a walk-up is taken (the
    official may know a car has gone home) and the confirmation says the session is over the plan."""
    path = make_event(tmp_path / "event.db")
    db = open_event_db(path)
    with write_transaction(db):
        create_session(db, "Session 4", SessionRules(), capacity=1)
        enter_car(db, 1, ensure_car(db, "11", "Cup"), ensure_driver(db, "Ken Block"))
    db.close()
    app = LiveTimingApp(Timing(path, SIM), official="gate")
    async with app.run_test(size=(120, 40)) as pilot:
        await walk_up_to_the_first_unknown(app, pilot)
        form = app.screen
        await pilot.press(*"42", "enter", *"Grace Hopper", "enter", "enter", "enter")
        await until(pilot, lambda: app.screen is not form, "the form closed")
        await until(pilot, lambda: [(n.message, n.severity) for n in app._notifications] == [
            ("car 42 (Grace Hopper) entered in Session 4 (new car); Session 4 now has 2 cars entered, "
             "the plan lets 1 on track at once", "warning")], "the confirmation")


@app_test
async def test_a_walk_up_on_a_transponder_a_correction_gives_another_car_is_refused_on_the_form(event_db: Path) -> None:
    """`a` gives a transponder to a car for the whole session, over any assignment: a walk-up entered with it was
    said to be entered, then timed none of its passings (every lap stayed the corrected car's)."""
    db = open_event_db(event_db)
    try:
        with write_transaction(db):
            car = ensure_car(db, "7", None)
            enter_car(db, 1, car, ensure_driver(db, "Ada"))
            apply_correction(db, 1, AssignRequest(1234, "7"), made_by="desk", reason="rental transponder")
    finally:
        db.close()
    app = LiveTimingApp(Timing(event_db, SIM), official="gate")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w")  # nothing running: the next planned session, Practice 1
        await until(pilot, lambda: app.screen.query("#walkup-number"), "the walk-up form")
        await pilot.press(*"8", "enter", *"Bob", "enter", "enter", *"1234", "enter")
        error = app.screen.query_one("#form-error", Label)
        await until(pilot, lambda: "is car 7's for all of Practice 1 (correction #1)" in str(error.render()),
                    "the refusal on the form")
        assert app.screen.query_one("#walkup-transponder", Input).has_focus  # where the official types next
    assert _entries(event_db) == [("7", "Ada", None)]  # car 8 not entered with a transponder that times nothing


@app_test
async def test_a_from_time_hours_from_the_sessions_passings_is_said_before_the_transponder_moves(event_db: Path) -> None:
    """`laptiming entry add --from 04:01:30` notes the time is hours before the first passing; the form moved the
    loaner at it without a word, every passing of the session then the new car's."""
    app = LiveTimingApp(Timing(event_db, SIM), official="gate")
    async with app.run_test(size=(120, 40)) as pilot:
        form, _ = await loaner_walked_up_by_a_second_car(app, pilot)
        from_box = form.query_one("#walkup-from", Input)
        await until(pilot, lambda: from_box.has_focus, "From asked for")
        await pilot.press(*"04:01:30", "enter")  # 09:01:30 meant
        error = form.query_one("#form-error", Label)
        await until(pilot, lambda: "04:01:30 is 4 h 5" in str(error.render()) and "Enter again" in str(error.render()),
                    "the far time said on the form")
        assert app.screen is form
        await pilot.press("enter")  # as typed, on purpose
        await until(pilot, lambda: app.screen is not form, "car 8 entered")
    assert ("8", "Bob", None) in _entries(event_db)
