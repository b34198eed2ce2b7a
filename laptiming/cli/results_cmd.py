"""``laptiming export``, ``laptiming results`` and ``laptiming sessions``: reading an event database."""

from __future__ import annotations

import argparse
import sys

from laptiming.cli.session_args import chosen_session, session_result, store_command
from laptiming.export import (
    KINDS,
    correction_rows,
    lap_rows,
    passing_rows,
    render,
    result_rows,
    write_atomically,
)
from laptiming.report import format_result
from laptiming.store import list_sessions, load_corrections, open_event_db


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``export``, ``results`` and ``sessions``."""
    export = subparsers.add_parser("export", help="laps, results, passings or corrections of a session as CSV/JSON")
    export.add_argument("kind", choices=KINDS)
    export.add_argument("--db", required=True, help="event database")
    export.add_argument("--session", type=int, metavar="ID", help="session id (default: the newest session)")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--out", metavar="FILE", help="write here (whole file or nothing) instead of stdout")
    export.set_defaults(handler=export_command)

    results = subparsers.add_parser("results", help="print a session's standings and its corrections")
    results.add_argument("--db", required=True, help="event database")
    results.add_argument("--session", type=int, metavar="ID", help="session id (default: the newest session)")
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
        print(format_result(record, result, load_corrections(db, record.session_id)))
    finally:
        db.close()
    return 0


@store_command
def sessions_command(args: argparse.Namespace) -> int:
    """One line per session."""
    db = open_event_db(args.db, readonly=True)
    try:
        for record in list_sessions(db):
            rules = record.rules
            extra = "".join(
                part
                for part in (
                    f", {rules.lap_count} laps" if rules.lap_count else "",
                    f", {rules.duration_us // 60_000_000} min" if rules.duration_us else "",
                )
            )
            print(f"{record.session_id:>4}  {record.name:<24} {rules.session_type.value:<10} {record.phase.value:<9}"
                  f" min lap {rules.min_lap_us / 1e6:g} s{extra}")
    finally:
        db.close()
    return 0
