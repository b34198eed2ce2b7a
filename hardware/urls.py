"""Decoder URLs: which transport, which target, which protocol, which options.

    /dev/ttyUSB0                          a serial device (raw binary, 8N1)
    serial:///dev/ttyUSB0?baudrate=38400  the same, with options
    loop://  socket://h:p  spy://...      any pyserial URL, passed to serial_for_url
    tcp://host:5403                       a decoder's own TCP port
    file://capture.p3?speed=10            replay a raw capture (paced, or as fast as possible)
    sim://?cars=20&seed=7&speed=10        the simulator, in process

``protocol=p3`` (default), ``protocol=p98`` or ``protocol=protime`` may be added to any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit, urlencode

from hardware.errors import DecoderOpenError
from hardware.framing import Protocol

PYSERIAL_SCHEMES = frozenset({"loop", "socket", "spy", "rfc2217", "hwgrep", "alt", "cp2110"})
OUR_SCHEMES = frozenset({"serial", "tcp", "file", "sim"})
DEFAULT_TCP_PORT = 5403


@dataclass(frozen=True, slots=True)
class DecoderUrl:
    """A parsed decoder URL: ``scheme`` names the transport, ``target`` what it opens."""

    text: str
    scheme: str
    target: str
    protocol: Protocol
    params: dict[str, str] = field(default_factory=dict)
    protocol_given: bool = False  # ``protocol=`` was in the URL (a capture's own is found otherwise)

    def number(self, name: str, default: float, minimum: float = 0) -> float:
        """A numeric option, with a clear error naming it when it is not a number."""
        raw = self.params.get(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError as err:
            raise DecoderOpenError(f"{self.text}: option {name}={raw!r} is not a number") from err
        if value < minimum:
            raise DecoderOpenError(f"{self.text}: option {name}={raw!r} must be at least {minimum:g}")
        return value

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        """A whole-number option."""
        value = self.number(name, default, minimum)
        if value != int(value):
            raise DecoderOpenError(f"{self.text}: option {name}={self.params[name]!r} must be a whole number")
        return int(value)

    def refuse_unknown(self, known: frozenset[str]) -> None:
        """A misspelt option (``sped=10``, ``car=3``) is an error naming it, never silently ignored."""
        unknown = sorted(set(self.params) - known)
        if unknown:
            takes = f"it takes {', '.join(sorted(known | {'protocol'}))}"
            raise DecoderOpenError(f"{self.text}: unknown option {unknown[0]!r} for {self.scheme}:// ({takes})")

    def flag(self, name: str) -> bool:
        """A yes/no option (``faults=1``, ``faults=yes``, ``faults=true``)."""
        return self.params.get(name, "").lower() in {"1", "yes", "true", "on"}


def parse_decoder_url(text: str) -> DecoderUrl:
    """Parse a decoder URL or device path; ``DecoderOpenError`` says what is wrong with it."""
    if not text:
        raise DecoderOpenError("empty decoder URL")
    if "://" not in text:
        return DecoderUrl(text=text, scheme="serial", target=text, protocol=Protocol.P3)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in OUR_SCHEMES | PYSERIAL_SCHEMES:
        known = ", ".join(sorted(OUR_SCHEMES | {"loop", "socket", "spy", "rfc2217"}))
        raise DecoderOpenError(f"{text}: unknown scheme {scheme!r} (use a device path or one of {known})")
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    protocol_given = "protocol" in params
    protocol_name = params.pop("protocol", Protocol.P3.value).lower()
    try:
        protocol = Protocol(protocol_name)
    except ValueError as err:
        names = ", ".join(p.value for p in Protocol)
        raise DecoderOpenError(f"{text}: unknown protocol {protocol_name!r} (use one of {names})") from err
    if scheme in PYSERIAL_SCHEMES:
        query = urlencode(params)
        target = f"{scheme}://{parts.netloc}{parts.path}" + (f"?{query}" if query else "")
        return DecoderUrl(text=text, scheme="serial", target=target, protocol=protocol, params={},
                          protocol_given=protocol_given)
    if scheme == "tcp":
        if not parts.hostname:
            raise DecoderOpenError(f"{text}: no host (use tcp://HOST:PORT)")
        try:
            port = parts.port or DEFAULT_TCP_PORT
        except ValueError as err:
            raise DecoderOpenError(f"{text}: bad port") from err
        return DecoderUrl(text, scheme, f"{parts.hostname}:{port}", protocol, params, protocol_given)
    target = parts.netloc + parts.path
    if scheme in {"serial", "file"} and not target:
        raise DecoderOpenError(f"{text}: no {'device' if scheme == 'serial' else 'file'} path")
    return DecoderUrl(text, scheme, target, protocol, params, protocol_given)
