"""Passing numbers per decoder: deliver each passing once, and spot the gaps worth a RESEND.

Pure bookkeeping, no I/O. A passing is a duplicate when its (decoder, number) was seen recently
with the same decoder time (a resend, or a replayed overlap). The same number with a different
time is a new passing: the decoder's counter was reset. A number above the highest seen plus one
leaves a gap: the missing range is returned so the reader can ask the decoder for exactly it.
A gap with nothing after it (passings made while no one listened) is the *tail*: :meth:`tail`
gives the open range to ask for when a decoder is heard on a new connection.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hardware.events import Passing

RECENT_WINDOW = 50_000  # numbers remembered per decoder for duplicate detection
REQUESTED_WINDOW = 64  # outstanding gap ranges remembered per decoder
# RESEND's UNTIL for "up to the newest passing you have": passing numbers are u32 on the wire, so
# the largest one stands for the open end (our convention; a decoder sends what it holds in range).
RESEND_TO_NEWEST = 0xFFFFFFFF


@dataclass(slots=True)
class _DecoderNumbers:
    highest: int | None = None
    recent: OrderedDict[int, int] = field(default_factory=OrderedDict)
    requested: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with one passing: deliver it or not, and which range (if any) is missing."""

    deliver: bool
    missing: tuple[int, int] | None = None


class PassingSequence:
    """Tracks passing numbers for every decoder seen on one connection (or several)."""

    def __init__(self, last_seen: dict[int, int] | None = None,
                 gaps: dict[int, list[tuple[int, int]]] | None = None) -> None:
        """``last_seen``: each decoder's highest number journaled; ``gaps``: ranges it never gave (asked again)."""
        self._decoders: dict[int, _DecoderNumbers] = {}
        for decoder_id, number in (last_seen or {}).items():
            self._decoders[decoder_id] = _DecoderNumbers(highest=number)
        for decoder_id, ranges in (gaps or {}).items():
            numbers = self._decoders.setdefault(decoder_id, _DecoderNumbers())
            numbers.requested = list(ranges[-REQUESTED_WINDOW:])
        self.duplicates = 0

    def highest(self, decoder_id: int) -> int | None:
        """The highest passing number seen from this decoder (None before the first)."""
        numbers = self._decoders.get(decoder_id)
        return numbers.highest if numbers else None

    def tail(self, decoder_id: int) -> tuple[int, int] | None:
        """The RESEND range for all this decoder made after the highest number seen (None: no history)."""
        numbers = self._decoders.get(decoder_id)
        if numbers is None or numbers.highest is None or numbers.highest >= RESEND_TO_NEWEST:
            return None
        # Not remembered as requested: answers above the highest are new anyway, and those below
        # it (a live passing came first) lie in the gap that passing opened, which is remembered.
        return (numbers.highest + 1, RESEND_TO_NEWEST)

    def unanswered(self, decoder_id: int) -> list[tuple[int, int]]:
        """The numbers of the gaps asked for that never arrived (the link dropped before the answer, or the
        decoder was silent), as ranges: a new connection asks for them again. Only numbers the recent window
        can vouch for are looked at: once it has let numbers go, none below those it keeps, and never a range
        longer than it."""
        numbers = self._decoders.get(decoder_id)
        if numbers is None or not numbers.requested:
            return []
        seen = numbers.recent
        oldest = min(seen) if len(seen) >= RECENT_WINDOW else 0
        return number_runs(sorted({number for first, last in numbers.requested if last - first < RECENT_WINDOW
                                   for number in range(max(first, oldest), last + 1) if number not in seen}))

    def accept(self, passing: Passing) -> Verdict:
        """Classify one arriving passing."""
        numbers = self._decoders.setdefault(passing.decoder_id, _DecoderNumbers())
        number = passing.passing_number
        if numbers.recent.get(number) == passing.decoder_time_us:
            self.duplicates += 1
            return Verdict(deliver=False)
        numbers.recent[number] = passing.decoder_time_us
        numbers.recent.move_to_end(number)
        if len(numbers.recent) > RECENT_WINDOW:
            numbers.recent.popitem(last=False)
        highest = numbers.highest
        if highest is None or number > highest:
            numbers.highest = number
            if highest is not None and number > highest + 1:
                missing = (highest + 1, number - 1)
                numbers.requested = [*numbers.requested[-REQUESTED_WINDOW + 1 :], missing]
                return Verdict(deliver=True, missing=missing)
            return Verdict(deliver=True)
        if not any(first <= number <= last for first, last in numbers.requested):
            # Not a passing we asked for and not a repeat: the decoder's counter was reset.
            numbers.highest = number
            numbers.requested.clear()
        return Verdict(deliver=True)


def number_runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Ascending passing numbers as ranges of consecutive ones (what a RESEND asks for)."""
    ranges: list[tuple[int, int]] = []
    for number in numbers:
        if ranges and ranges[-1][1] == number - 1:
            ranges[-1] = (ranges[-1][0], number)
        else:
            ranges.append((number, number))
    return ranges


def ranges_text(ranges: Sequence[tuple[int, int]]) -> str:
    """Passing-number ranges as a person reads them: ``6-10, 14``."""
    return ", ".join(f"{first}-{last}" if last > first else str(first) for first, last in ranges)


def numbers_in(ranges: Sequence[tuple[int, int]]) -> int:
    """How many passing numbers these ranges hold."""
    return sum(last - first + 1 for first, last in ranges)
