"""Words and numbers shared by every printout: gaps, clock times, states, the ordering rule."""

from __future__ import annotations

from datetime import datetime, timezone

from anyascii import anyascii

from laptiming.engine import CarStatus, SessionType, StandingRow
from laptiming.printouts.data import SessionSheet
from laptiming.service.clocktime import ClockKind, DecoderClock
from laptiming.service.control import ResultsStatus
from laptiming.timefmt import US_PER_SECOND

ORDER_RULES: dict[SessionType, str] = {
    SessionType.PRACTICE: "Ordered by best lap; equal best laps go to whoever set it first. "
    "DNF, DNS and DSQ follow the classified cars.",
    SessionType.QUALIFYING: "Ordered by best lap; equal best laps go to whoever set it first. "
    "DNF, DNS and DSQ follow the classified cars.",
    SessionType.RACE: "Ordered by laps completed, then by the time the last lap was completed (penalties added). "
    "DNF, DNS and DSQ follow the classified cars.",
}

# An HTML printout on a phone: as wide as the screen (its CSS lets a wide table scroll, not the page).
PHONE_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'

STATE_WORDS: dict[ResultsStatus, str] = {
    ResultsStatus.LIVE: "LIVE results - session still running",
    ResultsStatus.PROVISIONAL: "PROVISIONAL results - may still change",
    ResultsStatus.OFFICIAL: "OFFICIAL results",
}


def clock_time(decoder_us: int | None, clock: DecoderClock | None = None, with_date: bool = False) -> str:
    """A decoder time as the track's wall clock (``09:12:04``, local time at the track), read on the decoder's
    ``clock``: a P3 decoder's own date and time, a P98's (it counts from its start) through the host clock, as
    the correction lines and the Passings screen read it; a date only when the clock has one."""
    if decoder_us is None:
        return ""
    if clock is None or clock.kind is ClockKind.WALL:
        moment = datetime.fromtimestamp(decoder_us // US_PER_SECOND, tz=timezone.utc)
        return moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")
    time_of_day = clock.time_of_day_text(decoder_us)
    day = clock.date_of(decoder_us)
    if time_of_day is None:
        return ""
    return f"{day.isoformat()} {time_of_day[:8]}" if with_date and day is not None else time_of_day[:8]


def session_date(sheet: SessionSheet) -> str:
    """The session's date: from its green flag (when the decoder's clock has one), else from its planned start."""
    if sheet.green_us is not None:
        shown = clock_time(sheet.green_us, sheet.clock, with_date=True)
        if len(shown) > len("HH:MM:SS"):
            return shown[:10]
    return (sheet.planned_start or "")[:10]


def session_span(sheet: SessionSheet) -> str:
    """``09:00:41 - 09:10:56`` from the flags, or the planned slot."""
    start = clock_time(sheet.green_us, sheet.clock)
    if start:  # a decoder clock with no time of day (P98 passings without receive times) gives none
        end = clock_time(sheet.finish_us, sheet.clock) if sheet.finish_us is not None else "running"
        return f"{start} - {end}"
    if sheet.planned_start:
        return f"{sheet.planned_start[11:]} - {(sheet.planned_end or '')[11:]} (planned)"
    return ""


def printed_at(now: datetime | None = None) -> str:
    """The printed-at stamp (host clock, local time): the only use of the host clock in printouts."""
    return (now or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M")


def status_words(row: StandingRow) -> str:
    """Status with its reason, for the non-classified list."""
    words = row.status.value
    return f"{words} ({row.status_reason})" if row.status_reason else words


def classified(row: StandingRow) -> bool:
    """Running and finished cars are classified; DNF, DNS and DSQ are not."""
    return row.status.classified


def times_stand(row: StandingRow) -> bool:
    """A disqualified car's times do not stand: it sets no fastest lap of the session, nor a best of the day."""
    return row.status is not CarStatus.DSQ


def name_order(name: str) -> tuple[str, str]:
    """A sort key that puts names in the alphabetical order people expect: accents and case aside
    (Ångström with the A, Łukasz with the L), as typed to break a tie."""
    return anyascii(name).casefold(), name


def driver_label(row: StandingRow) -> str:
    """The driver's name, or the car when nobody is named."""
    return row.driver or f"car {row.number}"
