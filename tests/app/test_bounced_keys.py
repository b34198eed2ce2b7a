"""Keys sent together (tmux send-keys, a bouncing key): a form closes once, the screen beneath stays."""

from __future__ import annotations

import threading
from pathlib import Path

from textual.widgets import DataTable

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.widgets.status import AlertBar
from laptiming.service.control import control_log
from laptiming.store import load_corrections, open_event_db
from laptiming.store.sessions import load_assignments, load_entries
from tests.app.conftest import WAIT_S, app_test, finished_with_keys, press_together, timed_to_the_end, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


def _stack(app: LiveTimingApp) -> list[str | None]:
    return [screen.id for screen in app.screen_stack[1:]]


async def _live_still_there(app: LiveTimingApp, pilot) -> None:
    """Another screen and back: Live is still the one screen under them (a second dismiss once popped it)."""
    await pilot.press("2")
    await until(pilot, lambda: app.screen.id == "passings", "the Passings screen")
    await pilot.press("1")
    await until(pilot, lambda: app.screen.id == "live", "back on Live")
    assert _stack(app) == ["live"]


def _corrections(db_path: Path) -> int:
    db = open_event_db(db_path, readonly=True)
    try:
        return len(load_corrections(db, 1))
    finally:
        db.close()


@app_test
async def test_enter_enter_on_a_correction_form_records_once_and_live_stays(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await timed_to_the_end(app, pilot)
        await pilot.press("m")
        await until(pilot, lambda: app.screen.query("#field-seconds"), "the min lap form")
        await pilot.press(*"30", "enter", *"slow")
        press_together(app, "enter", "enter")
        await until(pilot, lambda: _corrections(event_db) == 1, "the correction recorded")
        await _live_still_there(app, pilot)
        assert _corrections(event_db) == 1


@app_test
async def test_enter_again_while_the_walk_up_is_being_entered_asks_once_and_live_stays(event_db: Path) -> None:
    """The second Enter arrives while the service is still entering the car (it waits on a gate here)."""
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="gate")
    asked: list[object] = []
    gate = threading.Event()
    walk_up = app.timing.walk_up

    def gated(*args: object, **kwargs: object) -> object:
        asked.append(args)
        assert gate.wait(WAIT_S)
        return walk_up(*args, **kwargs)

    app.timing.walk_up = gated  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await timed_to_the_end(app, pilot)
        await pilot.press("w")
        await until(pilot, lambda: app.screen.query("#walkup-number"), "the walk-up form")
        form = app.screen
        await pilot.press(*"9", "enter", *"Ada", "enter", "enter", *"4321", "enter")
        await until(pilot, lambda: asked, "the service asked")
        await pilot.press("enter")
        gate.set()
        await until(pilot, lambda: app.screen is not form, "the car entered")
        await _live_still_there(app, pilot)
        assert len(asked) == 1
    db = open_event_db(event_db, readonly=True)
    try:
        assert [(e.number, e.driver) for e in load_entries(db, 1) if e.number == "9"] == [("9", "Ada")]
    finally:
        db.close()


@app_test
async def test_enter_enter_on_the_reopen_reason_keeps_the_results_screen(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await timed_to_the_end(app, pilot)
        await finished_with_keys(app, pilot)
        await pilot.press("4")
        await until(pilot, lambda: app.screen.id == "results" and app.screen.query_one(DataTable).row_count == 3,
                    "the Results screen")
        results = app.screen
        await pilot.press("o")
        await until(pilot, lambda: app.screen.query("#question"), "the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: "official" in str(results.query_one("#result-status").render()), "official")
        await pilot.press("r")
        await until(pilot, lambda: app.screen.query("#reason"), "the reason asked")
        await pilot.press(*"typo")
        press_together(app, "enter", "enter")
        await until(pilot, lambda: "provisional" in str(results.query_one("#result-status").render()), "reopened")
        assert app.screen is results and _stack(app) == ["live", "results"]


def _flags(db_path: Path) -> list[str]:
    db = open_event_db(db_path, readonly=True)
    try:
        return [record.flag.value for record in control_log(db, 1) if record.flag is not None]
    finally:
        db.close()


@app_test
async def test_y_y_on_the_finish_confirmation_shows_no_yellow_flag(event_db: Path) -> None:
    """The second y of a bounced y y is not Live's yellow-flag key, also while finishing takes a while (it
    waits on a gate here): no yellow flag, no PROBLEM left standing."""
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    finishing = threading.Event()
    gate = threading.Event()
    finish = app.timing.finish

    def gated(made_by: str) -> object:
        finishing.set()
        assert gate.wait(WAIT_S)
        return finish(made_by)

    app.timing.finish = gated  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await timed_to_the_end(app, pilot)
        await pilot.press("f")
        await until(pilot, lambda: app.screen.query("#question"), "the confirmation")
        press_together(app, "y", "y")
        await until(pilot, finishing.is_set, "finishing")
        await pilot.press("3")  # handled after both y
        await until(pilot, lambda: app.screen.id == "day", "the Day screen")
        await until(pilot, lambda: not [w for w in app.workers if w.group == "flag" and w.is_running],
                    "no flag being shown")
        gate.set()
        await until(pilot, lambda: any("Practice 1 finished" in n.message for n in app._notifications), "finished")
        assert app.model.problems == []
        assert "yellow" not in _flags(event_db) and "checkered" in _flags(event_db)


@app_test
async def test_a_problem_alert_is_cleared_with_esc(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        app.start_session(99)  # no such session: a PROBLEM alert
        alerts = app.screen_named("live").query_one(AlertBar)
        await until(pilot, lambda: "PROBLEM: start session 99" in str(alerts.render()), "the problem alert")
        await pilot.press("escape")
        await until(pilot, lambda: "PROBLEM" not in str(alerts.render()), "the alert cleared")
        assert app.screen.id == "live"


@app_test
async def test_a_key_typed_after_the_enter_that_records_a_form_is_not_part_of_it(event_db: Path) -> None:
    """`20 Enter again Enter 2` sent together recorded the reason "again2"; a scanner's second read after a walk-up's
    last Enter made transponder 3999907 into 39999075."""
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await timed_to_the_end(app, pilot)
        await pilot.press("m")
        await until(pilot, lambda: app.screen.query("#field-seconds"), "the min lap form")
        press_together(app, *"20", "enter", *"again", "enter", "2")
        await until(pilot, lambda: _corrections(event_db) == 1, "the correction recorded")
        db = open_event_db(event_db, readonly=True)
        try:
            assert load_corrections(db, 1)[0].reason == "again"
        finally:
            db.close()
        await pilot.press("w")
        await until(pilot, lambda: app.screen.query("#walkup-number"), "the walk-up form")
        form = app.screen
        press_together(app, *"907", "enter", *"Bo", "enter", "enter", *"3999907", "enter", "5")
        await until(pilot, lambda: app.screen is not form, "the car entered")
    db = open_event_db(event_db, readonly=True)
    try:
        [car] = [e.car_id for e in load_entries(db, 1) if e.number == "907"]
        assert [a.transponder for a in load_assignments(db) if a.car_id == car] == [3999907]
    finally:
        db.close()
