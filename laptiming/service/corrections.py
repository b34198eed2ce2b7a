"""Corrections as a service: typed requests, checked the same way from the command line, the app or Python.

Each request names cars by number and passings by decoder and number, as an official does. The
checks run inside the writer's unit of work (the caller's write transaction), so what was
checked is what gets written: a car entered, a lap that exists, a passing of this session, a
transponder that belongs to a car. A request that fails a check is an :class:`InputError` and
nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from laptiming import engine
from laptiming.engine import (
    AddPassing,
    AssignTransponder,
    CarStatus,
    CorrectionAction,
    DeleteLap,
    SessionResult,
    SetMinLap,
    SetStatus,
    TimePenalty,
    VoidPassing,
)
from laptiming.engine.corrections import ResolvedSetup
from laptiming.errors import InputError
from laptiming.service.control import require_correctable
from laptiming.service.entries import check_transponder
from laptiming.store import (
    CorrectionRecord,
    append_correction,
    car_by_number,
    db_name,
    ensure_car,
    ensure_driver,
    enter_car,
    get_session,
    load_passings,
    load_setup,
    write_derived,
)
from laptiming.store.entries import drop_placeholder
from laptiming.store.sessions import is_entered
from laptiming.timefmt import format_seconds


@dataclass(frozen=True, slots=True)
class AddPassingRequest:
    """A crossing the loop missed, by a transponder that belongs to an entered car."""

    transponder: int
    decoder_time_us: int


@dataclass(frozen=True, slots=True)
class VoidPassingRequest:
    """A passing of this session (an added one too: decoder -1, number = its correction id) counts for nothing."""

    decoder_id: int
    passing_number: int
    decoder_time_us: int | None = None


@dataclass(frozen=True, slots=True)
class PenaltyRequest:
    """Time added to an entered car's race time."""

    car_number: str
    penalty_us: int


@dataclass(frozen=True, slots=True)
class DeleteLapRequest:
    """An entered car's lap struck off (track limits)."""

    car_number: str
    lap_no: int


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """DNF, DNS, DSQ, or running to take one back."""

    car_number: str
    status: CarStatus


@dataclass(frozen=True, slots=True)
class AssignRequest:
    """A transponder's passings in this session belong to this car (entered in the session if it is not).

    A car number the event does not know is refused unless ``new_car`` says to make it: a typo must
    not put a phantom car in the results.
    """

    transponder: int
    car_number: str
    driver: str | None = None
    car_class: str | None = None
    new_car: bool = False


@dataclass(frozen=True, slots=True)
class MinLapRequest:
    """The session's minimum lap time changes."""

    min_lap_us: int


CorrectionRequest = (
    AddPassingRequest | VoidPassingRequest | PenaltyRequest | DeleteLapRequest | StatusRequest | AssignRequest
    | MinLapRequest
)


def _entered_car(db: Database, session_id: int, number: str) -> int:
    car_id = car_by_number(db, number)
    if not is_entered(db, session_id, car_id):
        raise InputError(f"car {number} is not entered in session {session_id} ({get_session(db, session_id).name}) "
                         f"of {db_name(db)}")
    return car_id


def _session_result(db: Database, session_id: int) -> SessionResult:
    return engine.derive_session(load_passings(db, session_id), load_setup(db, session_id))


def check_correction(db: Database, session_id: int, request: CorrectionRequest) -> CorrectionAction:
    """The engine's action for ``request`` once it passes its checks; an assignment also enters its car.

    Call inside the write transaction that appends the correction. Official results are refused.
    """
    require_correctable(db, session_id)
    match request:
        case AddPassingRequest(transponder, time_us):
            resolved = ResolvedSetup(load_setup(db, session_id))
            car_id = resolved.car_for(transponder, time_us)
            if car_id is None:
                raise InputError(f"transponder {transponder} belongs to no car at decoder time {time_us}; "
                                 "assign it to a car first (correct assign)")
            if car_id not in resolved.entries:
                raise InputError(f"transponder {transponder} belongs to a car not entered in session {session_id}; "
                                 "enter it first (correct assign)")
            return AddPassing(transponder, time_us)
        case VoidPassingRequest(decoder_id, number, time_us):
            action = VoidPassing(decoder_id, number, time_us)
            resolved = ResolvedSetup(load_setup(db, session_id))
            added = resolved.added_passings  # an official's typo can be undone
            matches = [p for p in (*load_passings(db, session_id), *added) if action.matches(p)]
            if not matches:
                raise InputError(f"no passing {number} of decoder {decoder_id} in session {session_id} "
                                 f"of {db_name(db)}")
            if len(matches) > 1:
                times = ", ".join(str(p.decoder_time_us) for p in matches)
                raise InputError(f"passing {number} of decoder {decoder_id} occurs {len(matches)} times "
                                 f"(decoder times {times}); add --time-us")
            if resolved.is_voided(matches[0]):  # a second press or a retyped command: one correction is enough
                raise InputError(f"passing {number} of decoder {decoder_id} is already voided in session {session_id}")
            return action
        case PenaltyRequest(number, penalty_us):
            if penalty_us <= 0:  # the app's form too: a penalty of 0 s changes nothing, a negative one is no penalty
                raise InputError(f"a time penalty is above zero seconds, not {format_seconds(penalty_us)}")
            if get_session(db, session_id).rules.session_type.ranks_by_best_lap:
                raise InputError(f"session {session_id} ranks by best lap, where a time penalty changes nothing; "
                                 "use delete-lap for track limits")
            return TimePenalty(_entered_car(db, session_id, number), penalty_us)
        case DeleteLapRequest(number, lap_no):
            car_id = _entered_car(db, session_id, number)
            laps = [lap for lap in _session_result(db, session_id).laps if lap.car_id == car_id]
            for lap in laps:
                if lap.lap_no == lap_no:
                    return DeleteLap(car_id, lap.crossing_us, lap.lap_no)
            raise InputError(f"car {number} has no lap {lap_no} in session {session_id} (it has {len(laps)})")
        case StatusRequest(number, status):
            return SetStatus(_entered_car(db, session_id, number), status)
        case AssignRequest(transponder, number, driver, car_class, new_car):
            check_transponder(transponder)
            if not new_car:
                try:
                    car_by_number(db, number)
                except InputError as err:
                    raise InputError(f"{err}: check the number, or enter a new car (correct assign --new-car; "
                                     "in the app, the walk-up form, w)") from None
            car_id = ensure_car(db, number, car_class)
            if driver is not None or not is_entered(db, session_id, car_id):
                enter_car(db, session_id, car_id, None if driver is None else ensure_driver(db, driver))
            drop_placeholder(db, session_id, transponder, keep_car_id=car_id)
            return AssignTransponder(transponder, car_id)
        case MinLapRequest(min_lap_us):
            return SetMinLap(min_lap_us)
    raise TypeError(f"not a correction request: {request!r}")


def apply_correction(
    db: Database, session_id: int, request: CorrectionRequest, made_by: str, reason: str
) -> tuple[CorrectionRecord, SessionResult]:
    """Check, append (who, why), recompute and store the derived results; inside the caller's write unit."""
    if not made_by.strip() or not reason.strip():
        raise InputError("a correction needs who makes it and why")
    get_session(db, session_id)  # a clear error for a session that does not exist
    action = check_correction(db, session_id, request)
    record = append_correction(db, session_id, action, made_by=made_by, reason=reason)
    result = _session_result(db, session_id)
    write_derived(db, session_id, result)
    return record, result
