"""Holding a simulated decoder's session (or its RESEND answers) back at chosen points, so a test can act in between."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hardware.reader import Backoff, DecoderReader
from hardware.p3 import P3Record
from hardware.simulator.field import FieldConfig
from hardware.simulator.serve import TcpDecoderServer
from hardware.simulator.virtual_decoder import VirtualDecoder
from hardware.transports.base import Piece

WAIT_S = 20.0


class Gate:
    """Holds a timeline back (before it starts, and at chosen passing counts) until the test says go."""

    def __init__(self, decoder: VirtualDecoder, stops: list[int]) -> None:
        self.decoder = decoder
        self.start = threading.Event()
        self.reached = {n: threading.Event() for n in stops}
        self.release = {n: threading.Event() for n in stops}

    def pieces(self) -> Iterator[Piece]:
        """The decoder's timeline, pausing after the passing counts named in ``stops``."""
        assert self.start.wait(WAIT_S)
        for piece in self.decoder.timeline():
            yield piece
            produced = len(self.decoder.memory)
            if produced in self.reached and not self.reached[produced].is_set():
                self.reached[produced].set()
                assert self.release[produced].wait(WAIT_S)


class GatedBackoff(Backoff):
    """A reconnect delay that lasts until the test allows the reconnect."""

    def __init__(self) -> None:
        super().__init__(0.0, 0.0)
        self.allowed = threading.Event()

    def next_delay(self) -> float:
        """Wait for the test's go-ahead, then reconnect at once."""
        assert self.allowed.wait(WAIT_S)
        return 0.0


class LateToResend(VirtualDecoder):
    """A decoder whose RESEND answers wait for an event the test names: live passings reach the reader first."""

    def __init__(self, config: FieldConfig) -> None:
        super().__init__(config)
        self._may_answer = threading.Event()
        self._may_answer.set()

    def answer_after(self, event: threading.Event) -> None:
        """Hold every RESEND answer until ``event`` is set."""
        self._may_answer = event

    def answer(self, request: P3Record) -> bytes:
        """The usual answer, once allowed."""
        assert self._may_answer.wait(WAIT_S)
        return super().answer(request)


class SilentUntilAllowed(VirtualDecoder):
    """A decoder that ignores RESEND until the test allows answers (a decoder busy, a request lost on the wire)."""

    def __init__(self, config: FieldConfig) -> None:
        super().__init__(config)
        self.answering = threading.Event()

    def answer(self, request: P3Record) -> bytes:
        """Nothing until allowed, then the usual answer."""
        return super().answer(request) if self.answering.is_set() else b""


@contextmanager
def serving(decoder: VirtualDecoder, gate: Gate | None = None) -> Iterator[TcpDecoderServer]:
    """The decoder on a real TCP port, flat out (held by ``gate`` where given), stopped at the end."""
    server = TcpDecoderServer(decoder, speed=0, pieces=gate.pieces() if gate else None).start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def reading(url: str, listeners: list[Any], **options: Any) -> Iterator[DecoderReader]:
    """A reader on ``url`` (``options`` as DecoderReader takes them), stopped and joined at the end."""
    reader = DecoderReader(url, listeners, **options).start()
    try:
        yield reader
    finally:
        reader.stop()
        reader.join(5)
