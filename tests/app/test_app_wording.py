"""What the app says in its own words: keys, not the CLI's command names; sessions by name too; a car, 2 cars."""

from __future__ import annotations

from pathlib import Path

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.adapter import FlagShown
from laptiming.printouts.session_print import slip_printer
from laptiming.store import ensure_car, enter_car, open_event_db, write_transaction
from tests.app.conftest import app_test, finished_with_keys, screen_lines, timed_to_the_end, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


def _notices(app: LiveTimingApp) -> list[str]:
    """The messages of the notifications on screen now."""
    return [str(notification.message) for notification in app._notifications]


@app_test
async def test_a_penalty_in_practice_is_refused_naming_the_key_not_the_cli_command(event_db: Path) -> None:
    """p in a practice session opened the form, and the refusal said "use delete-lap for track limits", a CLI
    command; the app's key for it is l."""
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: app.timing.flag() is FlagShown.GREEN, "the green flag")
        await pilot.press("p")
        await until(pilot, lambda: any("l deletes the lap's time" in text for text in _notices(app)),
                    "the refusal naming the key")
        assert app.screen.id == "live"  # no form to fill in for nothing
        assert not any("delete-lap" in text for text in _notices(app))


@app_test
async def test_the_slips_notice_names_the_session(event_db: Path) -> None:
    """Printing slips said "3 slip(s) of session 1 to ...": the id alone, where every other line names it."""
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True, slip_printer=slip_printer(event_db)), official="desk")
    async with app.run_test(size=(120, 36)) as pilot:
        await timed_to_the_end(app, pilot)
        await finished_with_keys(app, pilot)
        await pilot.press("4")
        await until(pilot, lambda: app.screen.id == "results", "the Results screen")
        await pilot.press("p")
        await until(pilot, lambda: any("slip(s) of session" in text for text in _notices(app)), "the slips printed")
        assert any("3 slip(s) of session 1 (Practice 1) to " in text for text in _notices(app)), _notices(app)


@app_test
async def test_the_session_picker_counts_one_car_as_a_car(event_db: Path) -> None:
    """The picker said "1 cars" of a session with one car entered."""
    db = open_event_db(event_db)
    try:
        with write_transaction(db):
            enter_car(db, 1, ensure_car(db, "7"))
    finally:
        db.close()
    app = LiveTimingApp(Timing(event_db, SIM), official="desk")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: "SessionPicker" in type(app.screen).__name__, "the picker")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "Practice 1  (practice, planned)  1 car" in text and "1 cars" not in text
        assert "Practice 2  (practice, planned)  0 cars" in text
