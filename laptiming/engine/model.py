"""The lap engine's records: entries, transponder assignments, laps and the verdict on each passing."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

from hardware.events import Passing

PassingId = tuple[int, int, int]
"""(decoder id, passing number, decoder time µs): a repeated number with another time is a new passing."""

NEVER_US = 1 << 62
"""Later than any decoder time or lap time: sorts what has none last, and means "from now on" (``-NEVER_US``:
"since always", before any time)."""

MANUAL_DECODER_ID = -1
"""Decoder id of passings added by an official (the loop missed them); their number is the correction id."""


passing_id: Callable[[Passing], PassingId] = attrgetter("decoder_id", "passing_number", "decoder_time_us")
"""The journal's identity of a passing."""

crossing_order: Callable[[Passing], tuple[int, int, int]] = attrgetter(
    "decoder_time_us", "decoder_id", "passing_number"
)
"""Sort key of a car's crossings: decoder time first, identity to break exact ties."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A car entered in the session, with the driver in it for this session."""

    car_id: int
    number: str
    driver: str | None = None
    car_class: str | None = None


@dataclass(frozen=True, slots=True)
class TransponderAssignment:
    """A transponder belongs to a car from ``from_us`` (decoder time; None = from the start) on."""

    transponder: int
    car_id: int
    from_us: int | None = None


class LapFlag(enum.Enum):
    """Marks on a lap: ``suspect`` (likely a missed loop read), ``deleted`` (time struck off)."""

    SUSPECT = "suspect"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Lap:
    """A completed lap: its time is the difference of two counted crossings' decoder times."""

    car_id: int
    lap_no: int
    lap_time_us: int
    crossing_us: int
    transponder: int
    flags: frozenset[LapFlag] = frozenset()

    @property
    def counts_for_best(self) -> bool:
        """A deleted lap still counts as distance but its time cannot be a best lap."""
        return LapFlag.DELETED not in self.flags

    @property
    def flags_text(self) -> str:
        """Flags as export text: empty, or names joined by ``;`` in a fixed order."""
        if not self.flags:
            return ""
        return ";".join(flag.value for flag in LapFlag if flag in self.flags)


class PassingReason(enum.Enum):
    """What a passing did in the session. The first three count; the rest are kept and shown only.

    ``AFTER_FINISH``: the car had finished. ``AFTER_CHECKERED``: the car reached the line only at or after
    the finish time (the flag fell before it started), so the crossing opens nothing and the car is DNS.
    """

    OPENED = "opened"
    LAP = "lap"
    FINISH = "finish"
    BEFORE_GREEN = "before_green"
    UNDER_MIN_LAP = "under_min_lap"
    AFTER_FINISH = "after_finish"
    AFTER_CHECKERED = "after_checkered"
    UNKNOWN_TRANSPONDER = "unknown_transponder"
    NOT_ENTERED = "not_entered"
    VOIDED = "voided"

    @property
    def counted(self) -> bool:
        """Whether the passing is one of the car's counted crossings."""
        return self in _COUNTED


_COUNTED = frozenset({PassingReason.OPENED, PassingReason.LAP, PassingReason.FINISH})


@dataclass(frozen=True, slots=True)
class Verdict:
    """The engine's judgement of one passing: which car it belongs to (if any) and why it counts or not."""

    passing: Passing
    car_id: int | None
    reason: PassingReason
