"""``laptiming record`` and ``replay`` refuse a bad capture file before anything is written."""

from __future__ import annotations

import random
import re
import sqlite3

from hardware.capture import MAX_LINE
from hardware.events import DecoderStatus
from hardware.p3 import encode_status
from tests.hardware.test_bad_input_capture import bad_hex_capture
from tests.hardware.wire import simulated_capture
from tests.timing.cli_runner import run_cli


def table_counts(db) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: conn.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0] for name in tables}


def test_record_refuses_a_hex_capture_with_a_bad_line_and_writes_nothing(captures, tmp_path):
    path = bad_hex_capture(captures, tmp_path)
    db = tmp_path / "event.db"
    result = run_cli("record", f"file://{path}", "--db", db, "--session", "Practice 1")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"laptiming: {path}:75: not a line of hex bytes ('n' at column 1)"]
    assert result.stdout == ""
    assert not db.exists()


def test_record_into_an_existing_event_leaves_it_untouched(captures, tmp_path):
    db = tmp_path / "event.db"
    good = run_cli("record", f"file://{captures}/p3/vmindru-ambp3client/amb-short.out", "--db", db,
                   "--session", "Practice 1")
    assert good.returncode == 0, good.stderr
    before = table_counts(db)
    path = bad_hex_capture(captures, tmp_path, bad_line=b"8e" * (MAX_LINE // 2 + 1) + b"\n", at=300)
    result = run_cli("record", f"file://{path}", "--db", db, "--session", "Practice 2")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"laptiming: {path}:300: line longer than {MAX_LINE} bytes "
                                          "(a text capture holds one frame a line)"]
    assert table_counts(db) == before


def test_replay_refuses_an_over_long_line(captures, tmp_path):
    path = bad_hex_capture(captures, tmp_path, bad_line=b"8e" * MAX_LINE + b"\n", at=2)
    db = tmp_path / "event.db"
    result = run_cli("replay", path, "--db", db)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"laptiming: {path}:2: line longer than {MAX_LINE} bytes "
                                          "(a text capture holds one frame a line)"]
    assert not db.exists()


def test_record_refuses_the_name_of_a_finished_session_and_says_how_to_time_it_again(tmp_path):
    """Recording "Practice 1" again once it was finished made a second "Practice 1", whose known cars were
    all "not entered"; every command naming a session then had two to choose from."""
    db = tmp_path / "event.db"
    source = "sim://?cars=2&seed=5&speed=0&minutes=2"
    assert run_cli("record", source, "--db", db, "--session", "Practice 1").returncode == 0
    before = table_counts(db)
    again = run_cli("record", source, "--db", db, "--session", "Practice 1")
    assert again.returncode == 2
    assert again.stderr.splitlines() == [
        f"laptiming: session 1 (Practice 1) is finished: to time it again, laptiming finish --db {db} --session 1 "
        "--resume --by WHO --reason WHY; for a new session, give it a new name"]
    assert table_counts(db) == before


def not_a_capture(folder) -> object:
    """20 kB of bytes that are no decoder's (as a program file would be): no frame in them decodes."""
    path = folder / "bin.dat"
    path.write_bytes(random.Random(20000).randbytes(20000))
    return path


def status_only_capture(folder) -> object:
    """A real capture of a decoder that heard no car: three STATUS frames and nothing else."""
    path = folder / "quiet.p3"
    path.write_bytes(b"".join(encode_status(DecoderStatus(268307, 40 + n, 24, 118, False)) for n in range(3)))
    return path


def test_record_refuses_a_file_that_is_not_a_capture_as_replay_does_and_writes_nothing(tmp_path):
    """It used to record it: a finished session of 0 passings, whose name was then refused for reuse."""
    path = not_a_capture(tmp_path)
    db = tmp_path / "event.db"
    replayed = run_cli("replay", path, "--db", db)
    assert replayed.returncode == 2
    [refusal] = replayed.stderr.splitlines()
    assert re.fullmatch(rf"laptiming: {re.escape(str(path))}: no passings in the capture "
                        r"\(0 frames decoded, dropped: .+\)", refusal)
    recorded = run_cli("record", f"file://{path}", "--db", db, "--session", "A")
    assert recorded.returncode == 2
    assert recorded.stderr.splitlines() == [refusal]  # the one check, word for word
    assert recorded.stdout == ""
    assert not db.exists()


def test_record_refuses_a_capture_with_no_passings_and_the_name_stays_free(tmp_path):
    db = tmp_path / "event.db"
    good = tmp_path / "good.p3"
    simulated_capture(good, cars=4, seed=7, minutes=2)
    assert run_cli("record", f"file://{good}", "--db", db, "--session", "Practice 1").returncode == 0
    before = table_counts(db)
    quiet = status_only_capture(tmp_path)
    result = run_cli("record", f"file://{quiet}", "--db", db, "--session", "A")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"laptiming: {quiet}: no passings in the capture (3 frames decoded, dropped: none)"]
    assert table_counts(db) == before
    again = run_cli("record", f"file://{good}", "--db", db, "--session", "A")  # no finished "A" stands in the way
    assert again.returncode == 0, again.stderr
    assert "session 2 (A): practice, finished -- 4 passings" in again.stdout
