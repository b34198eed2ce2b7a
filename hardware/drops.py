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
