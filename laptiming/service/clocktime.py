"""Times as an official types them: decoder microseconds, or a time of day on the decoder's clock.

Every time an official gives (an added passing, a flag, a transponder move) may be raw decoder
µs (``1551543840549000``) or a time of day (``16:24:00.549``, ``14:02``). Which decoder µs a time
of day is depends on the decoder's clock, learned from the session's journaled passings:

- a wall clock (P3 RTC_TIME, the simulator): µs since 1970 on the decoder's own, naive clock
  (protocols.md §1.11), so the decoder's time of day *is* its µs modulo a day: the conversion is
  direct and exact, on the day of the session's passings;
- a time-of-day clock (Chronelec Protime): µs since midnight, direct as well;
- an uptime clock (P98 counts from the decoder's start): it has no time of day, so the typed time
  is the host's local wall time, mapped to decoder time through the offset learned from the
  passings' receive times (:class:`~laptiming.clockmap.ClockMap`); over midnight, on the day
  that puts it nearest the passings, as for a wall clock.

:class:`DecoderClock` reads the clock both ways: a typed time of day to decoder µs, and a decoder
time to the time of day that types back to it exactly (the app's Passings screen shows passings so).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlite_utils import Database

from hardware.events import Passing
from laptiming.clockmap import ClockMap
from laptiming.errors import InputError
from laptiming.store import db_name, get_session, load_passings
from laptiming.timefmt import (
    US_PER_DAY,
    US_PER_SECOND,
    format_time_of_day,
    parse_time_of_day,
)

WALL_CLOCK_FROM_US = 10**15  # decoder times past 2001 are wall-clock readings (µs since 1970)
FAR_FROM_PASSINGS_US = 3600 * 1_000_000  # a typed time further than this outside the passings gets a note
US_PER_NS = 1_000
NS_PER_SECOND = 1_000_000_000


class ClockKind(enum.Enum):
    """What a decoder's time counts, which decides how a typed time of day becomes decoder µs."""

    WALL = "wall clock"  # µs since 1970 on the decoder's own clock
    TIME_OF_DAY = "time of day"  # µs since midnight (Protime)
    UPTIME = "uptime"  # µs since the decoder started (P98): mapped through the host clock


@dataclass(frozen=True, slots=True)
class DecoderTime:
    """A resolved time: decoder µs, and the time of day it was typed as (None when typed as µs)."""

    decoder_time_us: int
    typed_time_of_day: str | None = None
    far: str = ""  # a time of day over FAR_FROM_PASSINGS_US outside the passings that placed it: a typing slip?

    def describe(self) -> str:
        """``decoder time N`` or ``16:24:00.549000 (decoder time N)``, for the confirmation line."""
        if self.typed_time_of_day is None:
            return f"decoder time {self.decoder_time_us}"
        return f"{self.typed_time_of_day} (decoder time {self.decoder_time_us})"


def clock_kind(passings: Sequence[Passing]) -> ClockKind:
    """What the decoder's clock counts, from the passings it sent (at least one)."""
    if min(p.decoder_time_us for p in passings) >= WALL_CLOCK_FROM_US:
        return ClockKind.WALL
    if all("protocol=protime" in p.source.lower() for p in passings):
        return ClockKind.TIME_OF_DAY
    return ClockKind.UPTIME


def is_time_of_day(text: str) -> bool:
    """Whether the text is typed as a time of day (it has a colon) rather than as decoder µs."""
    return ":" in text


