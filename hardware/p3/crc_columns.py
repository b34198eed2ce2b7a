"""The AMB CRC-16 of many unescaped frames of one size at once, with numpy.

The CRC is affine in the bytes: a frame's CRC is a constant XOR one table lookup per byte
position (what that byte adds, given how many bytes follow it). Looked up a column of frames at
a time, two bytes per lookup when there are many frames (a 65,536-entry table per byte pair).
"""

from __future__ import annotations

import functools

import numpy as np

from hardware.crc import TABLE, amb_crc16
from hardware.p3.frame import frame_crc

_CRC_FIELD = (4, 5)  # counted as zero: the field the CRC is written into
FEW_ROWS_PER_COLUMN = 16  # fewer rows than columns / this: CRC each row in C instead of each column in numpy
PAIRED_ROWS = 4096  # from this many rows of a size, CRC two bytes per lookup (its tables cost ~2 ms to build)


@functools.cache
def _crc_tables(count: int) -> np.ndarray:
    """``tables[k][v]``: what byte ``v`` adds to the CRC register when ``k`` bytes follow it (k < count)."""
    crc_table = np.array(TABLE, dtype=np.uint16)
    tables = np.empty((count, 256), dtype=np.uint16)
    register = np.arange(256, dtype=np.uint16)
    for after in range(count):
        tables[after] = register
        register = crc_table[register >> 8] ^ (register << 8)
    return tables


@functools.cache
def _zero_frame_crc(size: int) -> int:
    """The register after ``size`` zero bytes from the initial value: the constant term of the sum."""
    return amb_crc16(bytes(size))


def frame_crcs(rows: np.ndarray) -> np.ndarray:
    """AMB CRC-16 of each row (unescaped frames of one size), the CRC field taken as zero.

    Column by column for many rows; row by row (in C) for a few long ones, where a numpy call
    per byte column would cost more than the rows themselves.
    """
    count, size = rows.shape
    if count * FEW_ROWS_PER_COLUMN < size:
        return np.array([frame_crc(row.tobytes()) for row in rows], dtype=np.uint16)
    register = np.full(count, _zero_frame_crc(size), dtype=np.uint16)
    tables = _crc_tables(1 << (size - 1).bit_length())  # a power of two: few tables cached
    first_single = 0
    if count >= PAIRED_ROWS:  # bytes 2k and 2k+1 as one little-endian uint16, looked up at once
        rows = np.ascontiguousarray(rows)
        pairs = np.ndarray((count, size // 2), dtype="<u2", buffer=rows, strides=(size, 2))
        columns = np.ascontiguousarray(pairs.T)  # each pair column contiguous: the lookups read in order
        for pair, table in enumerate(_pair_tables(size)):
            if table is not None:
                register ^= table.take(columns[pair])
        first_single = size - size % 2
    columns = np.ascontiguousarray(rows[:, first_single:].T)
    for column in range(first_single, size):
        if column not in _CRC_FIELD:
            register ^= tables[size - 1 - column].take(columns[column - first_single])
    return register


@functools.lru_cache(maxsize=4)  # 128 KiB a pair: the few sizes a capture has many frames of
def _pair_tables(size: int) -> tuple[np.ndarray | None, ...]:
    """For each byte pair (2k, 2k+1) of a frame of ``size``: what the pair, read as a little-endian
    uint16, adds to the CRC register; None for the CRC field, which counts as zero."""
    tables = _crc_tables(1 << (size - 1).bit_length())
    values = np.arange(1 << 16)
    return tuple(
        None if first in _CRC_FIELD else tables[size - 1 - first][values & 0xFF] ^ tables[size - 2 - first][values >> 8]
        for first in range(0, size - 1, 2)
    )
