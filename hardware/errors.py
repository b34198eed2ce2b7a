"""The decoder layer's exceptions, all in one place.

    DecoderError            anything that went wrong talking to a decoder
    ├── DecoderOpenError    the URL is bad or the device/port/file cannot be opened
    ├── DecoderIOError      reading or writing an open decoder failed (cable pulled, socket closed)
    └── FrameError          a frame or record could not be decoded (used by strict decode calls;
                            the stream framers never raise, they count drops instead)

Bad arguments to our own functions stay ``ValueError``.
"""

from __future__ import annotations


class DecoderError(Exception):
    """Base of every error raised by :mod:`hardware`."""


class DecoderOpenError(DecoderError):
    """A decoder URL could not be parsed or its device could not be opened."""


class DecoderIOError(DecoderError):
    """An open decoder connection failed while reading or writing."""


class FrameError(DecoderError):
    """A single frame or record is malformed; ``reason`` is a :class:`DropReason` value."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
