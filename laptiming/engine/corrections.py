"""Corrections an official makes, as pure inputs to the engine, and the session setup they modify.

A correction never edits anything: it is appended, and the results are recomputed from the
journal plus every correction in order. Who made it, when and why is kept by the store; the
engine needs only what it changes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from hardware.events import Passing
from laptiming.engine.model import (
    MANUAL_DECODER_ID,
    NEVER_US,
    Entry,
    TransponderAssignment,
)
from laptiming.engine.rules import CarStatus, SessionMarkers, SessionRules


class CorrectionKind(enum.Enum):
    """The kinds of correction, by their stored name."""

    ADD_PASSING = "add_passing"
    VOID_PASSING = "void_passing"
    TIME_PENALTY = "time_penalty"
    DELETE_LAP = "delete_lap"
    SET_STATUS = "set_status"
    ASSIGN_TRANSPONDER = "assign_transponder"
    SET_MIN_LAP = "set_min_lap"


@dataclass(frozen=True, slots=True)
class AddPassing:
    """A crossing the loop missed, at a decoder time the official gives."""

    transponder: int
    decoder_time_us: int
    kind: CorrectionKind = field(default=CorrectionKind.ADD_PASSING, init=False)


@dataclass(frozen=True, slots=True)
class VoidPassing:
    """A passing that must count for nothing (``decoder_time_us`` only to tell apart a reset counter)."""

    decoder_id: int
    passing_number: int
    decoder_time_us: int | None = None
    kind: CorrectionKind = field(default=CorrectionKind.VOID_PASSING, init=False)

    def matches(self, passing: Passing) -> bool:
        """Whether this void names ``passing``."""
        return (
            passing.decoder_id == self.decoder_id
            and passing.passing_number == self.passing_number
            and (self.decoder_time_us is None or passing.decoder_time_us == self.decoder_time_us)
        )


@dataclass(frozen=True, slots=True)
class TimePenalty:
    """Time added to a car's race time (negative values take an earlier penalty back)."""

    car_id: int
    penalty_us: int
    kind: CorrectionKind = field(default=CorrectionKind.TIME_PENALTY, init=False)


@dataclass(frozen=True, slots=True)
class DeleteLap:
    """Strike a lap's time (track limits); the lap is named by the crossing that completed it."""

    car_id: int
    crossing_us: int
    lap_no: int
    kind: CorrectionKind = field(default=CorrectionKind.DELETE_LAP, init=False)


@dataclass(frozen=True, slots=True)
class SetStatus:
    """DNF, DNS or DSQ for a car; RUNNING takes an earlier one back."""

    car_id: int
    status: CarStatus
    kind: CorrectionKind = field(default=CorrectionKind.SET_STATUS, init=False)

    def __post_init__(self) -> None:
        if self.status is CarStatus.FINISHED:
            raise ValueError("finished is decided by the checkered flag, not set by hand")


@dataclass(frozen=True, slots=True)
class AssignTransponder:
    """For the whole session, this transponder's passings belong to this car."""

    transponder: int
    car_id: int
    kind: CorrectionKind = field(default=CorrectionKind.ASSIGN_TRANSPONDER, init=False)


@dataclass(frozen=True, slots=True)
class SetMinLap:
    """Change the session's minimum lap time."""

    min_lap_us: int
    kind: CorrectionKind = field(default=CorrectionKind.SET_MIN_LAP, init=False)

    def __post_init__(self) -> None:
        if self.min_lap_us < 0:
            raise ValueError(f"min lap must not be negative, got {self.min_lap_us} µs")


CorrectionAction = (
    AddPassing | VoidPassing | TimePenalty | DeleteLap | SetStatus | AssignTransponder | SetMinLap
)


@dataclass(frozen=True, slots=True)
class Correction:
    """One appended correction: its id orders it (later wins) and numbers an added passing."""

    correction_id: int
    action: CorrectionAction
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SessionSetup:
    """Everything besides the passings that decides a session's result."""

    rules: SessionRules
    markers: SessionMarkers
    entries: tuple[Entry, ...]
    assignments: tuple[TransponderAssignment, ...] = ()
    corrections: tuple[Correction, ...] = ()

    def with_correction(self, correction: Correction) -> SessionSetup:
        """This setup with one more correction appended."""
        return replace(self, corrections=self.corrections + (correction,))


@dataclass(frozen=True, slots=True)
class CarOutcome:
    """Status set by hand (None: decided by the engine) and total penalty for one car."""

    status: CarStatus | None = None
    status_reason: str = ""
    penalty_us: int = 0


