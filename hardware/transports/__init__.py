"""Decoder transports, chosen by URL scheme and imported only when chosen (like python-can)."""

from __future__ import annotations

import importlib

from hardware.transports.base import PacedSource, Piece, Transport
from hardware.urls import DecoderUrl, parse_decoder_url

# scheme -> (module, class); a backend's imports happen only when someone picks it.
BACKENDS: dict[str, tuple[str, str]] = {
    "serial": ("hardware.transports.serial_port", "SerialTransport"),
    "tcp": ("hardware.transports.tcp", "TcpTransport"),
    "file": ("hardware.transports.replay", "CaptureReplay"),
    "sim": ("hardware.transports.simulated", "SimulatedDecoder"),
}


def transport_for_url(url: str | DecoderUrl) -> Transport:
    """A transport for ``url``, not yet opened (the reader opens and reopens it)."""
    parsed = url if isinstance(url, DecoderUrl) else parse_decoder_url(url)
    module_name, class_name = BACKENDS[parsed.scheme]
    backend = getattr(importlib.import_module(module_name), class_name)
    parsed.refuse_unknown(backend.options)
    return backend(parsed)


def open_decoder(url: str) -> Transport:
    """Open the decoder at ``url`` and return its transport; ``DecoderOpenError`` if it cannot."""
    transport = transport_for_url(url)
    transport.open()
    return transport


__all__ = ["BACKENDS", "PacedSource", "Piece", "Transport", "open_decoder", "transport_for_url"]
