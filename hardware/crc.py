"""The AMB CRC-16 shared by the P3 binary and P98 text protocols (spec sheet §1.4).

Polynomial 0x1021, initial value 0xFFFF, in AMB's "augmented" register form: each data byte is
XORed into the low byte after the shift, not into the table index, so this is *not*
CRC-16/CCITT-FALSE. Known answers: ``amb_crc16(b"123456789") == 0xA69D``, ``amb_crc16(b"") == 0xFFFF``.
"""

from __future__ import annotations

import binascii

_POLY = 0x1021
_INIT = 0xFFFF
# CRC-16/SPI-FUJITSU (a.k.a. AUG-CCITT) starts from 0xFFFF pushed through two zero bytes.
_SPI_FUJITSU_INIT = 0x1D0F


def _build_table() -> tuple[int, ...]:
    table = []
    for index in range(256):
        value = index << 8
        for _ in range(8):
            carry = value & 0x8000
            value = (value << 1) & 0xFFFF
            if carry:
                value ^= _POLY
        table.append(value)
    return tuple(table)


TABLE = _build_table()


def amb_crc16_reference(data: bytes) -> int:
    """The table-driven form exactly as AMB documents it; slow, kept as the reference."""
    register = _INIT
    for byte in data:
        register = TABLE[register >> 8] ^ ((register << 8) & 0xFFFF) ^ byte
    return register


def amb_crc16(data: bytes | bytearray | memoryview) -> int:
    """AMB CRC-16 of ``data``, computed in C.

    The augmented register after M equals CRC-16/SPI-FUJITSU of M without its last two bytes,
    XORed with those two bytes; ``binascii.crc_hqx`` computes SPI-FUJITSU given its initial value.
    """
    if len(data) < 2:
        return amb_crc16_reference(bytes(data))
    return binascii.crc_hqx(data[:-2], _SPI_FUJITSU_INIT) ^ ((data[-2] << 8) | data[-1])
