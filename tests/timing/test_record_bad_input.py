"""``laptiming record`` and ``replay`` refuse a bad capture file before anything is written."""

from __future__ import annotations

import sqlite3

from hardware.capture import MAX_LINE
from tests.hardware.test_bad_input_capture import bad_hex_capture
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
