"""Raw capture files: writing every byte a decoder sends, and reading captures back.

A capture is the decoder's byte stream exactly as received, so a day at the track can be
replayed byte for byte. Reading also accepts the text forms captures are published in: hex text
with one frame per line (as in public P3 recordings), and P98 records one per line without their
SOH and CR LF.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from hardware.errors import DecoderOpenError
from hardware.events import DecoderEvent
from hardware.framing import Protocol, StreamDecoder

CHUNK_SIZE = 64 * 1024
_HEX_LINE = re.compile(rb"^(?:[0-9a-fA-F]{2})+$")
_P98_LINE = re.compile(rb"^[@#$]\t")


class CaptureWriter:
    """A raw-bytes listener that appends everything received to a file, flushed per read."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._file: BinaryIO = open(self.path, "ab")  # noqa: SIM115 - closed in close()
        except OSError as err:
            raise DecoderOpenError(f"cannot write capture {self.path}: {err.strerror}") from err
        self._lock = threading.Lock()
        self.bytes_written = 0

    def __call__(self, data: bytes) -> None:
        with self._lock:
            self._file.write(data)
            self._file.flush()
            self.bytes_written += len(data)

    def close(self) -> None:
        """Flush and close the file."""
        with self._lock:
            self._file.close()

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")  # noqa: SIM115 - the callers close it
    except OSError as err:
        raise DecoderOpenError(f"cannot read capture {path}: {err.strerror or err}") from err


def _text_kind(head: bytes) -> str | None:
    """'hex' or 'p98' when the file is one of the published text forms, else None (raw)."""
    first = next((line.strip() for line in head.splitlines() if line.strip()), b"")
    if _HEX_LINE.match(first):
        return "hex"
    if _P98_LINE.match(first):
        return "p98"
    return None


def iter_capture_bytes(path: str | Path, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield a capture's wire bytes in chunks, converting hex-text and P98-line files to bytes."""
    path = Path(path)
    with _open(path) as file:
        head = file.read(4096)
        kind = _text_kind(head)
        if kind is None:
            chunk = head
            while chunk:
                yield chunk
                chunk = file.read(chunk_size)
            return
        file.seek(0)
        for number, line in enumerate(file, start=1):
            line = line.strip()
            if not line:
                continue
            if kind == "hex":
                if not _HEX_LINE.match(line):
                    raise DecoderOpenError(f"{path}:{number}: not a line of hex bytes")
                yield bytes.fromhex(line.decode("ascii"))
            else:
                yield b"\x01" + line + b"\r\n"


def read_capture(path: str | Path, protocol: Protocol | str = Protocol.P3) -> Iterator[DecoderEvent]:
    """Every event in a capture file, in order (raw bytes, hex text or P98 lines)."""
    decoder = StreamDecoder(protocol, source=f"file://{path}")
    for chunk in iter_capture_bytes(path):
        yield from decoder.feed(chunk)
