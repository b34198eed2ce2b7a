"""The page in a real browser (headless Chromium, phone-sized): standings appear and update as passings are committed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from laptiming.web.server import WebServer
from tests.web.browser import BOARD, PHONE, phone_page
from tests.web.event_db import T0, arriving, crossing, finish, journal, recorder, running_session

WAIT_MS = 30_000
LONG_NAME = "Alexandra Featherstonehaugh-Smythe"  # longer than a phone's row: cut, never widening the page


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[WebServer, Path]]:
    db_path = tmp_path / "event.db"
    running_session(db_path, "Practice 1", drivers={101: (LONG_NAME, "Performance"), 102: ("Jo Fischer", "Classic")})
    server = WebServer(db_path, "127.0.0.1", 0).start()
    with recorder(db_path):
        yield server, db_path
    server.stop()


def test_the_phone_page_shows_the_standings_and_follows_each_passing(served: tuple[WebServer, Path]) -> None:
    from playwright.sync_api import expect

    server, db_path = served
    with phone_page() as page:
        page.goto(server.url)
        rows = page.locator("#standings tbody tr")
        expect(page.locator("#session-name")).to_have_text("Practice 1", timeout=WAIT_MS)
        expect(page.locator("#link-state")).to_have_text("live", timeout=WAIT_MS)
        expect(rows).to_have_count(2)

        journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 102, 2.0), crossing(3, 102, 61.5)])
        expect(rows.first).to_contain_text("102", timeout=WAIT_MS)
        expect(rows.first.locator(".last")).to_have_text("0:59.500")
        journal(db_path, 1, [crossing(4, 101, 59.0), crossing(5, 102, 130.0)])  # 101 laps quicker: it takes the lead
        expect(rows.first).to_contain_text("101", timeout=WAIT_MS)
        expect(rows.first.locator(".last")).to_have_text("0:58.000")
        expect(rows.nth(1).locator(".best")).to_have_text("0:59.500")
        expect(rows.nth(1)).to_contain_text("102")
        expect(rows.nth(1).locator("td").nth(5)).to_have_text("+1.500")
        expect(rows.first.locator(".last")).to_have_class("last sb")  # the session's best lap, just set
        journal(db_path, 1, [crossing(6, 101, 120.0)])  # 101 laps slower: it still holds the session best
        expect(rows.first.locator(".last")).to_have_text("1:01.000", timeout=WAIT_MS)
        expect(rows.first.locator(".last")).to_have_class("last")  # not in the session-best colour
        expect(rows.first.locator(".best")).to_have_class("best sb")

        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
        rows.first.tap()  # a driver's laps
        expect(page.locator("#laps-title")).to_have_text(f"101 {LONG_NAME}", timeout=WAIT_MS)
        expect(page.locator("#laps tbody tr")).to_have_count(2)
        expect(page.locator("#laps tbody tr td").nth(1)).to_have_text("0:58.000")
        expect(page.locator("#laps td.fastest")).to_have_text("0:58.000")  # the best lap stands out
        assert page.locator("#laps td.fastest").evaluate("td => getComputedStyle(td).display") == "table-cell"
        # the driver's own best in the personal-best green, as in the standings; purple is for the session's best
        assert page.locator("#laps td.fastest").evaluate("td => getComputedStyle(td).color") == "rgb(19, 115, 51)"

        page.locator("#show-day").tap()  # the day's sessions
        expect(page.locator("#day li")).to_have_count(1, timeout=WAIT_MS)
        expect(page.locator("#day li")).to_contain_text("Practice 1")
        page.locator("#show-live").tap()
        expect(rows).to_have_count(2)


def test_the_page_reconnects_and_catches_up_after_the_server_was_away(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    db_path = tmp_path / "event.db"
    running_session(db_path, "Practice 1")
    first = WebServer(db_path, "127.0.0.1", 0).start()
    port = first.port
    with phone_page() as page, recorder(db_path):
        try:
            page.goto(first.url)
            expect(page.locator("#link-state")).to_have_text("live", timeout=WAIT_MS)
        finally:
            first.stop()
        expect(page.locator("#link-state")).to_have_text("reconnecting", timeout=WAIT_MS)
        journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 101, 61.0)])  # while the page was cut off
        second = WebServer(db_path, "127.0.0.1", port).start()
        try:
            expect(page.locator("#link-state")).to_have_text("live", timeout=WAIT_MS)
            expect(page.locator("#standings tbody tr").first.locator("td").nth(3)).to_have_text("1")
        finally:
            second.stop()


def test_the_page_notices_a_silently_dead_connection_and_reconnects_to_catch_up(tmp_path: Path) -> None:
    """A network cut that tells nobody (the timing laptop's access point dropped, no FIN, no RST) left the page on a
    dead event stream for good: the badge said "live" over standings that no longer moved. It now hears from the
    server at least every keep-alive; after 40 s of silence it says "reconnecting", connects afresh and catches up."""
    from playwright.sync_api import expect

    from tests.web.netcut import NetCut

    db_path = tmp_path / "event.db"
    running_session(db_path, "Practice 1")
    server = WebServer(db_path, "127.0.0.1", 0).start()
    relay = NetCut(server.port)
    try:
        with phone_page() as page, recorder(db_path):
            page.clock.install()  # the page's own clock, moved on by the test
            page.goto(relay.url)
            badge, laps = page.locator("#link-state"), page.locator("#standings tbody tr").first.locator("td").nth(3)
            expect(badge).to_have_text("live", timeout=WAIT_MS)
            relay.cut()
            journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 101, 61.0)])  # while the page hears nothing
            page.clock.run_for(20_000)
            expect(badge).to_have_text("live")  # a quiet spell is not a cut: pings come every 15 s
            waited_s = 20
            while waited_s < 150 and laps.text_content() != "1":  # the page's clock on, 5 s at a time
                page.clock.run_for(5_000)
                waited_s += 5
                try:  # a reconnection made now has its answer within a moment (real time), if it gets one
                    expect(laps).to_have_text("1", timeout=1_500)
                except AssertionError:
                    pass
            # 40 s of silence, then a fresh attempt every 10 s until one opens: the browser may first send it on
            # connections of the page's that died in the same cut, one per attempt: 45 s on this machine
            expect(laps).to_have_text("1")  # a fresh connection's snapshot caught up
            expect(badge).to_have_text("live")
    finally:
        relay.close()
        server.stop()


def test_the_header_follows_the_live_session_while_the_day_or_a_drivers_laps_are_shown(
        served: tuple[WebServer, Path]) -> None:
    """The header (the live session's flag and phase) stood still while a phone showed the day's sessions or a
    driver's laps: a red flag shown meanwhile still read GREEN there. It now follows the live session on those
    views too (a finished session's own results keep their own header)."""
    from playwright.sync_api import expect

    from laptiming.service.control import Flag, show_flag
    from laptiming.store import open_event_db

    server, db_path = served
    journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 101, 61.0)])
    flag = None

    def show(shown: Flag, at_s: float) -> None:
        db = open_event_db(db_path)
        try:
            show_flag(db, 1, shown, made_by="race control", at_us=T0 + int(at_s * 1_000_000))
        finally:
            db.close()

    with phone_page() as page:
        page.goto(server.url)
        flag = page.locator("#session-flag")
        expect(flag).to_have_text("green", timeout=WAIT_MS)
        page.locator("#show-day").tap()
        expect(page.locator("#day li")).to_have_count(1, timeout=WAIT_MS)
        show(Flag.RED, 62.0)
        expect(flag).to_have_text("red", timeout=WAIT_MS)  # on the day's list
        page.locator("#show-live").tap()
        page.locator("#standings tbody tr").first.tap()
        expect(page.locator("#laps tbody tr")).to_have_count(1, timeout=WAIT_MS)
        show(Flag.GREEN, 63.0)
        expect(flag).to_have_text("green", timeout=WAIT_MS)  # over a driver's laps


