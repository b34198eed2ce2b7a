"""Bytes in, events out: one connection's stream decoder, for any protocol we speak.

The transport feeds whatever it read; the decoder keeps the unfinished tail (capped), runs the
protocol's pure framer over it, decodes each good frame into an event, and counts every drop by
reason. Nothing raises out of ``feed``: a bad frame is dropped, counted, and the stream goes on.
Every byte fed is accounted for exactly once: ``bytes_decoded + sum(bytes_dropped.values()) +
buffered`` is always the number of bytes fed; and the counts do not depend on how the stream was
cut into reads (a run of garbage split over two reads is one drop).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable

from hardware import p98, protime
from hardware.drops import DropReason
from hardware.errors import FrameError
from hardware.events import DecoderErrorReport, DecoderEvent, DecoderStatus, DecoderVersion, Passing
from hardware.p3.frame import P3Record, step_frame
from hardware.p3.records import decode_event

DEFAULT_MAX_BUFFER = 64 * 1024
_EVENT_TYPES = (Passing, DecoderStatus, DecoderVersion, DecoderErrorReport)


class Protocol(enum.StrEnum):
    """Wire protocols a decoder can speak; the value is what URLs and the CLI accept."""

    P3 = "p3"
    P98 = "p98"
    PROTIME = "protime"


def _p98_event(record: bytes, host_time_ns: int, source: str) -> object:
    return p98.parse_record(record, host_time_ns, source)


def _protime_framer() -> tuple[Callable, Callable]:
    return protime.next_record, protime.ProtimeNumberer().decode


# protocol -> factory of (pure step function, frame-to-event decoder); a factory because some
# decoders need per-stream state (Protime numbers its passings itself).
_FRAMERS: dict[Protocol, Callable[[], tuple[Callable, Callable]]] = {
    Protocol.P3: lambda: (step_frame, decode_event),
    Protocol.P98: lambda: (p98.next_record, _p98_event),
    Protocol.PROTIME: _protime_framer,
}


def framer_for(protocol: Protocol | str) -> tuple[Callable, Callable]:
    """The protocol's pure step function (``step_frame``-like) and a frame-to-event decoder."""
    return _FRAMERS[Protocol(protocol)]()


class StreamDecoder:
    """Turns a byte stream from one decoder into events; owns the buffer and the drop counters."""

    def __init__(
        self,
        protocol: Protocol | str = Protocol.P3,
        source: str = "",
        max_buffer: int = DEFAULT_MAX_BUFFER,
    ) -> None:
        self.protocol = Protocol(protocol)
        self.source = source
        self.max_buffer = max_buffer
        self.frames_decoded = 0
        self.dropped: Counter[str] = Counter()
        self.bytes_dropped: Counter[str] = Counter()
        self.bytes_decoded = 0
        self.skipped_bytes = 0
        self.other_records: Counter[str] = Counter()
        self._next, self._decode = framer_for(self.protocol)
        self._pending = b""
        self._garbage_continues = False  # the last feed ended inside a run of garbage

    def feed(self, data: bytes, host_time_ns: int = 0) -> list[DecoderEvent]:
        """Add received bytes; return the events completed by them, in order."""
        buffer = self._pending + data if self._pending else bytes(data)
        events: list[DecoderEvent] = []
        pos = 0
        next_step, decode, source = self._next, self._decode, self.source
        dropped, bytes_dropped = self.dropped, self.bytes_dropped
        garbage_to_end = False
        while True:
            end, frame, reason, count = next_step(buffer, pos)
            if frame is not None:
                try:
                    event = decode(frame, host_time_ns, source)
                except FrameError as err:
                    dropped[err.reason] += 1
                    bytes_dropped[err.reason] += end - pos
                else:
                    self.frames_decoded += 1
                    self.bytes_decoded += end - pos
                    if isinstance(event, _EVENT_TYPES):
                        events.append(event)
                    else:
                        self.other_records[_record_name(event)] += 1
            elif type(reason) is tuple:  # a run of mixed junk, tallied by reason
                for kind, drops, size in reason:
                    dropped[kind] += drops
                    bytes_dropped[kind] += size
                    if kind is DropReason.GARBAGE:
                        self.skipped_bytes += size
            elif reason is not None:
                bytes_dropped[reason] += end - pos
                if reason is DropReason.GARBAGE:
                    self.skipped_bytes += end - pos
                    if pos == 0 and self._garbage_continues:
                        count = 0  # the run of garbage the last read ended in: counted once
                    garbage_to_end = end == len(buffer)
                dropped[reason] += count
            elif end == pos:
                break
            pos = end
        if buffer:
            self._garbage_continues = garbage_to_end
        self._pending = buffer[pos:]
        if len(self._pending) > self.max_buffer:
            excess = len(self._pending) - self.max_buffer
            dropped[DropReason.OVERFLOW] += 1
            bytes_dropped[DropReason.OVERFLOW] += excess
            self.skipped_bytes += excess
            self._pending = self._pending[-self.max_buffer :]
        return events

    def reset(self) -> None:
        """Forget a half-received frame (after a reconnect it can never complete)."""
        if self._pending:
            self.dropped[DropReason.TRUNCATED] += 1
            self.bytes_dropped[DropReason.TRUNCATED] += len(self._pending)
        self._pending = b""
        self._garbage_continues = False

    def describe_drops(self) -> str:
        """The drop counters as one line for people: ``bad_crc 1, garbage 14`` (or ``none``)."""
        return ", ".join(f"{reason} {count}" for reason, count in sorted(self.dropped.items())) or "none"

    @property
    def buffered(self) -> int:
        """Bytes held waiting for the rest of a frame."""
        return len(self._pending)


def _record_name(record: object) -> str:
    if isinstance(record, P3Record):
        return f"tor_0x{record.tor:04x}"
    if isinstance(record, p98.P98Record):
        return f"type_{record.record_type}"
    return type(record).__name__
