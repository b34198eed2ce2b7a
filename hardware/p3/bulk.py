"""Bulk P3 decoding with numpy: a whole capture or a large read in one pass, same result as the stream.

Every start byte whose first end byte comes before the next start byte, at a size a frame may
have, with no odd escape inside, is a *clean* frame; runs of clean frames back to back are taken
without a Python step each. Escapes are undone for all of them at once; LENGTH and CRC are
checked across all frames of one size at once (:mod:`hardware.p3.crc_columns`), and the layouts
AMB decoders send for PASSING and STATUS are unpacked column by column. Everything else (garbage, short or cut frames, odd escapes,
other layouts, sizes seen only a few times) goes through the streaming framer's own
:func:`step_frame` / :func:`check_frame` / :func:`decode_event`, so frames, events and drop
counts are exactly those of :class:`hardware.framing.StreamDecoder`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from hardware.drops import DropReason
from hardware.events import DecoderStatus
from hardware.gcpause import no_cyclic_gc
from hardware.p3.columns import PassingColumns
from hardware.p3.constants import (
    EOR,
    ESC,
    ESCAPE_OFFSET,
    MAX_WIRE_FRAME,
    MIN_FRAME_SIZE,
    SOR,
    GeneralField,
    PassingField,
    StatusField,
    Tor,
)
from hardware.p3.crc_columns import frame_crcs
from hardware.p3.frame import CountedStep, step_frame

CHUNK_FRAMES = 1 << 15  # frames of one size judged together (bounds the temporary lists of values)
MIN_GROUP = 8  # fewer frames than this of one size are judged one by one
FRAMING_BLOCK = 64 * 1024  # bytes whose framing bytes are counted, then listed, at a time
_LOWEST_FRAMING = min(ESC, SOR, EOR)
assert sorted((ESC, SOR, EOR)) == [_LOWEST_FRAMING, _LOWEST_FRAMING + 1, _LOWEST_FRAMING + 2]


@dataclass(frozen=True, slots=True)
class Layout:
    """A fixed frame layout: its record type and (field id, value size) in order, from offset 10."""

    tor: Tor
    fields: tuple[tuple[int, int], ...]

    @property
    def size(self) -> int:
        """The whole unescaped frame's size, SOR to EOR."""
        return 11 + sum(2 + size for _, size in self.fields)

    def offsets(self) -> Iterator[tuple[int, int, int]]:
        """(field id, offset of its id byte, value size) for each field."""
        offset = 10
        for field_id, size in self.fields:
            yield field_id, offset, size
            offset += 2 + size


# The layouts AMB RC decoders send (and our encoders write): PASSING 51 bytes, STATUS 31 bytes.
PASSING_LAYOUT = Layout(Tor.PASSING, (
    (PassingField.PASSING_NUMBER, 4), (PassingField.TRANSPONDER, 4), (PassingField.RTC_TIME, 8),
    (PassingField.STRENGTH, 2), (PassingField.HITS, 2), (PassingField.FLAGS, 2), (GeneralField.DECODER_ID, 4),
))
STATUS_LAYOUT = Layout(Tor.STATUS, (
    (StatusField.NOISE, 2), (StatusField.TEMPERATURE, 2), (StatusField.INPUT_VOLTAGE, 1), (StatusField.GPS, 1),
    (GeneralField.DECODER_ID, 4),
))


@dataclass(slots=True)
class Scan:
    """How the streaming framer would walk a buffer: clean frames in bulk, every other step as it is.

    ``starts``/``ends``: clean frames (start byte, end byte offsets), in order. ``escapes``: the
    offsets of escape bytes that each stand before one escaped byte. ``steps``: the position of
    each other step and what :func:`step_frame` returned there. ``end``: where the walk stopped
    (the rest waits for more bytes).
    """

    starts: np.ndarray
    ends: np.ndarray
    escapes: np.ndarray
    steps: list[tuple[int, CountedStep]] = field(default_factory=list)
    end: int = 0


@dataclass(slots=True)
class Checked:
    """The clean frames judged: drops by reason, passings as columns, other events in order with their
    offsets, frames left to judge."""

    drops: dict[DropReason, tuple[int, int]]  # reason -> (frames, bytes)
    passings: PassingColumns
    events: list[object]
    event_starts: np.ndarray
    decoded_bytes: int
    others: list[tuple[int, int, bytes]]  # (start, end, unescaped frame) to judge one by one, as the stream does


@dataclass(frozen=True, slots=True)
class Framing:
    """Where a buffer's start, end and escape bytes are (ascending offsets), found in one pass."""

    sors: np.ndarray
    eors: np.ndarray
    escs: np.ndarray


