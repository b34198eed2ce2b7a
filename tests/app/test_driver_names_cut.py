"""Two drivers of one name, told apart by the roster's id in brackets, stay apart when the Driver column is narrow.

A roster gives drivers of the same name their id (``Clara Fischer (D0017)``, ``Clara Fischer (D0060)``); the
Driver column cut names at its end, so at 80 columns both read ``Clara Fischer (D`` on Live and in Results."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.widgets.columns import fit_name
from laptiming.store import assign_transponder, ensure_car, ensure_driver, enter_car, open_event_db, write_transaction
from tests.app.conftest import app_test, finished_with_keys, screen_lines, until

NAMES = {3100222: ("17", "Clara Fischer (D0017)"), 3100259: ("60", "Clara Fischer (D0060)")}
SIM = "sim://?transponders=3100222,3100259&seed=5&speed=0&minutes=5"


def test_a_cut_name_keeps_its_id_in_brackets() -> None:
    assert fit_name("Clara Fischer (D0060)", 30) == "Clara Fischer (D0060)"
    assert fit_name("Clara Fischer (D0060)", 16) == "Clara F… (D0060)"
    assert fit_name("Clara Fischer (D0060)", 12) == "Cla… (D0060)"
    assert fit_name("Christopher Montgomery-Smith", 16) == "Christopher Mont"  # no id: cut at the end, as before
    assert fit_name("Ana (D0060)", 8) == "Ana (D00"  # no room for any of the name: cut at the end


@app_test
async def test_two_drivers_of_one_name_are_told_apart_at_80_columns(event_db: Path) -> None:
    db = open_event_db(event_db)
    try:
        with write_transaction(db):
            for transponder, (number, name) in NAMES.items():
                car = ensure_car(db, number, None)
                assign_transponder(db, transponder, car, made_by="roster", reason="roster")
                enter_car(db, 1, car, ensure_driver(db, name))
    finally:
        db.close()
    app = LiveTimingApp(Timing(event_db, SIM), official="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: len(app.model.rows) == 2 and all(r.laps > 0 for r in app.model.rows.values()),
                    "both cars timed")
        await until(pilot, lambda: "(D0017)" in "\n".join(screen_lines(app)) and "(D0060)" in "\n".join(screen_lines(app)),
                    "both ids on Live:\n" + "\n".join(screen_lines(app)), timeout=5)
        await finished_with_keys(app, pilot)
        await pilot.press("4")
        await until(pilot, lambda: app.screen.id == "results" and app.screen.query_one(DataTable).row_count == 2,
                    "the results")
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "(D0017)" in shown and "(D0060)" in shown, shown
