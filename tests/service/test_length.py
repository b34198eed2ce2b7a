"""A session's length set by the official: time given back after a red flag, taken up by a running recorder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hardware.events import LinkState
from laptiming.engine import SessionRules
from laptiming.errors import InputError
from laptiming.service import Recording, RecordingRequest
from laptiming.service.control import Flag, finish_session, show_flag
from laptiming.service.length import LengthChange, set_length
from laptiming.store import create_session, get_session, open_event_db, write_transaction
from tests.hardware.collect import wait_until
from tests.timing.cli_runner import run_cli

MINUTE_US = 60_000_000
SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"  # five minutes of passings, read at once


def event(path: Path, rules: SessionRules) -> Path:
    db = open_event_db(path, create=True)
    with write_transaction(db):
        create_session(db, "Session 4", rules)
    db.close()
    return path


def timed(path: Path) -> Recording:
    """Session 1 timed from the simulator to the source's end, the recorder left running (its watcher follows)."""
    recording = Recording.start(RecordingRequest(path, "Session 4", SIM, enter_unknown=True))
    for _ in recording.notices():  # ends when the simulated source does
        pass
    assert recording.link_state is LinkState.ENDED
    return recording


def log(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT action, made_by, reason FROM session_control WHERE action = 'length'").fetchall()


def test_time_added_after_a_red_flag_lengthens_the_session_and_is_logged(tmp_path: Path) -> None:
    path = event(tmp_path / "event.db", SessionRules(duration_us=15 * MINUTE_US))
    done = run_cli("length", "--db", path, "--session", "Session 4", "--add", "4:00", "--by", "clerk",
                   "--reason", "red flag, 4 minutes lost")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "session 1 (Session 4): 15:00 -> 19:00 (red flag, 4 minutes lost, by clerk)"
    db = open_event_db(path, readonly=True)
    assert get_session(db, 1).rules == SessionRules(duration_us=19 * MINUTE_US)
    db.close()
    assert log(path) == [("length", "clerk", "red flag, 4 minutes lost: 15:00 -> 19:00")]
    laps = run_cli("length", "--db", path, "--session", "1", "--laps", "12", "--by", "clerk", "--reason", "race")
    assert laps.stdout.strip() == "session 1 (Session 4): 19:00 -> 19:00 or 12 laps (race, by clerk)"


@pytest.mark.parametrize(("args", "said"), [
    (("--add", "4:00"), "session 1 (Session 4) has no duration to add to (no set length); give --duration"),
    (("--duration", "4:61"), "argument --duration: not a time as minutes:seconds"),
    (("--laps", "0"), "argument --laps: must be above zero: 0"),
])
def test_a_length_that_cannot_be_set_is_one_line_and_nothing_written(tmp_path: Path, args, said) -> None:
    path = event(tmp_path / "event.db", SessionRules())
    refused = run_cli("length", "--db", path, "--session", "1", *args, "--by", "clerk", "--reason", "why")
    assert refused.returncode == 2 and said in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert log(path) == []


def test_a_running_recorder_takes_the_new_length_up_and_a_length_already_run_past_is_refused(tmp_path: Path) -> None:
    path = event(tmp_path / "event.db", SessionRules(duration_us=8 * MINUTE_US))
    recording = timed(path)
    try:
        wait_until(lambda: recording.live.state.finish_at_us is not None, "the green flag at the first passing")
        green = recording.live.state.setup.markers.green_us
        assert green is not None and recording.live.state.finish_at_us == green + 8 * MINUTE_US
        db = open_event_db(path)
        try:
            set_length(db, 1, LengthChange(add_us=2 * MINUTE_US), made_by="clerk", reason="red flag")
            # The cars have run 3:14 since the green flag: three minutes would end the session in the past.
            with pytest.raises(InputError, match=r"has run 03:14 already: 03:00 would end it at 03:00, in the past"):
                set_length(db, 1, LengthChange(duration_us=3 * MINUTE_US), made_by="clerk", reason="shorter")
        finally:
            db.close()
        wait_until(lambda: recording.live.state.finish_at_us == green + 10 * MINUTE_US, "the new length taken up")
        assert recording.live.state.setup.rules.duration_us == 10 * MINUTE_US
    finally:
        recording.close(finish=False)


def test_a_finished_session_is_refused(tmp_path: Path) -> None:
    path = event(tmp_path / "event.db", SessionRules(duration_us=8 * MINUTE_US))
    db = open_event_db(path)
    try:
        show_flag(db, 1, Flag.GREEN, made_by="clerk", at_us=1_000)
        finish_session(db, 1, made_by="clerk")
        with pytest.raises(InputError, match="session 1 \\(Session 4\\) is finished"):
            set_length(db, 1, LengthChange(add_us=MINUTE_US), made_by="clerk", reason="late")
    finally:
        db.close()