class ResolvedSetup:
    """A setup with its corrections folded in: lookups the engine makes for every passing."""

    __slots__ = (
        "setup",
        "rules",
        "entries",
        "added_passings",
        "outcomes",
        "deleted_crossings",
        "_voids",
        "_overrides",
        "_assignments",
        "_transponders_by_car",
        "_fixed",
    )

    def __init__(self, setup: SessionSetup) -> None:
        self.setup = setup
        min_lap_us = setup.rules.min_lap_us
        self.entries: Mapping[int, Entry] = {entry.car_id: entry for entry in setup.entries}
        self.added_passings: tuple[Passing, ...] = ()
        self.outcomes: dict[int, CarOutcome] = {}
        self.deleted_crossings: dict[int, frozenset[int]] = {}
        self._voids: list[VoidPassing] = []
        self._overrides: dict[int, int] = {}
        added: list[Passing] = []
        for correction in sorted(setup.corrections, key=lambda c: c.correction_id):
            action = correction.action
            if isinstance(action, AddPassing):
                added.append(
                    Passing(
                        decoder_id=MANUAL_DECODER_ID,
                        passing_number=correction.correction_id,
                        transponder=action.transponder,
                        decoder_time_us=action.decoder_time_us,
                        source="correction",
                    )
                )
            elif isinstance(action, VoidPassing):
                self._voids.append(action)
            elif isinstance(action, TimePenalty):
                outcome = self.outcomes.get(action.car_id, CarOutcome())
                self.outcomes[action.car_id] = replace(
                    outcome, penalty_us=outcome.penalty_us + action.penalty_us
                )
            elif isinstance(action, DeleteLap):
                deleted = self.deleted_crossings.get(action.car_id, frozenset())
                self.deleted_crossings[action.car_id] = deleted | {action.crossing_us}
            elif isinstance(action, SetStatus):
                outcome = self.outcomes.get(action.car_id, CarOutcome())
                manual = None if action.status is CarStatus.RUNNING else action.status
                reason = "" if manual is None else correction.reason
                self.outcomes[action.car_id] = replace(outcome, status=manual, status_reason=reason)
            elif isinstance(action, AssignTransponder):
                self._overrides[action.transponder] = action.car_id
            elif isinstance(action, SetMinLap):
                min_lap_us = action.min_lap_us
        self.added_passings = tuple(added)
        self.rules = replace(setup.rules, min_lap_us=min_lap_us)
        by_transponder: dict[int, list[tuple[int | None, int]]] = {}
        for assignment in setup.assignments:
            by_transponder.setdefault(assignment.transponder, []).append(
                (assignment.from_us, assignment.car_id)
            )
        self._assignments = {
            transponder: sorted(moves, key=lambda move: -NEVER_US if move[0] is None else move[0])
            for transponder, moves in by_transponder.items()
        }
        # Transponders that map to one car for the whole session: a dict look-up, no time walk.
        self._fixed: dict[int, int] = {
            transponder: moves[0][1]
            for transponder, moves in self._assignments.items()
            if len(moves) == 1 and moves[0][0] is None
        }
        self._fixed.update(self._overrides)
        transponders_by_car: dict[int, set[int]] = {}
        for transponder, moves in self._assignments.items():
            if transponder in self._overrides:
                continue
            for _, car_id in moves:
                transponders_by_car.setdefault(car_id, set()).add(transponder)
        for transponder, car_id in self._overrides.items():
            transponders_by_car.setdefault(car_id, set()).add(transponder)
        self._transponders_by_car = {
            car_id: tuple(sorted(found)) for car_id, found in transponders_by_car.items()
        }

    @property
    def markers(self) -> SessionMarkers:
        """The session's flags."""
        return self.setup.markers

    @property
    def has_voids(self) -> bool:
        """Whether any passing is voided (if not, routing never needs to look at a passing's identity)."""
        return bool(self._voids)

    def fixed_car(self, transponder: int) -> int | None:
        """The car of a transponder that maps to one car all session long, else None (ask :meth:`car_for`)."""
        return self._fixed.get(transponder)

    def is_time_dependent(self, transponder: int) -> bool:
        """Whether this transponder moved between cars (its car depends on the time of the passing)."""
        return transponder not in self._fixed and transponder in self._assignments

    def is_voided(self, passing: Passing) -> bool:
        """Whether a void correction names this passing."""
        if not self._voids:
            return False
        return any(void.matches(passing) for void in self._voids)

    def car_for(self, transponder: int, decoder_time_us: int) -> int | None:
        """The car this transponder belonged to at that time (session overrides win), or None."""
        fixed = self._fixed.get(transponder)
        if fixed is not None:
            return fixed
        moves = self._assignments.get(transponder)
        if not moves:
            return None
        car_id = None
        for from_us, candidate in moves:
            if from_us is None or from_us <= decoder_time_us:
                car_id = candidate
            else:
                break
        return car_id

    def transponders_of(self, car_id: int) -> tuple[int, ...]:
        """Every transponder that maps to this car in the session, sorted."""
        return self._transponders_by_car.get(car_id, ())
