"""A plain pure-Python P3 decoder, the same-run baseline for the decode benchmark (not product code).

What anyone would write in an afternoon: split on the end byte, unescape, CRC with the table
one byte at a time, unpack the AMB PASSING layout with struct. No resynchronisation, no drop
counting, no other record types: a floor to compare the product's decoders against.
"""

from __future__ import annotations

import struct

from hardware.crc import TABLE
from hardware.events import Passing

_PASSING = struct.Struct("<12xI2xI2xQ2xH2xH4x2xIx")
_PASSING_SIZE = 51
_ESC, _EOR = 0x8D, b"\x8f"


def _crc(frame: bytes) -> int:
    register = 0xFFFF
    for index, byte in enumerate(frame):
        if index in (4, 5):
            byte = 0
        register = TABLE[register >> 8] ^ ((register << 8) & 0xFFFF) ^ byte
    return register


def _unescape(frame: bytes) -> bytes:
    out = bytearray()
    escaped = False
    for byte in frame:
        if escaped:
            out.append(byte - 0x20)
            escaped = False
        elif byte == _ESC:
            escaped = True
        else:
            out.append(byte)
    return bytes(out)


def decode_plain(data: bytes) -> list[Passing]:
    """The passings in ``data``: frames split on 0x8F, checked, the 51-byte PASSING layout unpacked."""
    passings = []
    for part in data.split(_EOR):
        if not part:
            continue
        frame = part + _EOR
        if _ESC in frame:
            frame = _unescape(frame)
        if frame[0] != 0x8E or frame[2] | frame[3] << 8 != len(frame):
            continue
        if frame[4] | frame[5] << 8 != _crc(frame) or len(frame) != _PASSING_SIZE or frame[8] != 1:
            continue
        number, transponder, rtc, strength, hits, decoder_id = _PASSING.unpack(frame)
        passings.append(Passing(decoder_id, number, transponder, rtc, strength, hits))
    return passings
