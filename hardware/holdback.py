"""Passings numbered after a gap the decoder was asked to resend, held back (per decoder) until it is filled.

A live passing heard before the passings missing in front of it would show its car a lap spanning the
gap. So once a RESEND has gone out for a gap, that decoder's passings wait here, the gap's own and
the later ones, and are handed over in passing-number order the moment the last missing number
arrives. A decoder that stays silent about the gap for ``HOLD_SILENCE_S`` (old firmware, passings
gone from its memory) gets its held passings handed over without it: live timing never stalls.

Why hold in the reader, before the journal, rather than journal first and hold only the lap engine:
a held passing is in the decoder's memory, and nothing numbered at or above the gap is journaled
while it is held, so the journal's highest number of that decoder stays below it. When the process
dies, the next connection asks for the tail from that highest number plus one
(``hardware.sequence.PassingSequence.tail``): the held passings come back, none lost. Holding in the
engine instead would split the journal writer's commit-then-step turn in two for no gain.

Pure bookkeeping, no I/O and no clock: the caller passes ``now`` (monotonic seconds).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from hardware.events import Passing
from hardware.sequence import numbers_in, ranges_text

# How long a decoder may stay silent about a gap before its held passings go through without it. A
# decoder answers RESEND from memory within milliseconds on a LAN, and each resent passing restarts
# the wait, so only silence counts; one second is far more than an answer takes, short enough that
# a standings line is late by no more than a refresh or two, and well under any lap.
HOLD_SILENCE_S = 1.0
# A gap its hold gave up on is asked for again on the same connection, not held for (its later passings
# are shown already): first after REASK_FIRST_S, then at doubling intervals up to REASK_CAP_S, for as long
# as the link lasts. A busy decoder answers a later ask; one that lost the passings costs a small frame a minute.
REASK_FIRST_S = 5.0
REASK_CAP_S = 60.0


class HoldEnd(enum.Enum):
    """Why held passings were handed over; all but FILLED mean some of the gap never came."""

    FILLED = "filled"
    SILENT = "not resent"  # no answer within HOLD_SILENCE_S
    REFUSED = "refused"  # the decoder answered with an ERROR record
    LINK_LOST = "link lost"  # the connection dropped: no answer can come on it
    STOPPED = "stopped"  # the reader is ending


@dataclass(slots=True)
class _Hold:
    ranges: list[tuple[int, int]]
    outstanding: int
    deadline: float
    passings: list[Passing] = field(default_factory=list)
    got: set[int] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Released:
    """One decoder's held passings, in passing-number order, and what of its gaps never came."""

    decoder_id: int
    passings: list[Passing]
    asked: tuple[tuple[int, int], ...]  # the gaps asked for
    not_resent: int  # how many of their numbers never arrived
    end: HoldEnd

    def describe(self, wait_s: float = HOLD_SILENCE_S) -> str:
        """One line for the link's detail: which passings are missing and what was shown without them."""
        gaps = ranges_text(self.asked)
        why = {HoldEnd.SILENT: f"not resent within {wait_s:g} s (asked for again while the link lasts)", HoldEnd.REFUSED: "refused by the decoder",
               HoldEnd.LINK_LOST: "not resent before the link dropped",
               HoldEnd.STOPPED: "not resent before the reader stopped"}.get(self.end, self.end.value)
        return (f"decoder {self.decoder_id}: {self.not_resent} of passings {gaps} {why}; "
                f"{len(self.passings)} held passing(s) shown without them")


