"""The app's commands: registered with the rest, and their mistakes are one line with exit code 2."""

from __future__ import annotations

from pathlib import Path

from laptiming.cli import build_parser, main


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
