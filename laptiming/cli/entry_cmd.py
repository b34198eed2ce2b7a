"""``laptiming entry add``: a car and driver who registered at the gate, entered in a session in one step.

The CLI twin of the app's walk-up dialog; the rules live in :mod:`laptiming.service.entries`.
"""

from __future__ import annotations

import argparse

from laptiming.cli.session_args import positive_int, say_if_far, session_ref, store_command
from laptiming.service.clocktime import event_decoder_time
from laptiming.service.entries import WalkUpEntry, enter_walk_up
from laptiming.store import get_session, open_event_db


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``entry add``."""
    entry = subparsers.add_parser("entry", help="enter a walk-up car and driver in a session")
    actions = entry.add_subparsers(dest="entry_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="car made if new, transponder assigned, entered in the session")
    add.add_argument("--db", required=True, help="event database")
    add.add_argument("--session", type=session_ref, required=True, metavar="ID|NAME")
    add.add_argument("--number", required=True, metavar="N", help="the car's number")
    add.add_argument("--driver", required=True, metavar="NAME", help="who drives it in this session")
    add.add_argument("--class", dest="car_class", metavar="C", help="the car's class")
    add.add_argument("--transponder", type=positive_int, required=True, metavar="T")
    add.add_argument("--from", "--from-us", dest="from_us", metavar="TIME",
                     help="the transponder belongs to another car: from when it is this car's "
                          "(decoder µs or a time of day on the decoder clock)")
    add.add_argument("--by", required=True, metavar="WHO", help="who enters it")
    add.add_argument("--reason", default="walk-up entry", metavar="WHY", help="why (default: walk-up entry)")
    add.set_defaults(handler=add_command)


@store_command
def add_command(args: argparse.Namespace) -> int:
    """Enter the car; say what was made, assigned or changed."""
    db = open_event_db(args.db)
    try:
        record = get_session(db, args.session)
        typed = None if args.from_us is None else event_decoder_time(db, args.from_us, field="--from",
                                                                     session_id=args.session)
        entry = WalkUpEntry(args.number, args.driver, args.transponder, args.car_class,
                            None if typed is None else typed.decoder_time_us)
        done = enter_walk_up(db, args.session, entry, made_by=args.by, reason=args.reason)
        notes = [note for note, applies in (("new car", done.car_made),
                                           (f"transponder moved from car {done.moved_from}", done.moved_from),
                                           ("transponder assigned", done.transponder_assigned and not done.moved_from),
                                           ("was already entered: driver set", done.was_entered)) if applies]
        if done.same_name:
            notes.append(f"a new driver {done.driver}; the event also has {' and '.join(done.same_name)}")
        what = ", ".join(part for part in (done.driver, args.car_class) if part)
        extra = f" ({'; '.join(notes)})" if notes else ""
        print(f"car {args.number} ({what}) with transponder {args.transponder} entered in session "
              f"{record.session_id} ({record.name}){extra}")
        if done.over_capacity:
            print(f"note: session {record.session_id} ({record.name}) now has {done.over_capacity}")
        say_if_far(typed)
    finally:
        db.close()
    return 0
