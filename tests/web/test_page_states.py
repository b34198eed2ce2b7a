"""What the phone page says besides the standings: the decoder cut off while the recorder runs, the event
database unreadable by the web server, and the session planned next before any has run. In Chromium, against
the real web server on loopback; the recorder and its decoder are processes of their own."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from laptiming.engine import SessionRules
from laptiming.store import create_session, open_event_db, write_transaction
from laptiming.web.server import WebServer
from tests.web.browser import phone_page
from tests.web.decoder_rig import recorded

WAIT_MS = 60_000


def test_a_decoder_unplugged_while_the_recorder_runs_is_said_on_the_page_and_its_clock_stands(tmp_path: Path) -> None:
    """The recorder reconnecting to a dead decoder still holds its lock: the page said "live", its clock
    counting on over standings that could not change, until the decoder was back."""
    from playwright.sync_api import expect

    db_path = tmp_path / "event.db"
    badge, clock, note = "#link-state", "#session-clock", "#standings-note"
    with recorded(db_path) as rig:
        server = WebServer(db_path, "127.0.0.1", 0).start()
        try:
            with phone_page() as page:
                page.clock.install()  # the page's own clock, moved on by the test
                page.goto(server.url)
                expect(page.locator("#session-name")).to_have_text("Practice 1", timeout=WAIT_MS)
                expect(page.locator("#standings tbody tr").first).to_be_visible(timeout=WAIT_MS)  # cars heard
                expect(page.locator(badge)).to_have_text("live", timeout=WAIT_MS)
                expect(page.locator(clock)).to_have_text(re.compile(r"^\d+:\d\d$"), timeout=WAIT_MS)

                rig.unplug()
                expect(page.locator(badge)).to_have_text("decoder disconnected", timeout=WAIT_MS)
                expect(page.locator("#session-type")).to_have_text("practice · decoder disconnected")
                expect(page.locator(note)).to_contain_text("The decoder is disconnected")
                page.clock.run_for(2000)  # any header already on its way has come
                shown = page.locator(clock).text_content()
                page.clock.run_for(5000)
                expect(page.locator(clock)).to_have_text(shown)  # the clock stands with the standings
                page.screenshot(path=str(tmp_path / "decoder-disconnected.png"))
                assert rig.recorder is not None and rig.recorder.poll() is None  # the recorder runs on

                rig.plug_in()  # the recorder reconnects by itself: live again
                expect(page.locator(badge)).to_have_text("live", timeout=WAIT_MS)
                expect(page.locator(note)).to_have_text("")
                expect(page.locator("#session-type")).to_have_text("practice · running")
        finally:
            server.stop()


def test_the_page_says_when_the_server_cannot_read_the_event_database_and_recovers(tmp_path: Path) -> None:
    """LiveResults kept the error to itself: phones said "live" over whatever they had."""
    from playwright.sync_api import expect

    db_path = tmp_path / "event.db"
    good = tmp_path / "good.db"
    db = open_event_db(good, create=True)
    with write_transaction(db):
        create_session(db, "Practice 1", SessionRules())
    db.close()
    db_path.write_bytes(b"this is not a database, a copy half made\n" * 200)
    server = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        with phone_page() as page:
            page.goto(server.url)
            expect(page.locator("#link-state")).to_have_text("database unreadable", timeout=WAIT_MS)
            expect(page.locator("#standings-note")).to_contain_text("The server cannot read the event database")
            expect(page.locator("#standings-note")).to_contain_text("(event.db: not a database file)")
            expect(page.locator("#standings-note")).not_to_contain_text(str(tmp_path))  # no folder of the laptop
            page.screenshot(path=str(tmp_path / "unreadable.png"))

            shutil.copyfile(good, db_path)  # readable again: the page says so within a second or two
            expect(page.locator("#link-state")).to_have_text("waiting", timeout=WAIT_MS)  # no session has run yet
            expect(page.locator("#standings-note")).not_to_contain_text("cannot read", timeout=WAIT_MS)
            expect(page.locator("#session-name")).to_have_text("Next: Practice 1")
    finally:
        server.stop()


def test_before_any_session_has_run_the_page_names_the_one_planned_next(tmp_path: Path) -> None:
    """The page said only "Waiting for a session" while the day's plan knew what came next, and when."""
    from playwright.sync_api import expect

    db_path = tmp_path / "event.db"
    db = open_event_db(db_path, create=True)
    with write_transaction(db):
        later = create_session(db, "Session 4", SessionRules(), planned_start="2026-06-13 10:40")
        create_session(db, "Session 3", SessionRules(), planned_start="2026-06-13 10:20")
    db.close()
    server = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        with phone_page() as page:
            page.goto(server.url)
            expect(page.locator("#session-name")).to_have_text("Next: Session 3 at 10:20", timeout=WAIT_MS)
            expect(page.locator("#standings-note")).to_have_text("No session has run yet.")
            page.screenshot(path=str(tmp_path / "next.png"))
            db = open_event_db(db_path)
            with write_transaction(db):  # the plan changes: Session 4 moved before Session 3
                db["sessions"].update(later, {"planned_start": "2026-06-13 10:00"})
            db.close()
            expect(page.locator("#session-name")).to_have_text("Next: Session 4 at 10:00", timeout=WAIT_MS)
    finally:
        server.stop()


