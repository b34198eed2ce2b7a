"""Absolute time of a passing: the decoder clock is often local wall time, not UTC (spec §1.11).

Laps never need this (they are differences of decoder time). For an absolute moment, a decoder
that sends UTC_TIME is taken at its word; otherwise the decoder time is shifted by the
configured offset of its clock from UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hardware.events import Passing

_OFFSET = re.compile(r"^(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$")


@dataclass(frozen=True, slots=True)
class DecoderClock:
    """How far a decoder's clock runs ahead of UTC (``+02:00`` for a clock set to CEST)."""

    utc_offset_us: int = 0

    @classmethod
    def from_text(cls, text: str) -> DecoderClock:
        """``+02:00``, ``-0500``, ``+2`` or ``Z``; ``ValueError`` naming the text otherwise."""
        if text in {"Z", "z", "0"}:
            return cls(0)
        match = _OFFSET.match(text)
        if match is None or int(match["hours"]) > 14 or int(match["minutes"] or 0) > 59:
            raise ValueError(f"not a UTC offset: {text!r} (use e.g. +02:00)")
        minutes = int(match["hours"]) * 60 + int(match["minutes"] or 0)
        return cls((1 if match["sign"] == "+" else -1) * minutes * 60_000_000)

    def utc_us(self, passing: Passing) -> int:
        """Microseconds since 1970 UTC for this passing."""
        if passing.utc_time_us is not None:
            return passing.utc_time_us
        return passing.decoder_time_us - self.utc_offset_us
