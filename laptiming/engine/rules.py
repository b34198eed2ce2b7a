"""Session rules and markers: what a session counts and when it starts and ends, all in decoder time."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

DEFAULT_MIN_LAP_US = 10_000_000
DEFAULT_SUSPECT_FACTOR = 1.8


class SessionType(enum.Enum):
    """How a session ranks its cars."""

    PRACTICE = "practice"
    QUALIFYING = "qualifying"
    RACE = "race"

    @property
    def ranks_by_best_lap(self) -> bool:
        """Practice and qualifying rank by best lap; a race ranks by laps, then time."""
        return self is not SessionType.RACE


@dataclass(frozen=True, slots=True)
class SessionRules:
    """The counting rules of one session, set per session.

    ``min_lap_us``: a passing sooner than this after the car's previous counted passing counts
    for nothing. ``suspect_factor``: a lap longer than this times the car's median lap is flagged
    as a likely missed loop read. ``duration_us`` / ``lap_count``: the checkered flag falls
    automatically when the time has run (from the green flag) or the leader completes the laps.
    """

    session_type: SessionType = SessionType.PRACTICE
    min_lap_us: int = DEFAULT_MIN_LAP_US
    suspect_factor: float = DEFAULT_SUSPECT_FACTOR
    duration_us: int | None = None
    lap_count: int | None = None

    def __post_init__(self) -> None:
        if self.min_lap_us < 0:
            raise ValueError(f"min lap must not be negative, got {self.min_lap_us} µs")
        if not self.suspect_factor > 1.0:
            raise ValueError(f"suspect factor must be above 1, got {self.suspect_factor}")
        if self.duration_us is not None and self.duration_us <= 0:
            raise ValueError(f"duration must be positive, got {self.duration_us} µs")
        if self.lap_count is not None and self.lap_count <= 0:
            raise ValueError(f"lap count must be positive, got {self.lap_count}")

    def to_json(self) -> dict[str, Any]:
        """A plain dict for storage (the store keeps rules as JSON)."""
        return {
            "session_type": self.session_type.value,
            "min_lap_us": self.min_lap_us,
            "suspect_factor": self.suspect_factor,
            "duration_us": self.duration_us,
            "lap_count": self.lap_count,
        }

    def time_up(self, elapsed_us: int | None) -> bool:
        """Whether a race run to time has run its time (``elapsed_us`` since the green): its leader's next crossing
        takes the checkered flag, so the race is on its last lap until then."""
        return (not self.session_type.ranks_by_best_lap and self.duration_us is not None and elapsed_us is not None
                and elapsed_us >= self.duration_us)

    def laps_to_go(self, leader_laps: int | None) -> int | None:
        """In a session to a lap count, the laps its leader (``leader_laps`` done) has left; None without one."""
        return None if self.lap_count is None or leader_laps is None else max(0, self.lap_count - leader_laps)

    def last_lap(self, elapsed_us: int | None, leader_laps: int | None) -> bool:
        """Whether a race is on its last lap, while its checkered flag has not fallen: run to time, once the time is up
        (:meth:`time_up`); to a lap count, once its leader (``leader_laps`` done) has one lap left."""
        return self.time_up(elapsed_us) or (not self.session_type.ranks_by_best_lap
                                            and self.laps_to_go(leader_laps) == 1)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionRules:
        """The inverse of :meth:`to_json`."""
        return cls(
            session_type=SessionType(data["session_type"]),
            min_lap_us=int(data["min_lap_us"]),
            suspect_factor=float(data["suspect_factor"]),
            duration_us=None if data.get("duration_us") is None else int(data["duration_us"]),
            lap_count=None if data.get("lap_count") is None else int(data["lap_count"]),
        )


@dataclass(frozen=True, slots=True)
class SessionMarkers:
    """Flags an official sets, in decoder time, so a replay gives the same result as the live day.

    No green flag yet: every passing is "before green". ``checkered_us``: the flag shown by hand
    (the rules may bring it earlier). ``closed``: the session is over, so an entered car that
    never crossed the line is DNS.
    """

    green_us: int | None = None
    checkered_us: int | None = None
    closed: bool = False


class CarStatus(enum.Enum):
    """A car's standing in the session; the last three are set by an official."""

    RUNNING = "running"
    FINISHED = "finished"
    DNF = "DNF"
    DNS = "DNS"
    DSQ = "DSQ"

    @property
    def classification_group(self) -> int:
        """Sort group: running and finished cars first, then DNF, DNS, DSQ."""
        return _GROUPS[self]

    @property
    def classified(self) -> bool:
        """Running and finished cars are classified (they have a position); DNF, DNS and DSQ are not."""
        return self.classification_group == 0


_GROUPS = {
    CarStatus.RUNNING: 0,
    CarStatus.FINISHED: 0,
    CarStatus.DNF: 1,
    CarStatus.DNS: 2,
    CarStatus.DSQ: 3,
}