def test_a_drivers_laps_in_the_live_session_grow_as_the_car_completes_them(served: tuple[WebServer, Path]) -> None:
    """A phone that opened a driver's laps in the running session kept the list it was first given: the laps the
    car went on to complete never appeared until the phone went back and tapped again."""
    from playwright.sync_api import expect

    server, db_path = served
    journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 101, 61.0)])
    with phone_page() as page:
        page.goto(server.url)
        rows = page.locator("#standings tbody tr")
        expect(rows.first).to_contain_text("101", timeout=WAIT_MS)
        rows.first.tap()
        laps = page.locator("#laps tbody tr")
        expect(laps).to_have_count(1, timeout=WAIT_MS)
        journal(db_path, 1, [crossing(3, 101, 119.5)])
        expect(laps).to_have_count(2, timeout=WAIT_MS)
        expect(laps.nth(1).locator("td").nth(1)).to_have_text("0:58.500")
        expect(page.locator("#laps-sub")).to_contain_text("best 0:58.500")
        expect(page.locator("#laps-title")).to_have_text(f"101 {LONG_NAME}")


def text_gap(page, left: str, right: str) -> float:
    """Pixels between the end of the text of the element ``left`` and the start of that of ``right``."""
    return page.evaluate("""([left, right]) => {
        const box = (selector, end) => {
            const range = document.createRange();
            range.selectNodeContents(document.querySelector(selector));
            const rects = range.getClientRects();
            return end ? rects[rects.length - 1].right : rects[0].left;
        };
        return box(right, false) - box(left, true);
    }""", [left, right])


