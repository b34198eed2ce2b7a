"""Unknown transponders, the Passings, Day and Results screens, the keys list, leaving while timing."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from textual.widgets import DataTable, Label, OptionList

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.screens.passings import PASSING_COLUMN_INDEX
from laptiming.app.widgets.standings import StandingsTable
from laptiming.app.widgets.status import AlertBar
from laptiming.printouts.session_print import slip_printer
from laptiming.service import Recording, RecordingRequest
from laptiming.service.control import control_log, results_status
from laptiming.service.corrections import AssignRequest
from laptiming.store import SessionPhase, ensure_car, list_sessions, open_event_db, write_transaction
from tests.app.conftest import app_test, finished_with_keys, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"
TRANSPONDER, CAR, REASON = (PASSING_COLUMN_INDEX[key] for key in ("transponder", "car", "reason"))  # Passings


def _results_status(db_path: Path) -> str:
    db = open_event_db(db_path, readonly=True)
    try:
        return results_status(db, 1).value
    finally:
        db.close()


def _ended(app: LiveTimingApp) -> bool:
    return app.model.link is not None and app.model.link.state.value == "ended"


def _known_car(path: Path, number: str) -> None:
    """A car the event knows (registered for the day) but not entered in any session yet."""
    db = open_event_db(path)
    try:
        with write_transaction(db):
            ensure_car(db, number)
    finally:
        db.close()


def _form_error(app: LiveTimingApp) -> str:
    """The message under the open form's fields ('' when no form is open)."""
    errors = app.screen.query("#form-error")
    return str(errors.first(Label).render()) if errors else ""


@app_test
async def test_unknown_transponder_alert_and_assign(event_db: Path) -> None:
    _known_car(event_db, "7")
    app = LiveTimingApp(Timing(event_db, SIM), official="desk")
    async with app.run_test(size=(120, 36)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: len(app.model.unknown) == 3 and _ended(app), "three unknown transponders")
        alerts = app.screen_named("live").query_one(AlertBar)
        await until(pilot, lambda: str(alerts.render()).count("UNKNOWN TRANSPONDER") == 3, "three alerts")
        first = min(app.model.unknown)
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.query_one("#field-transponder").value == str(first)
        await pilot.press("8", "enter", *"Ada Lovelace", "enter", *"GT4", "enter", *"registration desk", "enter")
        await until(pilot, lambda: "no car number 8" in _form_error(app), "a typo refused: the event has no car 8")
        assert app.screen.query_one("#field-driver").value == "Ada Lovelace"  # the form again, as typed
        assert not any(row.number == "8" for row in app.model.rows.values())
        app.screen.query_one("#field-car").value = "7"
        app.screen.query_one("#field-reason").focus()
        await pilot.press("enter")
        table = app.screen_named("live").query_one(StandingsTable)
        await until(pilot, lambda: any(row.number == "7" for row in app.model.rows.values()), "car 7 in the standings")
        car = next(row for row in app.model.rows.values() if row.number == "7")
        await until(pilot, lambda: table.row_count == 1 and table.cell_text(car.car_id, "driver") == "Ada Lovelace",
                    "the row on screen")
        assert table.cell_text(car.car_id, "class") == "GT4"
        assert int(table.cell_text(car.car_id, "laps")) >= 1
        await until(pilot, lambda: str(alerts.render()).count("UNKNOWN TRANSPONDER") == 2, "the alert cleared")
        assert f"UNKNOWN TRANSPONDER {first}" not in str(alerts.render())


