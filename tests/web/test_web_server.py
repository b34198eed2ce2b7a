"""The web server for real: uvicorn on a free loopback port over a real event database, read with HTTP."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import uvloop
import pytest
from httpx_sse import connect_sse

from laptiming.service.web_feed import FeedPicture
from laptiming.web.server import WebServer
from laptiming.web.views import row_json
from tests.web.event_db import arriving, batch_result, crossing, finish, journal, recorder, running_session

TIMEOUT = httpx.Timeout(30.0)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "event.db"


@pytest.fixture
def server(db_path: Path) -> Iterator[WebServer]:
    running_session(db_path, "Practice 1")
    served = WebServer(db_path, "127.0.0.1", 0).start()
    yield served
    served.stop()


def http(server: WebServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, trust_env=False, timeout=TIMEOUT)


class Stream:
    """An open ``/api/events`` stream; ``until`` reads events into a picture until a condition holds."""

    def __init__(self, client: httpx.Client) -> None:
        self._context = connect_sse(client, "GET", "/api/events")
        self.source = self._context.__enter__()
        self._events = self.source.iter_sse()
        self.picture = FeedPicture()
        self.kinds: list[str] = []

    def until(self, condition: Callable[[FeedPicture], bool]) -> FeedPicture:
        for event in self._events:  # a read timeout (30 s) fails the test if the condition never comes
            if not event.data:  # a keep-alive
                continue
            self.kinds.append(event.event)
            self.picture.apply(event.event, json.loads(event.data))
            if condition(self.picture):
                return self.picture
        raise AssertionError(f"the stream ended first; events: {self.kinds}")

    def close(self) -> None:
        self._context.__exit__(None, None, None)


def laps_of(picture: FeedPicture) -> dict[str, int]:
    return {row["number"]: row["laps"] for row in picture.standings()}


def test_a_phone_gets_the_standings_then_each_change_as_passings_are_committed(server: WebServer,
                                                                                db_path: Path) -> None:
    with http(server) as client:
        stream = Stream(client)
        picture = stream.until(lambda p: p.session is not None)
        assert stream.kinds == ["snapshot"] and picture.session["name"] == "Practice 1"
        assert laps_of(picture) == {"101": 0, "102": 0}
        assert isinstance(server.app.state.web.live.loop, uvloop.Loop)  # served on libuv's loop

        journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 102, 2.0)])
        journal(db_path, 1, [crossing(3, 101, 62.5)])
        picture = stream.until(lambda p: laps_of(p) == {"101": 1, "102": 0})
        journal(db_path, 1, [crossing(4, 102, 64.25), crossing(5, 101, 122.0)])
        picture = stream.until(lambda p: laps_of(p) == {"101": 2, "102": 1})
        stream.close()

    assert set(stream.kinds[1:]) == {"change"}  # one snapshot, then changes only
    expected = [row_json(row) for row in batch_result(db_path, 1).standings]
    assert picture.standings() == expected
    assert picture.standings()[0]["last"] == "0:59.500" and picture.session["elapsed"] == "2:02.000"


def test_a_phone_that_connects_late_catches_up_from_the_snapshot(server: WebServer, db_path: Path) -> None:
    journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 102, 2.0), crossing(3, 101, 61.0)])
    with http(server) as client:
        first = Stream(client)
        first.until(lambda p: laps_of(p) == {"101": 1, "102": 0})
        journal(db_path, 1, [crossing(4, 102, 63.0)])
        first.until(lambda p: laps_of(p) == {"101": 1, "102": 1})
        late = Stream(client)
        caught_up = late.until(lambda p: p.session is not None)
        assert late.kinds == ["snapshot"] and caught_up.standings() == first.picture.standings()
        first.close()
        late.close()


def test_the_json_api_shows_the_live_session_the_day_and_a_cars_laps(server: WebServer, db_path: Path) -> None:
    journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 102, 2.0), crossing(3, 101, 61.0),
                         crossing(4, 101, 120.5)])
    expected = [row_json(row) for row in batch_result(db_path, 1).standings]
    with http(server) as client:
        Stream(client).until(lambda p: laps_of(p).get("101") == 2)  # the server has followed the passings
        assert client.get("/api/standings").json()["rows"] == expected
        session = client.get("/api/session").json()
        assert (session["id"], session["name"], session["type"], session["phase"]) == (
            1, "Practice 1", "practice", "running")
        day = client.get("/api/sessions").json()
        assert [(s["id"], s["name"], s["entries"], s["passings"]) for s in day] == [(1, "Practice 1", 2, 4)]
        assert client.get("/api/sessions/1/standings").json()["rows"] == expected
        laps = client.get("/api/sessions/1/cars/101/laps").json()
        assert [(lap["lap"], lap["time"], lap["best"]) for lap in laps["laps"]] == [
            (1, "1:00.000", False), (2, "0:59.500", True)]
        assert (laps["number"], laps["best"], laps["session"]["name"]) == ("101", "0:59.500", "Practice 1")
        missing = client.get("/api/sessions/1/cars/999/laps")
        assert (missing.status_code, missing.json()) == (404, {"detail": "no car 999 in session 1"})
        assert client.get("/api/sessions/7/standings").status_code == 404
        page = client.get("/")
        assert page.status_code == 200 and "/api/events" in client.get("/static/app.js").text


def test_the_session_header_says_whether_a_recorder_times_it_now(server: WebServer, db_path: Path) -> None:
    """A running session nobody times any more (its recorder stopped) was served as if it were live."""
    with http(server) as client:
        stream = Stream(client)
        assert stream.until(lambda p: p.session is not None).session["timing"] is False
        assert client.get("/api/session").json()["timing"] is False
        with recorder(db_path):
            assert stream.until(lambda p: p.session["timing"]).session["phase"] == "running"
            assert client.get("/api/session").json()["timing"] is True
            assert client.get("/api/sessions/1/standings").json()["session"]["timing"] is True
        assert stream.until(lambda p: not p.session["timing"]).session["phase"] == "running"
        assert client.get("/api/sessions/1/standings").json()["session"]["timing"] is False
        stream.close()


@pytest.mark.parametrize("path", ["/", "/api/session", "/api/standings", "/api/sessions", "/api/sessions/1/standings",
                                  "/api/sessions/1/cars/101/laps", "/api/events", "/static/app.js"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_nothing_on_the_web_side_can_change_the_event(server: WebServer, path: str, method: str) -> None:
    with http(server) as client:
        assert client.request(method, path).status_code == 405


def test_a_finished_session_stays_browsable_and_the_stream_ends_when_the_server_stops(db_path: Path) -> None:
    running_session(db_path, "Heat 1")
    journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 101, 61.0)])
    finish(db_path, 1)
    served = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        with http(served) as client:
            stream = Stream(client)
            picture = stream.until(lambda p: p.session is not None)  # the newest finished session, as the board
            assert picture.session["phase"] == "finished" and laps_of(picture) == {"101": 1, "102": 0}
            served.stop()
            with pytest.raises(AssertionError, match="the stream ended first"):
                stream.until(lambda p: False)
    finally:
        served.stop()


def test_feed_web_says_where_it_serves_and_stops_on_sigterm(db_path: Path) -> None:
    running_session(db_path, "Practice 1")
    process = subprocess.Popen([sys.executable, "-m", "laptiming", "feed", "web", "--db", str(db_path), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "feed web said nothing"
        line = process.stdout.readline()
        match = re.fullmatch(r"serving live results at (http://127\.0\.0\.1:(\d+)/) \(read only\)\n", line)
        assert match, line
        with httpx.Client(base_url=match.group(1), trust_env=False, timeout=TIMEOUT) as client:
            assert client.get("/api/session").json()["name"] == "Practice 1"
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_feed_web_on_a_missing_database_or_a_taken_port_is_one_line(tmp_path: Path, db_path: Path) -> None:
    missing = subprocess.run([sys.executable, "-m", "laptiming", "feed", "web", "--db", str(tmp_path / "none.db")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    running_session(db_path, "Practice 1")
    holder = WebServer(db_path, "127.0.0.1", 0)
    try:
        taken = subprocess.run([sys.executable, "-m", "laptiming", "feed", "web", "--db", str(db_path),
                                "--port", str(holder.port)], capture_output=True, text=True, timeout=60)
        assert taken.returncode == 2 and f"cannot listen on 127.0.0.1:{holder.port}" in taken.stderr
    finally:
        holder.sock.close()


def test_keep_alives_hold_an_idle_stream_open_and_a_reader_takes_them_in_its_stride(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from laptiming.web import live
    from laptiming.service.web_feed import follow_feed

    monkeypatch.setattr(live, "KEEPALIVE_EVERY_S", 0.05)
    running_session(db_path, "Practice 1")
    served = WebServer(db_path, "127.0.0.1", 0).start()
    problems: list[str] = []
    pictures: list[int] = []

    async def scenario() -> None:
        reader = asyncio.create_task(follow_feed(served.url, lambda p: pictures.append(p.seq), problems.append))
        async with httpx.AsyncClient(base_url=served.url, trust_env=False, timeout=TIMEOUT) as client:
            async with client.stream("GET", "/api/events") as response:
                keep_alives = 0
                async for line in response.aiter_lines():
                    keep_alives += line == "event: ping"  # an event a page can hear (EventSource hides comments)
                    if keep_alives == 3:
                        break
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)

    try:
        asyncio.run(scenario())
    finally:
        served.stop()
    assert pictures and problems == []


def test_the_first_answer_after_the_start_has_the_running_session_even_when_the_first_look_is_slow(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page and ``/api/session`` answered null until the follower had read the database once (a busy disk,
    a large journal): a phone opening the page as the server started saw no session."""
    import threading

    from laptiming.web import live

    class SlowToOpen(live.SessionFollower):
        opened = threading.Event()

        def __init__(self, *args, **kwargs) -> None:
            assert self.opened.wait(30)  # the disk answers when the test's timer says so
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(live, "SessionFollower", SlowToOpen)
    running_session(db_path, "Practice 1")
    slow_disk = threading.Timer(0.3, SlowToOpen.opened.set)
    served = WebServer(db_path, "127.0.0.1", 0).start()
    slow_disk.start()
    try:
        with http(served) as client:
            assert client.get("/api/session").json()["name"] == "Practice 1"
    finally:
        slow_disk.cancel()
        SlowToOpen.opened.set()
        served.stop()