def find_framing(buffer: bytes) -> Framing | None:
    """The buffer's framing bytes, or None when it looks like a flood rather than frames.

    Bulk decoding pays for frames: start, end and escape bytes together are a quarter of the
    bytes at most in every block of :data:`FRAMING_BLOCK` (frames from a decoder have about one
    in twenty). A flood (of start bytes, of short frames) is left to :func:`step_frame`, which
    skips it in bounded memory: a block is counted before its offsets are listed, in scratch space
    of one block, so a flood makes no array the size of the read.
    """
    data = np.frombuffer(buffer, dtype=np.uint8)
    shifted = np.empty(min(len(data), FRAMING_BLOCK), dtype=np.uint8)
    special = np.empty(len(shifted), dtype=bool)
    found = [np.zeros(0, dtype=np.intp)]
    for start in range(0, len(data), FRAMING_BLOCK):
        block = data[start : start + FRAMING_BLOCK]
        size = len(block)
        mask = np.less(np.subtract(block, np.uint8(_LOWEST_FRAMING), out=shifted[:size]), 3, out=special[:size])
        if np.count_nonzero(mask) * 4 > size:
            return None
        offsets = np.flatnonzero(mask)
        offsets += start
        found.append(offsets)
    return _split(data, np.concatenate(found))


def framing_of(buffer: bytes) -> Framing:
    """The buffer's framing bytes, a flood's too."""
    data = np.frombuffer(buffer, dtype=np.uint8)
    return _split(data, np.flatnonzero((data - np.uint8(_LOWEST_FRAMING)) < 3))


def _split(data: np.ndarray, offsets: np.ndarray) -> Framing:
    """The offsets of framing bytes told apart by kind."""
    kinds = data[offsets]
    return Framing(offsets[kinds == SOR], offsets[kinds == EOR], offsets[kinds == ESC])


def scan(buffer: bytes, pos: int = 0, framing: Framing | None = None) -> Scan:
    """Walk ``buffer`` from ``pos`` as :func:`step_frame` would, taking runs of clean frames in one go.

    ``framing``: the buffer's :func:`find_framing` when already found (it is found here otherwise,
    a flood too).
    """
    data = np.frombuffer(buffer, dtype=np.uint8)
    size = len(buffer)
    found = framing or framing_of(buffer)
    sors, eors, escs = found.sors, found.eors, found.escs
    next_eor = np.append(eors, size)[np.searchsorted(eors, sors, side="right")]
    next_sor = np.append(sors[1:], size)
    frame_size = next_eor - sors + 1
    clean = (next_eor < next_sor) & (frame_size >= MIN_FRAME_SIZE) & (frame_size <= MAX_WIRE_FRAME)
    escapes = escs
    if len(escs):
        # An escape before an ordinary byte is undone in bulk; a frame with any other escape in it
        # (before another escape, a start or end byte, a byte below 0x20, or at the very end) is stepped.
        following = data[np.minimum(escs + 1, size - 1)]
        simple = (following >= ESCAPE_OFFSET) & (following != ESC) & (following != SOR) & (following != EOR)
        simple &= escs + 1 < size
        escapes, awkward = escs[simple], escs[~simple]
        if len(awkward):
            clean &= np.searchsorted(awkward, next_eor) == np.searchsorted(awkward, sors)
    # a run breaks after frame k unless frame k+1 is clean and starts right after frame k's end byte
    chained = clean[:-1] & clean[1:] & (next_eor[:-1] + 1 == sors[1:])
    breaks = np.flatnonzero(~chained)
    count = len(sors)
    runs: list[tuple[int, int]] = []
    result = Scan(sors[:0], sors[:0], escapes)
    index = int(np.searchsorted(sors, pos))
    while pos < size:
        if index < count and sors[index] == pos and clean[index]:
            at = int(np.searchsorted(breaks, index))
            last = int(breaks[at]) if at < len(breaks) else count - 1
            runs.append((index, last + 1))
            pos = int(next_eor[last]) + 1
            index = last + 1
            continue
        step = step_frame(buffer, pos)
        if step[0] == pos and step[1] is None and step[2] is None:
            break  # the rest waits for more bytes
        result.steps.append((pos, step))
        pos = step[0]
        index = int(np.searchsorted(sors, pos))
    if runs:
        chosen = np.concatenate([np.arange(first, stop) for first, stop in runs])
        result.starts, result.ends = sors[chosen], next_eor[chosen]
    result.end = pos
    return result


