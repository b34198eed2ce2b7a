"""``laptiming flag green|checkered``: the flags an official gives, stored in decoder time.

Without ``--at-us`` the flag falls now: the host clock is mapped to decoder time through the
offset learned from the session's journaled passings (each carries both clocks). A running
``laptiming record`` on the same session takes the flag up within a second.
"""

from __future__ import annotations

import argparse
import time

from laptiming.cli.session_args import session_result, store_command
from laptiming.clockmap import ClockMap
from laptiming.errors import InputError
from laptiming.report import format_result
from laptiming.service.clocktime import session_decoder_time
from laptiming.store import (
    SessionPhase,
    get_session,
    load_corrections,
    load_passings,
    open_event_db,
    update_session,
    write_transaction,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``flag``."""
    flag = subparsers.add_parser("flag", help="give the green or checkered flag of a session")
    flag.add_argument("which", choices=("green", "checkered"))
    flag.add_argument("--db", required=True, help="event database")
    flag.add_argument("--session", type=int, required=True, metavar="ID")
    flag.add_argument("--at-us", "--at", dest="at_us", metavar="TIME",
                      help="when: decoder µs or a time of day on the decoder clock (09:07:48.791); "
                           "default: now, through the decoder clock's learned offset")
    flag.set_defaults(handler=flag_command)


@store_command
def flag_command(args: argparse.Namespace) -> int:
    """Store the flag, then print the standings it gives."""
    db = open_event_db(args.db)
    try:
        record = get_session(db, args.session)
        if record.phase is SessionPhase.FINISHED:
            raise InputError(f"session {record.session_id} ({record.name}) in {args.db} is finished")
        at_us = None if args.at_us is None else session_decoder_time(db, record.session_id, args.at_us,
                                                                     field="--at-us").decoder_time_us
        if at_us is None:
            at_us = ClockMap().learn_all(load_passings(db, record.session_id)).decoder_time_us(time.time_ns())
            if at_us is None:
                raise InputError(f"session {record.session_id} has no passing with a receive time yet, "
                                 "so the decoder's clock is unknown; give --at-us")
        with write_transaction(db):
            if args.which == "green":
                update_session(db, record.session_id, green_us=at_us)
            else:
                update_session(db, record.session_id, checkered_us=at_us)
        print(f"{args.which} flag for session {record.session_id} ({record.name}) at decoder time {at_us}")
        record = get_session(db, record.session_id)
        print(format_result(record, session_result(db, record.session_id), load_corrections(db, record.session_id)))
    finally:
        db.close()
    return 0