@app_test
async def test_passings_day_results_and_keys(event_db: Path, tmp_path: Path, monkeypatch) -> None:
    elsewhere = tmp_path / "started-here"  # the app was started in another folder: files go beside the database
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    csv, pdf = tmp_path / "event-results-session-1.csv", tmp_path / "event-slips-session-1.pdf"
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True, slip_printer=slip_printer(event_db)))
    async with app.run_test(size=(120, 36)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: _ended(app) and len(app.model.rows) == 3, "the session read")
        await pilot.press("2")
        await until(pilot, lambda: app.screen.id == "passings", "the Passings screen")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == len(app.model.verdicts) > 0, "every passing listed")
        numbers = [int(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert numbers == sorted(numbers, reverse=True)  # newest first
        reasons = {str(table.get_row_at(i)[REASON]) for i in range(table.row_count)}
        assert "counted: lap" in reasons and "counted: opens timing" in reasons
        await pilot.press("3")
        await until(pilot, lambda: app.screen.id == "day", "the Day screen")
        day = app.screen.query_one(DataTable)
        await until(pilot, lambda: day.row_count == 2, "both sessions listed")
        assert str(day.get_row_at(0)[5]) == "running" and str(day.get_row_at(1)[5]) == "planned"
        assert [str(day.get_row_at(i)[9]) for i in range(2)] == ["live", "-"]  # as `laptiming sessions` shows it
        assert "Practice 2" in str(app.screen.query_one("#expected", Label).render())
        await pilot.press("question_mark")
        await pilot.pause()
        assert "Keys" in type(app.screen).__name__ or app.screen.query("#keys")
        await pilot.press("escape", "1")
        await until(pilot, lambda: app.screen.id == "live", "back on Live")
        await finished_with_keys(app, pilot)
        await pilot.press("4")
        await until(pilot, lambda: app.screen.id == "results", "the Results screen")
        results = app.screen.query_one(DataTable)
        await until(pilot, lambda: results.row_count == 3, "the finished session's results")
        assert app.screen.query_one(OptionList).option_count == 1
        await pilot.press("e")
        await until(pilot, csv.exists, "the export")
        await pilot.press("p")  # no printer given: every driver's slip into one PDF, off the UI thread
        await until(pilot, pdf.exists, "the slips")
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("y")
        await until(pilot, lambda: _results_status(event_db) == "official", "the results made official")
        status = app.screen.query_one("#result-status", Label)
        await until(pilot, lambda: "official" in str(status.render()), "the status shown")
        await pilot.press("r")
        await until(pilot, lambda: app.screen.query("#reason"), "the reason asked")
        await pilot.press("enter")  # no reason: refused inline, nothing written
        await until(pilot, lambda: "reason is needed" in str(app.screen.query_one("#form-error").render()), "refused")
        assert _results_status(event_db) == "official"
        await pilot.press(*"wrong class on car 3", "enter")
        await until(pilot, lambda: _results_status(event_db) == "provisional", "the results reopened")
        await until(pilot, lambda: "provisional" in str(status.render()), "the reopened status shown")
    db = open_event_db(event_db, readonly=True)
    try:
        reopened = [r for r in control_log(db, 1) if r.action.value == "reopen"]
        assert [(r.made_by, r.reason) for r in reopened] == [("official", "wrong class on car 3")]
    finally:
        db.close()
    assert not list(elsewhere.iterdir())
    slips = PdfReader(pdf).pages
    assert len(slips) == 3  # one slip per car that set a lap
    lines = csv.read_text().splitlines()
    assert lines[0].startswith("position,number,driver") and len(lines) == 4


@app_test
async def test_quit_while_timing_leaves_the_session_running(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, "sim://?cars=3&seed=5&speed=5&minutes=30"))
    async with app.run_test(size=(120, 36)) as pilot:
        app.start_session(2)
        await until(pilot, lambda: app.timing.recording is not None, "the session running")
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await until(pilot, lambda: app.timing.recording is None, "the reader stopped")
    db = open_event_db(event_db, readonly=True)
    try:
        assert [s.phase for s in list_sessions(db)] == [SessionPhase.PLANNED, SessionPhase.RUNNING]
    finally:
        db.close()


@app_test
async def test_a_decoder_that_cannot_be_reached_raises_an_alert_that_stays(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, "tcp://127.0.0.1:9"))  # loopback, nothing listening
    async with app.run_test(size=(120, 36)) as pilot:
        app.start_session(1)
        alerts = app.screen_named("live").query_one(AlertBar)
        await until(pilot, lambda: "DECODER DISCONNECTED" in str(alerts.render()), "the disconnected alert")
        await pilot.pause(1.0)
        assert "DECODER DISCONNECTED" in str(alerts.render()) and alerts.display
        assert "reconnecting" in str(app.screen_named("live").query_one("#health").render())


@app_test
async def test_a_new_session_by_name_from_the_picker(tmp_path: Path) -> None:
    app = LiveTimingApp(Timing(tmp_path / "new.db", SIM, enter_unknown=True))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: app.screen.query("#new-session"), "the picker")
        app.screen.query_one("#new-session").focus()
        await pilot.press(*"Open pit lane", "enter")
        await until(pilot, lambda: app.timing.record is not None and len(app.model.rows) == 3, "the new session timed")
        assert app.timing.record.name == "Open pit lane" and app.timing.record.session_id == 1