class HeldPassings:
    """The holds of every decoder with a gap asked for and not yet filled; ``holds`` is empty in the common case."""

    def __init__(self, wait_s: float = HOLD_SILENCE_S) -> None:
        self.wait_s = wait_s
        self.holds: dict[int, _Hold] = {}  # by decoder id; the reader tests it for emptiness on the hot path

    def open(self, decoder_id: int, missing: tuple[int, int], now: float) -> None:
        """A RESEND for ``missing`` went out: hold this decoder's passings until it is filled."""
        hold = self.holds.get(decoder_id)
        if hold is None:
            self.holds[decoder_id] = _Hold([missing], numbers_in([missing]), now + self.wait_s)
        else:
            hold.ranges.append(missing)
            hold.outstanding += numbers_in([missing])

    def offer(self, passing: Passing, now: float) -> list[Passing] | None:
        """A passing to deliver: None when its decoder is not held (deliver it as usual), else what to
        deliver now: nothing while the gap is open, all held in number order once it is filled. A
        number below every gap (a counter reset, a late answer to an older gap) is not held."""
        hold = self.holds.get(passing.decoder_id)
        if hold is None:
            return None
        number = passing.passing_number
        if number < min(first for first, _ in hold.ranges):
            return None
        hold.passings.append(passing)
        if number not in hold.got and any(first <= number <= last for first, last in hold.ranges):
            hold.got.add(number)
            hold.outstanding -= 1
            hold.deadline = now + self.wait_s  # the decoder is answering: wait for the rest
            if hold.outstanding == 0:
                return self._release(passing.decoder_id, HoldEnd.FILLED).passings
        return []

    def due(self, now: float) -> list[Released]:
        """The holds whose decoder has been silent about its gap for the whole wait, handed over."""
        late = [decoder_id for decoder_id, hold in self.holds.items() if hold.deadline <= now]
        return [self._release(decoder_id, HoldEnd.SILENT) for decoder_id in late]

    def release(self, end: HoldEnd, decoder_id: int | None = None) -> list[Released]:
        """Hand over one decoder's held passings now (every decoder's when ``decoder_id`` is None)."""
        ids = list(self.holds) if decoder_id is None else [decoder_id] if decoder_id in self.holds else []
        return [self._release(held, end) for held in ids]

    def _release(self, decoder_id: int, end: HoldEnd) -> Released:
        hold = self.holds.pop(decoder_id)
        passings = sorted(hold.passings, key=lambda p: p.passing_number)
        return Released(decoder_id, passings, tuple(hold.ranges), hold.outstanding, end)


@dataclass(slots=True)
class _Reask:
    at: float
    every: float
    asked: tuple[tuple[int, int], ...]


class Reasks:
    """When to ask each decoder again for the gaps a hold gave up on (silence), on the same connection."""

    def __init__(self, first_s: float = REASK_FIRST_S, cap_s: float = REASK_CAP_S) -> None:
        self.first_s, self.cap_s = first_s, cap_s
        self.pending: dict[int, _Reask] = {}  # by decoder id; the reader tests it for emptiness on the hot path

    def after_silence(self, released: Released, now: float) -> None:
        """A hold ended without part of its gaps: ask for them again after ``first_s``."""
        if released.end is not HoldEnd.SILENT or not released.not_resent:
            return
        reask = self.pending.get(released.decoder_id)
        if reask is None:
            self.pending[released.decoder_id] = _Reask(now + self.first_s, self.first_s, released.asked)
        else:
            reask.asked += released.asked

    def due(self, now: float) -> list[int]:
        """The decoders to ask again now; each is next due after twice its last interval (up to ``cap_s``)."""
        ids = [decoder_id for decoder_id, reask in self.pending.items() if reask.at <= now]
        for decoder_id in ids:
            reask = self.pending[decoder_id]
            reask.every = min(self.cap_s, reask.every * 2)
            reask.at = now + reask.every
        return ids

    def answered(self, decoder_id: int) -> str:
        """The decoder has sent every number it was asked for again: stop asking; one line saying so."""
        gaps = ranges_text(self.pending.pop(decoder_id).asked)
        return f"decoder {decoder_id}: passings {gaps} came when asked for again; their laps are counted"

    def give_up(self, decoder_id: int) -> None:
        """The decoder refused a RESEND (an ERROR record): it cannot send those passings, so stop asking."""
        self.pending.pop(decoder_id, None)

    def forget(self) -> None:
        """A new connection asks for every unanswered gap itself (and holds for it): nothing left to ask again."""
        self.pending.clear()
