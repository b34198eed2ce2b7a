"""Work handed to the UI thread by the thread that resolved a future never waits for the UI thread.

The journal writer resolves a correction's future and its callback reports on the UI thread; the
UI thread, quitting, waits for the writer to flush. Had the callback waited for the UI thread,
each would wait for the other for good (the app hung on quit, seen in a test run).
"""

from __future__ import annotations

import threading
from pathlib import Path

from laptiming.app import LiveTimingApp, Timing
from tests.app.conftest import app_test, until

SIM = "sim://?cars=2&seed=5&speed=0&minutes=1"
BOUND_S = 5.0  # far longer than posting a message takes; with a blocking hand-over this wait never ends early


@app_test
async def test_a_worker_hands_a_call_over_without_waiting_for_the_busy_ui_thread(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM), official="desk")
    async with app.run_test() as pilot:
        ran: list[str] = []
        handed_over = threading.Event()

        def writer() -> None:
            app._on_ui_thread(ran.append, "reported")
            handed_over.set()

        threading.Thread(target=writer, name="as-the-journal-writer").start()
        # the UI thread is busy now (as in a flush while quitting): the hand-over must not need it
        assert handed_over.wait(BOUND_S), "the hand-over waited for the UI thread"
        assert ran == []  # not run on the writer's thread
        await until(pilot, lambda: ran == ["reported"], "the call to run on the UI thread")
