"""Why a framer threw bytes away: the counters every decoder connection reports."""

from __future__ import annotations

import enum


class DropReason(enum.StrEnum):
    """One reason a frame (or a run of bytes) was discarded; the value is the counter's name."""

    GARBAGE = "garbage"  # bytes outside any frame (line noise, a half frame at connect)
    TRUNCATED = "truncated"  # a new start byte arrived before the frame ended
    OVERSIZE = "oversize"  # no end byte within the longest frame we accept
    BAD_ESCAPE = "bad_escape"  # an escape byte with nothing valid after it
    BAD_LENGTH = "bad_length"  # the frame's LENGTH field disagrees with its size
    BAD_CRC = "bad_crc"  # the checksum does not match
    BAD_FIELD = "bad_field"  # a field runs past the frame, or a required field is missing/bad
    OVERFLOW = "overflow"  # the transport's buffer cap was reached and old bytes were dropped


def find_delimited(buffer: bytes, pos: int, start_byte: bytes, end_byte: bytes, max_size: int) -> tuple[int, DropReason | None]:
    """The framing every protocol here shares: a start byte, an end byte, resync on garbage.

    Returns ``(index, reason)``: with a reason, ``buffer[pos:index]`` is to be dropped; with no
    reason and ``index == pos``, wait for more bytes; otherwise ``buffer[pos:index + 1]`` is a
    candidate record from its start byte to its end byte, for the protocol to check. A start byte
    before the end byte means the record was cut short: resynchronise on it.
    """
    start = buffer.find(start_byte, pos)
    if start < 0:
        return (len(buffer), DropReason.GARBAGE) if len(buffer) > pos else (pos, None)
    if start > pos:
        return start, DropReason.GARBAGE
    end = buffer.find(end_byte, start + 1, start + max_size)
    restart = buffer.find(start_byte, start + 1, end if end >= 0 else start + max_size)
    if restart >= 0:
        return restart, DropReason.TRUNCATED
    if end < 0:
        if len(buffer) - start >= max_size:
            return start + max_size, DropReason.OVERSIZE
        return pos, None
    return end, None
