"""Lines that name the event database name it as the user typed ``--db``, in every command.

`record` and `replay` said "into event.db", but a refused `correct assign` (and any "no session" line)
said SQLite's absolute path, a different name for the same file in one terminal.
"""

from __future__ import annotations

import pytest

from laptiming.engine import SessionRules
from laptiming.store import create_session, open_event_db, write_transaction
from tests.timing.cli_runner import run_cli


@pytest.fixture()
def typed(tmp_path, monkeypatch) -> str:
    """``day/event.db`` with one session, the test in the folder above it: the path typed relative."""
    (tmp_path / "day").mkdir()
    db = open_event_db(tmp_path / "day" / "event.db", create=True)
    with write_transaction(db):
        create_session(db, "Practice 1", SessionRules())
    db.close()
    monkeypatch.chdir(tmp_path)
    return "day/event.db"


def error_line(*args: str) -> str:
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr.strip()


def test_correct_assign_names_the_database_as_typed(typed):
    line = error_line("correct", "assign", "--db", typed, "--session", "1", "--by", "desk", "--reason", "desk",
                      "--transponder", "3530829", "--car", "21")
    assert line == ("laptiming: no car number 21 in day/event.db: check the number, or enter a new car "
                    "(correct assign --new-car; in the app, the walk-up form, w)")


@pytest.mark.parametrize("command", [
    ("flag", "yellow", "--session", "9"),
    ("results", "--session", "9"),
    ("correct", "min-lap", "--session", "9", "--by", "c", "--reason", "r", "--seconds", "5"),
], ids=["flag", "results", "correct"])
def test_an_unknown_session_names_the_database_as_typed(typed, command):
    assert error_line(*command, "--db", typed) == "laptiming: no session 9 in day/event.db"


def test_a_session_name_not_found_suggests_the_command_with_the_path_as_typed(typed):
    assert error_line("results", "--db", "./day/event.db", "--session", "Race 9") == (
        "laptiming: no session named 'Race 9' in ./day/event.db "
        "(`laptiming sessions --db ./day/event.db` lists each session's id and name)")
