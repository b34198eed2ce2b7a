"""The scheduler's input records: plan (track days and rules), entries (drivers) and slots.

All frozen: they are read once from the user's files and never edited. Every entry keeps
the file and line it came from so later checks can point the user at the right cell.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time

# The exact entry columns, in the order the registration sheet uses.
ENTRY_COLUMNS: tuple[str, ...] = (
    "driver_id",
    "driver",
    "car_id",
    "car_number",
    "transponder",
    "car_class",
    "skill",
    "group",
    "available_from",
    "available_until",
    "runs",
)
# The first five must have a value on every row; the last six may be blank.
REQUIRED_ENTRY_VALUES: tuple[str, ...] = ENTRY_COLUMNS[:5]

TIME_FORMAT = "%Y-%m-%d %H:%M"


class Skill(enum.StrEnum):
    """A driver's declared level; ``never_together`` pairs of these never share a session."""

    NOVICE = "novice"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


@dataclass(frozen=True, slots=True)
class TrackDay:
    """One day of track time: opening, closing and the breaks no session may overlap."""

    day: date
    start: time
    end: time
    breaks: tuple[tuple[time, time], ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """The event's track rules as read from the plan TOML."""

    source: str
    event_name: str
    days: tuple[TrackDay, ...]
    session_minutes: int
    changeover_minutes: int
    capacity: int
    runs: int
    min_rest_minutes: int
    never_together: tuple[tuple[Skill, Skill], ...]
    separate_classes: tuple[str, ...]
    key_lines: tuple[tuple[str, int], ...] = ()  # ("drivers.runs", line) for messages
    # True when a shared car may go straight back out with another driver (a swap in the pit
    # lane); by default its drivers never take two sessions that follow each other directly.
    shared_car_back_to_back: bool = False

    def line_of(self, key: str) -> int:
        """The plan line where ``key`` (like ``drivers.runs``) is set, or 0 if not found."""
        return next((line for name, line in self.key_lines if name == key), 0)

    def keeps_apart(self, first: Skill | None, second: Skill | None) -> bool:
        """True when drivers of these two skills may never share a session."""
        if first is None or second is None:
            return False
        return any({first, second} == {a, b} for a, b in self.never_together)

    def separate_class_key(self, car_class: str) -> str | None:
        """The separate class this car class belongs to (casefolded), or None if it mixes."""
        key = car_class.strip().casefold()
        return key if key in {c.casefold() for c in self.separate_classes} else None


@dataclass(frozen=True, slots=True)
class Entry:
    """One registration row: a driver, the car they drive and when they can run."""

    source: str
    line: int
    driver_id: str
    driver: str
    car_id: str
    car_number: str
    transponder: str
    car_class: str
    skill: Skill | None
    group: str
    available_from: datetime | None
    available_until: datetime | None
    runs: int | None


@dataclass(frozen=True, slots=True)
class Slot:
    """One session slot on the track: numbered from 1 across the whole event."""

    number: int
    day: int
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """The session name printed on the roster."""
        return str(self.number)


def name_key(text: str) -> str:
    """A name, group or id as people type it, for telling them apart: any case, spaces at either end or doubled
    (a no-break space too) count for nothing."""
    return " ".join(text.split()).casefold()


def parse_time(text: str) -> datetime:
    """A ``YYYY-MM-DD HH:MM`` time; also with ``:00`` seconds, as a spreadsheet saves a time cell back (a time between
    minutes is no slot's). ``ValueError`` otherwise."""
    try:
        return datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        moment = datetime.strptime(text, TIME_FORMAT + ":%S")
        if moment.second:
            raise
        return moment


def format_time(moment: datetime) -> str:
    """A moment as the roster writes it (``YYYY-MM-DD HH:MM``)."""
    return moment.strftime(TIME_FORMAT)
