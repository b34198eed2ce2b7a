"""A session whose start ends just as the app closes is no crash.

The session's worker hands the new session to the Live screen once its decoder is open; when the
official quit meanwhile, the screen's widgets were already gone and the hand-over raised ``NoMatches``
(``make test`` caught it once, in a test that ends as its session starts).
"""

from __future__ import annotations

from pathlib import Path

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.widgets.standings import StandingsTable
from tests.app.conftest import app_test

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


@app_test
async def test_a_new_session_handed_to_a_live_screen_whose_table_is_gone_is_no_crash(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)):
        live = app.screen_named("live")
        await live.query_one(StandingsTable).remove()  # as closing the app takes the screen's widgets away
        live.reset()  # what the session's hand-over does: it raised NoMatches
        assert not live.query(StandingsTable)
