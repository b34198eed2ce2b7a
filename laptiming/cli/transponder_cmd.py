"""``laptiming transponder move|list``: which car a transponder belongs to, event-wide.

A transponder can move to another car mid-event (a loaner handed on at lunch, a spare fitted
after a failure). The move is stored with the decoder time it takes effect from, so passings
before it stay with the old car, in every session, and a replay of the day agrees; the stored
results of every session with its passings are derived again in the same write.
"""

from __future__ import annotations

import argparse

from laptiming.cli.session_args import say_if_far, session_ref, store_command
from laptiming.service.clocktime import event_decoder_time
from laptiming.service.control import require_no_official_change
from laptiming.service.entries import check_transponder, sessions_holding, transponder_history
from laptiming.service.rederive import rederive_sessions, sessions_with_passings
from laptiming.store import (
    assign_transponder,
    car_by_number,
    open_event_db,
    write_transaction,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``transponder move`` and ``transponder list``."""
    transponder = subparsers.add_parser("transponder", help="move a transponder to another car, or list who has which")
    actions = transponder.add_subparsers(dest="transponder_action", metavar="ACTION", required=True)
    move = actions.add_parser("move", help="from a decoder time on, this transponder belongs to this car")
    move.add_argument("transponder", type=int, metavar="TRANSPONDER")
    move.add_argument("--car", required=True, metavar="NUMBER", help="the car it is fitted to now")
    move.add_argument("--db", required=True, help="event database")
    move.add_argument("--from-us", "--from", dest="from_us", metavar="TIME",
                      help="when the move takes effect: decoder µs, or a time of day on the decoder clock "
                           "(default: from the start of the event)")
    move.add_argument("--session", type=session_ref, metavar="ID|NAME",
                      help="whose passings give the day of a time of day (default: the newest session with passings)")
    move.add_argument("--by", required=True, metavar="WHO", help="who moves it")
    move.add_argument("--reason", required=True, metavar="WHY", help="why (kept with the assignment)")
    move.set_defaults(handler=move_command)
    listing = actions.add_parser("list", help="every transponder assignment, in the order made")
    listing.add_argument("--db", required=True, help="event database")
    listing.set_defaults(handler=list_command)


@store_command
def move_command(args: argparse.Namespace) -> int:
    """Record the move (one row appended; earlier assignments stay for the passings before it)."""
    check_transponder(args.transponder)
    db = open_event_db(args.db)
    try:
        start = None if args.from_us is None else event_decoder_time(db, args.from_us, field="--from-us",
                                                                      session_id=args.session)
        with write_transaction(db):
            owner, passings = transponder_history(db, args.transponder)
            car_id = car_by_number(db, args.car)
            from_us = None if start is None else start.decoder_time_us
            require_no_official_change(db, args.transponder, from_us)  # official results stay as confirmed
            assign_transponder(db, args.transponder, car_id, from_us, made_by=args.by, reason=args.reason)
            rederived = rederive_sessions(db, sessions_with_passings(db, args.transponder))
            held = sessions_holding(db, args.transponder, car_id)
        when = "from the start" if start is None else f"from {start.describe()}"
        print(f"transponder {args.transponder} belongs to car {args.car} {when}")
        say_if_far(start)
        if owner and owner != args.car:
            print(f"before that it was car {owner}'s")
        elif not owner and not passings:
            print(f"note: transponder {args.transponder} is new to this event (no car had it and no passing has "
                  "it yet); if you meant another number, move that one too")
        if rederived:
            print(f"results of {rederived} session{'s' if rederived != 1 else ''} with its passings derived again")
        for session_id, name, number, correction_id in held:  # a correction wins over any assignment
            print(f"note: in session {session_id} ({name}) correction #{correction_id} (assign) gives transponder "
                  f"{args.transponder} to car {number} for the whole session, so this move changes nothing there; "
                  "to change it, correct assign it there")
    finally:
        db.close()
    return 0


@store_command
def list_command(args: argparse.Namespace) -> int:
    """Print the assignments: transponder, car, from when, and when it was entered."""
    db = open_event_db(args.db, readonly=True)
    try:
        rows = list(db.query(
            """SELECT t.transponder, c.number, t.from_us, t.assigned_at, t.made_by, t.reason
               FROM transponder_assignments t JOIN cars c ON c.id = t.car_id ORDER BY t.id"""
        ))
        table = [("transponder", "car", "from", "entered", "by", "why")]
        for row in rows:
            start = "start" if row["from_us"] is None else str(row["from_us"])
            table.append((str(row["transponder"]), row["number"], start, row["assigned_at"],
                          row["made_by"] or "", row["reason"] or ""))
        widths = [max(len(line[column]) for line in table) for column in range(len(table[0]))]
        for line in table:
            print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    finally:
        db.close()
    return 0