def test_the_sessions_list_says_when_the_recorder_cannot_hear_its_decoder(tmp_path: Path) -> None:
    """The day's list (and ``/api/sessions``) said "running" for a session whose decoder was unplugged, while the
    live view said "decoder disconnected"."""
    import json
    import urllib.request

    from playwright.sync_api import expect

    db_path = tmp_path / "event.db"
    with recorded(db_path) as rig:
        server = WebServer(db_path, "127.0.0.1", 0).start()
        try:
            with phone_page() as page:
                page.goto(server.url)
                # the session on the page first ("live" is said before the recorder has made it, and the list is
                # read once, as it is opened)
                expect(page.locator("#session-name")).to_have_text("Practice 1", timeout=WAIT_MS)
                expect(page.locator("#link-state")).to_have_text("live", timeout=WAIT_MS)
                page.locator("#show-day").tap()
                expect(page.locator("#day li")).to_contain_text("practice · running · ", timeout=WAIT_MS)
                rig.unplug()
                page.locator("#show-live").tap()
                expect(page.locator("#link-state")).to_have_text("decoder disconnected", timeout=WAIT_MS)
                page.locator("#show-day").tap()  # the list is read again when opened
                expect(page.locator("#day li")).to_contain_text("practice · decoder disconnected · ", timeout=WAIT_MS)
                page.screenshot(path=str(tmp_path / "sessions-decoder-disconnected.png"))
                with urllib.request.urlopen(server.url + "api/sessions") as response:
                    listed = json.load(response)
                assert [(s["phase"], s["timing"], s["decoder"]) for s in listed] == [
                    ("running", True, "disconnected")]
        finally:
            server.stop()


def test_once_a_session_has_finished_the_page_names_the_one_planned_next_above_its_results(tmp_path: Path) -> None:
    """After the first session the page showed the last results and no longer said what came next."""
    from playwright.sync_api import expect

    from tests.web.event_db import crossing, finish, journal, recorder, running_session

    db_path = tmp_path / "event.db"
    session_id = running_session(db_path, "Session 2")
    journal(db_path, session_id, [crossing(1, 101, 0), crossing(2, 102, 1), crossing(3, 101, 60)])
    db = open_event_db(db_path)
    with write_transaction(db):
        create_session(db, "Session 3", SessionRules(), planned_start="2026-06-13 10:20")
    db.close()
    server = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        with recorder(db_path, session_id), phone_page() as page:
            page.goto(server.url)
            expect(page.locator("#link-state")).to_have_text("live", timeout=WAIT_MS)
            expect(page.locator("#session-type")).to_have_text("practice · running")
            expect(page.locator("#standings tbody tr")).to_have_count(2)
            expect(page.locator("#next-session")).to_be_hidden()  # a session runs: nothing else is named
            finish(db_path, session_id)
            expect(page.locator("#session-type")).to_have_text("practice · finished", timeout=WAIT_MS)
            expect(page.locator("#link-state")).to_have_text("finished")  # results, no longer live timing
            expect(page.locator("#next-session")).to_have_text("Next: Session 3 at 10:20", timeout=WAIT_MS)
            expect(page.locator("#session-name")).to_have_text("Session 2")  # over the last session's results
            expect(page.locator("#standings tbody tr")).to_have_count(2)
            page.screenshot(path=str(tmp_path / "next-after-results.png"))
            page.locator("#show-day").tap()  # not in the Sessions view
            expect(page.locator("#next-session")).to_be_hidden()
    finally:
        server.stop()


