"""The app on a decoder another program is timing a session from: starting a session is a clear alert."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from laptiming.app import LiveTimingApp, Timing
from laptiming.service.decoder_lock import DecoderLock
from laptiming.store import open_event_db
from tests.app.conftest import app_test, until

DECODER = "tcp://127.0.0.1:9"  # never opened: the refusal comes before the decoder is


def _phases(db_path: Path) -> list[tuple[int, str]]:
    db = open_event_db(db_path, readonly=True)
    try:
        return [(row[0], row[1]) for row in db.execute("SELECT id, phase FROM sessions ORDER BY id").fetchall()]
    finally:
        db.close()


@app_test
async def test_starting_a_session_on_a_decoder_timing_another_is_an_alert_and_changes_nothing(event_db: Path) -> None:
    other = DecoderLock.take(event_db, DECODER, "Practice 1")  # `laptiming record` timing session 1 from it
    assert other is not None
    other.timing(1)
    try:
        app = LiveTimingApp(Timing(event_db, DECODER))
        async with app.run_test(size=(120, 36)) as pilot:
            app.start_session(2)
            # The problem is kept at once, the notification is a message the app handles after it (App.notify
            # posts it): waiting for the problem alone raced the toast on a loaded machine.
            await until(pilot, lambda: bool(app.model.problems) and any(
                n.message == app.model.problems[0] for n in app._notifications), "the refusal, kept and notified")
            expected = (f"start session 2: decoder {DECODER} is already timing session 1 (Practice 1) into {event_db}, "
                        f"by laptiming record (pid {os.getpid()} on host {socket.gethostname()}, since ")
            assert app.model.problems[0].startswith(expected), app.model.problems
            assert "finish that session first (laptiming finish " in app.model.problems[0]
            assert app.timing.recording is None
    finally:
        other.release()
    assert _phases(event_db) == [(1, "planned"), (2, "planned")]
