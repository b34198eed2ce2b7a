"""Serving the virtual decoder: over a pty pair, on a TCP port, or into a capture file.

Over a pty and TCP the bytes are paced by decoder time (``speed`` x real time); while no reader
is connected the decoder keeps running and keeps its passings in memory, as a real one does, so
a reader that reconnects can get them back with RESEND (TCP). After the last car the TCP decoder
still sends its STATUS heartbeat: a reader that connects then hears the decoder name itself and
can ask for the tail it missed.
"""

from __future__ import annotations

import calendar
import os
import select
import socket
import threading
import tty
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from hardware.capture import refuse_other_kind
from hardware.errors import DecoderOpenError
from hardware.pacing import Pacer
from hardware.simulator.field import US
from hardware.simulator.virtual_decoder import STATUS_EVERY_US, RequestReader, VirtualDecoder
from hardware.transports.base import Piece

POLL_S = 0.05
OPEN_GRACE_S = 0.2  # let a reader finish configuring the port before the session starts


def decoder_clock_now_us() -> int:
    """The host's local date and time now as a decoder's clock reads it (naive local time, µs).

    Where a served simulator's clock starts: a real decoder's clock keeps running across a restart, so a
    simulator stopped and started again never repeats a decoder time (the journal keys passings on it).
    """
    now = datetime.now()
    return calendar.timegm(now.timetuple()) * US + now.microsecond


def paced(pieces: Iterator[Piece], speed: float, stop: threading.Event) -> Iterator[Piece]:
    """The pieces, each released when its decoder time is due; ends early when ``stop`` is set."""
    pacer = Pacer(speed)
    for piece in pieces:
        wait = pacer.delay(piece[1])
        if wait > 0 and stop.wait(wait):
            return
        if stop.is_set():
            return
        yield piece


def write_capture(decoder: VirtualDecoder, path: str | Path) -> int:
    """Write the whole simulated session to a raw capture file; returns the bytes written.

    ``DecoderOpenError`` says why the file cannot be written (a folder, a read-only place, a
    full disk); a file that fails part-way is removed, so nothing half-written is left.
    """
    path = Path(path)
    if path.is_dir():
        raise DecoderOpenError(f"cannot write capture {path}: it is a folder")
    if not path.parent.exists():  # said as every command says it (laptiming.files, schedule --out)
        raise DecoderOpenError(f"cannot write capture {path}: folder {path.parent} does not exist")
    refuse_other_kind(path)
    try:
        file = open(path, "wb")  # noqa: SIM115 - closed below, removed if writing fails
    except OSError as err:
        raise DecoderOpenError(f"cannot write capture {path}: {err.strerror or err}") from err
    written = 0
    try:
        with file:
            for data, _ in decoder.timeline():
                file.write(data)
                written += len(data)
    except BaseException as err:
        if path.is_file():  # never a device such as /dev/full
            path.unlink()
        if isinstance(err, OSError):
            raise DecoderOpenError(f"cannot write capture {path}: {err.strerror or err}") from err
        raise
    return written


