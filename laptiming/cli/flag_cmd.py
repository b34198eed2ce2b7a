"""``laptiming flag green|yellow|red|checkered``: the flags an official shows, stored in decoder time.

Without ``--at`` the flag falls now: the host clock is mapped to decoder time through the offset
learned from the session's journaled passings (each carries both clocks). Each flag is kept with
who showed it, when and why. A running ``laptiming record`` on the same session takes it up
within a second. The rules live in :mod:`laptiming.service.control`.
"""

from __future__ import annotations

import argparse
import getpass

from laptiming.cli.session_args import (TypedAs, say_if_far, session_ref, session_report, session_result, store_command,
                                        typed_as)
from laptiming.service.clocktime import WALL_CLOCK_FROM_US, session_decoder_time
from laptiming.service.control import Flag, show_flag
from laptiming.store import get_session, open_event_db
from laptiming.timefmt import format_time_of_day


def default_official() -> str:
    """Who acts when ``--by`` is not given: the laptop's login name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``flag``."""
    flag = subparsers.add_parser("flag", help="show a session's green, yellow, red or checkered flag")
    flag.add_argument("which", choices=[f.value for f in Flag])
    flag.add_argument("--db", required=True, help="event database")
    flag.add_argument("--session", type=session_ref, required=True, metavar="ID|NAME")
    flag.add_argument("--at-us", "--at", dest="at_us", metavar="TIME", action=TypedAs,
                      help="when: decoder µs or a time of day on the decoder clock (09:07:48.791); "
                           "default: now, through the decoder clock's learned offset")
    flag.add_argument("--by", metavar="WHO", default=None, help="who shows it (default: your login name)")
    flag.add_argument("--reason", metavar="WHY", default="", help="why (e.g. 'car stopped at turn 3')")
    flag.set_defaults(handler=flag_command)


def decoder_time_text(time_us: int) -> str:
    """``decoder time N (16:24:00.549)`` for a wall clock decoder; the µs alone otherwise."""
    if time_us >= WALL_CLOCK_FROM_US:
        return f"decoder time {time_us} ({format_time_of_day(time_us)[:12]})"
    return f"decoder time {time_us}"


@store_command
def flag_command(args: argparse.Namespace) -> int:
    """Store the flag (who, when, why), then print the standings it gives."""
    db = open_event_db(args.db)
    try:
        get_session(db, args.session)
        typed = None if args.at_us is None else session_decoder_time(db, args.session, args.at_us,
                                                                     field=typed_as(args, "at_us"))
        shown = show_flag(db, args.session, Flag(args.which), made_by=args.by or default_official(),
                          reason=args.reason, at_us=None if typed is None else typed.decoder_time_us)
        record = get_session(db, args.session)
        assert shown.at_us is not None
        print(f"{args.which} flag for session {record.session_id} ({record.name}) at {decoder_time_text(shown.at_us)}")
        say_if_far(typed)
        print(session_report(db, record, session_result(db, record.session_id)))
    finally:
        db.close()
    return 0
