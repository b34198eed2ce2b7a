"""What the engine tells its subscribers: each changed passing verdict, lap and standings row.

A subscriber (the live screen, a printer, the ``record`` command) keeps rows keyed by car and
replaces the ones it is sent; it never polls or recomputes the session.
"""

from __future__ import annotations

from dataclasses import dataclass

from laptiming.engine.model import Lap, Verdict
from laptiming.engine.standings import StandingRow


@dataclass(frozen=True, slots=True)
class PassingJudged:
    """A passing arrived, or an earlier one's verdict changed."""

    verdict: Verdict


@dataclass(frozen=True, slots=True)
class LapChanged:
    """A lap was completed, or an existing lap changed (its time or its flags)."""

    lap: Lap


@dataclass(frozen=True, slots=True)
class LapRemoved:
    """A car no longer has this lap (a passing was voided or re-judged)."""

    car_id: int
    lap_no: int


@dataclass(frozen=True, slots=True)
class StandingChanged:
    """A car's standings row is new or different; replace the row with this key."""

    row: StandingRow


@dataclass(frozen=True, slots=True)
class UnknownTransponder:
    """A transponder with no car in this session: its passings are kept and reported, never dropped."""

    transponder: int
    passings: int
    first_us: int
    last_us: int


@dataclass(frozen=True, slots=True)
class UnknownTransponderSeen:
    """An unknown transponder crossed the line (again)."""

    unknown: UnknownTransponder


@dataclass(frozen=True, slots=True)
class FinishTimeSet:
    """The checkered flag is out: each car's next counted crossing finishes its session."""

    finish_at_us: int | None


SessionEvent = (
    PassingJudged
    | LapChanged
    | LapRemoved
    | StandingChanged
    | UnknownTransponderSeen
    | FinishTimeSet
)
