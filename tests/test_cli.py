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
