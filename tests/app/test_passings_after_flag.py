"""The Passings screen on a car that first reached the line after the flag fell: its crossings say so,
none reads "counted: opens timing", and the car is DNS once the session is finished."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from laptiming.app import LiveTimingApp, Timing
from laptiming.engine import SessionRules, SessionType
from tests.app.conftest import app_test, finished_with_keys, make_event, timed_to_the_end, until

# Six cars leaving the pits over more than half a minute; the practice's time runs out 30 s after the green (the
# flag falls then; a race's would wait for its leader to cross).
SIM = "sim://?cars=6&seed=7&speed=0&minutes=8"
PRACTICE_OF_30_S = SessionRules(session_type=SessionType.PRACTICE, min_lap_us=30_000_000, duration_us=30_000_000)


@app_test
async def test_a_car_first_crossing_after_the_flag_reads_after_the_checkered_flag(tmp_path: Path) -> None:
    event_db = make_event(tmp_path / "event.db", "Practice 1", rules=PRACTICE_OF_30_S)
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await timed_to_the_end(app, pilot, cars=6)
        await finished_with_keys(app, pilot)
        await until(pilot, lambda: any(r.status.value == "DNS" for r in app.model.rows.values()), "a DNS car")
        late = {row.car_id for row in app.model.rows.values() if row.status.value == "DNS"}
        await pilot.press("2")
        await until(pilot, lambda: app.screen.id == "passings", "the Passings screen")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == len(app.model.verdicts) > 0, "every passing listed")
        shown = {str(key.value): str(table.get_cell(key, "reason")) for key in table.rows}
        theirs = [shown["{}:{}:{}".format(*key)] for key, verdict in app.model.verdicts.items()
                  if verdict.car_id in late]
        assert theirs and set(theirs) == {"after checkered flag"}
