"""A race run to time: once the time is up, the Live screen says the flag waits for the leader until it crosses."""

from __future__ import annotations

import time
from pathlib import Path

from hardware.events import Passing
from laptiming.app import LiveTimingApp, Timing
from laptiming.app.event_db import FlagShown
from laptiming.engine import SessionRules, SessionType
from tests.app.conftest import app_test, make_event, screen_lines, until

NOWHERE = "tcp://127.0.0.1:9"  # loopback, nothing listening: the passings come from the test, as the reader hands them on
S = 1_000_000
T0 = 1_781_341_200 * S
RACE_OF_A_MINUTE = SessionRules(session_type=SessionType.RACE, min_lap_us=30 * S, duration_us=60 * S)
# Car 1 leads: a lap at 40 s. Car 3 opened at 20 s and completes its first lap at 70 s, after the time: it has
# not been shown the flag (it had no lap at 60 s, the leader one). The leader's 80 s crossing takes the flag.
CROSSINGS = [(1, 0), (2, 10), (3, 20), (1, 40), (2, 55), (3, 70), (1, 80)]


def _passing(number: int, transponder: int, seconds: int) -> Passing:
    return Passing(1, number, 5000 + transponder, T0 + seconds * S, 100, 20, host_time_ns=time.time_ns())


@app_test
async def test_the_hint_says_the_flag_waits_for_the_leader_once_a_races_time_is_up(tmp_path: Path) -> None:
    """The header read GREEN and 'remaining 00:00' with nothing to say why no flag fell: the official could
    only guess that the race waits for its leader (and that c shows the flag at once)."""
    event_db = make_event(tmp_path / "event.db", "Race 1", rules=RACE_OF_A_MINUTE)
    app = LiveTimingApp(Timing(event_db, NOWHERE, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 30)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: app.timing.recording is not None, "the session running")
        live = app.timing.recording.live
        for number, (car, seconds) in enumerate(CROSSINGS[:-1], start=1):
            live.on_decoder_event(_passing(number, car, seconds))
        await until(pilot, lambda: len(app.model.verdicts) == len(CROSSINGS) - 1, "the passings judged")
        waits = "time is up: the checkered flag falls as the leader next crosses the line   c: show it now   ?: keys"
        live_screen = app.screen_named("live")
        # polled on the screen's own note of its hint: rendering the whole screen each poll starves its timers
        await until(pilot, lambda: live_screen._hint == waits, "the hint saying the flag waits")
        assert any(waits in line for line in screen_lines(app))  # drawn, whole
        assert app.timing.flag() is FlagShown.GREEN
        live.on_decoder_event(_passing(len(CROSSINGS), *CROSSINGS[-1]))
        await until(pilot, lambda: app.timing.flag() is FlagShown.CHECKERED, "the leader taking the flag")
        await until(pilot, lambda: live_screen._hint.startswith("checkered: each car's next crossing finishes it"),
                    "the checkered hint")
        assert not any(waits in line for line in screen_lines(app))