def test_the_race_clock_in_the_header_runs_on_the_decoder_clock_between_passings(db_path: Path) -> None:
    """The header's clock was the race time at the latest passing: a phone that opened the page 30 s after it
    (a red flag, a quiet track) was 30 s behind the RMonitor board's clock, with 30 s too many to go."""
    from laptiming.engine import SessionRules

    running_session(db_path, "Practice 1", rules=SessionRules(duration_us=15 * 60 * 1_000_000))
    journal(db_path, 1, [arriving(1, 101, 1.0, 91.0), arriving(2, 101, 61.0, 91.0)])  # no car since 61 s: 30 s ago
    with recorder(db_path):
        served = WebServer(db_path, "127.0.0.1", 0).start()
        try:
            with http(served) as client:
                session = client.get("/api/session").json()
                assert session["elapsed"] == "1:01.000"  # the race time at the latest passing
                assert 91 <= session["elapsed_s"] <= 96 and 15 * 60 - 96 <= session["remaining_s"] <= 15 * 60 - 91
                stream = Stream(client)  # the header comes again as the clock runs, with no passing since
                first = stream.until(lambda p: p.session is not None).session["elapsed_s"]
                assert stream.until(lambda p: p.session["elapsed_s"] > first).session["elapsed"] == "1:01.000"
                stream.close()
        finally:
            served.stop()


