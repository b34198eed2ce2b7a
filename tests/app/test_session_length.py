"""The length form (t): time lost to a red flag given back from the desk, taken up by the running session."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.widgets.status import SessionBar
from laptiming.engine import SessionRules
from laptiming.store import get_session, open_event_db
from tests.app.conftest import app_test, make_event, screen_lines, timed_to_the_end, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"  # the cars run 3:14 after the green flag
MINUTE_US = 60_000_000


def _rules(path: Path) -> SessionRules:
    db = open_event_db(path, readonly=True)
    try:
        return get_session(db, 1).rules
    finally:
        db.close()


async def _length_form_after_the_run(app: LiveTimingApp, pilot) -> None:
    """Time the session to the simulator's end (3:14 after green, of its 8:00), then open the length form."""
    await timed_to_the_end(app, pilot)
    await pilot.press("t")
    await until(pilot, lambda: app.screen.query("#length-add"), "the length form")


@app_test
async def test_time_added_from_the_desk_lengthens_the_running_session(tmp_path: Path) -> None:
    path = make_event(tmp_path / "event.db", "Practice 1", rules=SessionRules(duration_us=8 * MINUTE_US))
    app = LiveTimingApp(Timing(path, SIM, enter_unknown=True), official="clerk")
    async with app.run_test(size=(100, 30)) as pilot:
        await _length_form_after_the_run(app, pilot)
        form = app.screen
        assert "Length of Practice 1: 08:00 now" in "\n".join(screen_lines(app))
        await pilot.press(*"2:00", "enter", "enter", "enter", *"red flag, 2 minutes lost", "enter")
        await until(pilot, lambda: app.screen is not form, "the form closed")
        await until(pilot, lambda: [n.message for n in app._notifications] == ["Practice 1: 08:00 -> 10:00"],
                    "the confirmation")
        assert _rules(path).duration_us == 10 * MINUTE_US
        live = app.screen_named("live")
        live.refresh_bars()
        await pilot.pause()
        assert "remaining 06:4" in str(live.query_one(SessionBar).render())  # 10:00 less the 3:14 run


@app_test
async def test_a_length_the_session_has_run_past_is_refused_on_the_form(tmp_path: Path) -> None:
    path = make_event(tmp_path / "event.db", "Practice 1", rules=SessionRules(duration_us=8 * MINUTE_US))
    app = LiveTimingApp(Timing(path, SIM, enter_unknown=True), official="clerk")
    async with app.run_test(size=(100, 30)) as pilot:
        await _length_form_after_the_run(app, pilot)
        await pilot.press("enter", *"3:00", "enter", "enter", "enter")
        error = app.screen.query_one("#form-error", Label)
        await until(pilot, lambda: "needed: Reason" in str(error.render()), "the reason asked for")
        await pilot.press(*"shorter", "enter")
        await until(pilot, lambda: "not set: " in str(app.screen.query_one("#form-error", Label).render()),
                    "the refusal on the form, opened again")
        said = str(app.screen.query_one("#form-error", Label).render())
        assert "has run 03:14 already: 03:00 would end it at 03:00, in the past" in said
        assert _rules(path).duration_us == 8 * MINUTE_US


@app_test
async def test_a_time_that_is_not_one_is_said_on_the_form_with_the_cursor_on_it(tmp_path: Path) -> None:
    path = make_event(tmp_path / "event.db", "Practice 1", rules=SessionRules(duration_us=8 * MINUTE_US))
    app = LiveTimingApp(Timing(path, SIM, enter_unknown=True), official="clerk")
    async with app.run_test(size=(80, 24)) as pilot:
        await _length_form_after_the_run(app, pilot)
        await pilot.press("x", "enter", "enter", "enter", *"red flag", "enter")
        error = app.screen.query_one("#form-error", Label)
        await until(pilot, lambda: "Add time: 'x' is not a time (4:00, 1:05:00 or seconds)" in str(error.render()),
                    "the message")
        assert app.focused is app.screen.query_one("#length-add")
        await pilot.press("backspace", *"4:00", "enter")  # Enter on the first field moves down: three more
        await pilot.press("enter", "enter", "enter")
        await until(pilot, lambda: _rules(path).duration_us == 12 * MINUTE_US, "the four minutes added")
