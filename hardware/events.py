"""The typed events the decoder layer hands to its listeners: one type per thing a decoder says.

Every protocol (P3 binary, P98 text, ...) is decoded into these, so nothing above
``hardware`` knows which wire format a decoder speaks. Times from the decoder are integer
microseconds on the decoder's own clock; ``host_time_ns`` is only the host's receive time,
for diagnostics, never for laps.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple


class Passing(NamedTuple):
    """A transponder crossing the loop, exactly as the decoder reported it.

    A ``NamedTuple`` rather than a frozen dataclass like the other events: it is built once per
    passing on the hot path (a weekend replay builds millions) and a frozen dataclass costs about
    five times as much to construct. It is just as immutable; use ``_replace`` and ``_asdict``.
    """

    decoder_id: int
    passing_number: int
    transponder: int
    decoder_time_us: int
    strength: int | None = None
    hits: int | None = None
    transponder_code: str | None = None
    utc_time_us: int | None = None
    host_time_ns: int = 0
    source: str = ""

    @property
    def key(self) -> tuple[int, int]:
        """Identity for de-duplication: a resend or replay of this passing has the same key."""
        return (self.decoder_id, self.passing_number)


@dataclass(frozen=True, slots=True)
class DecoderStatus:
    """The decoder's periodic heartbeat (P3 STATUS about every 5 s, P98 ``#`` record)."""

    decoder_id: int
    noise: int | None = None
    temperature: int | None = None
    input_voltage_dv: int | None = None
    gps: bool | None = None
    sequence: int | None = None
    host_time_ns: int = 0
    source: str = ""


@dataclass(frozen=True, slots=True)
class DecoderVersion:
    """A decoder's answer to a version request (P3 VERSION)."""

    decoder_id: int | None
    decoder_type: int | None = None
    description: str | None = None
    version: str | None = None
    release: int | None = None
    registration: int | None = None
    build_number: int | None = None
    options: int | None = None
    host_time_ns: int = 0
    source: str = ""


@dataclass(frozen=True, slots=True)
class DecoderErrorReport:
    """An ERROR record: the decoder rejected something we sent it."""

    decoder_id: int | None
    code: int | None
    description: str | None = None
    host_time_ns: int = 0
    source: str = ""


class LinkState(enum.Enum):
    """Where a reader is with its decoder connection."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    ENDED = "ended"  # the source is exhausted (end of a capture file) or the reader was stopped


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """Health of one decoder connection, sent to listeners whenever it changes."""

    source: str
    state: LinkState
    last_packet_ns: int | None = None
    frames_decoded: int = 0
    frames_dropped: dict[str, int] = field(default_factory=dict)
    detail: str = ""


DecoderEvent = Passing | DecoderStatus | DecoderVersion | DecoderErrorReport | LinkStatus