def test_a_decoder_source_that_ended_is_said_as_ended_not_as_a_decoder_the_recorder_waits_for(tmp_path: Path) -> None:
    """A capture replayed in the app to its end: the app said DECODER SOURCE ENDED, no more passings will come, while
    the page said "decoder disconnected: the recorder is waiting for it" (and so did the board and ``/api/session``)."""
    import json
    import urllib.request

    from playwright.sync_api import expect

    from laptiming.service import Recording, RecordingRequest
    from laptiming.service.decoder_link import DecoderLink
    from laptiming.service.lock import lock_holder

    db_path = tmp_path / "event.db"
    recording = Recording.start(RecordingRequest(db_path, "Practice 1", "sim://?cars=3&seed=5&speed=0&minutes=3",
                                                 enter_unknown=True))
    server = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        for _ in recording.notices():  # to the source's end; the session is left running, as the app leaves it
            pass
        with phone_page() as page:
            page.goto(server.url)
            expect(page.locator("#link-state")).to_have_text("decoder source ended", timeout=WAIT_MS)
            expect(page.locator("#standings-note")).to_contain_text("no more passings will come")
            expect(page.locator("#session-type")).to_have_text("practice · decoder source ended")
            page.screenshot(path=str(tmp_path / "decoder-source-ended.png"))
        with urllib.request.urlopen(server.url + "api/session") as response:
            assert json.load(response)["decoder"] == "ended"
        holder = lock_holder(db_path, recording.session_id)
        assert holder is not None and holder.decoder is DecoderLink.ENDED and not holder.hears_decoder
    finally:
        server.stop()
        recording.close(finish=False)


def test_while_the_recorder_cannot_write_its_passings_the_page_says_results_are_delayed(tmp_path: Path,
                                                                                         monkeypatch) -> None:
    """Another program held the database's write lock: the recorder kept the passings in memory and its official
    was told, but the page went on saying "live" over standings that had stopped moving (in one run, 29 passings,
    five minutes of a session at 20x, held for 13 s). Real processes: the recorder and a simulated TCP decoder."""
    import json
    import sqlite3
    import urllib.request

    from playwright.sync_api import expect

    monkeypatch.setenv("LAPTIMING_WAIT_S", "0.3")  # the recorder's writes give up waiting soon, then hold passings
    db_path = tmp_path / "event.db"
    with recorded(db_path) as rig:
        server = WebServer(db_path, "127.0.0.1", 0).start()
        try:
            with phone_page() as page:
                page.goto(server.url)
                expect(page.locator("#session-name")).to_have_text("Practice 1", timeout=WAIT_MS)
                expect(page.locator("#link-state")).to_have_text("live", timeout=WAIT_MS)
                holder = sqlite3.connect(db_path, isolation_level=None, timeout=30)
                holder.execute("BEGIN IMMEDIATE")  # another program writing, and not done for a while
                try:
                    expect(page.locator("#link-state")).to_have_text("results delayed", timeout=WAIT_MS)
                    expect(page.locator("#standings-note")).to_contain_text("Results delayed: the timing laptop "
                                                                           "cannot write its event database")
                    with urllib.request.urlopen(server.url + "api/session") as response:
                        assert json.load(response)["journal"] == "held"
                    page.screenshot(path=str(tmp_path / "results-delayed.png"))
                finally:
                    holder.execute("ROLLBACK")
                    holder.close()
                expect(page.locator("#link-state")).to_have_text("live", timeout=WAIT_MS)
                with urllib.request.urlopen(server.url + "api/session") as response:
                    assert json.load(response)["journal"] is None
            assert rig.recorder is not None and rig.recorder.poll() is None
        finally:
            server.stop()
