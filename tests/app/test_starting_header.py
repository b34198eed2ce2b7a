"""The header while a session is being started (the demo's autostart, a resume reading its journal)."""

from __future__ import annotations

import threading
from pathlib import Path

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.adapter import FlagShown
from laptiming.store import SessionRecord
from tests.app.conftest import app_test, screen_lines, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"
OPEN_WAIT_S = 30.0  # the decoder URL is held back at most this long (the test lets it go much sooner)


def _header(app: LiveTimingApp) -> str:
    """The top line of the terminal as drawn."""
    return screen_lines(app)[0]


@app_test
async def test_while_the_autostart_opens_its_decoder_the_header_says_which_session_is_starting(event_db: Path) -> None:
    """During the demo's autostart the header said "no session timed here / press n" for 1-4 s while the
    session was being started; the official pressed n and was told to finish the running session first."""
    opened = threading.Event()

    def url_for(db_path: Path, record: SessionRecord) -> str:
        """The demo's decoder URL for the session, held back until the test has seen the header."""
        opened.wait(OPEN_WAIT_S)
        return SIM

    app = LiveTimingApp(Timing(event_db, SIM, url_for=url_for), official="desk", autostart=True)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await until(pilot, lambda: "starting Practice 1..." in _header(app), "the header naming the session starting")
            assert "no session timed here" not in _header(app)
            assert "NOT TIMED" not in "\n".join(screen_lines(app))
        finally:
            opened.set()
        await until(pilot, lambda: app.timing.flag() is FlagShown.GREEN, "the green flag")
        await until(pilot, lambda: "Practice 1 (practice)" in _header(app), "the running session's header")
