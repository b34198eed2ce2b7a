"""The transport interface every decoder connection implements (serial, TCP, file, simulator)."""

from __future__ import annotations

import abc
import threading
from collections.abc import Iterator

from hardware.pacing import Pacer

# A piece of the byte stream and the decoder time it carries (None: deliver at once).
Piece = tuple[bytes, int | None]


class Transport(abc.ABC):
    """One connection to a decoder: open it, read bytes as they come, write requests, close.

    ``read`` returns ``b""`` when nothing arrived within the timeout and ``None`` when the
    source has ended for good (the end of a capture file); it raises ``DecoderIOError`` when the
    connection is lost (the reader then reconnects, if ``can_reconnect``).
    """

    name: str = ""
    can_reconnect: bool = True
    can_resend: bool = False
    options: frozenset[str] = frozenset()  # the URL options it reads (``?speed=10``); any other is refused

    @abc.abstractmethod
    def open(self) -> None:
        """Open the connection; ``DecoderOpenError`` when that is not possible (now)."""

    @abc.abstractmethod
    def read(self, timeout: float) -> bytes | None:
        """The bytes received since the last read."""

    def write(self, data: bytes) -> None:
        """Send bytes to the decoder (requests such as RESEND); ignored where not supported."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close the connection; safe to call twice, and from another thread to stop a read."""


class PacedSource(Transport):
    """A transport fed from an iterator of pieces, each released when its decoder time is due."""

    can_reconnect = False

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._pieces: Iterator[Piece] | None = None
        self._held: Piece | None = None
        self._closed = threading.Event()
        self._pacer = Pacer(speed)

    @abc.abstractmethod
    def pieces(self) -> Iterator[Piece]:
        """The stream, in order."""

    def open(self) -> None:
        self._closed.clear()
        self._pieces = self.pieces()
        self._pacer = Pacer(self.speed)

    def read(self, timeout: float) -> bytes | None:
        if self._pieces is None or self._closed.is_set():
            return None
        out: list[bytes] = []
        size = 0
        while size < 65536:
            piece = self._held or next(self._pieces, None)
            self._held = None
            if piece is None:
                if out:
                    break
                return None
            wait = self._pacer.delay(piece[1])
            if wait > 0:
                if out or wait > timeout:
                    self._held = piece
                    if not out:
                        self._closed.wait(timeout)
                        return None if self._closed.is_set() else b""
                    break
                if self._closed.wait(wait):
                    return None
            out.append(piece[0])
            size += len(piece[0])
        return b"".join(out)

    def close(self) -> None:
        self._closed.set()