@app_test
async def test_passings_screen_shows_the_passings_journaled_before_the_app_started(event_db: Path) -> None:
    recording = Recording.start(RecordingRequest(event_db, "Practice 1", SIM.replace("minutes=5", "minutes=20"),
                                                 enter_unknown=True))
    for _ in recording.notices():  # the simulated session to its end, then left running
        pass
    recording.close(finish=False)
    db = open_event_db(event_db, readonly=True)
    try:
        journaled = db.execute("SELECT COUNT(*) FROM session_passings WHERE session_id = 1").fetchone()[0]
    finally:
        db.close()
    assert journaled > 10
    app = LiveTimingApp(Timing(event_db, "tcp://127.0.0.1:9"))  # nothing more arrives
    async with app.run_test(size=(120, 36)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: app.timing.recording is not None and app.model.rows, "the session resumed")
        await pilot.press("2")
        await until(pilot, lambda: app.screen.id == "passings", "the Passings screen")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == journaled, "every journaled passing listed")
        numbers = [int(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert numbers == sorted(numbers, reverse=True)
        reasons = {str(table.get_row_at(i)[REASON]) for i in range(table.row_count)}
        assert {"counted: lap", "counted: opens timing"} <= reasons


@app_test
async def test_passings_rejudged_by_an_assignment_change_in_place(event_db: Path) -> None:
    _known_car(event_db, "7")
    app = LiveTimingApp(Timing(event_db, SIM), official="desk")
    async with app.run_test(size=(120, 36)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: len(app.model.unknown) == 3 and _ended(app), "three unknown transponders")
        await pilot.press("2")
        await until(pilot, lambda: app.screen.id == "passings", "the Passings screen")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == len(app.model.verdicts) > 0, "every passing listed")
        rows_before = dict(table.rows)
        first = min(app.model.unknown)
        mine = [i for i in range(table.row_count) if table.get_row_at(i)[TRANSPONDER] == str(first)]
        assert mine and all(str(table.get_row_at(i)[REASON]) == "unknown transponder" for i in mine)
        app.send_correction(AssignRequest(first, "7", "Ada Lovelace", None), "registration desk")

        def counted_as_car_7() -> bool:
            rows = [row for row in map(table.get_row_at, range(table.row_count)) if row[TRANSPONDER] == str(first)]
            return all(row[CAR] == "7" and str(row[REASON]).startswith("counted") for row in rows)

        await until(pilot, counted_as_car_7, "the passings counted for car 7")
        assert table.row_count == len(rows_before)
        assert all(table.rows[key] is row for key, row in rows_before.items())  # the same rows, updated in place


@app_test
async def test_the_passings_selection_stays_on_its_passing_as_new_ones_arrive(event_db: Path) -> None:
    """x voids the passing the official selected, not the one that moved into its row."""
    app = LiveTimingApp(Timing(event_db, "sim://?cars=3&seed=5&speed=20&minutes=30", enter_unknown=True))
    async with app.run_test(size=(120, 36)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: len(app.model.verdicts) >= 4, "a few passings")
        await pilot.press("2")
        await until(pilot, lambda: app.screen.id == "passings" and app.screen.query_one(DataTable).row_count >= 4,
                    "the Passings screen")
        table = app.screen.query_one(DataTable)
        await pilot.press("down", "down")
        selected = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        number = str(table.get_row(selected)[0])
        shown = table.row_count
        await until(pilot, lambda: table.row_count > shown, "newer passings listed above it")
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key == selected
        await pilot.press("x")
        await until(pilot, lambda: app.screen.query("#field-number"), "the void form")
        assert app.screen.query_one("#field-number").value == number


@app_test
async def test_a_blank_new_session_name_is_refused_in_the_picker(tmp_path: Path) -> None:
    """Enter on a blank name did nothing at all; it says why, and no session or database is made."""
    app = LiveTimingApp(Timing(tmp_path / "new.db", SIM, enter_unknown=True))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: app.screen.query("#new-session"), "the picker")
        app.screen.query_one("#new-session").focus()
        await pilot.press("space", "space", "enter")
        await until(pilot, lambda: _form_error(app), "the picker's message")
        assert _form_error(app) == "type the new session's name first"
        assert app.screen.query("#new-session") and app.timing.record is None
        await pilot.press("backspace", "backspace", *"Open pit lane", "enter")
        await until(pilot, lambda: app.timing.record is not None, "the named session started")
        assert app.timing.record.name == "Open pit lane"
