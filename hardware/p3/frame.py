"""P3 framing: finding frames in a byte stream, escaping, LENGTH/CRC checks, the TLV record.

Wire layout (all integers little-endian; LENGTH and CRC refer to the *unescaped* frame)::

    off  size  field
    0    1     SOR 0x8E
    1    1     VERSION (2 from decoders)
    2    2     LENGTH  whole unescaped frame, SOR..EOR inclusive
    4    2     CRC     AMB CRC-16 of the unescaped frame with these two bytes zeroed
    6    2     FLAGS   (always 0 seen)
    8    2     TOR     type of record
    10   n     fields  id u8 | len u8 | value
    L-1  1     EOR 0x8F

Between SOR and EOR, 0x8D/0x8E/0x8F are sent as 0x8D, byte+0x20. ``step_frame`` recovers from:
garbage before a frame, a 0x8E inside a frame (the broken frame is dropped, the new one starts),
a frame too short for a header, an escape at the end, a wrong LENGTH, a wrong CRC, and a frame
with no end. It never raises, and it skips floods of 0x8E or of short frames as fast as it reads
good frames (see :class:`hardware.drops.Delimiters`).
"""

from __future__ import annotations

import binascii
import struct
from dataclasses import dataclass

from hardware.crc import amb_crc16
from hardware.drops import Delimiters, DropReason, JunkTally
from hardware.errors import FrameError
from hardware.p3.constants import (
    DECODER_VERSION,
    EOR,
    ESC,
    ESCAPE_OFFSET,
    ESCAPED,
    HEADER_SIZE,
    MAX_WIRE_FRAME,
    MIN_FRAME_SIZE,
    SOR,
)

_HEADER = struct.Struct("<BBHHHH")
_U16 = struct.Struct("<H")
_SOR_BYTE = bytes((SOR,))
_EOR_BYTE = bytes((EOR,))
_ESC_BYTE = bytes((ESC,))
_SPI_INIT = 0x1D0F
_ZERO_CRC = b"\x00\x00"
_crc_hqx = binascii.crc_hqx

FrameStep = tuple[int, bytes | None, DropReason | None]
CountedStep = tuple[int, bytes | None, DropReason | JunkTally | None, int]
_DELIMITERS = Delimiters(SOR, EOR, MAX_WIRE_FRAME, MIN_FRAME_SIZE, DropReason.BAD_LENGTH)


def unescape(body: bytes) -> bytes | None:
    """Undo byte stuffing (0x8D, b+0x20 -> b); ``None`` when an escape is left dangling."""
    if ESC not in body:
        return body
    out = bytearray()
    index = 0
    size = len(body)
    while index < size:
        byte = body[index]
        if byte == ESC:
            index += 1
            if index >= size or body[index] < ESCAPE_OFFSET:
                return None
            byte = body[index] - ESCAPE_OFFSET
        out.append(byte)
        index += 1
    return bytes(out)


def escape(body: bytes) -> bytes:
    """Stuff exactly 0x8D, 0x8E and 0x8F, as real decoders do (0x8A-0x8C stay raw)."""
    if not any(b in body for b in (ESC, SOR, EOR)):
        return body
    out = bytearray()
    for byte in body:
        if byte in ESCAPED:
            out.append(ESC)
            out.append(byte + ESCAPE_OFFSET)
        else:
            out.append(byte)
    return bytes(out)


def frame_crc(frame: bytes) -> int:
    """AMB CRC-16 of an unescaped frame with its CRC field (offsets 4-5) taken as zero."""
    if len(frame) < 8:
        zeroed = bytearray(frame)
        zeroed[4:6] = b"\x00" * len(zeroed[4:6])
        return amb_crc16(zeroed)
    # Same sum as amb_crc16 (SPI-FUJITSU of all but the last two bytes, XOR those two bytes),
    # fed in three pieces so the CRC field is read as zero without building a zeroed copy.
    register = _crc_hqx(frame[6:-2], _crc_hqx(_ZERO_CRC, _crc_hqx(frame[:4], _SPI_INIT)))
    return register ^ ((frame[-2] << 8) | frame[-1])


def check_frame(frame: bytes) -> DropReason | None:
    """Validate an unescaped frame's size, LENGTH and CRC; ``None`` when it is good."""
    size = len(frame)
    if size < MIN_FRAME_SIZE or frame[2] | (frame[3] << 8) != size:
        return DropReason.BAD_LENGTH
    if frame[4] | (frame[5] << 8) != frame_crc(frame):
        return DropReason.BAD_CRC
    return None


