"""Serial decoders through pyserial: device paths and every pyserial URL (loop://, socket://, spy://)."""

from __future__ import annotations

import errno

import serial

from hardware.errors import DecoderIOError, DecoderOpenError
from hardware.transports.base import Transport
from hardware.urls import DecoderUrl

DEFAULT_BAUDRATE = 38400  # not established for AMB decoders (spec sheet §1.1); set it per site
READ_TIMEOUT_S = 0.2


class SerialTransport(Transport):
    """A serial line opened raw and binary (8N1, no flow control), never in text mode."""

    options = frozenset({"baudrate", "rtscts"})

    def __init__(self, url: DecoderUrl) -> None:
        self.name = url.text
        self._target = url.target
        self._options: dict[str, object] = {}
        if not url.target.count("://"):
            self._options = {
                "baudrate": url.integer("baudrate", DEFAULT_BAUDRATE, minimum=50),
                "rtscts": url.flag("rtscts"),
                "xonxoff": False,
                # one reader: a second program reading the port would split its bytes, and lose passings, with this one
                "exclusive": True,
            }
        self._port: serial.SerialBase | None = None

    def open(self) -> None:
        try:
            port = serial.serial_for_url(self._target, do_not_open=True, timeout=READ_TIMEOUT_S, **self._options)
            port.open()
        except (serial.SerialException, ValueError, OSError) as err:
            if getattr(err, "errno", None) in (errno.EAGAIN, errno.EWOULDBLOCK) and "lock" in str(err):
                raise DecoderOpenError(f"cannot open serial decoder {self.name}: another program is reading it "
                                       "(a second reader would take passings from the first); stop that one first") from err
            raise DecoderOpenError(f"cannot open serial decoder {self.name}: {err}") from err
        self._port = port

    def read(self, timeout: float) -> bytes | None:
        port = self._port
        if port is None:
            raise DecoderIOError(f"{self.name} is not open")
        try:
            return port.read(max(1, port.in_waiting))
        except (serial.SerialException, OSError, TypeError, AttributeError) as err:
            # TypeError/AttributeError: pyserial's own state after close() from another thread
            raise DecoderIOError(f"serial decoder {self.name} lost: {err}") from err

    def write(self, data: bytes) -> None:
        if self._port is None:
            return
        try:
            self._port.write(data)
        except (serial.SerialException, OSError) as err:
            raise DecoderIOError(f"cannot write to {self.name}: {err}") from err

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass
