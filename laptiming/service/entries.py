"""Walk-up entries: a car and driver who registered at the gate, entered in a session in one step.

The car is made if new (its class set), the driver too, the transponder assigned to the car and
the car entered in the session with that driver, all in one write unit with who and why. A
``laptiming record`` running on the session takes the entry up within a second (the entry list
and the assignments are part of what it watches). For the app: call :func:`enter_walk_up` from a
worker with its own connection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlite_utils import Database

from hardware.p3.records import LARGEST_TRANSPONDER, is_transponder_number
from laptiming.engine import NEVER_US
from laptiming.engine.corrections import AssignTransponder, ResolvedSetup
from laptiming.errors import InputError
from laptiming.service.control import ControlAction, append_control, require_no_official_change
from laptiming.store import (
    SessionPhase,
    assign_transponder,
    ensure_car,
    ensure_driver,
    enter_car,
    find_session,
    get_session,
    load_corrections,
    load_setup,
    open_event_db,
    write_transaction,
)
from laptiming.store.entries import drop_placeholder, sole_driver
from laptiming.store.sessions import is_entered


@dataclass(frozen=True, slots=True)
class WalkUpEntry:
    """What the gate registered: car number, driver, class (optional) and transponder.

    ``from_us``: when the transponder already belongs to another car (a loaner handed on), the
    decoder time it moves to this car; passings before it stay with the other car.
    """

    number: str
    driver: str
    transponder: int
    car_class: str | None = None
    from_us: int | None = None


class TransponderTaken(InputError):
    """The walk-up's transponder belongs to another car, and no time says from when it moves (each front
    end says how to give one: ``--from`` on the command line, the From field in the app)."""

    def __init__(self, transponder: int, owner_number: str) -> None:
        super().__init__(f"--transponder: {transponder} belongs to car {owner_number}; give --from TIME "
                         "(when it was handed on) to move it to this car")
        self.transponder = transponder
        self.owner_number = owner_number


class TransponderCorrected(InputError):
    """The walk-up's transponder is another car's for the whole session by an assign correction, which wins over
    any assignment: entered with it, the car would be timed by none of its passings."""

    def __init__(self, transponder: int, owner_number: str, correction_id: int, number: str, session: str) -> None:
        super().__init__(f"--transponder: {transponder} is car {owner_number}'s for all of {session}, by correction "
                         f"#{correction_id} (assign); enter car {number} with another transponder, or "
                         "`laptiming correct assign` the transponder to it")
        self.transponder, self.owner_number, self.correction_id = transponder, owner_number, correction_id


class CarNumberTaken(InputError):
    """The walk-up's car number is another car's (its driver or class differ from what was typed): a walk-up
    never takes over a car, its laps and its class; each front end says how to give it a transponder."""

    def __init__(self, number: str, drivers: tuple[str, ...], car_class: str | None) -> None:
        self.number, self.drivers, self.car_class = number, drivers, car_class
        super().__init__(f"--number: car {number} is already {self.owner}: pick a new number for a new car, or "
                         f"`laptiming correct assign` to give car {number} another transponder or driver")

    @property
    def owner(self) -> str:
        """The car as the official knows it: its drivers and class (``Pat Olsen (Standard)``)."""
        if not self.drivers:
            return f"a {self.car_class} car"
        who = " or ".join(self.drivers)
        return f"{who} ({self.car_class})" if self.car_class else who


@dataclass(frozen=True, slots=True)
class WalkUpResult:
    """What entering did: whether the car was new, the transponder newly assigned, the car already entered;
    ``driver_made`` a new driver, and other drivers of the event with that name (``Clara Fischer (D0017)``)."""

    session_id: int
    car_id: int
    car_made: bool
    transponder_assigned: bool
    was_entered: bool
    driver: str = ""
    driver_made: bool = False
    same_name: tuple[str, ...] = ()
    moved_from: str = ""  # the number of the car the transponder was taken from (with a from time), if any
    number: str = ""  # the car's number, as entered
    entered: int = 0  # cars entered in the session now, this one with them
    capacity: int | None = None  # cars the roster plan lets on track in it at once (None: no plan says)

    @property
    def over_capacity(self) -> str:
        """What to tell the official when this entry took the session past its plan (else empty)."""
        if self.capacity is None or self.entered <= self.capacity or self.was_entered:
            return ""
        return f"{self.entered} cars entered, the plan lets {self.capacity} on track at once"


def _current_car(db: Database, transponder: int) -> int | None:
    """The car the transponder belongs to from its latest assignment (None when it has none)."""
    row = db.execute("SELECT car_id FROM transponder_assignments WHERE transponder = ? "
                     "ORDER BY COALESCE(from_us, -1) DESC, id DESC LIMIT 1", [transponder]).fetchone()
    return None if row is None else int(row[0])


def corrected_car(db: Database, session_id: int, transponder: int) -> tuple[int, int] | None:
    """The car an assign correction of this session gives the transponder to, with that correction's id (the
    latest one wins, as in the engine: over any assignment, for the whole session); None when none names it."""
    found = None
    for record in load_corrections(db, session_id):
        action = record.correction.action
        if isinstance(action, AssignTransponder) and action.transponder == transponder:
            found = (action.car_id, record.correction.correction_id)  # in the order made: the last wins
    return found


def sessions_holding(db: Database, transponder: int, car_id: int) -> list[tuple[int, str, str, int]]:
    """Sessions where an assign correction gives the transponder to a car other than ``car_id``, so a move or
    an assignment to ``car_id`` changes nothing there: (session id, name, that car's number, correction id)."""
    held = []
    for (session_id,) in db.execute("SELECT DISTINCT session_id FROM corrections ORDER BY session_id").fetchall():
        corrected = corrected_car(db, session_id, transponder)
        if corrected is not None and corrected[0] != car_id:
            held.append((session_id, get_session(db, session_id).name, _car_number(db, corrected[0]), corrected[1]))
    return held


def _car_number(db: Database, car_id: int) -> str:
    """The number a car is known by."""
    return str(db.execute("SELECT number FROM cars WHERE id = ?", [car_id]).fetchone()[0])


def transponder_history(db: Database, transponder: int) -> tuple[str, int]:
    """The number of the car the transponder belongs to now ("" for none) and how many passings of it the
    journal holds: before a move, to say whose it was, or that the event has never known it (a typing slip?)."""
    car_id = _current_car(db, transponder)
    passings = db.execute("SELECT COUNT(*) FROM passings WHERE transponder = ?", [transponder]).fetchone()[0]
    return "" if car_id is None else _car_number(db, car_id), passings


@dataclass(frozen=True, slots=True)
class KnownCar:
    """A car the event knows by its transponder: its number, class, and its driver when it has only one."""

    number: str
    car_class: str | None = None
    driver: str | None = None  # None for a shared car (or one never entered with a driver)


def known_cars(db: Database, transponders: list[int]) -> dict[int, KnownCar]:
    """The car each transponder belongs to now (its latest assignment), for saying which car a passing not
    counted is and filling in its walk-up entry; a transponder of no car is left out."""
    cars = {}
    for transponder in transponders:
        car_id = _current_car(db, transponder)
        if car_id is None:
            continue
        number, car_class = db.execute("SELECT number, car_class FROM cars WHERE id = ?", [car_id]).fetchone()
        driver_id = sole_driver(db, car_id)
        driver = None if driver_id is None else \
            db.execute("SELECT name FROM drivers WHERE id = ?", [driver_id]).fetchone()[0]
        cars[transponder] = KnownCar(str(number), car_class or None, driver)
    return cars


def base_name(name: str) -> str:
    """A driver's name without a roster's id in brackets, to compare (``Clara Fischer (D0017)``: clara fischer)."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", name).strip().casefold()


def _agreed(db: Database, number: str, entry: WalkUpEntry) -> tuple[str, str | None]:
    """The driver to enter the car with and the class to give it: as typed for a new car; for a car the event
    has, the one of its drivers the typed name is (``Clara Fischer`` is the roster's ``Clara Fischer (D0017)``)
    and its class as it is. A car that is someone else's (another driver, another class) is refused:
    :class:`CarNumberTaken`."""
    car = db.execute("SELECT id, car_class FROM cars WHERE number = ?", [number]).fetchone()
    if car is None:
        return entry.driver, entry.car_class
    drivers = tuple(row[0] for row in db.execute(
        "SELECT d.name FROM session_entries e JOIN drivers d ON d.id = e.driver_id WHERE e.car_id = ? "
        "GROUP BY d.name ORDER BY MAX(e.session_id) DESC", [car[0]]))
    same = [name for name in drivers if base_name(name) == base_name(entry.driver)]
    class_agrees = not entry.car_class or not car[1] or entry.car_class.casefold() == str(car[1]).casefold()
    if (drivers and not same) or not class_agrees:
        raise CarNumberTaken(number, drivers, car[1])
    return (same[0] if same and entry.driver not in drivers else entry.driver), car[1] or entry.car_class


def _same_name(db: Database, driver: str) -> tuple[str, ...]:
    """Other drivers of the event whose name is this one's (told when a walk-up makes a new driver)."""
    return tuple(name for (name,) in db.execute("SELECT name FROM drivers ORDER BY id")
                 if name != driver and base_name(name) == base_name(driver))


def _check(entry: WalkUpEntry) -> None:
    if not entry.number.strip():
        raise InputError("--number: the car's number must not be empty")
    if not entry.driver.strip():
        raise InputError("--driver: the driver's name must not be empty")
    check_transponder(entry.transponder)


def check_transponder(number: int) -> None:
    """A transponder a decoder can report, else an :class:`InputError` (a digit too many is never timed, and a
    simulator given it refuses to start)."""
    if not is_transponder_number(number):
        raise InputError(f"--transponder: {number} is not a transponder number (decoders report 1 to {LARGEST_TRANSPONDER})")


def enter_walk_up(db: Database, session_id: int, entry: WalkUpEntry, *, made_by: str,
                  reason: str = "walk-up entry") -> WalkUpResult:
    """Make the car and driver if new, assign the transponder, enter the car in the session; one write unit.

    A car that exists is entered only when what was typed agrees with it (one of its drivers; its class
    or none): a walk-up never takes over another car (:class:`CarNumberTaken`). Refused (an
    :class:`InputError`, nothing written): that, a finished session, an empty field, a transponder that
    belongs to another car unless ``from_us`` says from when it moves to this one, one that an assign
    correction gives another car for the whole session (:class:`TransponderCorrected`), and an assignment
    that would change a session's official results.
    """
    _check(entry)
    with write_transaction(db):
        record = get_session(db, session_id)
        if record.phase is SessionPhase.FINISHED:
            raise InputError(f"session {session_id} ({record.name}) is finished; "
                             "use `laptiming correct assign` to change its results")
        driver, car_class = _agreed(db, entry.number, entry)
        car_made = not db.execute("SELECT 1 FROM cars WHERE number = ?", [entry.number]).fetchall()
        car_id = ensure_car(db, entry.number, car_class)
        corrected = corrected_car(db, session_id, entry.transponder)
        if corrected is not None and corrected[0] != car_id:
            raise TransponderCorrected(entry.transponder, _car_number(db, corrected[0]), corrected[1], entry.number,
                                       f"session {session_id} ({record.name})")
        owner = _current_car(db, entry.transponder)
        assigned = owner != car_id
        owner_number = "" if owner is None or not assigned else _car_number(db, owner)
        if owner_number and entry.from_us is None:
            raise TransponderTaken(entry.transponder, owner_number)
        if assigned:
            require_no_official_change(db, entry.transponder, entry.from_us if owner is not None else None)
            assign_transponder(db, entry.transponder, car_id, entry.from_us if owner is not None else None,
                               made_by=made_by, reason=reason)
        was_entered = is_entered(db, session_id, car_id)
        driver_made = not db.execute("SELECT 1 FROM drivers WHERE name = ?", [driver]).fetchall()
        enter_car(db, session_id, car_id, ensure_driver(db, driver))
        drop_placeholder(db, session_id, entry.transponder, keep_car_id=car_id)
        what = ", ".join(part for part in (driver, car_class) if part)
        append_control(db, session_id, ControlAction.ENTER, made_by,
                       f"{reason}: car {entry.number} ({what}), transponder {entry.transponder}")
        entered = db.execute("SELECT COUNT(*) FROM session_entries WHERE session_id = ?", [session_id]).fetchone()[0]
        return WalkUpResult(session_id, car_id, car_made, assigned, was_entered, driver, driver_made,
                            _same_name(db, driver) if driver_made else (), owner_number, entry.number,
                            entered, record.capacity)


FROM_DB_OPTION = "from-db"  # sim://?from-db=1: the simulator drives the session's entries


def entry_transponders(db: Database, session_id: int) -> tuple[int, ...]:
    """One transponder per entered car, sorted: the one it carries now and was given last (a car that took a
    loaner still has its own on the books, and one car must not cross the line as two)."""
    setup = load_setup(db, session_id)
    resolved = ResolvedSetup(setup)
    given_at = {(a.transponder, a.car_id): -1 if a.from_us is None else a.from_us for a in setup.assignments}
    chosen: set[int] = set()
    for car_id in resolved.entries:
        carried = [t for t in resolved.transponders_of(car_id) if resolved.car_for(t, NEVER_US) == car_id]
        if carried:  # a session's own assignment (no from_us on the books) counts as the newest
            chosen.add(max(carried, key=lambda t: (given_at.get((t, car_id), NEVER_US), t)))
    return tuple(sorted(chosen))


def simulator_for_entries(decoder_url: str, db_path: str | Path, session_name: str) -> str:
    """``sim://?from-db=1&speed=20`` becomes ``sim://?speed=20&transponders=...`` with the transponders of
    the planned or running session of that name, so the demo looks like the event; other URLs are returned as
    they are. The hardware package knows no database: this is where the two meet."""
    parts = urlsplit(decoder_url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    if parts.scheme.lower() != "sim" or not any(name == FROM_DB_OPTION for name, _ in params):
        return decoder_url
    kept = [(name, value) for name, value in params if name not in (FROM_DB_OPTION, "transponders", "cars")]
    if not Path(db_path).is_file():
        raise InputError(f"{decoder_url}: {FROM_DB_OPTION} needs an event database with entries; {db_path} does not exist")
    db = open_event_db(db_path, readonly=True)
    try:
        record = find_session(db, session_name, (SessionPhase.RUNNING, SessionPhase.PLANNED))
        if record is None:
            raise InputError(f"{decoder_url}: no planned or running session named {session_name!r} in {db_path} "
                             "to take the entries from (laptiming schedule --db makes them)")
        transponders = entry_transponders(db, record.session_id)
    finally:
        db.close()
    if not transponders:
        raise InputError(f"{decoder_url}: session {record.session_id} ({session_name}) has no entered car "
                         "with a transponder")
    kept.append(("transponders", ",".join(str(t) for t in transponders)))
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(kept, safe=',')}"
