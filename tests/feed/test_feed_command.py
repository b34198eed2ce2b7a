"""``laptiming feed rmonitor`` beside a real ``laptiming record``: a client's records are the session's results."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from laptiming import engine
from laptiming.feed import rmonitor_records as rec
from laptiming.store import latest_session, load_passings, load_setup, open_event_db
from tests.feed.rmonitor_client import RMonitorClient, fields

WAIT_S = 60
SIM = "sim://?cars=6&seed=3&speed=100&minutes=5"


def start_feed(db: Path) -> tuple[subprocess.Popen, int]:
    """The feed command on a free port; the port it says it listens on."""
    process = subprocess.Popen([sys.executable, "-m", "laptiming", "feed", "rmonitor", "--db", str(db), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([process.stdout], [], [], WAIT_S)
    assert ready, "the feed did not say where it listens"
    line = process.stdout.readline()
    match = re.fullmatch(r"RMonitor feed of .+ on 127\.0\.0\.1:(\d+)\n", line)
    assert match, f"unexpected first line {line!r}; stderr: {process.stderr.read() if process.poll() else ''}"
    return process, int(match.group(1))


def stop(process: subprocess.Popen) -> int:
    os.kill(process.pid, signal.SIGTERM)
    try:
        return process.wait(WAIT_S)
    finally:
        if process.poll() is None:
            process.kill()


def last_by(lines: list[str], command: str, key: int) -> dict[str, str]:
    """The last record of this command for each value of field ``key``."""
    return {fields(line)[key]: line for line in lines if line.startswith(command + ",")}


def finish_beats_after(start: int):
    return lambda lines: sum(1 for line in lines[start:] if line.startswith("$F,") and line.endswith('"Finish"')) >= 2


def test_a_client_follows_a_recorded_session_and_ends_with_its_results(tmp_path: Path) -> None:
    db = tmp_path / "event.db"
    open_event_db(db, create=True).close()
    feed, port = start_feed(db)
    try:
        client = RMonitorClient(port)
        client.read_until(lambda lines: any(line.startswith('$F,0,"00:00:00",') for line in lines))  # idle beat
        record = subprocess.run([sys.executable, "-m", "laptiming", "record", SIM, "--db", str(db), "--session", "P",
                                 "--enter-unknown"], capture_output=True, text=True, timeout=120)
        assert record.returncode == 0, record.stderr
        lines = client.read_until(finish_beats_after(len(client.lines)))

        reader = open_event_db(db, readonly=True)
        session = latest_session(reader)
        result = engine.derive_session(load_passings(reader, session.session_id), load_setup(reader, session.session_id))
        reader.close()
        standings = result.standings
        assert len(standings) == 6

        inits = [i for i, line in enumerate(lines) if line.startswith("$I,")]
        assert len(inits) == 1 and lines[inits[0] + 1] == f'$B,{session.session_id},"P"'
        last_h = last_by(lines, "$H", 1)  # by position
        assert {position: last_h[str(row.position)] for position, row in enumerate(standings, 1)} == {
            row.position: rec.practice_position(row.position, row.number, row.best_lap_no or 0, row.best_lap_us)
            for row in standings}
        last_g = last_by(lines, "$G", 2)  # by car
        assert {number: fields(line)[3] for number, line in last_g.items()} == {
            row.number: str(row.laps) for row in standings}
        passings = [fields(line) for line in lines if line.startswith("$J,")]
        laps = Counter((number, lap) for _, number, lap, _ in passings if lap != rec.NO_TIME)
        assert laps == Counter((row.number, rec.race_time(lap.lap_time_us)[1:-1])
                               for lap in result.laps
                               for row in standings if row.car_id == lap.car_id)
        assert sum(1 for _, _, lap, _ in passings if lap == rec.NO_TIME) == 6  # each car's first crossing

        late = RMonitorClient(port)  # connects after the session: the refresh alone paints the board
        refresh = late.read_until(lambda got: any(line.startswith("$F,") for line in got))
        refresh = refresh[:next(i for i, line in enumerate(refresh) if line.startswith("$F,"))]
        assert Counter(line.split(",")[0] for line in refresh) == Counter(
            {"$B": 1, "$C": 1, "$A": 6, "$COMP": 6, "$G": 6, "$H": 6})
        assert set(refresh) >= set(last_h.values()) | set(last_g.values())
        client.close()
        late.close()
    finally:
        assert stop(feed) == 0


def test_a_missing_database_or_a_busy_port_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    from laptiming.cli import main
    from laptiming.feed.rmonitor_server import LineServer

    assert main(["feed", "rmonitor", "--db", str(tmp_path / "none.db"), "--port", "0"]) == 2
    assert capsys.readouterr().err.strip() == f"laptiming: database not found: {tmp_path / 'none.db'}"
    db = tmp_path / "event.db"
    open_event_db(db, create=True).close()
    busy = LineServer(lambda: (0, b"")).start()
    try:
        assert main(["feed", "rmonitor", "--db", str(db), "--port", str(busy.port)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"laptiming: cannot listen on 127.0.0.1:{busy.port}") and err.count("\n") == 1
    finally:
        busy.close()


def race_times(lines: list[str]) -> list[str]:
    """The race time (since the green) of every ``$F`` heartbeat of the session on the green flag, in order."""
    return [fields(line)[4] for line in lines if line.startswith("$F,") and fields(line)[5] == "Green "]


def test_the_race_clock_stands_at_the_latest_passing_while_nobody_times_the_session(tmp_path: Path) -> None:
    """A recorder stopped (Ctrl-C, a crash) leaves its session running: the heartbeat's race time went on
    counting from the decoder clock as if the session were still timed, and a board showed it live."""
    from hardware.events import Passing
    from tests.web.event_db import S, T0, journal, recorder, running_session

    db = tmp_path / "event.db"
    running_session(db, "Practice 1")
    now_ns = time.time_ns()  # the latest passing arrived 30 s ago, 61 s after the green
    journal(db, 1, [Passing(7, 1, 101, T0 + 1 * S, host_time_ns=now_ns - 90 * 10**9),
                    Passing(7, 2, 101, T0 + 61 * S, host_time_ns=now_ns - 30 * 10**9)])
    feed, port = start_feed(db)
    try:
        client = RMonitorClient(port)
        beats = client.read_until(lambda lines: len(race_times(lines)) >= 3)
        assert set(race_times(beats)) == {"00:01:01"}  # nobody times it: as at its latest passing
        with recorder(db):  # timed again: the clock runs on the decoder's time, 30 s on from that passing
            start = len(client.lines)
            client.read_until(lambda lines: any(t >= "00:01:31" for t in race_times(lines[start:])))
        start = len(client.lines)
        client.read_until(lambda lines: race_times(lines[start:])[-2:] == ["00:01:01"] * 2)
        late = RMonitorClient(port)  # a board connecting now is painted with the same standing clock
        assert race_times(late.read_until(lambda lines: len(race_times(lines)) >= 1))[0] == "00:01:01"
        client.close()
        late.close()
    finally:
        assert stop(feed) == 0


def test_the_race_clock_stands_while_the_recorder_cannot_hear_its_decoder(tmp_path: Path) -> None:
    """A decoder unplugged while ``laptiming record`` runs (it reconnects, holding its lock): the heartbeat's race
    time went on counting as if passings could still come, and a board showed the session live."""
    from tests.web.decoder_rig import recorded

    db = tmp_path / "event.db"
    with recorded(db) as rig:
        feed, port = start_feed(db)
        try:
            client = RMonitorClient(port)
            beats = client.read_until(lambda lines: len(set(race_times(lines))) >= 3, WAIT_S)  # timed: it runs
            rig.unplug()
            cut = len(client.lines)

            def stands(lines: list[str]) -> bool:
                return len(race_times(lines[cut:])) >= 3 and len(set(race_times(lines)[-3:])) == 1

            client.read_until(stands, WAIT_S)  # once the recorder has said so, three beats alike
            start = len(client.lines)
            stood = race_times(client.read_until(lambda lines: len(race_times(lines[start:])) >= 3, WAIT_S))
            assert len(set(stood[-6:])) == 1, stood[-6:]  # and it stays where it stood
            rig.plug_in()  # heard again: the clock runs on
            start = len(client.lines)
            client.read_until(lambda lines: len(set(race_times(lines[start:]))) >= 3, WAIT_S)
            assert beats and rig.recorder is not None and rig.recorder.poll() is None
            client.close()
        finally:
            assert stop(feed) == 0


ROSTER_PLAN = """\
[event]
name = "Accents day"

