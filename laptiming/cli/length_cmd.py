"""``laptiming length``: set a session's duration or lap count, before it runs or while it does.

    laptiming length --db DB --session ID|NAME --add 4:00 --by WHO --reason WHY     four minutes more
    laptiming length --db DB --session ID|NAME --duration 20:00 --by WHO --reason WHY
    laptiming length --db DB --session ID|NAME --laps 12 --by WHO --reason WHY

A running ``laptiming record`` (or the app) on the session takes the new length up within a second.
The rules live in :mod:`laptiming.service.length`.
"""

from __future__ import annotations

import argparse

from laptiming.cli.session_args import positive_int, session_ref, session_time, store_command
from laptiming.service.length import LengthChange, length_text, set_length
from laptiming.store import open_event_db


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``length``."""
    length = subparsers.add_parser("length", help="set a session's duration or lap count (give back time lost "
                                                   "to a red flag)")
    length.add_argument("--db", required=True, help="event database")
    length.add_argument("--session", type=session_ref, required=True, metavar="ID|NAME")
    how = length.add_mutually_exclusive_group(required=True)
    how.add_argument("--add", type=session_time, metavar="TIME",
                     help="add this to the session's duration (4:00, or seconds)")
    how.add_argument("--duration", type=session_time, metavar="TIME",
                     help="the session's duration from the green flag (20:00, 1:05:00, or seconds)")
    how.add_argument("--laps", type=positive_int, metavar="N", help="the race's lap count")
    length.add_argument("--by", required=True, metavar="WHO", help="who changes it")
    length.add_argument("--reason", required=True, metavar="WHY", help="why (e.g. 'red flag, 4 minutes lost')")
    length.set_defaults(handler=length_command)


@store_command
def length_command(args: argparse.Namespace) -> int:
    """Set the length; say what it was and what it is now."""
    db = open_event_db(args.db)
    try:
        done = set_length(db, args.session, LengthChange(args.duration, args.add, args.laps),
                          made_by=args.by, reason=args.reason)
    finally:
        db.close()
    print(f"session {done.session_id} ({done.name}): {length_text(done.before)} -> {length_text(done.after)} "
          f"({args.reason}, by {args.by})")
    return 0