def test_the_number_and_driver_heads_read_as_two_words_not_no_driver(served: tuple[WebServer, Path]) -> None:
    """The car number's head "No" stood one space from "Driver" (4 px on a phone), so the heads read "NO DRIVER",
    over drivers shown as "—" for cars entered by transponder; a number and its driver stood as close. The driver
    column now starts a clear gap after the number column's text, heads and rows alike."""
    from playwright.sync_api import expect

    server, db_path = served
    for viewport in (PHONE, BOARD):
        with phone_page(viewport=viewport) as page:
            page.goto(server.url)
            expect(page.locator("#standings tbody tr")).to_have_count(2, timeout=WAIT_MS)
            space = page.evaluate("""() => {
                const probe = document.createElement("span");
                probe.textContent = "\u00a0";
                document.querySelector("#standings thead th").append(probe);
                const width = probe.getBoundingClientRect().width;
                probe.remove();
                return width;
            }""")
            heads = text_gap(page, "#standings thead th:nth-child(2)", "#standings thead th:nth-child(3)")
            row = text_gap(page, "#standings tbody tr td:nth-child(2)", "#standings tbody tr .driver")
            assert heads >= 3 * space and row >= 8, (viewport, heads, row, space)


def test_the_badge_says_live_only_over_a_session_being_timed(tmp_path: Path) -> None:
    """The badge said "live" over "Waiting for a session" (nothing to time yet) and over a finished session's results
    opened from the day's list, though the README has it say "live" only while the session shown is being timed.
    It now says "waiting" before any session, and "finished" over a finished session's results."""
    from playwright.sync_api import expect

    from laptiming.store import open_event_db

    db_path = tmp_path / "event.db"
    open_event_db(db_path, create=True).close()
    server = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        with phone_page() as page:
            badge = page.locator("#link-state")
            page.goto(server.url)
            expect(page.locator("#session-name")).to_have_text("Waiting for a session", timeout=WAIT_MS)
            expect(badge).to_have_text("waiting", timeout=WAIT_MS)
            running_session(db_path, "Practice 1")
            journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 101, 61.0)])
            finish(db_path, 1)
            running_session(db_path, "Practice 2")
            with recorder(db_path, 2):
                expect(page.locator("#session-name")).to_have_text("Practice 2", timeout=WAIT_MS)
                expect(badge).to_have_text("live", timeout=WAIT_MS)
                page.locator("#show-day").tap()
                page.locator("#day li").first.tap()  # Practice 1's results
                expect(page.locator("#session-name")).to_have_text("Practice 1", timeout=WAIT_MS)
                expect(badge).to_have_text("finished")
                page.locator("#standings tbody tr").first.tap()  # a driver's laps in it
                expect(page.locator("#laps tbody tr")).to_have_count(1, timeout=WAIT_MS)
                expect(badge).to_have_text("finished")
                page.locator("#show-live").tap()
                expect(badge).to_have_text("live")
    finally:
        server.stop()


