"""Passings as numpy columns: what the bulk decoder gives bulk consumers instead of a million objects.

Building one Python object per passing costs most of a bulk decode; consumers that store or
derive in bulk (replay, the journal's bulk insert) take the columns as they are. The events
view, with ``Passing`` objects in stream order, is made only when asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import repeat
from operator import itemgetter

import numpy as np

from hardware.events import DecoderEvent, Passing

_INT = np.int64


def _ints(values: Iterable[int], count: int) -> np.ndarray:
    return np.fromiter(values, dtype=_INT, count=count)


def _joined(columns: list[np.ndarray]) -> np.ndarray:
    """Columns one after the other; of mixed integer types, as int64 (numpy would make uint64 and int64 floats)."""
    if len({column.dtype for column in columns}) > 1:
        columns = [column.astype(_INT) for column in columns]
    return np.concatenate(columns)


def _as_list(column: np.ndarray) -> Iterable[int]:
    """The column as Python ints; a column of one value is that int repeated (the decoder id, mostly)."""
    if len(column) > 1 and (column == column[0]).all():
        return repeat(int(column[0]), len(column))
    return column.tolist()


@dataclass(frozen=True, slots=True)
class PassingColumns:
    """One row per passing, in stream order; integer columns of one length (from a decode, each at its
    field's wire width, unsigned: less memory to fill than int64).

    ``positions``: where each passing's frame starts in the bytes decoded (to merge with other
    events). Only passings with strength and hits and no transponder code or UTC time are
    columns; any other passing stays an event.
    """

    decoder_id: np.ndarray
    passing_number: np.ndarray
    transponder: np.ndarray
    rtc_time_us: np.ndarray
    strength: np.ndarray
    hits: np.ndarray
    flags: np.ndarray
    positions: np.ndarray
    host_time_ns: int = 0
    source: str = ""

    def __len__(self) -> int:
        return len(self.positions)

    @classmethod
    def empty(cls, host_time_ns: int = 0, source: str = "") -> PassingColumns:
        """No passings."""
        none = np.zeros(0, dtype=_INT)
        return cls(none, none, none, none, none, none, none, none, host_time_ns, source)

    @classmethod
    def concatenate(cls, parts: Sequence[PassingColumns], host_time_ns: int = 0, source: str = "") -> PassingColumns:
        """Several column sets one after the other (positions as they are)."""
        parts = [part for part in parts if len(part)]
        if not parts:
            return cls.empty(host_time_ns, source)
        if len(parts) == 1:
            return parts[0]
        return cls(*(_joined([getattr(part, name) for part in parts]) for name in _ARRAYS),
                   host_time_ns=host_time_ns, source=source)

    @classmethod
    def from_passings(cls, passings: Sequence[Passing]) -> PassingColumns:
        """Columns of passing objects (strength and hits set; host time and source from the first)."""
        count = len(passings)
        if any(p.strength is None or p.hits is None or p.transponder_code is not None or p.utc_time_us is not None
               for p in passings):
            raise ValueError("only passings with strength and hits and no code or UTC time fit in columns")
        first = passings[0] if count else None
        columns = [_ints(map(itemgetter(index), passings), count) for index in range(6)]
        return cls(*columns, np.zeros(count, dtype=_INT), np.arange(count, dtype=_INT),
                   first.host_time_ns if first else 0, first.source if first else "")

    def rows(self) -> Iterable[tuple]:
        """Journal rows (the ``Passing`` fields in order) as tuples of Python ints, no object per passing."""
        count = len(self)
        return zip(
            _as_list(self.decoder_id), _as_list(self.passing_number), _as_list(self.transponder),
            _as_list(self.rtc_time_us), _as_list(self.strength), _as_list(self.hits),
            repeat(None, count), repeat(None, count), repeat(self.host_time_ns, count), repeat(self.source, count),
        )

    def take(self, indices: Sequence[int]) -> list[Passing]:
        """The passings at these rows, in that order (what ``passings()`` has there, without making the rest)."""
        chosen = np.asarray(indices, dtype=_INT)
        count = len(chosen)
        rows = zip(*(column[chosen].tolist() for column in (self.decoder_id, self.passing_number, self.transponder,
                                                              self.rtc_time_us, self.strength, self.hits)),
                   repeat(None, count), repeat(None, count), repeat(self.host_time_ns, count), repeat(self.source, count))
        return list(map(tuple.__new__, repeat(Passing), rows))

    def passings(self) -> list[Passing]:
        """The events view: a ``Passing`` per row, as the streaming decoder makes them."""
        return list(map(tuple.__new__, repeat(Passing), self.rows()))


_ARRAYS = ("decoder_id", "passing_number", "transponder", "rtc_time_us", "strength", "hits", "flags", "positions")


@dataclass(frozen=True, slots=True)
class Decoded:
    """A bulk decode: passings as columns, every other event as an object with its position, in order."""

    passings: PassingColumns
    others: list[DecoderEvent] = field(default_factory=list)
    other_positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=_INT))

    @classmethod
    def concatenate(cls, parts: Sequence[tuple[int, Decoded]], host_time_ns: int = 0, source: str = "") -> Decoded:
        """Decodes of consecutive buffers as one; each part comes with where its buffer starts in the stream."""
        passings = PassingColumns.concatenate(
            [replace(part.passings, positions=part.passings.positions.astype(_INT) + start) for start, part in parts],
            host_time_ns, source)
        others = [event for _, part in parts for event in part.others]
        positions = [part.other_positions.astype(_INT) + start for start, part in parts]
        return cls(passings, others, np.concatenate(positions) if positions else np.zeros(0, dtype=_INT))

    def passing_columns(self) -> PassingColumns | None:
        """Every passing of this decode as columns, in stream order: those stepped through as objects (a
        short buffer, an unusual frame) too. None when one of those does not fit columns (a UTC time, a code)."""
        stepped = [(position, event) for position, event in zip(self.other_positions.tolist(), self.others)
                   if isinstance(event, Passing)]
        if not stepped:
            return self.passings
        try:
            extra = PassingColumns.from_passings([event for _, event in stepped])
        except ValueError:
            return None
        extra = replace(extra, positions=np.array([position for position, _ in stepped], dtype=_INT))
        both = PassingColumns.concatenate([self.passings, extra], self.passings.host_time_ns, self.passings.source)
        order = np.argsort(both.positions, kind="stable")
        return PassingColumns(*(getattr(both, name)[order] for name in _ARRAYS),
                              host_time_ns=both.host_time_ns, source=both.source)

    def events(self) -> list[DecoderEvent]:
        """Every event in stream order, passings made objects (what :meth:`StreamDecoder.feed` returns)."""
        passings: list[DecoderEvent] = self.passings.passings()  # type: ignore[assignment]
        if not self.others:
            return passings
        if not passings:
            return list(self.others)
        positions = np.concatenate([self.passings.positions, self.other_positions])
        order = np.argsort(positions, kind="stable")
        return list(itemgetter(*order.tolist())(passings + self.others))
