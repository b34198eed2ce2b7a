"""Replaying a raw capture file as a decoder: byte for byte, paced by decoder time or flat out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from hardware.capture import check_capture, iter_capture_bytes
from hardware.errors import DecoderIOError, DecoderOpenError, FrameError
from hardware.events import Passing
from hardware.framing import Protocol, framer_for
from hardware.transports.base import PacedSource, Piece
from hardware.urls import DecoderUrl


def split_pieces(chunks: Iterator[bytes], protocol: Protocol) -> Iterator[Piece]:
    """Cut a byte stream at frame boundaries, stamping each passing's piece with its decoder time.

    Garbage and broken frames are passed through untouched: the replay must carry exactly the
    bytes that were captured.
    """
    next_step, decode = framer_for(protocol)
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        pos = 0
        while True:
            end, frame, reason, _ = next_step(buffer, pos)
            if frame is None and reason is None:
                break
            time_us = None
            if frame is not None:
                try:
                    event = decode(frame, 0, "")
                except FrameError:
                    event = None
                if isinstance(event, Passing):
                    time_us = event.decoder_time_us
            yield buffer[pos:end], time_us
            pos = end
        buffer = buffer[pos:]
    if buffer:
        yield buffer, None


class CaptureReplay(PacedSource):
    """``file://capture?speed=N``: N x real time (0 or absent: as fast as possible); ends at EOF."""

    options = frozenset({"speed"})

    def __init__(self, url: DecoderUrl) -> None:
        super().__init__(url.number("speed", 0.0))
        self.name = url.text
        self.path = Path(url.target)
        self.protocol = url.protocol

    def open(self) -> None:
        check_capture(self.path, self.protocol)  # a bad line ends the reader with a clear error before any byte is read
        super().open()

    def read(self, timeout: float) -> bytes | None:
        try:
            return super().read(timeout)
        except DecoderOpenError as err:  # the file was changed after it was checked
            raise DecoderIOError(str(err)) from err

    def pieces(self) -> Iterator[Piece]:
        chunks = iter_capture_bytes(self.path, protocol=self.protocol)
        if self.speed <= 0:
            return ((chunk, None) for chunk in chunks)
        return split_pieces(chunks, self.protocol)
