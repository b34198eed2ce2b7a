"""Why a framer threw bytes away, and the start/end-byte framing every protocol here shares."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping


class DropReason(enum.StrEnum):
    """One reason a frame (or a run of bytes) was discarded; the value is the counter's name."""

    GARBAGE = "garbage"  # bytes outside any frame (line noise, a half frame at connect)
    TRUNCATED = "truncated"  # a new start byte, or the end of the stream, came before the frame ended
    OVERSIZE = "oversize"  # no end byte within the longest frame we accept
    BAD_ESCAPE = "bad_escape"  # an escape byte with nothing valid after it
    BAD_LENGTH = "bad_length"  # the frame's LENGTH field disagrees with its size
    BAD_CRC = "bad_crc"  # the checksum does not match
    BAD_FIELD = "bad_field"  # a field runs past the frame, or a required field is missing/bad
    OVERFLOW = "overflow"  # the transport's buffer cap was reached and old bytes were dropped


def describe_drops(dropped: Mapping[str, int]) -> str:
    """Drop counts as one line for people: ``bad_crc 1, garbage 14`` (or ``none``), the same in every command."""
    return ", ".join(f"{reason} {count}" for reason, count in sorted(dropped.items())) or "none"


# A run of mixed junk dropped in one step: (reason, drops, bytes) for each reason in it.
JunkTally = tuple[tuple[DropReason, int, int], ...]
# (index, reason or tally, count): see Delimiters.step
DelimitedStep = tuple[int, DropReason | JunkTally | None, int]
JUNK_WINDOW = 4096  # bytes of mixed junk tallied in one step (bounds its memory: ~40 bytes a record)


class Delimiters:
    """Framing by a start byte and an end byte, resynchronising on the next start byte.

    One ``step`` either finds a candidate record (start byte through end byte, at least
    ``min_size`` and at most ``max_size`` bytes) for the protocol to check, or drops bytes, or
    waits for more. Floods cost no more than good records: garbage is skipped with
    ``bytes.find``, and a run of records cut short by the next start byte (``8E 8E 8E ...``) or
    of records too short to be one (``8E 8F 8E 8F ...``) is dropped in one step by a regular
    expression, its count being the number of start bytes in it; a run mixing both with garbage
    is tallied by reason in one step per few KiB. A step never scans more than ``max_size``
    bytes past its start byte, so a frame that never ends costs nothing quadratic.
    """

    def __init__(self, start: int, end: int, max_size: int, min_size: int, short_reason: DropReason) -> None:
        if not 3 <= min_size <= max_size:
            raise ValueError(f"need 3 <= min_size <= max_size, got {min_size}, {max_size}")
        self.start, self.end = bytes((start,)), bytes((end,))
        self.max_size, self.min_size, self.short_reason = max_size, min_size, short_reason
        s, e = b"\\x%02x" % start, b"\\x%02x" % end
        inside = b"[^" + s + e + b"]"
        # start bytes each followed, within max_size, by another start byte and no end byte
        # (possessive throughout: a backtracking repeat would keep ~70 bytes of state per record)
        self._cut_short = re.compile(b"(?:" + s + inside + b"{0,%d}+(?=" % (max_size - 2) + s + b"))++")
        self._start_run = re.compile(s + b"+")
        # complete candidates shorter than min_size, back to back
        self._too_short = re.compile(b"(?:" + s + inside + b"{0,%d}+" % (min_size - 3) + e + b")++")
        # a mixture of both, each short one maybe followed by garbage up to the next start byte
        self._junk = re.compile(b"(?:" + s + b"(?:" + inside + b"{0,%d}+(?=" % (max_size - 2) + s + b")|"
                                + inside + b"{0,%d}+" % (min_size - 3) + e + b"(?:[^" + s + b"]++(?="
                                + s + b"))?))++")
        self._garbage_after_short = re.compile(e + b"[^" + s + b"]++")
        self._short_one = re.compile(s + inside + b"*+" + e)
        self._window = max(JUNK_WINDOW, 2 * max_size)  # room for the longest record cut short

    def step(self, buffer: bytes, pos: int) -> DelimitedStep:
        """From ``pos``: ``(index, reason, count)``.

        With a reason, ``buffer[pos:index]`` is dropped and stands for ``count`` drops of that
        reason (or the reason is a :data:`JunkTally` for a run of mixed junk); with no reason and
        ``index == pos``, wait for more bytes; otherwise ``buffer[pos:index + 1]`` is a candidate
        from its start byte to its end byte.
        """
        start_byte = self.start
        start = buffer.find(start_byte, pos)
        if start < 0:
            return (len(buffer), DropReason.GARBAGE, 1) if len(buffer) > pos else (pos, None, 0)
        if start > pos:
            return start, DropReason.GARBAGE, 1
        limit = start + self.max_size
        restart = buffer.find(start_byte, start + 1, limit)
        end = buffer.find(self.end, start + 1, restart if restart >= 0 else limit)
        if end >= 0:
            if end + 1 - start >= self.min_size:
                return end, None, 0
            reason = self.short_reason
            stop = self._too_short.match(buffer, start).end()  # type: ignore[union-attr]
        elif restart >= 0:
            if restart == start + 1:  # start bytes back to back: all but the last are dropped
                stop = self._start_run.match(buffer, start).end() - 1  # type: ignore[union-attr]
                return stop, DropReason.TRUNCATED, stop - start
            reason = DropReason.TRUNCATED
            stop = self._cut_short.match(buffer, start).end()  # type: ignore[union-attr]
        elif len(buffer) - start >= self.max_size:
            return limit, DropReason.OVERSIZE, 1
        else:
            return pos, None, 0
        count = buffer.count(start_byte, start, stop)
        if count == 1 and stop < len(buffer):  # one broken record: perhaps the first of mixed junk
            return self._mixed_junk(buffer, start, stop, reason)
        return stop, reason, count

    def _mixed_junk(self, buffer: bytes, start: int, first_stop: int, first_reason: DropReason) -> DelimitedStep:
        """Records cut short, too short, and garbage between them, tallied in one step.

        In such a run every start byte begins a record cut short (no end byte before the next
        start byte) or a short one (an end byte, then perhaps garbage up to the next start byte),
        so the tally comes from two substitutions: garbage after each end byte collapsed, then
        short records removed; what is left is the records cut short.
        """
        size = len(buffer)
        stop = self._junk.match(buffer, start, min(size, start + self._window)).end()  # type: ignore[union-attr]
        if stop <= first_stop:
            return first_stop, first_reason, 1
        run = buffer[start:stop]
        collapsed, garbage = self._garbage_after_short.subn(self.end, run)
        cut_short, short = self._short_one.subn(b"", collapsed)
        tally = ((DropReason.TRUNCATED, run.count(self.start) - short, len(cut_short)),
                 (self.short_reason, short, len(collapsed) - len(cut_short)),
                 (DropReason.GARBAGE, garbage, len(run) - len(collapsed)))
        return stop, tuple(item for item in tally if item[1]), 0