def unescaped(buffer: bytes, scanned: Scan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The buffer with its simple escapes undone, and the clean frames' start and end offsets in it."""
    data = np.frombuffer(buffer, dtype=np.uint8)
    escapes = scanned.escapes
    if not len(escapes):
        return data, scanned.starts, scanned.ends
    kept = np.ones(len(data), dtype=bool)
    kept[escapes] = False
    undone = data[kept]
    undone[escapes - np.arange(len(escapes))] -= ESCAPE_OFFSET  # each escaped byte, where it lands
    return undone, scanned.starts - _count_below(escapes, scanned.starts), scanned.ends - _count_below(escapes, scanned.ends)


def _count_below(values: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """For each of the ascending ``limits``, how many of the ascending ``values`` are below it.

    Each value is placed among the limits (fewer searches than placing each limit among the
    values: escapes are few beside frames), then the counts are summed up along the limits.
    """
    return np.cumsum(np.bincount(np.searchsorted(limits, values, side="right"), minlength=len(limits) + 1))[:-1]


def check(buffer: bytes, scanned: Scan, host_time_ns: int = 0, source: str = "", min_group: int = MIN_GROUP) -> Checked:
    """Judge the clean frames in bulk: LENGTH and CRC per size, the AMB layouts unpacked into events.

    The cyclic garbage collector is paused meanwhile: it would otherwise scan the growing list
    of events (acyclic tuples and dataclasses) again and again, which costs more than decoding.
    """
    with no_cyclic_gc():
        return _check(buffer, scanned, host_time_ns, source, min_group)


def _check(buffer: bytes, scanned: Scan, host_time_ns: int, source: str, min_group: int) -> Checked:
    data, starts, ends = unescaped(buffer, scanned)
    wire_sizes = scanned.ends - scanned.starts + 1
    sizes = ends - starts + 1
    drops: dict[DropReason, tuple[int, int]] = {}
    parts: list[tuple[np.ndarray, list[object]]] = []
    passing_parts: list[PassingColumns] = []
    others: list[np.ndarray] = []
    decoded_bytes = 0
    counts = np.bincount(sizes)
    rare = counts[sizes] < min_group
    if rare.any():  # a few frames of a size are judged one by one (junk makes candidates of every size)
        others.append(np.flatnonzero(rare))
    for size in np.flatnonzero(counts >= min_group).tolist():  # (np.unique would load numpy.ma)
        of_size = np.flatnonzero(sizes == size)
        windows = sliding_window_view(data, size)  # a view: row i is data[i : i + size]
        for first in range(0, len(of_size), CHUNK_FRAMES):
            chosen = of_size[first : first + CHUNK_FRAMES]
            rows = windows[starts[chosen]]
            length_ok = (rows[:, 2] | (rows[:, 3].astype(np.uint16) << 8)) == size
            crc_ok = frame_crcs(rows) == (rows[:, 4] | (rows[:, 5].astype(np.uint16) << 8))
            for reason, bad in ((DropReason.BAD_LENGTH, ~length_ok), (DropReason.BAD_CRC, length_ok & ~crc_ok)):
                if bad.any():
                    old_frames, old_bytes = drops.get(reason, (0, 0))
                    drops[reason] = (old_frames + int(np.count_nonzero(bad)),
                                     old_bytes + int(wire_sizes[chosen[bad]].sum()))
            good = length_ok & crc_ok
            for layout in (PASSING_LAYOUT, STATUS_LAYOUT):
                if size == layout.size:
                    match = good & _matches(rows, layout)
                    # every row matching is the usual case: then no copy of the rows
                    matched, taken = (rows, chosen) if match.all() else (rows[match], chosen[match])
                    positions = scanned.starts[taken]
                    if layout is PASSING_LAYOUT:
                        passing_parts.append(_passings(matched, layout, positions, host_time_ns, source))
                    else:
                        parts.append((positions, _statuses(matched, layout, host_time_ns, source)))
                    decoded_bytes += int(wire_sizes[taken].sum())
                    good &= ~match
            others.append(chosen[good])
    other = np.sort(np.concatenate(others)) if others else np.flatnonzero(sizes < 0)
    other_frames = [
        (wire_start, wire_end, data[start : end + 1].tobytes())
        for wire_start, wire_end, start, end in zip(
            scanned.starts[other].tolist(), scanned.ends[other].tolist(), starts[other].tolist(), ends[other].tolist()
        )
    ]
    events, event_starts = _in_order(parts, starts[:0])
    passings = PassingColumns.concatenate(passing_parts, host_time_ns, source)  # one size: already in order
    return Checked(drops, passings, events, event_starts, decoded_bytes, other_frames)


def _in_order(parts: list[tuple[np.ndarray, list[object]]], empty: np.ndarray) -> tuple[list[object], np.ndarray]:
    """Events of several groups merged into stream order."""
    parts = [part for part in parts if len(part[0])]
    if not parts:
        return [], empty
    if len(parts) == 1:
        return parts[0][1], parts[0][0]
    positions = np.concatenate([part[0] for part in parts])
    events = [event for part in parts for event in part[1]]
    order = np.argsort(positions, kind="stable")
    return list(itemgetter(*order.tolist())(events)), positions[order]  # two parts or more: 2+ events


def _matches(rows: np.ndarray, layout: Layout) -> np.ndarray:
    """Rows whose record type and field ids and sizes are exactly the layout's."""
    where, expected = _fixed_bytes(layout)
    return (rows[:, where] == expected).all(axis=1)


@functools.cache
def _fixed_bytes(layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """The offsets of the bytes every frame of the layout has the same (record type, field ids and sizes) and their values."""
    where, expected = [8, 9], [layout.tor & 0xFF, layout.tor >> 8]
    for field_id, offset, size in layout.offsets():
        where += [offset, offset + 1]
        expected += [field_id, size]
    return np.array(where, dtype=np.intp), np.array(expected, dtype=np.uint8)


_FORMATS = {1: "<u1", 2: "<u2", 4: "<u4", 8: "<u8"}


def _records(rows: np.ndarray, layout: Layout, signed: frozenset[int] = frozenset()) -> np.ndarray:
    """The rows (contiguous frames of the layout) viewed as records with one field per layout field."""
    names, formats, offsets = [], [], []
    for field_id, offset, size in layout.offsets():
        names.append(f"f{field_id}")
        formats.append(_FORMATS[size].replace("u", "i") if field_id in signed else _FORMATS[size])
        offsets.append(offset + 2)
    dtype = np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": layout.size})
    return np.ascontiguousarray(rows).view(dtype)[:, 0]


def _passings(rows: np.ndarray, layout: Layout, positions: np.ndarray, host_time_ns: int, source: str) -> PassingColumns:
    """The passings of these rows as columns (no object per passing), as :func:`decode_event` reads them."""
    records = _records(rows, layout)

    def column(field_id: int) -> np.ndarray:
        return np.ascontiguousarray(records[f"f{field_id}"])  # the field's own width: less memory to fill

    return PassingColumns(
        column(GeneralField.DECODER_ID), column(PassingField.PASSING_NUMBER), column(PassingField.TRANSPONDER),
        column(PassingField.RTC_TIME), column(PassingField.STRENGTH), column(PassingField.HITS),
        column(PassingField.FLAGS), positions, host_time_ns, source,
    )


def _statuses(rows: np.ndarray, layout: Layout, host_time_ns: int, source: str) -> list[object]:
    """DecoderStatus events, as :func:`record_to_event` makes them from this layout.

    A decoder repeats the same few readings, and the events are immutable, so equal readings
    share one object (building a frozen dataclass costs more than the rest of decoding it). The
    readings of one decoder are told apart in numpy; several decoders' in Python.
    """
    records = _records(rows, layout, signed=frozenset({StatusField.TEMPERATURE}))
    fields = [records[f"f{field_id}"] for field_id in _STATUS_FIELDS]
    decoder, noise, temperature, voltage, gps = fields
    if len(decoder) > 1 and (decoder == decoder[0]).all():
        readings = (noise.astype(np.uint64) | temperature.astype(np.uint16).astype(np.uint64) << 16
                    | voltage.astype(np.uint64) << 32 | gps.astype(np.uint64) << 40)
        firsts, which = _distinct(readings)
        made = [DecoderStatus(*reading[:4], bool(reading[4]), None, host_time_ns, source)
                for reading in zip(*(field[firsts].tolist() for field in fields))]
        return list(map(made.__getitem__, which.tolist()))
    rows_read = list(zip(*(field.tolist() for field in fields)))
    by_reading = {
        reading: DecoderStatus(*reading[:4], bool(reading[4]), None, host_time_ns, source) for reading in set(rows_read)
    }
    return list(map(by_reading.__getitem__, rows_read))


_STATUS_FIELDS = (GeneralField.DECODER_ID, StatusField.NOISE, StatusField.TEMPERATURE, StatusField.INPUT_VOLTAGE,
                  StatusField.GPS)


def _distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The row of each distinct key's first appearance in sorted order, and each row's distinct key's number
    (``np.unique``'s index and inverse, without the import of ``numpy.ma`` it brings)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    new = np.empty(len(keys), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    which = np.empty(len(keys), dtype=np.intp)
    which[order] = np.cumsum(new) - 1
    return order[new], which


def insertion_points(starts: np.ndarray, positions: list[int]) -> list[int]:
    """Where each of ``positions`` goes among the ascending ``starts`` (to merge events in stream order)."""
    return np.searchsorted(starts, positions).tolist()
