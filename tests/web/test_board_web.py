"""The board and the web: the page's address as a QR code, and a board that follows the web feed with no database."""

from __future__ import annotations

import asyncio
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import segno
from textual.widgets import DataTable, Label

from laptiming.app import Timing
from laptiming.app.board import BoardApp, WebAddress
from tests.web.event_db import crossing, journal, running_session

WAIT_S = 30.0
URL = "http://192.168.1.20:8080/"
FROM_HALF_BLOCK = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}


async def until(pilot, condition: Callable[[], bool], what: str) -> None:
    """Let the app run until ``condition`` holds (bounded: a failure names what never happened)."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def table_rows(board: BoardApp) -> list[list[str]]:
    table = board.query_one(DataTable)
    return [[cell.plain for cell in table.get_row_at(index)] for index in range(table.row_count)]


def title(board: BoardApp) -> str:
    return str(board.query_one("#board-session", Label).render())


def test_the_board_shows_the_pages_address_and_its_qr_code(tmp_path: Path) -> None:
    db_path = tmp_path / "event.db"
    running_session(db_path, "Practice 1")

    async def scenario() -> None:
        board = BoardApp(Timing(db_path, ""), poll_s=0.2, web_url=URL)
        async with board.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            widget = board.query_one(WebAddress)
            assert board.screen.region.contains_region(widget.region)  # wholly on screen
            strips = [widget.render_line(y) for y in range(widget.region.height)]
            lines = [strip.text for strip in strips]
            assert URL in lines
            expected = [[bool(module) for module in row] for row in segno.make(URL, error="m").matrix_iter(border=2)]
            drawn = lines[:(len(expected) + 1) // 2]
            matrix: list[list[bool]] = []
            for line in drawn:  # each line: two rows of modules
                matrix.extend([[FROM_HALF_BLOCK[char][0] for char in line], [FROM_HALF_BLOCK[char][1] for char in line]])
            assert matrix[:len(expected)] == expected
            styles = {segment.style for strip in strips[:len(drawn)] for segment in strip if segment.text.strip()}
            colours = {(tuple(style.color.get_truecolor()), tuple(style.bgcolor.get_truecolor())) for style in styles}
            assert colours == {((0, 0, 0), (255, 255, 255))}  # dark on light, whatever the terminal's theme

    asyncio.run(scenario())


def start_feed_web(db_path: Path, port: int = 0) -> tuple[subprocess.Popen, str]:
    """``laptiming feed web`` as its own process; the address it says it serves."""
    process = subprocess.Popen([sys.executable, "-m", "laptiming", "feed", "web", "--db", str(db_path),
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([process.stdout], [], [], 60)
    assert ready, "feed web said nothing"
    line = process.stdout.readline()
    match = re.fullmatch(r"serving live results at (http://127\.0\.0\.1:\d+/) \(read only\)\n", line)
    assert match, line
    return process, match.group(1)


def stop(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGTERM)
    try:
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_a_board_on_the_feed_shows_what_the_database_board_shows_and_reconnects(tmp_path: Path) -> None:
    db_path = tmp_path / "event.db"
    running_session(db_path, "Practice 1", cars=(101, 102, 103),
                    drivers={101: ("Ada Lovelace", "GT"), 102: ("Bo Diddley", "GT"), 103: ("Cy Young", "Open")})
    journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 102, 2.0), crossing(3, 103, 3.0),
                         crossing(4, 102, 60.0), crossing(5, 101, 62.5), crossing(6, 102, 119.9)])
    server, url = start_feed_web(db_path)

    async def scenario() -> None:
        on_db = BoardApp(Timing(db_path, ""), poll_s=0.2)
        async with on_db.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: len(table_rows(on_db)) == 3, "the database board's rows")
            expected_rows, expected_title = table_rows(on_db), title(on_db)

        on_feed = BoardApp(None, feed_url=url)
        async with on_feed.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: len(table_rows(on_feed)) == 3, "the feed board's rows")
            assert table_rows(on_feed) == expected_rows and title(on_feed) == expected_title
            assert "PRACTICE  TIMING STOPPED" in title(on_feed)  # running, and no recorder times it
            assert expected_rows[0][:3] == ["1", "102", "Bo Diddley"]

            port = int(url.rsplit(":", 1)[1].strip("/"))
            stop(server)
            await until(pilot, lambda: "lost the feed" in title(on_feed), "the board saying the feed is lost")
            journal(db_path, 1, [crossing(7, 101, 120.0)])  # while the board was cut off
            restarted, _ = start_feed_web(db_path, port)
            try:
                await until(pilot, lambda: [row[1:4] for row in table_rows(on_feed)][:2] == [
                    ["101", "Ada Lovelace", "2"], ["102", "Bo Diddley", "2"]], "the board catching up after the feed came back")
                assert "Practice 1" in title(on_feed)
            finally:
                stop(restarted)

    try:
        asyncio.run(scenario())
    finally:
        if server.poll() is None:
            stop(server)


def test_board_takes_a_database_or_a_feed_and_a_bad_address_is_one_line(tmp_path: Path, capsys) -> None:
    from laptiming.cli import build_parser, main

    parser = build_parser()
    assert parser.parse_args(["board", "--feed", "10.0.0.5:8080"]).feed == "10.0.0.5:8080"
    assert parser.parse_args(["board", "--db", "e.db", "--web-url", URL]).web_url == URL
    assert main(["board", "--feed", "ftp://10.0.0.5/"]) == 2
    assert capsys.readouterr().err.strip() == "laptiming: not a web feed address like http://host:8080/: 'ftp://10.0.0.5/'"


def test_a_board_on_the_feed_says_when_the_recorder_cannot_hear_its_decoder(tmp_path: Path) -> None:
    """The feed's header says what the recorder hears from its decoder; the board on the feed said RUNNING over
    standings that could not change. Real processes: the recorder and a simulated TCP decoder."""
    from laptiming.web.server import WebServer
    from tests.web.decoder_rig import recorded

    db_path = tmp_path / "event.db"

    async def scenario(rig, url: str) -> None:
        on_feed = BoardApp(None, feed_url=url)
        async with on_feed.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: "PRACTICE  RUNNING" in title(on_feed), "running said")
            rig.unplug()
            await until(pilot, lambda: "PRACTICE  DECODER DISCONNECTED" in title(on_feed), "the unplugged decoder said")
            rig.plug_in()
            await until(pilot, lambda: "PRACTICE  RUNNING" in title(on_feed), "running said again")

    with recorded(db_path) as rig:
        server = WebServer(db_path, "127.0.0.1", 0).start()
        try:
            asyncio.run(scenario(rig, server.url))
        finally:
            server.stop()
