"""Raw capture files: writing every byte a decoder sends, and reading captures back.

A capture is the decoder's byte stream exactly as received, so a day at the track can be
replayed byte for byte. Reading also accepts the text forms captures are published in: hex text
with one frame per line (as in public P3 recordings), and P98 records one per line without their
SOH and CR LF. A capture is a local file, so unlike a live decoder it can be checked before use:
a text capture with a bad or over-long line is an error naming the file and line.
"""

from __future__ import annotations

import enum
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from hardware.errors import DecoderOpenError
from hardware.events import DecoderEvent, Passing
from hardware.framing import Protocol, StreamDecoder
from hardware.urls import DecoderUrl

CHUNK_SIZE = 64 * 1024
MAX_LINE = 64 * 1024  # bytes in one line of a text capture; the longest P3 frame is 4 KiB of hex
_HEX_LINE = re.compile(rb"^(?:[0-9a-fA-F]{2})+$")
_NOT_HEX = re.compile(rb"[^0-9a-fA-F]")
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_P98_LINE = re.compile(rb"^[@#$]\t")
_TEXT = re.compile(rb"^[\x20-\x7e\t\r\n]*$")  # printable ASCII and whitespace


_NOT_CAPTURES = ((b"SQLite format 3\x00", "a database"), (b"%PDF-", "a PDF"), (b"PK\x03\x04", "a workbook or zip file"))


def refuse_other_kind(path: Path) -> None:
    """A capture is never written over (nor appended to) a database, a PDF or a workbook: ``--raw-out event.db``
    or ``simulate --out event.db``, a slip of the tab key, would have destroyed the event database."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return  # a new file, or one the write itself refuses in its own words
    for magic, kind in _NOT_CAPTURES:
        if head.startswith(magic):
            raise DecoderOpenError(f"cannot write capture {path}: it is {kind}, not a capture; give another name "
                                   "(nothing written)")


class CaptureWriter:
    """A raw-bytes listener that appends everything received to a file, flushed per read."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        refuse_other_kind(self.path)
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


class CaptureKind(enum.StrEnum):
    """How a capture file holds its bytes."""

    RAW = "raw"  # the wire bytes as received
    HEX = "hex"  # hex text, one frame a line (public P3 recordings)
    P98 = "p98"  # P98 records one a line, without SOH and CR LF


