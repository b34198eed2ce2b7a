"""The Live screen runs a session on the simulator: rows fill, a correction re-ranks, checkered, finish."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.widgets.standings import StandingsTable
from laptiming.app.widgets.status import SessionBar, clock_text
from laptiming.engine import CarStatus
from laptiming.service.control import control_log
from laptiming.service.lock import lock_holder
from laptiming.store import SessionPhase, list_sessions, load_corrections, open_event_db
from tests.app.conftest import app_test, timed_to_the_end, until

SIM = "sim://?cars=4&seed=3&speed=0&minutes=6"


@app_test
async def test_session_runs_green_to_finished(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="J. Smith")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: app.screen.id is None or "SessionPicker" in type(app.screen).__name__, "the picker")
        await pilot.press("enter")
        table = app.screen_named("live").query_one(StandingsTable)
        await until(pilot, lambda: table.row_count == 4 and app.model.link is not None and app.model.link.state.value == "ended",
                    "four cars with laps on screen")
        assert app.timing.record is not None and app.timing.record.name == "Practice 1"
        holder = lock_holder(event_db, app.timing.record.session_id)  # a second recorder is told who times it
        assert holder is not None and holder.describe().startswith("laptiming app (pid ")
        leader = min(app.model.rows.values(), key=lambda row: row.position)
        assert table.cell_text(leader.car_id, "pos") == "1"
        assert table.cell_text(leader.car_id, "laps") == str(leader.laps)
        assert table.cell_text(leader.car_id, "best") != ""
        # Correction: the leader is DSQ; the table re-ranks.
        table.move_cursor(row=table.get_row_index(str(leader.car_id)))
        assert table.selected_car() == leader.car_id
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"DSQ", "enter", *"jumped start", "enter")
        await until(pilot, lambda: table.cell_text(leader.car_id, "status").startswith("DSQ"), "the DSQ shown")
        assert table.cell_text(leader.car_id, "pos") == ""  # disqualified: no position, as on every result
        assert table.get_row_index(str(leader.car_id)) == 3  # after the three classified cars
        assert app.model.rows[leader.car_id].status is CarStatus.DSQ
        assert table.selected_car() == leader.car_id  # the selection follows the car, not the place
        # Undone by a further correction: running again, back in first place.
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"running", "enter", *"wrong car", "enter")
        await until(pilot, lambda: table.cell_text(leader.car_id, "pos") == "1", "the DSQ taken back")
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"DSQ", "enter", *"jumped start after all", "enter")
        await until(pilot, lambda: table.cell_text(leader.car_id, "status").startswith("DSQ"), "DSQ again")
        # A yellow flag is shown and kept in the control log; green clears it.
        await pilot.press("y")
        await until(pilot, lambda: app.timing.flag().value == "yellow", "the yellow flag")
        await pilot.press("g")
        await until(pilot, lambda: app.timing.flag().value == "green", "green again")
        # Checkered, then finish with a confirmation.
        await pilot.press("c")
        await until(pilot, lambda: app.timing.flag().value == "checkered", "the checkered flag")
        await pilot.press("c")  # pressed twice: the finish stays where the first put it
        await until(pilot, lambda: any("already out" in n.message for n in app._notifications), "told it is out")
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("y")
        await until(pilot, lambda: app.timing.recording is None and app.timing.flag().value == "finished",
                    "the session finished")
        await until(pilot, lambda: any(n.message == "Practice 1 finished" for n in app._notifications),
                    "the toast naming the session as the official knows it (not its database id)")
    db = open_event_db(event_db, readonly=True)
    try:
        sessions = list_sessions(db)
        assert [s.phase for s in sessions] == [SessionPhase.FINISHED, SessionPhase.PLANNED]
        results = list(db.query("SELECT number, position, status FROM results WHERE session_id = 1 ORDER BY position IS NULL, position, rowid"))
        assert len(results) == 4
        assert results[-1]["status"] == "DSQ"
        flags = [(record.flag.value, record.made_by) for record in control_log(db, 1) if record.flag is not None]
        assert flags == [("yellow", "J. Smith"), ("green", "J. Smith"), ("checkered", "J. Smith")]
        finishes = [record.made_by for record in control_log(db, 1) if record.action.value == "finish"]
        assert finishes == ["J. Smith"]
        corrections = load_corrections(db, 1)
        assert [(c.made_by, c.reason) for c in corrections] == [
            ("J. Smith", "jumped start"), ("J. Smith", "wrong car"), ("J. Smith", "jumped start after all")]
    finally:
        db.close()


@app_test
async def test_flags_shown_from_another_program_reach_the_header(event_db: Path) -> None:
    """`laptiming flag yellow` (then red) in another terminal while the app times the session: its header says so."""
    from laptiming.app.adapter import FlagShown
    from laptiming.app.widgets.status import SessionBar
    from tests.timing.cli_runner import run_cli

    app = LiveTimingApp(Timing(event_db, "sim://?cars=3&seed=5&speed=0&minutes=5", enter_unknown=True))
    async with app.run_test(size=(120, 36)) as pilot:
        app.start_session(1)
        bar = app.screen_named("live").query_one(SessionBar)
        await until(pilot, lambda: app.model.link is not None and app.model.link.state.value == "ended"
                    and " GREEN " in str(bar.render()), "green on the header")
        for flag in (FlagShown.YELLOW, FlagShown.RED):
            done = run_cli("flag", flag.value, "--db", event_db, "--session", "1", "--by", "marshal")
            assert done.returncode == 0, done.stderr
            await until(pilot, lambda: f" {flag.value.upper()} " in str(bar.render()), f"{flag.value} on the header")
            assert app.timing.flag() is flag
        await pilot.press("g")  # the app's own flag clears it at once
        await until(pilot, lambda: " GREEN " in str(bar.render()), "green again")


@app_test
async def test_a_session_finished_from_another_terminal_stops_the_app_reading_it(event_db: Path) -> None:
    """`laptiming finish` in another terminal: the app showed FINISHED but went on recording into the finished
    session, refused n ("finish the running session first") and f ("is finished")."""
    from tests.timing.cli_runner import run_cli

    app = LiveTimingApp(Timing(event_db, "sim://?cars=3&seed=5&speed=0&minutes=5", enter_unknown=True))
    async with app.run_test(size=(120, 36)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: app.model.link is not None and app.model.link.state.value == "ended",
                    "the simulated session read")
        assert lock_holder(event_db, 1) is not None
        done = run_cli("finish", "--db", event_db, "--session", "1", "--by", "steward")
        assert done.returncode == 0, done.stderr
        # the recorder's lock given back once the late passings are in: nothing reads into the session any more
        await until(pilot, lambda: app.timing.recording is None and lock_holder(event_db, 1) is None,
                    "the app stops reading the finished session")
        await until(pilot, lambda: any("finished in another program" in str(n.message) for n in app._notifications),
                    "the official told why")
        await pilot.press("n")  # a next session can be started at once
        await until(pilot, lambda: app.screen.id != "live" or any("finish the running session first" in
                    str(n.message) for n in app._notifications), "n answered")
        assert not any("finish the running session first" in str(n.message) for n in app._notifications)


@app_test
async def test_the_picker_offers_a_session_left_running_first(event_db: Path) -> None:
    """A session left running (the app quit mid-session) came after every planned one: 26 down the list."""
    db = open_event_db(event_db)
    try:
        with db.atomic():
            db.execute("UPDATE sessions SET phase = ? WHERE name = ?", [SessionPhase.RUNNING.value, "Practice 2"])
    finally:
        db.close()
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="J. Smith")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: "SessionPicker" in type(app.screen).__name__, "the picker")
        options = app.screen.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == ["2", "1"]
        await pilot.press("enter")  # the cursor starts on it: Enter resumes it
        await until(pilot, lambda: app.timing.record is not None, "a session started")
        assert app.timing.record.name == "Practice 2"


@app_test
async def test_a_correction_typed_while_another_terminal_finished_the_session_is_refused_on_its_form(
        event_db: Path) -> None:
    """The form stayed open while `laptiming finish` ran elsewhere; Enter closed it and nothing was said or
    recorded (the refusal came back on the UI thread itself, where it was dropped)."""
    from textual.widgets import Input, Label

    from tests.timing.cli_runner import run_cli

    app = LiveTimingApp(Timing(event_db, "sim://?cars=3&seed=5&speed=0&minutes=5", enter_unknown=True))
    async with app.run_test(size=(120, 36)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: app.model.link is not None and app.model.link.state.value == "ended",
                    "the simulated session read")
        await pilot.press("m")
        await until(pilot, lambda: app.screen.query("#field-seconds"), "the min lap form")
        form = app.screen
        assert run_cli("finish", "--db", event_db, "--session", "1", "--by", "steward").returncode == 0
        await until(pilot, lambda: app.timing.recording is None, "the app stops reading the finished session")
        form.query_one("#field-seconds", Input).value = "20"
        reason = form.query_one("#field-reason", Input)
        reason.value = "too late"
        reason.focus()
        await until(pilot, lambda: reason.has_focus, "the reason field focused")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is not form and app.screen.query("#form-error"), "the form again")
        assert "not recorded: no session running" in str(app.screen.query_one("#form-error", Label).render())
    db = open_event_db(event_db, readonly=True)
    try:
        assert load_corrections(db, 1) == []
    finally:
        db.close()


@app_test
async def test_the_session_clock_stands_at_the_latest_passing_once_the_source_has_ended(event_db: Path) -> None:
    """A capture or simulator read to its end: the page and the RMonitor clock stand at its latest passing, while
    the app's session clock ran on from the host clock (elapsed 06:12, 06:13, ... over standings that could not
    change). It stands now, and says so."""
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="J. Smith")
    async with app.run_test(size=(120, 36)) as pilot:
        await timed_to_the_end(app, pilot, cars=4)
        state = app.timing.state
        assert state is not None and state.latest_us is not None and state.setup.markers.green_us is not None
        at_latest = clock_text(app.timing.record.rules, state.latest_us - state.setup.markers.green_us, 0).split("  ")[0]
        # The host clock moves on past the latest passing by whole seconds (read through the decoder clock).
        await until(pilot, lambda: (app.timing.decoder_now_us() or 0) - state.latest_us > 2_000_000,
                    "two seconds of host time after the latest passing", timeout=10)
        live = app.screen_named("live")
        live.refresh_bars()
        await pilot.pause()
        header = str(live.query_one(SessionBar).render())
        assert f"{at_latest}  (stopped)" in header, header
