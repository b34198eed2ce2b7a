"""A decoder on its own TCP port (5403 for P3): the decoder pushes records as soon as we connect."""

from __future__ import annotations

import socket

from hardware.errors import DecoderIOError, DecoderOpenError
from hardware.transports.base import Transport
from hardware.urls import DecoderUrl

CONNECT_TIMEOUT_S = 3.0


class TcpTransport(Transport):
    """A TCP client connection; the decoder answers RESEND requests on it."""

    options = frozenset({"connect_timeout"})

    can_resend = True

    def __init__(self, url: DecoderUrl) -> None:
        self.name = url.text
        host, _, port = url.target.rpartition(":")
        self._address = (host, int(port))
        self._connect_timeout = url.number("connect_timeout", CONNECT_TIMEOUT_S)
        self._socket: socket.socket | None = None

    def open(self) -> None:
        try:
            sock = socket.create_connection(self._address, timeout=self._connect_timeout)
        except OSError as err:
            raise DecoderOpenError(f"cannot connect to decoder {self.name}: {err.strerror or err}") from err
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket = sock

    def read(self, timeout: float) -> bytes | None:
        sock = self._socket
        if sock is None:
            raise DecoderIOError(f"{self.name} is not connected")
        try:
            sock.settimeout(timeout)
            data = sock.recv(65536)
        except TimeoutError:
            return b""
        except OSError as err:
            raise DecoderIOError(f"decoder {self.name} connection lost: {err.strerror or err}") from err
        if not data:
            raise DecoderIOError(f"decoder {self.name} closed the connection")
        return data

    def write(self, data: bytes) -> None:
        sock = self._socket
        if sock is None:
            return
        try:
            sock.sendall(data)
        except OSError as err:
            raise DecoderIOError(f"cannot send to decoder {self.name}: {err.strerror or err}") from err

    def close(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
