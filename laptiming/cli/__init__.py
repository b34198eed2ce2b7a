"""The ``laptiming`` command: one entry point, one subcommand module per area.

This is the composition root: it wires URLs, files and databases to the libraries.
Every failure the user can fix is printed as one line on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from hardware.errors import DecoderError
from laptiming import __version__
from laptiming.cli import (
    app_cmd,
    correct_cmd,
    decoder_cmd,
    entry_cmd,
    feed_cmd,
    finish_cmd,
    flag_cmd,
    length_cmd,
    print_cmd,
    results_cmd,
    schedule_cmd,
    timing_cmd,
    transponder_cmd,
)
from laptiming.errors import TimingError
from laptiming.gcpolicy import use_live_thresholds
from scheduler.errors import ScheduleError

EXIT_USAGE = 2

# Each module exposes ``register(subparsers)`` and sets ``handler`` on its parsers.
COMMAND_MODULES = (decoder_cmd, schedule_cmd, timing_cmd, results_cmd, correct_cmd, flag_cmd, length_cmd, finish_cmd,
                   entry_cmd, transponder_cmd, print_cmd, feed_cmd, app_cmd)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, naming the command and where its help is (exit 2)."""

    _given: tuple[str, ...] = ()  # what this parser was last asked to read (a subcommand's parser: its own part)
    _subcommands: argparse.Action | None = None

    def add_subparsers(self, **kwargs: Any) -> Any:
        self._subcommands = super().add_subparsers(**kwargs)
        return self._subcommands

    def parse_known_args(self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
                         ) -> tuple[argparse.Namespace, list[str]]:
        self._given = tuple(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {self._action_first() or message} (see {self.prog} --help)\n")

    def _action_first(self) -> str | None:
        """``laptiming correct --db event.db penalty ...`` reads the database's name as the action: say to put the
        action first, with the command line that does (None when that is not what went wrong)."""
        given, subcommands = self._given, self._subcommands
        if subcommands is None or not given or not given[0].startswith("-") or given[0] in ("-h", "--help"):
            return None
        action = next((word for word in given if word in (subcommands.choices or ())), None)
        if action is None:
            return None
        rest = list(given)
        rest.remove(action)
        return f"put {action} first, then its options: {shlex.join([*self.prog.split(), action, *rest])}"


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree (its subcommands' parsers are of the same class)."""
    parser = OneLineParser(
        prog="laptiming",
        description="Trackside timing: decoders, laps and standings, heat rosters.",
    )
    parser.add_argument("--version", action="version", version=f"laptiming {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    use_live_thresholds()  # the process's collector policy: set here, at the entry point, never by a library
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(handler(args) or 0)
    except (TimingError, DecoderError, ScheduleError) as err:
        print(f"laptiming: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): stop quietly.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps interpreter shutdown quiet
        return 0


if __name__ == "__main__":
    sys.exit(main())