def test_the_session_clock_runs_on_between_passings_in_whole_seconds(tmp_path: Path) -> None:
    """A timed session's "to go" counts down on the page itself: the header comes with each passing, and
    it once stood still (with milliseconds) while no car crossed, under a red flag or on a quiet track."""
    import re

    from playwright.sync_api import expect

    from laptiming.engine import SessionRules

    db_path = tmp_path / "event.db"
    running_session(db_path, "Practice 1", rules=SessionRules(duration_us=15 * 60 * 1_000_000))
    server = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        with phone_page() as page, recorder(db_path):
            page.goto(server.url)
            journal(db_path, 1, [arriving(1, 101, 1.0, 61.0), arriving(2, 101, 61.0, 61.0)])  # 61 s of 15 min gone
            clock = page.locator("#session-clock")
            counting = re.compile(r"^13:[45]\d to go$")  # 13:59 as the passing arrives, then on down
            expect(clock).to_have_text(counting, timeout=WAIT_MS)
            shown = clock.text_content()
            expect(clock).not_to_have_text(shown, timeout=WAIT_MS)  # it moves with no passing since
            expect(clock).to_have_text(counting)
    finally:
        server.stop()


def test_a_race_run_to_time_shows_its_last_lap_from_the_time_up_until_the_leader_takes_the_flag(
        tmp_path: Path) -> None:
    """A 60-second race whose time ran out: the page said "0:00 to go" on the green flag, with nothing to say the
    race goes on until its leader crosses the line. It now says "Last lap" there, until the checkered flag falls."""
    from playwright.sync_api import expect

    from laptiming.engine import SessionRules, SessionType

    db_path = tmp_path / "event.db"
    running_session(db_path, "Race 1", rules=SessionRules(SessionType.RACE, min_lap_us=5_000_000,
                                                          duration_us=60 * 1_000_000))
    journal(db_path, 1, [arriving(1, 101, 1.0, 55), arriving(2, 102, 2.0, 55), arriving(3, 101, 24.0, 55),
                         arriving(4, 102, 27.0, 55), arriving(5, 101, 46.0, 55)])  # car 101 leads, two laps to one
    server = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        with phone_page() as page, recorder(db_path):
            page.goto(server.url)
            clock, flag = page.locator("#session-clock"), page.locator("#session-flag")
            # the page opens with 5 s to go, or (a slow start on a busy machine) with the time already up: the
            # countdown before it is tests/web/test_web_server.py's (last_lap false until the time is up)
            expect(clock).to_have_text("Last lap", timeout=WAIT_MS)  # the time is up on the decoder's clock
            expect(flag).to_have_text("green")
            page.screenshot(path=str(tmp_path / "last-lap.png"))
            journal(db_path, 1, [arriving(6, 101, 61.0, 61)])  # the leader crosses: the flag falls
            expect(flag).to_have_text("checkered", timeout=WAIT_MS)
            expect(clock).to_have_text("0:00 to go")
    finally:
        server.stop()


