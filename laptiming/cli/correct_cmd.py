"""``laptiming correct ACTION``: append a correction (who, why), recompute, print the results.

The CLI twin of the correction dialogs: the arguments become a typed request for
:mod:`laptiming.service.corrections`, which checks it against the session (the car is entered,
the lap exists, the passing is in the session) in the same transaction that writes it, so a typo
is a clear one-line error and nothing is written.
"""

from __future__ import annotations

import argparse

from laptiming.cli.session_args import (TypedAs, positive_seconds, say_if_far, seconds, session_ref, session_report,
                                        store_command, typed_as)
from laptiming.engine import CarStatus
from laptiming.service.clocktime import session_decoder_time
from laptiming.service.control import reopen_results
from laptiming.service.corrections import (
    AddPassingRequest,
    AssignRequest,
    CorrectionRequest,
    DeleteLapRequest,
    MinLapRequest,
    PenaltyRequest,
    StatusRequest,
    VoidPassingRequest,
    apply_correction,
)
from laptiming.store import get_session, open_event_db, write_transaction


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``correct`` and its actions."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", required=True, help="event database")
    common.add_argument("--session", type=session_ref, required=True, metavar="ID|NAME")
    common.add_argument("--by", required=True, metavar="WHO", help="who makes the correction")
    common.add_argument("--reason", required=True, metavar="WHY", help="why (kept with the results)")
    common.add_argument("--reopen", action="store_true",
                        help="the session's results are official: reopen them (provisional again) with this reason")

    correct = subparsers.add_parser("correct", help="correct a session: add/void passings, penalties, statuses, ...")
    actions = correct.add_subparsers(dest="correct_action", metavar="ACTION", required=True)

    add = actions.add_parser("add-passing", parents=[common], help="a crossing the loop missed")
    add.add_argument("--transponder", type=int, required=True)
    add.add_argument("--time-us", "--time", dest="time_us", required=True, metavar="TIME", action=TypedAs,
                     help="when it crossed: decoder µs, or a time of day on the decoder clock (09:07:48.791)")
    add.set_defaults(handler=correct_command, build=_add_passing)

    void = actions.add_parser("void-passing", parents=[common], help="a passing that must count for nothing")
    void.add_argument("--decoder", type=int, required=True, help="decoder id")
    void.add_argument("--number", type=int, required=True, help="passing number")
    void.add_argument("--time-us", "--time", dest="time_us", metavar="TIME", action=TypedAs,
                      help="decoder µs or time of day, when the number is not unique (counter reset)")
    void.set_defaults(handler=correct_command, build=_void_passing)

    penalty = actions.add_parser("penalty", parents=[common], help="time added to a car's race time")
    penalty.add_argument("--car", required=True, metavar="NUMBER")
    penalty.add_argument("--seconds", type=positive_seconds, required=True)
    penalty.set_defaults(handler=correct_command, build=_penalty)

    delete = actions.add_parser("delete-lap", parents=[common], help="strike a lap's time (track limits)")
    delete.add_argument("--car", required=True, metavar="NUMBER")
    delete.add_argument("--lap", type=int, required=True)
    delete.set_defaults(handler=correct_command, build=_delete_lap)

    status = actions.add_parser("status", parents=[common], help="DNF, DNS or DSQ (running takes it back)")
    status.add_argument("--car", required=True, metavar="NUMBER")
    status.add_argument("status", choices=["DNF", "DNS", "DSQ", "running"])
    status.set_defaults(handler=correct_command, build=_status)

    assign = actions.add_parser("assign", parents=[common],
                                help="a transponder's passings in this session belong to a car (entered if it is "
                                     "not; the car entered by the transponder's number, if any, leaves the list)")
    assign.add_argument("--transponder", type=int, required=True)
    assign.add_argument("--car", required=True, metavar="NUMBER")
    assign.add_argument("--driver", help="driver of the car in this session")
    assign.add_argument("--class", dest="car_class", help="the car's class")
    assign.add_argument("--new-car", action="store_true",
                        help="the car number is new to the event: make the car (without it, an unknown number "
                             "is refused, so that a typo makes no phantom car)")
    assign.set_defaults(handler=correct_command, build=_assign)

    min_lap = actions.add_parser("min-lap", parents=[common], help="change the session's minimum lap time")
    min_lap.add_argument("--seconds", type=seconds, required=True)
    min_lap.set_defaults(handler=correct_command, build=_min_lap)


def _add_passing(args: argparse.Namespace) -> CorrectionRequest:
    return AddPassingRequest(args.transponder, args.time_us)


def _void_passing(args: argparse.Namespace) -> CorrectionRequest:
    return VoidPassingRequest(args.decoder, args.number, args.time_us)


def _penalty(args: argparse.Namespace) -> CorrectionRequest:
    return PenaltyRequest(args.car, args.seconds)


def _delete_lap(args: argparse.Namespace) -> CorrectionRequest:
    return DeleteLapRequest(args.car, args.lap)


def _status(args: argparse.Namespace) -> CorrectionRequest:
    return StatusRequest(args.car, CarStatus.RUNNING if args.status == "running" else CarStatus(args.status))


def _assign(args: argparse.Namespace) -> CorrectionRequest:
    return AssignRequest(args.transponder, args.car, args.driver, args.car_class, args.new_car)


def _min_lap(args: argparse.Namespace) -> CorrectionRequest:
    return MinLapRequest(args.seconds)


@store_command
def correct_command(args: argparse.Namespace) -> int:
    """Check, append, recompute and store the derived results, all in one transaction; then print."""
    db = open_event_db(args.db)
    try:
        typed = None
        if getattr(args, "time_us", None) is not None:
            typed = session_decoder_time(db, args.session, args.time_us, field=typed_as(args, "time_us"))
            args.time_us = typed.decoder_time_us
        with write_transaction(db):
            if args.reopen:
                reopen_results(db, args.session, made_by=args.by, reason=args.reason)
            stored, result = apply_correction(db, args.session, args.build(args), made_by=args.by, reason=args.reason)
        at = f" at {typed.describe()}" if typed is not None and typed.typed_time_of_day is not None else ""
        print(f"correction #{stored.correction.correction_id} recorded{at}")
        say_if_far(typed)
        print(session_report(db, get_session(db, args.session), result))
    finally:
        db.close()
    return 0