class PtyDecoder:
    """The virtual decoder on the master side of a pty pair; ``device`` is the serial port to open."""

    def __init__(self, decoder: VirtualDecoder, speed: float = 1.0) -> None:
        self.decoder = decoder
        self.speed = speed
        self._master, slave = os.openpty()
        tty.setraw(slave)  # no newline translation, no echo: a raw serial line
        self.device = os.ttyname(slave)
        os.close(slave)  # with no reader, the master reports a hangup
        os.set_blocking(self._master, False)
        self._poll = select.poll()
        self._poll.register(self._master, select.POLLIN)
        self.bytes_dropped = 0

    def reader_connected(self) -> bool:
        """True while some process has the device open."""
        return not any(mask & select.POLLHUP for _, mask in self._poll.poll(0))

    def wait_for_reader(self, stop: threading.Event) -> bool:
        """Block until a reader opens the device (or ``stop``); True when one did."""
        while not stop.is_set():
            if self.reader_connected():
                return not stop.wait(OPEN_GRACE_S)
            stop.wait(POLL_S)
        return False

    def run(self, stop: threading.Event) -> None:
        """Send the session; bytes sent while no reader has the device open are lost, as on a cable."""
        requests = RequestReader()
        for data, _ in paced(self.decoder.timeline(), self.speed, stop):
            if not self.reader_connected():
                self.bytes_dropped += len(data)
                continue
            for record in requests.feed(self._drain()):
                data += self.decoder.answer(record)
            try:
                os.write(self._master, data)
            except (BlockingIOError, OSError):
                self.bytes_dropped += len(data)

    def _drain(self) -> bytes:
        try:
            return os.read(self._master, 4096)
        except (BlockingIOError, OSError):
            return b""

    def close(self) -> None:
        """Close the master: readers see the device go away."""
        os.close(self._master)


class TcpDecoderServer:
    """The virtual decoder listening on a TCP port: one client at a time, answers RESEND."""

    def __init__(
        self,
        decoder: VirtualDecoder,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 1.0,
        pieces: Iterator[Piece] | None = None,
    ) -> None:
        self.decoder = decoder
        self.speed = speed
        self._pieces = pieces if pieces is not None else decoder.timeline()
        try:
            self._listener = socket.create_server((host, port))
        except OSError as err:  # a port in use, an address not on this machine: one clear line, not a traceback
            reason = os.strerror(err.errno) if err.errno else str(err)  # not create_server's "(while attempting ...)"
            raise DecoderOpenError(f"cannot listen on {host}:{port}: {reason}") from err
        self._listener.settimeout(POLL_S)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._client: socket.socket | None = None
        self._lock = threading.Lock()
        self._connected = threading.Condition(self._lock)
        self._stop = threading.Event()
        self.finished = threading.Event()  # the session's last byte has been produced
        self.connections = 0
        self._threads = [
            threading.Thread(target=self._accept_loop, name="sim-accept", daemon=True),
            threading.Thread(target=self._produce, name="sim-produce", daemon=True),
        ]

    @property
    def url(self) -> str:
        """The decoder URL a reader opens."""
        return f"tcp://{self.address[0]}:{self.address[1]}"

    def start(self) -> TcpDecoderServer:
        """Start producing the session and accepting clients."""
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop producing, drop the client, close the port."""
        self._stop.set()
        self.drop_client()
        for thread in self._threads:
            thread.join(2)
        self._listener.close()

    def wait_for_connections(self, count: int, timeout: float | None = None) -> bool:
        """Block until ``count`` clients have connected in all; False on timeout."""
        with self._connected:
            return self._connected.wait_for(lambda: self.connections >= count, timeout)

    def drop_client(self) -> None:
        """Cut the current client off, as a pulled network cable would."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            client.close()

    def _send(self, data: bytes) -> None:
        with self._lock:
            client = self._client
            if client is None:
                return
            try:
                client.sendall(data)
            except OSError:
                self._client = None
                client.close()

    def _produce(self) -> None:
        for data, _ in paced(self._pieces, self.speed, self._stop):
            self._send(data)
        self.finished.set()
        every_s = STATUS_EVERY_US / US / self.speed if self.speed > 0 else POLL_S
        while not self._stop.wait(every_s):
            self._send(self.decoder.heartbeat())

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.drop_client()
            with self._connected:
                self._client = client
                self.connections += 1
                self._connected.notify_all()
            threading.Thread(target=self._serve_requests, args=(client,), name="sim-requests", daemon=True).start()

    def _serve_requests(self, client: socket.socket) -> None:
        requests = RequestReader()
        while not self._stop.is_set():
            try:
                data = client.recv(4096)
            except OSError:
                return
            if not data:
                return
            for record in requests.feed(data):
                answer = self.decoder.answer(record)
                if answer:
                    self._send(answer)