[[days]]
date = "2026-06-13"
start = "08:00"
end = "09:00"

[sessions]
length_minutes = 15
changeover_minutes = 5
capacity = 3

[drivers]
runs = 1
min_rest_minutes = 40
"""


def test_a_rosters_names_reach_the_board_spelt_without_accents_not_as_question_marks(tmp_path: Path) -> None:
    """Łukasz Małecki and Søren Weiß came from the roster to the board as "?ukasz Ma?ecki" and "S?ren Wei?":
    letters Unicode does not split into a letter and an accent are now spelt as they are typed without them."""
    entries = tmp_path / "entries.csv"
    entries.write_text("driver_id,driver,car_id,car_number,transponder,car_class,skill,group,available_from,"
                       "available_until,runs\n"
                       "D1,Łukasz Małecki,C1,7,3100222,Standard,,,,,\n"
                       "D2,Søren Weiß,C2,8,3100259,Standard,,,,,\n"
                       "D3,Chloé Ðorđević,C3,9,3100296,Standard,,,,,\n", encoding="utf-8")
    (tmp_path / "plan.toml").write_text(ROSTER_PLAN, encoding="utf-8")
    db = tmp_path / "event.db"
    schedule = subprocess.run([sys.executable, "-m", "laptiming", "schedule", str(entries), "--plan",
                               str(tmp_path / "plan.toml"), "--out", str(tmp_path / "roster.csv"), "--db", str(db)],
                              capture_output=True, text=True, timeout=120)
    assert schedule.returncode == 0, schedule.stderr
    feed, port = start_feed(db)
    try:
        client = RMonitorClient(port)
        record = subprocess.run([sys.executable, "-m", "laptiming", "record", "sim://?from-db=1&speed=100&minutes=3",
                                 "--db", str(db), "--session", "Session 1"], capture_output=True, text=True,
                                timeout=120)
        assert record.returncode == 0, record.stderr
        lines = client.read_until(finish_beats_after(0))
        names = {fields(line)[1]: (fields(line)[4], fields(line)[5]) for line in lines if line.startswith("$A,")}
        assert names == {"7": ("Lukasz", "Malecki"), "8": ("Soren", "Weiss"), "9": ("Chloe", "Dordevic")}
        client.close()
    finally:
        assert stop(feed) == 0


def test_the_time_to_go_reads_the_same_second_on_the_board_and_the_phones(tmp_path: Path) -> None:
    """A 10-minute practice stood at its latest passing 61.6 s in: the board's $F said 00:08:58 to go (truncated,
    as the app's header and every time shown), the web's remaining_s said 539, so the phones read 8:59."""
    import httpx

    from laptiming.engine import SessionRules, SessionType
    from laptiming.web.server import WebServer
    from tests.web.event_db import crossing, journal, running_session

    db = tmp_path / "event.db"
    running_session(db, "Practice 1", rules=SessionRules(SessionType.PRACTICE, duration_us=600 * 1_000_000))
    journal(db, 1, [crossing(1, 101, 1.0), crossing(2, 101, 61.6)])
    feed, port = start_feed(db)
    server = WebServer(db, "127.0.0.1", 0).start()
    try:
        client = RMonitorClient(port)
        beat = next(line for line in client.read_until(lambda lines: any(l.startswith("$F,") for l in lines))
                    if line.startswith("$F,"))
        client.close()
        with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as web:
            session = web.get("/api/session").json()
    finally:
        server.stop()
        assert stop(feed) == 0
    assert fields(beat)[2] == "00:08:58"  # 538.4 s to go, shown in whole seconds as every clock is: truncated
    assert (session["elapsed_s"], session["remaining_s"]) == (61, 538)


def test_a_race_run_to_time_says_one_lap_to_go_from_the_time_up_until_its_leader_takes_the_flag(
        tmp_path: Path) -> None:
    """A 60-second race, 54 s in, its leader 8 s into its lap: the $F said laps to go 9999 on green from the time up
    until the leader crossed (a board could not tell the last lap was under way). Now, on the decoder's clock: 9999
    while time is left, 1 (time to go 00:00:00, green) once it is up, then 9999 and Finish as the leader crosses."""
    from laptiming.engine import SessionRules, SessionType
    from tests.web.event_db import arriving, journal, recorder, running_session

    db = tmp_path / "event.db"
    running_session(db, "Race 1", rules=SessionRules(SessionType.RACE, min_lap_us=5_000_000, duration_us=60 * 1_000_000))
    journal(db, 1, [arriving(1, 101, 1.0, 54), arriving(2, 102, 2.0, 54), arriving(3, 101, 24.0, 54),
                    arriving(4, 102, 27.0, 54), arriving(5, 101, 46.0, 54)])  # car 101 leads, two laps to one
    feed, port = start_feed(db)
    try:
        with recorder(db):
            client = RMonitorClient(port)

            def beats(lines: list[str]) -> list[list[str]]:  # laps to go, time to go, flag
                return [fields(line)[1:3] + fields(line)[5:] for line in lines if line.startswith("$F,")]

            client.read_until(lambda lines: any(beat[0] == "9999" and beat[1] != "00:00:00" and beat[2] == "Green "
                                                for beat in beats(lines)), WAIT_S)  # time left
            client.read_until(lambda lines: ["1", "00:00:00", "Green "] in beats(lines), WAIT_S)  # the time is up
            assert all(beat[0] == "9999" for beat in beats(client.lines)[:-1])
            start = len(client.lines)
            journal(db, 1, [arriving(6, 102, 50.0, 61), arriving(7, 101, 61.0, 61)])  # the leader crosses
            client.read_until(lambda lines: beats(lines[start:])[-2:] == [["9999", "00:00:00", "Finish"]] * 2, WAIT_S)
            shown = beats(client.lines[start:])
            assert ["1", "00:00:00", "Finish"] not in shown and ["9999", "00:00:00", "Green "] not in shown
            client.close()
    finally:
        assert stop(feed) == 0


def test_a_finished_sessions_race_clock_stands_at_its_latest_passing(tmp_path: Path) -> None:
    """A session finished while the feed followed it: its $F race time went on counting from the decoder clock
    for as long as the feed ran (a 3-minute race read 00:15:03 ten minutes after its finish). Orbits stops its
    clock when a session is closed; ours now stands at the session's latest passing, the flag Finish."""
    from tests.web.event_db import arriving, finish, journal, running_session

    db = tmp_path / "event.db"
    running_session(db, "Practice 1")
    journal(db, 1, [arriving(1, 101, 1.0, 91.0), arriving(2, 101, 61.0, 91.0)])  # the latest 30 s ago, at 1:01
    feed, port = start_feed(db)
    try:
        client = RMonitorClient(port)
        client.read_until(lambda lines: len(race_times(lines)) >= 1)  # followed while it runs
        finish(db, 1)
        beats = client.read_until(finish_beats_after(0))
        finished = [fields(line)[4] for line in beats if line.startswith("$F,") and line.endswith('"Finish"')]
        assert finished == ["00:01:01"] * len(finished)
        client.close()
    finally:
        assert stop(feed) == 0


