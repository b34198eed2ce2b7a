"""The Results screen names a session as the list above it does: its id and its name."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Label, OptionList

from laptiming.app import LiveTimingApp, Timing
from tests.app.conftest import app_test, finished_with_keys, make_event, screen_lines, timed_to_the_end, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


async def provisional_results(app: LiveTimingApp, pilot) -> Label:
    """Session 1 timed to its end and finished with keys, then the Results screen: its status line, once it reads
    the provisional results."""
    await timed_to_the_end(app, pilot)
    await finished_with_keys(app, pilot)
    await pilot.press("4")
    await until(pilot, lambda: app.screen.id == "results", "the Results screen")
    status = app.screen.query_one("#result-status", Label)
    await until(pilot, lambda: "results provisional" in str(status.render()), "the results status")
    return status


@app_test
async def test_results_status_and_the_official_question_name_the_session_shown(tmp_path: Path) -> None:
    """The sample day's session 1 is called "Session 2": the screen listed "Session 2" and said under it
    "Session 1: results provisional", and o asked to make "session 1" official, which reads as another session."""
    db = make_event(tmp_path / "event.db", "Session 2", "Session 3")
    app = LiveTimingApp(Timing(db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(100, 30)) as pilot:
        status = await provisional_results(app, pilot)
        assert str(status.render()) == "session 1 (Session 2): results provisional"
        await pilot.press("o")
        await until(pilot, lambda: app.screen.query("#question"), "the question")
        await pilot.pause()
        assert "Make the results of session 1 (Session 2) official?" in "\n".join(screen_lines(app))


@app_test
async def test_a_session_timed_again_while_another_runs_leaves_the_results_list(tmp_path: Path) -> None:
    """u on a finished session while another was being timed set it running again (its results gone), but the
    Results screen went on listing it as finished with its old standings and "results provisional"."""
    db = make_event(tmp_path / "event.db", "Session 2", "Session 3")
    app = LiveTimingApp(Timing(db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(100, 30)) as pilot:
        await timed_to_the_end(app, pilot)
        await finished_with_keys(app, pilot)
        app.start_session(2)
        await until(pilot, lambda: app.timing.record is not None and app.timing.record.session_id == 2,
                    "session 2 being timed")
        await pilot.press("4")
        await until(pilot, lambda: app.screen.id == "results", "the Results screen")
        results = app.screen
        finished = results.query_one(OptionList)
        await until(pilot, lambda: results.query_one(DataTable).row_count == 3, "session 1's results")
        await pilot.press("u")
        await until(pilot, lambda: app.screen.query("#reason"), "the reason asked")
        await pilot.press(*"finished by mistake", "enter")
        await until(pilot, lambda: finished.option_count == 0, "session 1 no longer listed as finished")
        await until(pilot, lambda: results.query_one(DataTable).row_count == 0, "its old standings gone")
        assert str(results.query_one("#result-status", Label).render()) == "no finished session yet"


@app_test
async def test_reopen_on_provisional_results_says_so_before_asking_why(tmp_path: Path) -> None:
    """r on provisional results asked for a reason, then said "its results are not official; there is nothing to
    reopen": the official typed a reason for nothing."""
    db = make_event(tmp_path / "event.db", "Session 2")
    app = LiveTimingApp(Timing(db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(100, 30)) as pilot:
        await provisional_results(app, pilot)
        results = app.screen
        await pilot.press("r")
        said = "session 1 (Session 2): results provisional, nothing to reopen (o makes them official)"
        await until(pilot, lambda: any(n.message == said for n in app._notifications), "said at once")
        assert app.screen is results and not app.screen.query("#reason")
