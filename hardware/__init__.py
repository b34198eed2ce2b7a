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

from hardware.reader import DecoderReader  # noqa: E402 - needs the event types above
from hardware.transports import open_decoder  # noqa: E402

__all__ = [
    "DecoderReader",
    "open_decoder",
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
