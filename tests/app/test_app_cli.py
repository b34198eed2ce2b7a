"""The app's commands: registered with the rest, and their mistakes are one line with exit code 2."""

from __future__ import annotations

from pathlib import Path

from laptiming.cli import build_parser, main
from tests.timing.cli_runner import refused_before_the_app


def test_run_demo_and_board_are_commands() -> None:
    parser = build_parser()
    args = parser.parse_args(["run", "--db", "e.db", "--decoder", "sim://?cars=3", "--by", "J. Smith"])
    assert (args.db, args.decoder, args.by) == ("e.db", "sim://?cars=3", "J. Smith")
    assert parser.parse_args(["demo"]).db == "out/demo.db"
    assert parser.parse_args(["board", "--db", "e.db"]).db == "e.db"


def test_board_on_a_missing_database_is_one_line(tmp_path: Path, capsys) -> None:
    assert main(["board", "--db", str(tmp_path / "none.db")]) == 2
    assert capsys.readouterr().err.strip() == f"laptiming: no event database {tmp_path / 'none.db'}"


def test_board_on_a_file_that_is_not_an_event_database_is_one_line(tmp_path: Path, capsys) -> None:
    """It once opened the board on a roster CSV and waited there for a session forever."""
    roster = tmp_path / "roster.csv"
    roster.write_text("number,driver\n7,Ada Lovelace\n")
    assert main(["board", "--db", str(roster)]) == 2
    assert capsys.readouterr().err.strip() == f"laptiming: {roster}: not a database file"


def test_a_feed_port_that_cannot_be_had_leaves_no_new_database(tmp_path: Path, capsys) -> None:
    """Refused in one line naming the option, and the database the command had just made is gone again."""
    import socket

    import pytest

    with pytest.raises(SystemExit) as exited:
        main(["demo", "--db", str(tmp_path / "demo.db"), "--web", "99999"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip() == \
        "laptiming demo: argument --web: 99999: give a TCP port from 0 to 65535 (see laptiming demo --help)"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["demo", "--db", str(tmp_path / "demo.db"), "--web", str(port)]) == 2
    assert capsys.readouterr().err.strip() == f"laptiming: cannot listen on 127.0.0.1:{port}: Address already in use"
    assert list(tmp_path.iterdir()) == []


def test_run_on_a_file_that_is_not_an_event_database_is_refused_before_the_app_opens(tmp_path: Path) -> None:
    """The app opened, said there was no session, and pressing n crashed with a traceback (exit 0)."""
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE foo (id INTEGER)")
    before = other.read_bytes()
    assert refused_before_the_app("run", "--db", other, "--decoder", "sim://?cars=2") == \
        f"laptiming: {other}: not a laptiming event database (it has other tables: foo)"
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_run_in_a_folder_that_does_not_exist_is_refused_before_the_app_opens(tmp_path: Path) -> None:
    """The app opened, and the missing folder was only said when a session started."""
    path = tmp_path / "no-such-folder" / "event.db"
    assert refused_before_the_app("run", "--db", path, "--decoder", "sim://?cars=2") == \
        f"laptiming: cannot create database {path}: folder {path.parent} does not exist"
    assert list(tmp_path.iterdir()) == []