def step_frame(buffer: bytes, pos: int = 0) -> CountedStep:
    """Take the next step through ``buffer`` from ``pos``: ``(end, frame, reason, count)``.

    - ``end == pos``, no frame, no reason: wait for more bytes (nothing consumed);
    - a frame: ``buffer[pos:end]`` was one good frame, returned unescaped and checked;
    - a reason: ``buffer[pos:end]`` was discarded, standing for ``count`` drops of that reason
      (a flood of broken frames is dropped in one step); for a run of mixed junk the reason is
      a :data:`~hardware.drops.JunkTally` of (reason, drops, bytes).

    A candidate shorter than a header on the wire is ``bad_length`` whatever it holds.
    """
    end, reason, count = _DELIMITERS.step(buffer, pos)
    if reason is not None or end == pos:
        return end, None, reason, count
    start = pos
    if buffer.find(_ESC_BYTE, start, end) < 0:
        frame = buffer[start : end + 1]
    else:
        inner = unescape(buffer[start + 1 : end])
        if inner is None:
            return end + 1, None, DropReason.BAD_ESCAPE, 1
        frame = _SOR_BYTE + inner + _EOR_BYTE
    reason = check_frame(frame)
    if reason is not None:
        return end + 1, None, reason, 1
    return end + 1, frame, None, 0


def next_frame(buffer: bytes, pos: int = 0) -> FrameStep:
    """:func:`step_frame` without the drop count: ``(end, frame, reason)``."""
    end, frame, reason, _ = step_frame(buffer, pos)
    if isinstance(reason, tuple):  # a run of mixed junk: name its first reason
        reason = reason[0][0]
    return end, frame, reason


@dataclass(frozen=True, slots=True)
class P3Record:
    """One decoded P3 record: its header and its fields in wire order, values as raw bytes.

    Keeping order and raw values makes ``encode_record(decode_record(f)) == f`` byte for byte,
    whatever the field order, unknown fields included.
    """

    tor: int
    fields: tuple[tuple[int, bytes], ...]
    version: int = DECODER_VERSION
    flags: int = 0

    def get(self, field_id: int) -> bytes | None:
        """Raw value of the first field with this id, or ``None``."""
        for fid, value in self.fields:
            if fid == field_id:
                return value
        return None

    def uint(self, field_id: int) -> int | None:
        """The field as an unsigned little-endian integer, or ``None`` when absent."""
        value = self.get(field_id)
        return int.from_bytes(value, "little") if value is not None else None

    def text(self, field_id: int) -> str | None:
        """The field as ASCII text (strings carry no terminator), or ``None`` when absent."""
        value = self.get(field_id)
        return value.decode("ascii", "replace") if value is not None else None


def decode_record(frame: bytes) -> P3Record:
    """Parse a checked, unescaped frame into a record; ``FrameError`` when a field overruns."""
    if len(frame) < MIN_FRAME_SIZE:
        raise FrameError(DropReason.BAD_LENGTH, f"frame of {len(frame)} bytes is shorter than a header")
    _, version, _, _, flags, tor = _HEADER.unpack_from(frame)
    fields: list[tuple[int, bytes]] = []
    offset = HEADER_SIZE
    stop = len(frame) - 1
    while offset < stop:
        if offset + 2 > stop:
            raise FrameError(DropReason.BAD_FIELD, f"field header at offset {offset} runs past EOR")
        field_id = frame[offset]
        size = frame[offset + 1]
        value_end = offset + 2 + size
        if value_end > stop:
            raise FrameError(
                DropReason.BAD_FIELD,
                f"field 0x{field_id:02X} at offset {offset} claims {size} bytes, past EOR",
            )
        fields.append((field_id, frame[offset + 2 : value_end]))
        offset = value_end
    return P3Record(tor=tor, fields=tuple(fields), version=version, flags=flags)


def encode_record(record: P3Record) -> bytes:
    """The exact wire bytes of a record: header, fields in order, LENGTH, CRC, then escaping."""
    body = b"".join(bytes((fid, len(value))) + value for fid, value in record.fields)
    length = HEADER_SIZE + len(body) + 1
    if length > 0xFFFF or any(len(value) > 0xFF for _, value in record.fields):
        raise ValueError("P3 record too long to encode")
    header = _HEADER.pack(SOR, record.version, length, 0, record.flags, record.tor)
    frame = bytearray(header + body + _EOR_BYTE)
    crc = amb_crc16(frame)
    frame[4:6] = _U16.pack(crc)
    return _SOR_BYTE + escape(bytes(frame[1:-1])) + _EOR_BYTE