def test_a_race_to_a_lap_count_counts_the_laps_down_to_its_last_lap(tmp_path: Path) -> None:
    """A race to 3 laps showed only its race time: nothing on the page said how many laps were left, nor that the
    leader had begun the last one. It now says "2 laps to go" beside the clock, then "Last lap", then the flag."""
    import re

    from playwright.sync_api import expect

    from laptiming.engine import SessionRules, SessionType

    db_path = tmp_path / "event.db"
    running_session(db_path, "Race 1", rules=SessionRules(SessionType.RACE, min_lap_us=5_000_000, lap_count=3))
    journal(db_path, 1, [arriving(1, 101, 1.0, 61), arriving(2, 102, 2.0, 61), arriving(3, 101, 61.0, 61)])
    server = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        with phone_page() as page, recorder(db_path):
            page.goto(server.url)
            clock, flag = page.locator("#session-clock"), page.locator("#session-flag")
            expect(clock).to_have_text(re.compile(r"^2 laps to go · \d+:\d\d$"), timeout=WAIT_MS)
            journal(db_path, 1, [arriving(4, 102, 63.0, 121), arriving(5, 101, 121.0, 121)])  # the leader begins lap 3
            expect(clock).to_have_text("Last lap", timeout=WAIT_MS)
            expect(flag).to_have_text("green")
            journal(db_path, 1, [arriving(6, 101, 181.0, 181)])  # and completes it: the flag falls
            expect(flag).to_have_text("checkered", timeout=WAIT_MS)
            expect(clock).to_have_text(re.compile(r"^\d+:\d\d$"))
    finally:
        server.stop()


def test_when_nobody_times_the_session_any_more_the_page_says_timing_stopped_and_its_clock_stands(
        tmp_path: Path) -> None:
    """A recorder stopped (Ctrl-C, a crash, the laptop closed) leaves its session running: the page went on
    saying "live" with the clock counting down, over standings that no longer changed."""
    import re

    from playwright.sync_api import expect

    from laptiming.engine import SessionRules

    db_path = tmp_path / "event.db"
    running_session(db_path, "Practice 1", rules=SessionRules(duration_us=15 * 60 * 1_000_000))
    server = WebServer(db_path, "127.0.0.1", 0).start()
    badge, clock, note = "#link-state", "#session-clock", "#standings-note"
    try:
        with phone_page() as page:
            page.clock.install()  # the page's own clock, moved on by the test: run_for fires its once-a-second tick
            with recorder(db_path):
                page.goto(server.url)
                journal(db_path, 1, [arriving(1, 101, 1.0, 61.0), arriving(2, 101, 61.0, 61.0)])
                expect(page.locator(badge)).to_have_text("live", timeout=WAIT_MS)
                expect(page.locator(clock)).to_have_text(re.compile(r"^13:[45]\d to go$"), timeout=WAIT_MS)
                expect(page.locator(note)).to_have_text("")
                shown = page.locator(clock).text_content()
                page.clock.run_for(3000)
                expect(page.locator(clock)).not_to_have_text(shown)  # timed: the clock counts down
            # the recorder let go of the session, which stays running in the database
            expect(page.locator(badge)).to_have_text("timing stopped", timeout=WAIT_MS)
            expect(page.locator("#session-type")).to_have_text("practice · timing stopped")
            expect(page.locator(note)).to_contain_text("nobody is timing this session now")
            expect(page.locator(clock)).to_have_text("13:59 to go")  # as at its last passing
            page.clock.run_for(5000)
            expect(page.locator(clock)).to_have_text("13:59 to go")  # and it does not count on
            page.locator("#show-day").tap()  # the day's list says so too
            expect(page.locator("#day li")).to_contain_text("practice · timing stopped · 2 cars", timeout=WAIT_MS)
            page.locator("#show-live").tap()
            with recorder(db_path):  # timed again (the same command resumes it): live once more
                expect(page.locator(badge)).to_have_text("live", timeout=WAIT_MS)
                expect(page.locator(note)).to_have_text("")
    finally:
        server.stop()