def test_the_header_says_the_last_lap_is_under_way_from_the_time_up_until_the_leader_takes_the_flag(
        db_path: Path) -> None:
    """A 60-second race: once its time was up, the page showed "0:00 to go" on the green flag with nothing to say
    why no flag fell. The header now says ``last_lap`` from the time up (on the decoder's clock) until its leader
    crosses and the checkered flag falls."""
    from laptiming.engine import SessionRules, SessionType

    running_session(db_path, "Race 1", rules=SessionRules(SessionType.RACE, min_lap_us=5_000_000,
                                                          duration_us=60 * 1_000_000))
    journal(db_path, 1, [arriving(1, 101, 1.0, 56), arriving(2, 102, 2.0, 56), arriving(3, 101, 24.0, 56),
                         arriving(4, 102, 27.0, 56), arriving(5, 101, 46.0, 56)])  # car 101 leads, two laps to one
    with recorder(db_path):
        served = WebServer(db_path, "127.0.0.1", 0).start()
        try:
            with http(served) as client:
                session = client.get("/api/session").json()
                assert (session["flag"], session["last_lap"]) == ("green", False) and session["remaining_s"] > 0
                stream = Stream(client)
                last_lap = stream.until(lambda p: p.session["last_lap"]).session
                assert (last_lap["flag"], last_lap["remaining_s"], last_lap["elapsed_s"] >= 60) == ("green", 0, True)
                assert client.get("/api/session").json()["last_lap"] is True
                journal(db_path, 1, [arriving(6, 101, 61.0, 61)])  # the leader crosses: the flag falls
                flagged = stream.until(lambda p: p.session["flag"] == "checkered").session
                assert flagged["last_lap"] is False
                stream.close()
        finally:
            served.stop()


def test_the_header_of_a_race_to_a_lap_count_says_the_laps_to_go_and_the_last_lap(db_path: Path) -> None:
    """A race to 3 laps: the header carried the lap count but not how many the leader had left, and the page
    showed only the race time, so a spectator could not tell the last lap from the first. ``laps_to_go`` now
    counts down from the leader's laps, and ``last_lap`` is true while the leader is on its last one."""
    from laptiming.engine import SessionRules, SessionType

    running_session(db_path, "Race 1", rules=SessionRules(SessionType.RACE, min_lap_us=5_000_000, lap_count=3))
    journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 102, 2.0), crossing(3, 101, 61.0)])
    served = WebServer(db_path, "127.0.0.1", 0).start()
    try:
        with http(served) as client:
            session = client.get("/api/session").json()
            assert (session["laps"], session["laps_to_go"], session["last_lap"]) == (3, 2, False)
            stream = Stream(client)
            journal(db_path, 1, [crossing(4, 102, 63.0), crossing(5, 101, 121.0)])  # the leader starts lap 3
            header = stream.until(lambda p: p.session["laps_to_go"] == 1).session
            assert header["last_lap"] is True and header["flag"] == "green"
            assert client.get("/api/sessions/1/standings").json()["session"]["laps_to_go"] == 1
            journal(db_path, 1, [crossing(6, 101, 181.0)])  # the leader completes its 3 laps: the flag falls
            header = stream.until(lambda p: p.session["flag"] == "checkered").session
            assert (header["laps_to_go"], header["last_lap"]) == (0, False)
            stream.close()
    finally:
        served.stop()
