"""What ``laptiming schedule`` refuses to write, checked before it solves: a roster over a published one (without
``--force``), over an input or the event database, under a workbook's name, into a folder that is missing or read-only;
sheets over an input or the roster."""

from __future__ import annotations

import argparse
from pathlib import Path

from scheduler.errors import ScheduleOutputError
from scheduler.output import check_folder
from scheduler.sheets import sheet_paths

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})


def _input_at(path: Path, args: argparse.Namespace, entries_path: Path) -> str | None:
    """Which input file ``path`` is (entries, plan), if it is one: --force never writes over what is read."""
    for what, source in (("entries", entries_path), ("plan", args.plan)):
        try:
            if path.exists() and source.exists() and path.samefile(source):
                return what
        except OSError:
            continue
    return None


def check_outputs(args: argparse.Namespace, entries_path: Path) -> None:
    """Refuse, before solving, an output that could not be written or would replace a roster or an input."""
    if what := _input_at(args.out, args, entries_path):
        raise ScheduleOutputError(f"cannot write roster {args.out}: it is the {what} file; give --out another name")
    if args.db and args.db.resolve() == args.out.resolve():
        raise ScheduleOutputError(f"cannot write roster {args.out}: it is the --db database; give --out another name")
    if args.sheets:
        for sheet in sheet_paths(args.sheets):
            if what := _input_at(sheet, args, entries_path):
                raise ScheduleOutputError(f"cannot write sheets {sheet}: it is the {what} file; give --sheets "
                                          "another folder")
            if sheet.resolve() == args.out.resolve():
                raise ScheduleOutputError(f"cannot write roster {args.out}: the sheets go there too; give --out "
                                          "another name")
    if args.out.exists() and not args.force:
        raise ScheduleOutputError(
            f"{args.out} already exists (a published roster is what --keep needs): give --out "
            "another file, or --force to replace it")
    if args.out.is_dir():
        raise ScheduleOutputError(f"cannot write roster {args.out}: it is a folder")
    if args.out.suffix.lower() in WORKBOOK_SUFFIXES:  # CSV under a workbook's name: no spreadsheet would open it
        raise ScheduleOutputError(f"cannot write roster {args.out}: the roster is written as CSV, so give --out a "
                                  ".csv name (a spreadsheet opens it as it is)")
    check_folder(args.out, "roster")
    if args.sheets:
        # The sheets folder itself is made if need be (it is the output named), never its parents.
        if args.sheets.exists() and not args.sheets.is_dir():
            raise ScheduleOutputError(f"cannot write sheets into {args.sheets}: it is not a folder")
        check_folder(args.sheets / "sessions.csv" if args.sheets.is_dir() else args.sheets, "sheets")
    if args.db and not args.db.exists():
        check_folder(args.db, "database")