def test_a_car_out_of_the_running_or_penalised_says_so_on_the_phone(tmp_path: Path) -> None:
    """A DNF car sat greyed at the bottom with its laps and an empty gap, and a penalty was nowhere on the page."""
    from playwright.sync_api import expect

    from laptiming.engine import SessionRules, SessionType
    from tests.timing.cli_runner import run_cli

    db_path = tmp_path / "event.db"
    running_session(db_path, "Race 1", rules=SessionRules(session_type=SessionType.RACE))
    journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 102, 2.0), crossing(3, 101, 61.0),
                         crossing(4, 102, 63.0)])
    for correction in (("status", "--car", "102", "DNF"), ("penalty", "--car", "101", "--seconds", "5")):
        done = run_cli("correct", correction[0], "--db", db_path, "--session", "1", "--by", "clerk",
                       "--reason", "test", *correction[1:])
        assert done.returncode == 0, done.stderr
    server = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        with phone_page() as page:
            page.goto(server.url)
            rows = page.locator("#standings tbody tr")
            expect(rows).to_have_count(2, timeout=WAIT_MS)
            out = page.locator('#standings tbody tr[data-car="102"] td').nth(5)
            expect(out).to_have_text("DNF", timeout=WAIT_MS)
            expect(page.locator('#standings tbody tr[data-car="101"] .penalty')).to_have_text("+5.000 pen")
    finally:
        server.stop()


# every cell of the standings whose content is wider than the cell (drawn over its neighbour, or cut)
OVERFLOWING_CELLS = """() => [...document.querySelectorAll('#standings tbody td')]
    .filter((td) => td.scrollWidth > td.clientWidth).map((td) => td.textContent)"""


@pytest.mark.parametrize("viewport", [PHONE, BOARD], ids=["phone", "board"])
def test_long_car_numbers_and_gaps_fit_their_columns_on_a_phone_and_a_board(tmp_path: Path,
                                                                            viewport: dict[str, int]) -> None:
    """Cars entered by their seven-digit transponders (--enter-unknown, walk-ups): the number ran under the
    driver's name (the dash of a car without a driver struck through it), and on a wide screen a gap over a
    minute ran into the next column."""
    from playwright.sync_api import expect

    db_path = tmp_path / "event.db"
    cars = tuple(range(3999901, 3999901 + 100))  # a hundred cars: position 100 too
    running_session(db_path, "Practice 1", cars=cars, drivers={3999901: (LONG_NAME, "Performance")})
    journal(db_path, 1, [crossing(1, 3999901, 1.0), crossing(2, 3999902, 2.0), crossing(3, 3999901, 61.0),
                         crossing(4, 3999902, 200.0)])  # laps of 60 s and 198 s: a gap of +2:18.000
    server = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        with phone_page(viewport=viewport) as page:
            page.goto(server.url)
            rows = page.locator("#standings tbody tr")
            expect(rows).to_have_count(100, timeout=WAIT_MS)
            expect(rows.nth(1).locator("td").nth(5)).to_have_text("+2:18.000", timeout=WAIT_MS)
            expect(rows.nth(99).locator("td").first).to_have_text("100")
            assert page.evaluate(OVERFLOWING_CELLS) == []
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            # the driver's name keeps room to be read (cut with an ellipsis when long)
            assert rows.first.locator(".driver").evaluate("span => span.clientWidth") >= 70  # ten letters or so
    finally:
        server.stop()


def test_the_column_heads_stay_in_sight_while_a_hundred_car_field_scrolls_on_a_phone(tmp_path: Path) -> None:
    """Scrolled down a long field, a phone showed rows of bare figures: the column heads had gone off the top."""
    from playwright.sync_api import expect

    db_path = tmp_path / "event.db"
    running_session(db_path, "Practice 1", cars=tuple(range(1, 101)))
    server = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        with phone_page() as page:
            page.goto(server.url)
            rows = page.locator("#standings tbody tr")
            expect(rows).to_have_count(100, timeout=WAIT_MS)
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            expect(rows.nth(99)).to_be_in_viewport()
            header_bottom, heads_top = page.evaluate("""() => [document.querySelector("header").getBoundingClientRect().bottom,
                document.querySelector("#standings thead th").getBoundingClientRect().top]""")
            assert abs(heads_top - header_bottom) <= 1  # right under the page's header, not scrolled away
            expect(page.locator("#standings thead th").first).to_be_in_viewport()
    finally:
        server.stop()
