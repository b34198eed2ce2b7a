"""``laptiming correct ACTION``: append a correction (who, why), recompute, print the results.

The CLI twin of the correction dialogs: each action is checked against the session first
(the car is entered, the lap exists, the passing is in the session), so a typo is a clear
one-line error and nothing is written.
"""

from __future__ import annotations

import argparse

from sqlite_utils import Database

from laptiming.cli.session_args import seconds, session_result, store_command
from laptiming.engine import (
    AddPassing,
    AssignTransponder,
    CarStatus,
    CorrectionAction,
    DeleteLap,
    SetMinLap,
    SetStatus,
    TimePenalty,
    VoidPassing,
)
from laptiming.engine.corrections import ResolvedSetup
from laptiming.errors import InputError
from laptiming.report import format_result
from laptiming.store import (
    append_correction,
    car_by_number,
    db_name,
    ensure_car,
    ensure_driver,
    enter_car,
    get_session,
    load_corrections,
    load_passings,
    load_setup,
    open_event_db,
    write_derived,
    write_transaction,
)
from laptiming.store.entries import drop_placeholder
from laptiming.store.sessions import is_entered


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``correct`` and its actions."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", required=True, help="event database")
    common.add_argument("--session", type=int, required=True, metavar="ID")
    common.add_argument("--by", required=True, metavar="WHO", help="who makes the correction")
    common.add_argument("--reason", required=True, metavar="WHY", help="why (kept with the results)")

    correct = subparsers.add_parser("correct", help="correct a session: add/void passings, penalties, statuses, ...")
    actions = correct.add_subparsers(dest="correct_action", metavar="ACTION", required=True)

    add = actions.add_parser("add-passing", parents=[common], help="a crossing the loop missed")
    add.add_argument("--transponder", type=int, required=True)
    add.add_argument("--time-us", type=int, required=True, help="decoder time of the crossing, in µs")
    add.set_defaults(handler=correct_command, build=_add_passing)

    void = actions.add_parser("void-passing", parents=[common], help="a passing that must count for nothing")
    void.add_argument("--decoder", type=int, required=True, help="decoder id")
    void.add_argument("--number", type=int, required=True, help="passing number")
    void.add_argument("--time-us", type=int, help="decoder time, when the number is not unique (counter reset)")
    void.set_defaults(handler=correct_command, build=_void_passing)

    penalty = actions.add_parser("penalty", parents=[common], help="time added to a car's race time")
    penalty.add_argument("--car", required=True, metavar="NUMBER")
    penalty.add_argument("--seconds", type=seconds, required=True)
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
                                help="a transponder's passings in this session belong to a car (made and entered if "
                                     "new; the car entered by the transponder's number, if any, leaves the list)")
    assign.add_argument("--transponder", type=int, required=True)
    assign.add_argument("--car", required=True, metavar="NUMBER")
    assign.add_argument("--driver", help="driver of the car in this session")
    assign.add_argument("--class", dest="car_class", help="the car's class")
    assign.set_defaults(handler=correct_command, build=_assign)

    min_lap = actions.add_parser("min-lap", parents=[common], help="change the session's minimum lap time")
    min_lap.add_argument("--seconds", type=seconds, required=True)
    min_lap.set_defaults(handler=correct_command, build=_min_lap)


def _entered_car(db: Database, session_id: int, number: str) -> int:
    car_id = car_by_number(db, number)
    if not is_entered(db, session_id, car_id):
        raise InputError(f"car {number} is not entered in session {session_id} of {db_name(db)}")
    return car_id


def _add_passing(db: Database, session_id: int, args: argparse.Namespace) -> CorrectionAction:
    resolved = ResolvedSetup(load_setup(db, session_id))
    car_id = resolved.car_for(args.transponder, args.time_us)
    if car_id is None:
        raise InputError(f"transponder {args.transponder} belongs to no car at decoder time {args.time_us}; "
                         "assign it to a car first (correct assign)")
    if car_id not in resolved.entries:
        raise InputError(f"transponder {args.transponder} belongs to a car not entered in session {session_id}; "
                         "enter it first (correct assign)")
    return AddPassing(args.transponder, args.time_us)


def _void_passing(db: Database, session_id: int, args: argparse.Namespace) -> CorrectionAction:
    action = VoidPassing(args.decoder, args.number, args.time_us)
    added = ResolvedSetup(load_setup(db, session_id)).added_passings  # an official's own typo can be undone too
    matches = [p for p in (*load_passings(db, session_id), *added) if action.matches(p)]
    if not matches:
        raise InputError(f"no passing {args.number} of decoder {args.decoder} in session {session_id} of {db_name(db)}")
    if len(matches) > 1:
        times = ", ".join(str(p.decoder_time_us) for p in matches)
        raise InputError(f"passing {args.number} of decoder {args.decoder} occurs {len(matches)} times "
                         f"(decoder times {times}); add --time-us")
    return action


def _penalty(db: Database, session_id: int, args: argparse.Namespace) -> CorrectionAction:
    if get_session(db, session_id).rules.session_type.ranks_by_best_lap:
        raise InputError(f"session {session_id} ranks by best lap, where a time penalty changes nothing; "
                         "use delete-lap for track limits")
    return TimePenalty(_entered_car(db, session_id, args.car), args.seconds)


def _delete_lap(db: Database, session_id: int, args: argparse.Namespace) -> CorrectionAction:
    car_id = _entered_car(db, session_id, args.car)
    laps = [lap for lap in session_result(db, session_id).laps if lap.car_id == car_id]
    for lap in laps:
        if lap.lap_no == args.lap:
            return DeleteLap(car_id, lap.crossing_us, lap.lap_no)
    raise InputError(f"car {args.car} has no lap {args.lap} in session {session_id} (it has {len(laps)})")


def _status(db: Database, session_id: int, args: argparse.Namespace) -> CorrectionAction:
    status = CarStatus.RUNNING if args.status == "running" else CarStatus(args.status)
    return SetStatus(_entered_car(db, session_id, args.car), status)


def _assign(db: Database, session_id: int, args: argparse.Namespace) -> CorrectionAction:
    car_id = ensure_car(db, args.car, args.car_class)
    if args.driver is not None or not is_entered(db, session_id, car_id):
        enter_car(db, session_id, car_id, None if args.driver is None else ensure_driver(db, args.driver))
    drop_placeholder(db, session_id, args.transponder, keep_car_id=car_id)
    return AssignTransponder(args.transponder, car_id)


def _min_lap(db: Database, session_id: int, args: argparse.Namespace) -> CorrectionAction:
    return SetMinLap(args.seconds)


@store_command
def correct_command(args: argparse.Namespace) -> int:
    """Check, append, recompute and store the derived results, all in one transaction; then print."""
    db = open_event_db(args.db)
    try:
        with write_transaction(db):
            record = get_session(db, args.session)
            action = args.build(db, record.session_id, args)
            stored = append_correction(db, record.session_id, action, made_by=args.by, reason=args.reason)
            result = session_result(db, record.session_id)
            write_derived(db, record.session_id, result)
        print(f"correction #{stored.correction.correction_id} recorded")
        print(format_result(record, result, load_corrections(db, record.session_id)))
    finally:
        db.close()
    return 0