def _open(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")  # noqa: SIM115 - the callers close it
    except OSError as err:
        raise DecoderOpenError(f"cannot read capture {path}: {err.strerror or err}") from err


def _line_kind(line: bytes) -> CaptureKind | None:
    """The text form one line is in, if any."""
    if _HEX_LINE.match(line):
        return CaptureKind.HEX
    if _P98_LINE.match(line):
        return CaptureKind.P98
    return None


def _text_kind(head: bytes, protocol: Protocol | str = Protocol.P3) -> CaptureKind:
    """The published text form the file is in, or RAW.

    The first line says which; when it is neither (a typo), a file that is all text is still not raw
    binary (P3 and P98 wire bytes are not all printable; only Protime's are): its kind is that of the
    first line that is one, else hex, so the bad line is named, not read as garbage.
    """
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    first = _line_kind(lines[0]) if lines else None
    if first is not None:
        return first
    if not lines or not _TEXT.match(head) or Protocol(protocol) is Protocol.PROTIME:
        return CaptureKind.RAW
    complete = lines if len(head) < 4096 else lines[:-1]  # the head may end inside a line
    kinds = (_line_kind(line) for line in complete[1:])
    return next((kind for kind in kinds if kind is not None), CaptureKind.HEX)


def capture_protocol(path: str | Path, asked: Protocol | str | None) -> Protocol:
    """The protocol a capture is read with: the one asked for, else P98 for a file of P98 records one a line,
    else P3. A file of P98 lines asked to be read as another protocol is refused (it would decode nothing)."""
    try:
        with open(path, "rb") as file:
            kind = _text_kind(file.read(4096))
    except OSError:
        kind = CaptureKind.RAW  # said by check_capture, which names the problem
    if asked is None:
        return Protocol.P98 if kind is CaptureKind.P98 else Protocol.P3
    if kind is CaptureKind.P98 and Protocol(asked) is not Protocol.P98:
        raise DecoderOpenError(f"{path}: P98 records one a line, not {Protocol(asked).value}: "
                               "read it with protocol p98 (or give no protocol)")
    return Protocol(asked)


def with_capture_protocol(url: DecoderUrl) -> DecoderUrl:
    """A ``file://`` URL with the protocol its capture is in when none was given (other URLs as they are)."""
    if url.scheme != "file":
        return url
    return replace(url, protocol=capture_protocol(url.target, url.protocol if url.protocol_given else None))


def _lines(file: BinaryIO, path: Path) -> Iterator[tuple[int, bytes]]:
    """Numbered, stripped, non-empty lines, each read with a cap so a huge line cannot fill memory."""
    number = 0
    while line := file.readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE:
            raise DecoderOpenError(f"{path}:{number}: line longer than {MAX_LINE} bytes "
                                   "(a text capture holds one frame a line)")
        line = line.strip()
        if line:
            yield number, line


def _hex_error(path: Path, number: int, line: bytes) -> DecoderOpenError:
    """Why a line of a hex capture is not hex bytes, naming file, line and column."""
    bad = _NOT_HEX.search(line)
    if bad is None:
        return DecoderOpenError(f"{path}:{number}: odd number of hex digits ({len(line)})")
    return DecoderOpenError(f"{path}:{number}: not a line of hex bytes "
                            f"({bad.group().decode('latin-1')!r} at column {bad.start() + 1})")


def iter_capture_bytes(path: str | Path, chunk_size: int = CHUNK_SIZE,
                       protocol: Protocol | str = Protocol.P3) -> Iterator[bytes]:
    """Yield a capture's wire bytes in chunks, converting hex-text and P98-line files to bytes.

    Memory stays bounded whatever the file holds: raw files are read in chunks and text lines
    are capped at ``MAX_LINE``. A text capture with a line that is not what its first line
    promised raises ``DecoderOpenError`` naming the file and line.
    """
    path = Path(path)
    with _open(path) as file:
        head = file.read(4096)
        kind = _text_kind(head, protocol)
        if kind is CaptureKind.RAW:
            chunk = head
            while chunk:
                yield chunk
                chunk = file.read(chunk_size)
            return
        file.seek(0)
        for number, line in _lines(file, path):
            if kind is CaptureKind.HEX:
                if len(line) % 2 or line.translate(None, _HEX_DIGITS):
                    raise _hex_error(path, number, line)
                yield bytes.fromhex(line.decode("ascii"))
            else:
                yield b"\x01" + line + b"\r\n"


def check_capture(path: str | Path, protocol: Protocol | str = Protocol.P3) -> CaptureKind:
    """Refuse a capture that cannot be read before anything is written from it.

    A text capture is read through once (bounded memory) so that a bad line is reported, naming
    file and line, before a session or output file exists; a raw capture needs no check, as any
    bytes are a valid stream (junk is counted as dropped).
    """
    path = Path(path)
    if not path.is_file():
        raise DecoderOpenError(f"capture file not found: {path}")
    with _open(path) as file:
        kind = _text_kind(file.read(4096), protocol)
    if kind is not CaptureKind.RAW:
        for _ in iter_capture_bytes(path, protocol=protocol):
            pass
    return kind


def no_passings_error(path: str | Path, decoder: StreamDecoder) -> DecoderOpenError:
    """The refusal of a capture that holds no passing, saying what was decoded and dropped (what the file was)."""
    return DecoderOpenError(f"{path}: no passings in the capture ({decoder.frames_decoded} frames decoded, "
                            f"dropped: {decoder.describe_drops()})")


def check_passings(path: str | Path, protocol: Protocol | str = Protocol.P3) -> None:
    """Refuse a capture with no passing in it before a session is made from it (it would time nothing).

    Reads up to the first passing, so a capture is read through only when it has none (a file that is not
    a capture at all, or a decoder that heard no car).
    """
    decoder = StreamDecoder(protocol, source=f"file://{path}")
    for chunk in iter_capture_bytes(path, protocol=protocol):
        if any(isinstance(event, Passing) for event in decoder.feed(chunk)):
            return
    decoder.end()
    raise no_passings_error(path, decoder)


def read_capture(path: str | Path, protocol: Protocol | str = Protocol.P3) -> Iterator[DecoderEvent]:
    """Every event in a capture file, in order (raw bytes, hex text or P98 lines)."""
    decoder = StreamDecoder(protocol, source=f"file://{path}")
    for chunk in iter_capture_bytes(path, protocol=protocol):
        yield from decoder.feed(chunk)
