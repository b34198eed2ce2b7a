"""RMonitor records as Orbits writes them: one pure function per record, text in, one line out.

    $<command>,<field>,<field>,...CR LF

Text fields are double-quoted, numbers bare, an unknown value an empty field. Clocks are
``"HH:MM:SS"``, lap and total times ``"HH:MM:SS.DDD"`` (truncated to the thousandth, as timing
sheets do). The layouts follow the RMonitor 1.0 specification and the field order of real
Orbits output (protocols.md §6). RMonitor has no escape for a quote inside text, so one becomes
an apostrophe; names and descriptions are cut to the field's documented length, to ASCII.
Registration and car numbers are never cut (a cut number names another car).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date as Date

from laptiming.spelling import spell_unprintable

US_PER_MS = 1_000
MS_PER_SECOND = 1_000
SECONDS_PER_DAY = 86_400
LINE_END = b"\r\n"
NO_TIME = "00:00:00.000"  # what Orbits sends for a lap or total time not yet set
LAPS_TO_GO_TIMED = 9999  # Orbits' laps to go in a session run to time
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Command(enum.Enum):
    """The record types we send (the text after ``$``)."""

    HEARTBEAT = "F"
    COMPETITOR = "A"
    COMP = "COMP"
    RUN = "B"
    CLASS = "C"
    SETTING = "E"
    RACE_POSITION = "G"
    PRACTICE_POSITION = "H"
    INIT = "I"
    PASSING = "J"


class FlagStatus(enum.Enum):
    """The heartbeat's flag field: always six characters, padded with spaces."""

    NONE = "      "
    GREEN = "Green "
    YELLOW = "Yellow"
    RED = "Red   "
    FINISH = "Finish"


class Setting(enum.Enum):
    """What a ``$E`` record sets."""

    TRACK_NAME = "TRACKNAME"
    TRACK_LENGTH = "TRACKLENGTH"


class TextLimit(enum.IntEnum):
    """Longest text the specification allows per name or description field."""

    FIRST_NAME = 9
    LAST_NAME = 30
    NATIONALITY = 50
    DESCRIPTION = 40


def text(value: str | None, limit: int | None = None) -> str:
    """A quoted text field (``None`` is ``""``): ASCII only, no inner quote, cut to ``limit``.

    The wire is ASCII: each name is spelt in Latin letters as the printouts spell what they cannot print
    (Chloé is Chloe, Weiß Weiss, Łukasz Lukasz, Сергей Sergey, 张伟 Zhang Wei), never turned into question marks."""
    spelt = spell_unprintable((value or "").replace("\r", " ").replace("\n", " "), str.isascii)
    cleaned = spelt.replace('"', "'")
    return f'"{cleaned[:limit] if limit else cleaned}"'


def clock(seconds: int) -> str:
    """``"HH:MM:SS"`` for whole seconds (time of day, time to go, race time); negative is zero."""
    seconds = max(0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f'"{hours:02d}:{minutes:02d}:{secs:02d}"'


def race_time(time_us: int | None) -> str:
    """``"HH:MM:SS.DDD"`` for a lap or total time in µs, truncated to the thousandth; None or negative is zero."""
    if time_us is None or time_us < 0:
        return f'"{NO_TIME}"'
    ms_total = time_us // US_PER_MS
    seconds_total, ms = divmod(ms_total, MS_PER_SECOND)
    hours, rest = divmod(seconds_total, 3600)
    minutes, secs = divmod(rest, 60)
    return f'"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"'


def rmonitor_date(day: Date) -> str:
    """``"dd mmm yy"`` (``"27 Jan 09"``), month names in English whatever the locale."""
    return f'"{day.day:02d} {_MONTHS[day.month - 1]} {day.year % 100:02d}"'


def _record(command: Command, *fields: str) -> str:
    return ",".join((f"${command.value}", *fields))


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def heartbeat(laps_to_go: int, time_to_go_s: int, time_of_day_s: int, race_time_s: int, flag: FlagStatus) -> str:
    """``$F``: sent every second; laps to go is 9999 in a session run to time."""
    return _record(Command.HEARTBEAT, str(max(0, min(laps_to_go, 99999))), clock(time_to_go_s),
                   clock(time_of_day_s % SECONDS_PER_DAY), clock(race_time_s), f'"{flag.value}"')


def competitor(registration: str, number: str, transponder: int, first_name: str, last_name: str,
               nationality: str, class_no: int) -> str:
    """``$A``: a competitor with its transponder and class."""
    return _record(Command.COMPETITOR, text(registration), text(number),
                   str(transponder), text(first_name, TextLimit.FIRST_NAME), text(last_name, TextLimit.LAST_NAME),
                   text(nationality, TextLimit.NATIONALITY), str(class_no))


def comp(registration: str, number: str, class_no: int, first_name: str, last_name: str, nationality: str,
         additional: str = "") -> str:
    """``$COMP``: the competitor again, class before the names, with a free field (IMSA: the car's status)."""
    return _record(Command.COMP, text(registration), text(number),
                   str(class_no), text(first_name, TextLimit.FIRST_NAME), text(last_name, TextLimit.LAST_NAME),
                   text(nationality, TextLimit.NATIONALITY), text(additional))


def run(run_no: int, description: str) -> str:
    """``$B``: the session (run) being timed."""
    return _record(Command.RUN, str(run_no), text(description, TextLimit.DESCRIPTION))


def car_class(class_no: int, description: str) -> str:
    """``$C``: a class number and its name."""
    return _record(Command.CLASS, str(class_no), text(description, TextLimit.DESCRIPTION))


def setting(which: Setting, value: str) -> str:
    """``$E``: a track setting (name, or length as text)."""
    return _record(Command.SETTING, text(which.value), text(value))


def race_position(position: int, registration: str, laps: int | None, total_us: int | None) -> str:
    """``$G``: race order; laps empty before the car's first lap, total time from the green flag."""
    return _record(Command.RACE_POSITION, str(position), text(registration),
                   _number(laps), race_time(total_us))


def practice_position(position: int, registration: str, best_lap_no: int, best_lap_us: int | None) -> str:
    """``$H``: best-lap order, with the number of the lap the best was set on (0 before any lap)."""
    return _record(Command.PRACTICE_POSITION, str(position), text(registration),
                   str(best_lap_no), race_time(best_lap_us))


def init(time_of_day_s: int, day: Date) -> str:
    """``$I``: a new session; a scoreboard clears itself and waits for the refresh that follows."""
    return _record(Command.INIT, clock(time_of_day_s % SECONDS_PER_DAY), rmonitor_date(day))


def passing(registration: str, lap_us: int | None, total_us: int | None) -> str:
    """``$J``: a car crossed the line; the first crossing has lap time ``00:00:00.000``."""
    return _record(Command.PASSING, text(registration), race_time(lap_us), race_time(total_us))


def wire(lines: Iterable[str]) -> bytes:
    """Records as bytes on the wire, each ended with CR LF."""
    return b"".join(line.encode("ascii", "replace") + LINE_END for line in lines)
