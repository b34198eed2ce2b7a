"""``laptiming export``, ``laptiming results`` and ``laptiming sessions``: reading an event database."""

from __future__ import annotations

import argparse
import sys

from laptiming.cli.session_args import chosen_session, session_ref, session_report, session_result, store_command
from laptiming.export import (
    KINDS,
    correction_rows,
    lap_rows,
    passing_rows,
    render,
    result_rows,
    write_atomically,
)
from laptiming.service.day import day_sessions
from laptiming.store import load_corrections, open_event_db


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``export``, ``results`` and ``sessions``."""
    export = subparsers.add_parser("export", help="laps, results, passings or corrections of a session as CSV/JSON")
    export.add_argument("kind", choices=KINDS)
    export.add_argument("--db", required=True, help="event database")
    export.add_argument("--session", type=session_ref, metavar="ID|NAME", help="session id or name (default: the newest session)")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--out", metavar="FILE", help="write here (whole file or nothing) instead of stdout")
    export.set_defaults(handler=export_command)

    results = subparsers.add_parser("results", help="print a session's standings and its corrections")
    results.add_argument("--db", required=True, help="event database")
    results.add_argument("--session", type=session_ref, metavar="ID|NAME", help="session id or name (default: the newest session)")
    results.set_defaults(handler=results_command)

    sessions = subparsers.add_parser("sessions", help="list the sessions in an event database")
    sessions.add_argument("--db", required=True, help="event database")
    sessions.set_defaults(handler=sessions_command)


@store_command
def export_command(args: argparse.Namespace) -> int:
    """Recompute the session from its journal and write the rows asked for."""
    db = open_event_db(args.db, readonly=True)
    try:
        record = chosen_session(db, args.session)
        result = session_result(db, record.session_id)
        if args.kind == "laps":
            rows = lap_rows(record.session_id, result)
        elif args.kind == "results":
            rows = result_rows(result)
        elif args.kind == "passings":
            rows = passing_rows(result)
        else:
            rows = correction_rows(record.session_id, result, load_corrections(db, record.session_id))
    finally:
        db.close()
    text = render(args.kind, rows, args.format)
    if args.out:
        write_atomically(args.out, text)
        print(f"wrote {len(rows)} {args.kind} rows of session {record.session_id} to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


@store_command
def results_command(args: argparse.Namespace) -> int:
    """The standings table, unknown transponders and every correction."""
    db = open_event_db(args.db, readonly=True)
    try:
        record = chosen_session(db, args.session)
        result = session_result(db, record.session_id)
        print(session_report(db, record, result))
    finally:
        db.close()
    return 0


@store_command
def sessions_command(args: argparse.Namespace) -> int:
    """A header, then one line per session: what the app's Day screen shows."""
    db = open_event_db(args.db, readonly=True)
    try:
        day = day_sessions(db)
    finally:
        db.close()
    table = [("id", "name", "type", "phase", "planned start", "planned end", "entries", "passings", "flag",
              "results", "")]
    for session in day:
        note = "expected next" if session.expected_next else ""
        if session.timed_by is not None:
            note = f"timed by {session.timed_by.describe()}"
        elif session.untimed:
            note = "nobody times it: `laptiming record` (or n in the app) resumes it"
        table.append((str(session.session_id), session.name, session.session_type.value, session.phase.value,
                      session.planned_start or "-", session.planned_end or "-", session.cars_text,
                      str(session.passings), session.flag.value if session.flag else "-",
                      "-" if session.results is None else session.results.value, note))
    widths = [max(len(line[column]) for line in table) for column in range(len(table[0]))]
    numeric = {0, 6, 7}
    for line in table:
        cells = [cell.rjust(width) if column in numeric else cell.ljust(width)
                 for column, (cell, width) in enumerate(zip(line, widths))]
        print("  ".join(cells).rstrip())
    if not day:
        print(f"no sessions yet in {args.db}")
    return 0
