"""``laptiming schedule``: build the heat roster from the entries and the plan, or check one.

    laptiming schedule ENTRIES --plan PLAN [--out ROSTER.csv [--force]] [--db DB] [--time-limit S]
                       [--wall-limit S] [--seed N] [--workers N] [--keep PUBLISHED.csv
                       [--allow-moves]] [--sheets DIR] [--mix] [--progress]
    laptiming schedule check ROSTER --entries ENTRIES --plan PLAN

Exit codes: 0 a full roster (or a roster that passes ``check``), 1 a partial roster with
runs unmet (or rules broken), 2 bad input or an output that cannot be written (every problem
listed, nothing written), 3 the wall-clock safety limit cut the solve short (nothing written:
such a roster could differ run to run).
"""

from __future__ import annotations

import argparse
from pathlib import Path

EXIT_OK, EXIT_PARTIAL, EXIT_INPUT, EXIT_UNSTEADY = 0, 1, 2, 3
# Options only building a roster uses (None or False when not given), and the defaults of those that have one:
# given to 'check' they would be silently ignored, so they are refused.
BUILD_OPTIONS = ("out", "force", "time_limit", "wall_limit", "progress", "seed", "workers", "mix", "keep",
                 "allow_moves", "sheets", "db")
BUILD_DEFAULTS = {"out": Path("roster.csv"), "time_limit": 20.0, "seed": 0, "workers": 0}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``schedule`` command."""
    parser = subparsers.add_parser(
        "schedule",
        help="build the heat roster from the entries sheet and the plan (or: schedule check ROSTER)",
        usage="laptiming schedule ENTRIES --plan PLAN [options]\n"
              "       laptiming schedule check ROSTER --entries ENTRIES --plan PLAN",
        description="Build the heat roster: every driver's runs in session slots, within the "
                    "track rules, with as few sessions as possible. 'schedule check ROSTER' "
                    "lists every rule a roster breaks.",
    )
    parser.add_argument("files", nargs="+", metavar="ENTRIES | check ROSTER",
                        help="the entries sheet (CSV or XLSX), or 'check' and a roster CSV")
    parser.add_argument("--plan", type=Path, required=True, help="the event plan (TOML)")
    parser.add_argument("--entries", type=Path, help="the entries sheet (for 'check')")
    parser.add_argument("--out", type=Path,
                        help="where to write the roster CSV (default: roster.csv; the folder must exist)")
    parser.add_argument("--force", action="store_true",
                        help="replace the --out file if it exists (a published roster is kept otherwise)")
    parser.add_argument("--time-limit", type=float, metavar="S",
                        help="solver budget in seconds of a 2-core laptop, counted as work done, so "
                             "the roster does not depend on the machine's load (default: 20)")
    parser.add_argument("--wall-limit", type=float, metavar="S",
                        help="wall-clock safety limit (default: 20 x --time-limit, at least 60 s); "
                             "if it stops the solver, nothing is written and the exit code is 3")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show stage, sessions so far vs the bound and time on stderr "
                             "(default: when stderr is a terminal)")
    parser.add_argument("--seed", type=int, help="solver random seed (default: 0)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="0 (default): deterministic, same roster every run; N>0: CP-SAT's "
                             "parallel search on N cores, not reproducible")
    parser.add_argument("--mix", action="store_true",
                        help="after every other goal, swap drivers outside groups so each meets as "
                             "many different owners as possible (reported against a random roster)")
    parser.add_argument("--keep", type=Path, metavar="PUBLISHED.csv",
                        help="a published roster: keep everyone where they are, place the rest")
    parser.add_argument("--allow-moves", action="store_true",
                        help="with --keep: allow moving published runs (as few as possible)")
    parser.add_argument("--sheets", type=Path, metavar="DIR",
                        help="also write sessions.csv (grid marshal) and itineraries.csv (drivers)")
    parser.add_argument("--db", type=Path, metavar="DB",
                        help="also put drivers, cars, transponders and the planned sessions with their "
                             "entry lists in this event database (made if missing)")
    parser.set_defaults(handler=run, parser=parser)
    parser.__class__ = _files_anywhere(type(parser))


def _files_anywhere(base: type[argparse.ArgumentParser]) -> type[argparse.ArgumentParser]:
    """The parser's class, taking its file arguments among the options as well as before them: plain argparse
    gives ``check`` alone to the first chunk of them, and ``check --entries E --plan P roster.csv`` said
    'unrecognized arguments: roster.csv'."""

    class FilesAnywhere(base):  # type: ignore[valid-type, misc]
        _mixing = False

        def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def, override]
            if self._mixing:  # the intermixed parse calls back in: the plain parse, each pass
                return super().parse_known_args(args, namespace)
            self._mixing = True
            try:
                return self.parse_known_intermixed_args(args, namespace)
            finally:
                self._mixing = False

    return FilesAnywhere


def run(args: argparse.Namespace) -> int:
    """Dispatch to scheduling or checking."""
    from laptiming.cli import schedule_run  # the solver's imports: only a schedule command pays for them

    parser: argparse.ArgumentParser = args.parser
    if args.files[0] == "check":
        if len(args.files) != 2 or args.entries is None:
            parser.error("usage: laptiming schedule check ROSTER --entries ENTRIES --plan PLAN")
        unused = [f"--{name.replace('_', '-')}" for name in BUILD_OPTIONS if getattr(args, name) not in (None, False)]
        if unused:
            parser.error(f"'schedule check' does not use {', '.join(unused)} (it only reads the roster, "
                         "--entries and --plan)")
        return schedule_run.check(Path(args.files[1]), args.entries, args.plan)
    if len(args.files) != 1:
        parser.error("give one entries file (or 'check ROSTER')")
    if args.entries is not None:
        parser.error("--entries is for 'schedule check'; give the entries file as the first argument")
    for name, default in BUILD_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.allow_moves and args.keep is None:
        parser.error("--allow-moves needs --keep PUBLISHED.csv")
    if args.time_limit <= 0 or args.workers < 0 or (args.wall_limit is not None and args.wall_limit <= 0):
        parser.error("--time-limit and --wall-limit must be positive and --workers at least 0")
    return schedule_run.schedule(args, Path(args.files[0]))