def test_the_feed_rides_out_an_unreadable_database_and_follows_it_again(tmp_path: Path) -> None:
    """The event database unreadable for a while (a copy half made over it): the feed command ended with one line
    and exit 2, so every scoreboard went dark until someone started it again, where the web page rides it out.
    The feed now says why on its terminal, keeps its heartbeat (the clock standing) and follows the database
    again once it can be read: boards clear and are painted afresh."""
    import shutil

    from tests.web.event_db import crossing, journal, running_session

    db = tmp_path / "event.db"
    running_session(db, "Practice 1")
    journal(db, 1, [crossing(1, 101, 1.0), crossing(2, 101, 61.0)])
    good = tmp_path / "good.db"
    shutil.copyfile(db, good)
    feed, port = start_feed(db)
    try:
        client = RMonitorClient(port)
        client.read_until(lambda lines: any(line.startswith("$F,") for line in lines))
        for name in ("event.db-wal", "event.db-shm"):
            (tmp_path / name).unlink(missing_ok=True)
        db.write_bytes(b"this is not a database, a copy half made\n" * 200)
        cut = len(client.lines)
        beats = lambda lines: [line for line in lines[cut:] if line.startswith("$F,")]  # noqa: E731
        client.read_until(lambda lines: len(beats(lines)) >= 4, WAIT_S)  # the heartbeat goes on
        assert feed.poll() is None, feed.stderr.read()
        assert len({fields(line)[4] for line in beats(client.lines)[-3:]}) == 1  # the clock stands meanwhile
        start = len(client.lines)
        shutil.copyfile(good, db)
        client.read_until(lambda lines: '$B,1,"Practice 1"' in lines[start:], WAIT_S)  # followed again, painted
        assert any(line.startswith("$I,") for line in client.lines[start:])
        client.close()
    finally:
        assert stop(feed) == 0
    warning = feed.stderr.read()
    assert "event.db" in warning and "malformed" in warning, warning
