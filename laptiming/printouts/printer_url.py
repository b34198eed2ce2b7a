"""Printer URLs checked in our own words before anything is kept or sent, so a typo is one clear line, not a file.

    usb://04b8:0202           USB printer by vendor:product id (hex)
    serial:///dev/ttyUSB0?baudrate=19200
    tcp://192.168.1.80:9100   network printer (raw port 9100 by default)
    file://slips.bin          the raw ESC/POS bytes appended to a file

Options: ``paper=58|80``, ``timeout=SECONDS`` (above 0, at most 60), ``status=0``, ``baudrate=N``.
A URL without a scheme is refused rather than taken as a file name: ``192.168.1.80`` is a printer's
address, and printing "successfully" into a file of that name would lose the slips.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlsplit

from laptiming.errors import InputError
from laptiming.printouts.slip_escpos import PaperWidth

DEFAULT_TIMEOUT_S = 5.0
MAX_TIMEOUT_S = 60.0
DEFAULT_TCP_PORT = 9100
SCHEMES = ("usb", "serial", "tcp", "file")
FORMS = "use tcp://HOST[:PORT], usb://VENDOR:PRODUCT, serial://DEVICE or file://PATH"
USB_FORM = "a USB printer is usb://VENDOR:PRODUCT in hex, e.g. usb://04b8:0202"


@dataclass(frozen=True, slots=True)
class PrinterURL:
    """A parsed printer URL."""

    url: str
    scheme: str
    target: str  # device path, host, file path or vendor:product
    port: int
    baudrate: int
    paper: PaperWidth
    timeout_s: float
    check_status: bool


def parse_printer_url(url: str) -> PrinterURL:
    """Parse and check a printer URL; an :class:`InputError` naming the part that is wrong."""
    if "://" not in url:
        raise InputError(f"printer URL {url!r}: no scheme; {FORMS}")
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme not in SCHEMES:
        raise InputError(f"printer URL {url!r}: scheme {scheme!r} is not one of {', '.join(SCHEMES)}; {FORMS}")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"paper", "timeout", "status", "baudrate"}
    if unknown:
        raise InputError(f"printer URL {url!r}: unknown option {sorted(unknown)[0]!r} "
                         "(use paper, timeout, status, baudrate)")
    try:
        paper = PaperWidth(query.get("paper", "80"))
    except ValueError:
        raise InputError(f"printer URL {url!r}: paper must be 58 or 80, not {query['paper']!r}") from None
    timeout_s = _number(url, query, "timeout", float, DEFAULT_TIMEOUT_S, MAX_TIMEOUT_S)
    baudrate = _number(url, query, "baudrate", int, 19200, None)
    port = DEFAULT_TCP_PORT
    if scheme == "tcp":
        target, port = _host_port(url, parts)
    elif scheme == "usb":
        target = parts.netloc
        _check_usb_ids(url, target, parts.path)
    else:
        target = parts.netloc + parts.path
    if not target:
        raise InputError(f"printer URL {url!r}: no device, host or file named")
    return PrinterURL(url, scheme, target, port, baudrate, paper, timeout_s, query.get("status", "1") != "0")


def _host_port(url: str, parts: SplitResult) -> tuple[str, int]:
    """The host and port of a ``tcp://`` URL as urllib reads them (IPv6 in brackets too); the port is 1 to
    65535, 9100 unless given, and a bad one is said in our words, not urllib's."""
    try:
        port = parts.port
    except ValueError:  # not a number, or out of urllib's range
        port = 0
    if port == 0:
        raise InputError(f"printer URL {url!r}: port must be a number from 1 to 65535, "
                         f"not {parts.netloc.rpartition(':')[2]!r}")
    return parts.hostname or "", DEFAULT_TCP_PORT if port is None else port


def _check_usb_ids(url: str, target: str, path: str) -> None:
    """A USB printer is two ids of 1 to 4 hex digits; anything else is said in our words, not urllib's."""
    ids = target.split(":")
    for name, text in zip(("vendor", "product"), ids):
        if not (1 <= len(text) <= 4 and all(char in "0123456789abcdefABCDEF" for char in text)):
            raise InputError(f"printer URL {url!r}: {name} id {text!r} is not 1 to 4 hex digits; {USB_FORM}")
    if len(ids) != 2 or path not in ("", "/"):
        raise InputError(f"printer URL {url!r}: {USB_FORM}")


def _number(url: str, query: dict[str, str], name: str, kind: type[int] | type[float], default: float,
            most: float | None) -> Any:
    """A number option of a printer URL (above zero, at most ``most``); an :class:`InputError` naming it otherwise."""
    if name not in query:
        return kind(default)
    try:
        value = kind(query[name])
    except ValueError:
        value = 0
    if not value > 0:  # also NaN
        raise InputError(f"printer URL {url!r}: {name} must be a number above 0, not {query[name]!r}")
    if most is not None and value > most:
        raise InputError(f"printer URL {url!r}: {name} must be at most {most:g} seconds, not {query[name]!r}")
    return value
