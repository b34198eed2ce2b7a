"""The command line's own contract: version, help, and exit code 2 for usage errors."""

from __future__ import annotations

import subprocess
import sys

from laptiming import __version__
from laptiming.cli import main


def test_version_is_printed(capsys):
    try:
        main(["--version"])
    except SystemExit as exit_:
        assert exit_.code == 0
    assert __version__ in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: laptiming" in capsys.readouterr().out


def test_console_script_runs_as_module():
    result = subprocess.run(
        [sys.executable, "-m", "laptiming", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"laptiming {__version__}"


def test_a_usage_error_is_one_line_naming_the_command_and_its_help():
    """As every other bad input: one line on stderr, exit 2 (argparse's own printed the usage too)."""
    result = subprocess.run([sys.executable, "-m", "laptiming", "correct", "penalty", "--db", "event.db", "--car", "7"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "laptiming correct penalty: the following arguments are required: --session, --by, --reason, --seconds "
        "(see laptiming correct penalty --help)"]


def test_options_typed_before_the_action_are_answered_with_the_command_line_that_works():
    """``laptiming correct --db event.db penalty ...`` read ``event.db`` as the action: argparse said "invalid
    choice: 'event.db'", which sent the official looking for a problem with the database."""
    result = subprocess.run([sys.executable, "-m", "laptiming", "correct", "--db", "event.db", "--session", "3",
                             "penalty", "--car", "7", "--seconds", "5", "--by", "desk", "--reason", "jump start"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "laptiming correct: put penalty first, then its options: laptiming correct penalty --db event.db --session 3 "
        "--car 7 --seconds 5 --by desk --reason 'jump start' (see laptiming correct --help)"]


def test_an_action_misspelt_is_still_named_with_the_actions_there_are(capsys):
    try:
        main(["print", "--db", "event.db", "slips"])
    except SystemExit as exit_:
        assert exit_.code == 2
    assert "invalid choice: 'event.db'" in capsys.readouterr().err
