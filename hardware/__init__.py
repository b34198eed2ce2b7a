"""Transponder decoders: protocols, framing, transports, the simulator, capture and replay.

Imports nothing from ``laptiming`` or ``scheduler``.
"""

from hardware.errors import DecoderError, DecoderIOError, DecoderOpenError, FrameError
from hardware.events import (
    DecoderErrorReport,
    DecoderEvent,
    DecoderStatus,
    DecoderVersion,
    LinkState,
    LinkStatus,
    Passing,
)

__all__ = [
    "DecoderError",
    "DecoderErrorReport",
    "DecoderEvent",
    "DecoderIOError",
    "DecoderOpenError",
    "DecoderStatus",
    "DecoderVersion",
    "FrameError",
    "LinkState",
    "LinkStatus",
    "Passing",
]