@dataclass(frozen=True, slots=True)
class DecoderClock:
    """A decoder's clock as learned from a session's passings, read both ways: the time of day an official
    types becomes decoder µs, and a decoder time is shown as the time of day that types back to it.

    Learned once (a pass over the passings) and then asked per time, so a screen of passings costs little.
    """

    kind: ClockKind
    first_us: int  # the earliest and latest decoder time of the passings: the day(s) a time of day falls on
    last_us: int
    host_map: ClockMap  # an uptime clock: decoder µs - host µs (learned from the passings' receive times)
    arrived: date | None  # an uptime clock: the host's local day the first passing arrived
    last_arrived: date | None  # and the day the last one arrived (a session over midnight spans two)

    @classmethod
    def learn(cls, passings: Sequence[Passing]) -> DecoderClock:
        """The clock of the decoder that sent these passings (at least one)."""
        kind = clock_kind(passings)
        times = [p.decoder_time_us for p in passings]
        host_map, arrived, last_arrived = ClockMap(), None, None
        if kind is ClockKind.UPTIME:
            host_map = ClockMap().learn_all(passings)
            received = [p.host_time_ns for p in passings if p.host_time_ns]
            if received:  # the host's local days
                arrived = datetime.fromtimestamp(min(received) // NS_PER_SECOND).date()
                last_arrived = datetime.fromtimestamp(max(received) // NS_PER_SECOND).date()
        return cls(kind, min(times), max(times), host_map, arrived, last_arrived)

    def decoder_time_us(self, time_of_day_us: int) -> int:
        """Decoder µs of this time of day (µs since midnight); an :class:`InputError` when the clock cannot
        place one (an uptime clock whose passings have no receive time)."""
        if self.kind is ClockKind.UPTIME:
            candidates = self._through_host_clock(time_of_day_us)
        else:
            candidates = [day * US_PER_DAY + time_of_day_us
                          for day in range(self.first_us // US_PER_DAY, self.last_us // US_PER_DAY + 1)]
        return min(candidates, key=lambda at: max(self.first_us - at, at - self.last_us, 0))

    def time_of_day_us(self, decoder_time_us: int) -> int | None:
        """The time of day (µs since midnight) of a decoder time, the inverse of :meth:`decoder_time_us`;
        None when the clock has no time of day (an uptime clock whose passings have no receive time)."""
        if self.kind is not ClockKind.UPTIME:
            return decoder_time_us % US_PER_DAY
        if self.host_map.offset_us is None or self.arrived is None:
            return None
        host_us = decoder_time_us - self.host_map.offset_us
        seconds, micros = divmod(host_us, US_PER_SECOND)
        moment = datetime.fromtimestamp(seconds)  # the host's local wall time, as the official types it
        return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * US_PER_SECOND + micros

    def date_of(self, decoder_time_us: int) -> date | None:
        """The day a decoder time fell on at the track: a wall clock's own date, an uptime clock's through the
        host clock (the day it was received); None for a clock of the time of day alone (Protime)."""
        if self.kind is ClockKind.WALL:
            return (datetime(1970, 1, 1) + timedelta(microseconds=decoder_time_us)).date()
        if self.kind is ClockKind.UPTIME and self.host_map.offset_us is not None:
            return datetime.fromtimestamp((decoder_time_us - self.host_map.offset_us) // US_PER_SECOND).date()
        return None

    def time_of_day_text(self, decoder_time_us: int) -> str | None:
        """A decoder time as the official types it back (``16:24:00.549000``, exact), or None (no time of day)."""
        time_of_day_us = self.time_of_day_us(decoder_time_us)
        return None if time_of_day_us is None else format_time_of_day(time_of_day_us)

    def _through_host_clock(self, time_of_day_us: int) -> list[int]:
        """An uptime clock: the typed time is host local wall time, on each day the passings arrived
        (the decoder µs of each; the caller takes the one nearest the passings, as for a wall clock)."""
        if self.host_map.offset_us is None or self.arrived is None or self.last_arrived is None:
            raise InputError("the decoder's clock counts from its start and no passing has a receive time, "
                             "so a time of day cannot be placed on it; give decoder µs")
        seconds, micros = divmod(time_of_day_us, US_PER_SECOND)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        candidates = []
        for day in (self.arrived + timedelta(days=n) for n in range((self.last_arrived - self.arrived).days + 1)):
            moment = datetime.combine(day, time(hour, minute, second)).astimezone()
            mapped = self.host_map.decoder_time_us((int(moment.timestamp()) * US_PER_SECOND + micros) * US_PER_NS)
            assert mapped is not None
            candidates.append(mapped)
        return candidates


def parse_decoder_time(text: str, passings: Sequence[Passing], *, field: str, where: str) -> DecoderTime:
    """Raw decoder µs, or a time of day on the decoder's clock (exact), as typed in ``field``.

    ``where`` names the session (or event) whose passings give the day, for the message when it has none.
    Bad text is an :class:`InputError` naming the field.
    """
    cleaned = text.strip()
    if not is_time_of_day(cleaned):
        try:
            decoder_us = int(cleaned)
        except ValueError:
            raise InputError(f"{field}: {text!r} is neither decoder µs (a whole number) "
                             "nor a time of day like 09:07:48.791 or 14:02") from None
        if not passings:  # nothing to be far from: taken without a word
            return DecoderTime(decoder_us)
        clock = DecoderClock.learn(passings)
        wall_like = clock.kind is not ClockKind.WALL or decoder_us >= WALL_CLOCK_FROM_US  # else no time of day
        shown = clock.time_of_day_text(decoder_us) if wall_like else None  # said as every line says a decoder time
        said = f"decoder time {decoder_us}{f' ({shown[:12]})' if shown else ''}"
        return DecoderTime(decoder_us, far=_far_note(clock, decoder_us, said, where))
    try:
        time_of_day_us = parse_time_of_day(cleaned)
    except ValueError as err:
        raise InputError(f"{field}: {err}") from None
    if not passings:
        raise InputError(f"{field}: {where} has no passings yet, so the decoder clock's time of day is unknown; "
                         "give the time as decoder µs")
    clock = DecoderClock.learn(passings)
    decoder_us = clock.decoder_time_us(time_of_day_us)
    typed = format_time_of_day(time_of_day_us)
    return DecoderTime(decoder_us, typed, _far_note(clock, decoder_us, cleaned, where))


def _far_note(clock: DecoderClock, decoder_us: int, typed: str, where: str) -> str:
    """What to say when a typed time of day lies over an hour before the first or after the last passing
    of ``where`` (``16:30`` typed for ``09:30``); "" when it lies among them."""
    if clock.first_us - FAR_FROM_PASSINGS_US <= decoder_us <= clock.last_us + FAR_FROM_PASSINGS_US:
        return ""
    before = decoder_us < clock.first_us
    nearest = clock.first_us if before else clock.last_us
    shown = clock.time_of_day_text(nearest)  # to the second here: a reminder, not a time to type back
    minutes = abs(decoder_us - nearest) // (60 * US_PER_SECOND)
    hours, minutes = divmod(minutes, 60)
    days = hours // 24
    apart = (f"{days:,} days" if days >= 2 else f"{hours} h {minutes:02d} min" if hours else f"{minutes} min")
    which = "first" if before else "last"
    return (f"{typed} is {apart} {'before' if before else 'after'} the {which} passing of {where}"
            f"{f' ({shown[:8]})' if shown else ''}; check the time if you meant another")


def session_decoder_time(db: Database, session_id: int, text: str, *, field: str) -> DecoderTime:
    """A time typed for this session (``--time-us``, ``--at``): µs, or a time of day on the day of its passings;
    either, over an hour outside its passings, with a note (µs far off are as likely a slip as a time of day)."""
    record = get_session(db, session_id)  # a clear error for a session that does not exist
    return parse_decoder_time(text, load_passings(db, session_id), field=field,
                              where=f"session {session_id} ({record.name})")


def event_decoder_time(db: Database, text: str, *, field: str, session_id: int | None = None) -> DecoderTime:
    """A time typed for the whole event (a transponder move): a time of day is placed on the day of the
    given session's passings, else of the newest session that has passings."""
    if session_id is None and is_time_of_day(text):
        row = db.execute("SELECT MAX(session_id) FROM session_passings").fetchone()
        if row[0] is None:
            return parse_decoder_time(text, [], field=field, where=f"the event in {db_name(db)}")
        session_id = int(row[0])
    if session_id is None:
        return parse_decoder_time(text, [], field=field, where=f"the event in {db_name(db)}")
    return session_decoder_time(db, session_id, text, field=field)
