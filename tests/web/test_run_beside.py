"""``laptiming run --web PORT --rmonitor PORT``: both feeds follow the database the app writes, and stop with it."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx
import pytest

from laptiming.cli import main
from laptiming.cli.beside import feeds_beside
from tests.feed.rmonitor_client import RMonitorClient
from tests.web.event_db import crossing, journal, running_session

TIMEOUT = httpx.Timeout(30.0)


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def test_the_feeds_beside_the_app_serve_the_running_session_and_stop_after(tmp_path: Path) -> None:
    db_path = tmp_path / "event.db"
    running_session(db_path, "Practice 1")
    journal(db_path, 1, [crossing(1, 101, 1.0), crossing(2, 101, 61.0)])
    with feeds_beside(db_path, "127.0.0.1", 0, 0) as lines:
        web_line, rmonitor_line = lines
        url = re.fullmatch(r"serving live results at (http://127\.0\.0\.1:\d+/) \(read only\)", web_line).group(1)
        rmonitor_port = int(re.fullmatch(rf"RMonitor feed of {re.escape(str(db_path))} on 127\.0\.0\.1:(\d+)",
                                         rmonitor_line).group(1))
        scoreboard = RMonitorClient(rmonitor_port)
        received = scoreboard.read_until(lambda got: any(line.startswith("$G,1,") for line in got))
        assert '$B,1,"Practice 1"' in received
        scoreboard.close()
        with httpx.Client(base_url=url, trust_env=False, timeout=TIMEOUT) as client:
            rows = client.get("/api/sessions/1/standings").json()["rows"]
            assert [(row["number"], row["laps"]) for row in rows] == [("101", 1), ("102", 0)]
        web_port = int(url.rsplit(":", 1)[1].strip("/"))
    assert refused(web_port) and refused(rmonitor_port)


def test_run_says_where_the_feeds_serve_before_the_app_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import laptiming.app

    db_path = tmp_path / "new.db"  # the app makes it; the feeds follow it from the start
    seen: dict[str, object] = {}

    class App:  # stands in for the Textual app: looks at the feeds while it "runs"
        exit_problem = None  # it stopped cleanly

        def __init__(self, timing: object, official: str) -> None:
            seen["official"] = official

        def run(self) -> int:
            printed = capsys.readouterr().out
            url = re.search(r"serving live results at (http://127\.0\.0\.1:\d+/) \(read only\)", printed).group(1)
            port = int(re.search(r"RMonitor feed of .+ on 127\.0\.0\.1:(\d+)", printed).group(1))
            with httpx.Client(base_url=url, trust_env=False, timeout=TIMEOUT) as client:
                seen["sessions"] = client.get("/api/sessions").json()
            seen["rmonitor"] = not refused(port)
            return 0

    monkeypatch.setattr(laptiming.app, "LiveTimingApp", App)
    assert main(["run", "--db", str(db_path), "--decoder", "sim://?cars=3", "--by", "desk",
                 "--web", "0", "--rmonitor", "0"]) == 0
    assert seen == {"official": "desk", "sessions": [], "rmonitor": True}


def test_run_on_a_port_it_cannot_have_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        assert main(["run", "--db", str(tmp_path / "e.db"), "--decoder", "sim://?cars=3", "--web", str(port)]) == 2
        assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
    finally:
        holder.close()
