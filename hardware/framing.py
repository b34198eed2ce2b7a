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
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from hardware import p98, protime
from hardware.drops import DropReason, describe_drops
from hardware.errors import FrameError
from hardware.events import DecoderErrorReport, DecoderEvent, DecoderStatus, DecoderVersion, Passing
from hardware.p3.frame import CountedStep, P3Record, check_frame, step_frame
from hardware.p3.records import decode_event

if TYPE_CHECKING:
    from hardware.p3.bulk import Framing
    from hardware.p3.columns import Decoded

DEFAULT_MAX_BUFFER = 64 * 1024
# P3 buffers from this size on are decoded in bulk (a capture file read 64 KiB at a time, a RESEND
# catch-up burst); a live read of a few frames is stepped through, where numpy's fixed cost per call
# would dominate.
BULK_MIN_BYTES = 8 * 1024
# A larger buffer is decoded in pieces of this size: numpy's temporaries then stay small and warm
# (one 55 MB capture at once: 0.93 s; in 4 MiB pieces: 0.68 s, the same events and counts).
BULK_PIECE_BYTES = 4 * 1024 * 1024
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

    bulk_min_group: int | None = None  # frames of one size judged together in bulk (None: the bulk default)

    def __init__(
        self,
        protocol: Protocol | str = Protocol.P3,
        source: str = "",
        max_buffer: int = DEFAULT_MAX_BUFFER,
        bulk_min_bytes: int | None = BULK_MIN_BYTES,
    ) -> None:
        self.protocol = Protocol(protocol)
        self.source = source
        self.max_buffer = max_buffer
        # None: always step (the reference the bulk path is tested against)
        self.bulk_min_bytes = bulk_min_bytes if self.protocol is Protocol.P3 else None
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
        """Add received bytes; return the events completed by them, in order.

        A large buffer of P3 (a capture file, a RESEND burst) is decoded in bulk with numpy; the
        result and the counters are the same as stepping through it frame by frame.
        """
        if len(data) > BULK_PIECE_BYTES and self.bulk_min_bytes is not None:
            return [event for piece in _pieces(data) for event in self.feed(piece, host_time_ns)]
        buffer = self._pending + data if self._pending else bytes(data)
        framing = self._bulk_framing(buffer)
        if framing is not None:
            decoded, pos, garbage_to_end = self._feed_bulk(buffer, framing, host_time_ns)
            events = decoded.events()
        else:
            events, pos, garbage_to_end = self._feed_steps(buffer, host_time_ns)
        self._keep(buffer, pos, garbage_to_end)
        return events

    def feed_columns(self, data: bytes, host_time_ns: int = 0) -> Decoded:
        """:meth:`feed` for bulk consumers: passings as numpy columns, no object per passing.

        The same events, counters and kept tail as :meth:`feed`; ``.events()`` on the result is
        what :meth:`feed` would have returned. A buffer that goes the stream way keeps its events as objects.
        """
        import numpy as np  # imported only for bulk work

        from hardware.p3.columns import Decoded, PassingColumns

        if len(data) > BULK_PIECE_BYTES and self.bulk_min_bytes is not None:
            parts, start = [], 0
            for piece in _pieces(data):
                parts.append((start - len(self._pending), self.feed_columns(piece, host_time_ns)))
                start += len(piece)
            return Decoded.concatenate(parts, host_time_ns, self.source)
        buffer = self._pending + data if self._pending else bytes(data)
        framing = self._bulk_framing(buffer)
        if framing is not None:
            decoded, pos, garbage_to_end = self._feed_bulk(buffer, framing, host_time_ns)
        else:
            events, pos, garbage_to_end = self._feed_steps(buffer, host_time_ns)
            decoded = Decoded(PassingColumns.empty(host_time_ns, self.source), events, np.arange(len(events)))
        self._keep(buffer, pos, garbage_to_end)
        return decoded

    def _keep(self, buffer: bytes, pos: int, garbage_to_end: bool) -> None:
        """Keep the unfinished tail from ``pos`` (capped: an overflow is a drop)."""
        if buffer:
            self._garbage_continues = garbage_to_end
        self._pending = buffer[pos:]
        if len(self._pending) > self.max_buffer:
            excess = len(self._pending) - self.max_buffer
            self.dropped[DropReason.OVERFLOW] += 1
            self.bytes_dropped[DropReason.OVERFLOW] += excess
            self.skipped_bytes += excess
            self._pending = self._pending[-self.max_buffer :]

    def _bulk_framing(self, buffer: bytes) -> Framing | None:
        """The framing bytes of a buffer that goes the bulk way (P3, large enough, frames rather than a
        flood); None for one that is stepped through."""
        minimum = self.bulk_min_bytes
        if minimum is None or len(buffer) < minimum:
            return None
        from hardware.p3 import bulk  # imported only where a large buffer needs it

        return bulk.find_framing(buffer)

    def _feed_steps(self, buffer: bytes, host_time_ns: int) -> tuple[list[DecoderEvent], int, bool]:
        """The streaming path: one framer step at a time. Returns events, bytes consumed, garbage to the end."""
        events: list[DecoderEvent] = []
        pos = 0
        next_step, decode, source, account = self._next, self._decode, self.source, self._account
        garbage_to_end = False
        while True:
            step = next_step(buffer, pos)
            end, frame = step[0], step[1]
            if frame is not None:  # the usual case, kept inline: this loop runs for every frame read live
                try:
                    event = decode(frame, host_time_ns, source)
                except FrameError:
                    event = None
                if event is not None and isinstance(event, _EVENT_TYPES):
                    self.frames_decoded += 1
                    self.bytes_decoded += end - pos
                    events.append(event)
                    pos = end
                    continue
            elif step[2] is None and end == pos:
                break
            event, to_end = account(buffer, pos, step, host_time_ns)  # drops, and frames of other types
            garbage_to_end |= to_end
            if event is not None:
                events.append(event)
            pos = end
        return events, pos, garbage_to_end

    def _feed_bulk(self, buffer: bytes, framing: Framing, host_time_ns: int) -> tuple[Decoded, int, bool]:
        """The bulk path (:mod:`hardware.p3.bulk`): clean frames judged with numpy, other steps as streamed."""
        import numpy as np  # imported only where a large buffer needs it

        from hardware.p3 import bulk
        from hardware.p3.columns import Decoded

        scanned = bulk.scan(buffer, framing=framing)
        checked = bulk.check(buffer, scanned, host_time_ns, self.source, self.bulk_min_group or bulk.MIN_GROUP)
        for reason, (frames, size) in checked.drops.items():
            self.dropped[reason] += frames
            self.bytes_dropped[reason] += size
        self.frames_decoded += len(checked.events) + len(checked.passings)
        self.bytes_decoded += checked.decoded_bytes
        extra: list[tuple[int, DecoderEvent]] = []
        garbage_to_end = False
        account = self._account
        for pos, step in scanned.steps:
            event, to_end = account(buffer, pos, step, host_time_ns)
            garbage_to_end |= to_end
            if event is not None:
                extra.append((pos, event))
        for start, end, frame in checked.others:  # rare sizes and other layouts: as step_frame judges them
            reason = check_frame(frame)
            step = (end + 1, frame, None, 0) if reason is None else (end + 1, None, reason, 1)
            event, _ = account(buffer, start, step, host_time_ns)
            if event is not None:
                extra.append((start, event))
        others: list[DecoderEvent] = checked.events  # type: ignore[assignment]
        positions = checked.event_starts
        if extra:
            extra.sort(key=_first)
            others = _merge(others, positions, extra)
            positions = np.sort(np.concatenate([positions, np.array([pos for pos, _ in extra], dtype=positions.dtype)]))
        return Decoded(checked.passings, others, positions), scanned.end, garbage_to_end

    def _account(
        self, buffer: bytes, pos: int, step: CountedStep, host_time_ns: int
    ) -> tuple[DecoderEvent | None, bool]:
        """Count one framer step from ``pos``; its event if it made one, and whether it is garbage to the end."""
        end, frame, reason, count = step
        dropped, bytes_dropped = self.dropped, self.bytes_dropped
        if frame is not None:
            try:
                event = self._decode(frame, host_time_ns, self.source)
            except FrameError as err:
                dropped[err.reason] += 1
                bytes_dropped[err.reason] += end - pos
                return None, False
            self.frames_decoded += 1
            self.bytes_decoded += end - pos
            if isinstance(event, _EVENT_TYPES):
                return event, False
            self.other_records[_record_name(event)] += 1
        elif type(reason) is tuple:  # a run of mixed junk, tallied by reason
            for kind, drops, size in reason:
                dropped[kind] += drops
                bytes_dropped[kind] += size
                if kind is DropReason.GARBAGE:
                    self.skipped_bytes += size
        elif reason is not None:
            bytes_dropped[reason] += end - pos
            garbage_to_end = False
            if reason is DropReason.GARBAGE:
                self.skipped_bytes += end - pos
                if pos == 0 and self._garbage_continues:
                    count = 0  # the run of garbage the last read ended in: counted once
                garbage_to_end = end == len(buffer)
            dropped[reason] += count
            return None, garbage_to_end
        elif end > pos:  # neither a frame nor a drop: the protocol's own bytes between records (line ends)
            self.bytes_decoded += end - pos
        return None, False

    def end(self) -> None:
        """The stream ended (a capture's last byte, a lost connection): a half frame still held can never
        complete, so it is dropped and counted as ``truncated`` rather than lost unsaid."""
        if self._pending:
            self.dropped[DropReason.TRUNCATED] += 1
            self.bytes_dropped[DropReason.TRUNCATED] += len(self._pending)
        self._pending = b""
        self._garbage_continues = False

    def reset(self) -> None:
        """Forget a half-received frame before a reconnect: it can never complete (counted as :meth:`end` does)."""
        self.end()

    def describe_drops(self) -> str:
        """The drop counters as one line for people: ``bad_crc 1, garbage 14`` (or ``none``)."""
        return describe_drops(self.dropped)

    @property
    def buffered(self) -> int:
        """Bytes held waiting for the rest of a frame."""
        return len(self._pending)


def _first(item: tuple[int, DecoderEvent]) -> int:
    return item[0]


def _merge(events: list[DecoderEvent], starts: object, extra: list[tuple[int, DecoderEvent]]) -> list[DecoderEvent]:
    """Bulk events (at offsets ``starts``, ascending) and a few others (sorted by offset) in stream order."""
    from hardware.p3 import bulk

    places = bulk.insertion_points(starts, [pos for pos, _ in extra])
    merged: list[DecoderEvent] = []
    done = 0
    for place, (_, event) in zip(places, extra):
        merged.extend(events[done:place])
        merged.append(event)
        done = place
    merged.extend(events[done:])
    return merged


def _record_name(record: object) -> str:
    if isinstance(record, P3Record):
        return f"tor_0x{record.tor:04x}"
    if isinstance(record, p98.P98Record):
        return f"type_{record.record_type}"
    return type(record).__name__


def _pieces(data: bytes) -> Iterator[bytes]:
    """``data`` in consecutive pieces of :data:`BULK_PIECE_BYTES` (the last shorter)."""
    view = memoryview(data)
    for start in range(0, len(data), BULK_PIECE_BYTES):
        yield bytes(view[start : start + BULK_PIECE_BYTES])
