"""A large session's laps, verdicts and crossings as numpy columns, read as sequences of records.

The array form of the engine (:mod:`.arrays`) works on columns; making a ``Lap``, a ``Verdict``
and a ``Passing`` object for each of a million crossings would cost more than the derivation
itself, and a replay stores the laps without looking at one. These sequences hold the columns
and make a record only when one is read (iterating makes them in bulk), so they stand wherever
the engine's results give tuples: ``len``, indexing, slicing, iteration and equality with any
sequence of the same records.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar, overload

import numpy as np

from hardware.events import Passing
from laptiming.engine.model import Lap, LapFlag, PassingReason, Verdict

if TYPE_CHECKING:
    from hardware.p3.columns import PassingColumns

    PassingSource = list[Passing] | tuple[Passing, ...] | PassingColumns

T = TypeVar("T")

FLAG_SETS: tuple[frozenset[LapFlag], ...] = (
    frozenset(), frozenset({LapFlag.SUSPECT}), frozenset({LapFlag.DELETED}), frozenset({LapFlag.SUSPECT, LapFlag.DELETED}),
)
"""A lap's flags by code: suspect + 2 x deleted."""
REASONS: tuple[PassingReason, ...] = tuple(PassingReason)
"""A verdict's reason by code (its place in :class:`PassingReason`)."""


class _Records(Sequence[T], Generic[T]):
    """A sequence whose items are made from columns on demand; equal to any sequence of the same items."""

    @abstractmethod
    def _make(self, indices: list[int]) -> Iterator[T]:
        """The records at these places, in this order."""

    @abstractmethod
    def __len__(self) -> int: ...

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self._make(list(range(*index.indices(len(self))))))
        position = range(len(self))[index]  # negative indices and IndexError as a tuple gives them
        return next(self._make([position]))

    def __iter__(self) -> Iterator[T]:
        return self._make(list(range(len(self))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(mine == theirs for mine, theirs in zip(self, other))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} items)"


class LapColumns(_Records[Lap]):
    """Laps as columns (one row per lap, in the order given); read as ``Lap`` records."""

    def __init__(self, car_id: np.ndarray, lap_no: np.ndarray, lap_time_us: np.ndarray, crossing_us: np.ndarray,
                 transponder: np.ndarray, flag_code: np.ndarray) -> None:
        self.car_id, self.lap_no, self.lap_time_us = car_id, lap_no, lap_time_us
        self.crossing_us, self.transponder, self.flag_code = crossing_us, transponder, flag_code

    @classmethod
    def from_laps(cls, laps: Sequence[Lap]) -> LapColumns:
        """Columns of lap records (for storing laps derived one by one the same way)."""
        if isinstance(laps, LapColumns):
            return laps
        count = len(laps)

        def column(read: Callable[[Lap], int], dtype: type = np.int64) -> np.ndarray:
            return np.fromiter(map(read, laps), dtype=dtype, count=count)

        return cls(column(lambda lap: lap.car_id), column(lambda lap: lap.lap_no), column(lambda lap: lap.lap_time_us),
                   column(lambda lap: lap.crossing_us), column(lambda lap: lap.transponder),
                   column(lambda lap: FLAG_SETS.index(lap.flags), np.int8))

    @classmethod
    def concatenate(cls, parts: Sequence[LapColumns]) -> LapColumns:
        """Several cars' laps one after the other."""
        if len(parts) == 1:
            return parts[0]
        names = ("car_id", "lap_no", "lap_time_us", "crossing_us", "transponder", "flag_code")
        if not parts:
            return cls(*(np.zeros(0, dtype=np.int8 if name == "flag_code" else np.int64) for name in names))
        return cls(*(np.concatenate([getattr(part, name) for part in parts]) for name in names))

    def __len__(self) -> int:
        return len(self.lap_no)

    def _make(self, indices: list[int]) -> Iterator[Lap]:
        chosen = np.asarray(indices, dtype=np.int64)
        return map(Lap, self.car_id[chosen].tolist(), self.lap_no[chosen].tolist(), self.lap_time_us[chosen].tolist(),
                   self.crossing_us[chosen].tolist(), self.transponder[chosen].tolist(),
                   map(FLAG_SETS.__getitem__, self.flag_code[chosen].tolist()))


def take_passings(source: PassingSource, indices: Sequence[int]) -> list[Passing]:
    """The passings at these places of a list of passings or of passing columns."""
    if isinstance(source, list | tuple):
        return [source[index] for index in indices]
    return source.take(indices)


class PassingRows(_Records[Passing]):
    """Some passings of a source (a list, or columns from a bulk decode), at the given places, in that order."""

    def __init__(self, source: PassingSource, indices: np.ndarray) -> None:
        self.source, self.indices = source, indices

    def __len__(self) -> int:
        return len(self.indices)

    def _make(self, indices: list[int]) -> Iterator[Passing]:
        return iter(take_passings(self.source, self.indices[np.asarray(indices, dtype=np.int64)].tolist()))


class VerdictColumns(_Records[Verdict]):
    """The verdict on each passing of a source, in the order given: the car (or None) and the reason's code."""

    def __init__(self, source: PassingSource, order: np.ndarray, car_id: np.ndarray, reason_code: np.ndarray,
                 no_car: int) -> None:
        self.source, self.order, self.car_id, self.reason_code, self.no_car = source, order, car_id, reason_code, no_car

    def __len__(self) -> int:
        return len(self.order)

    def _make(self, indices: list[int]) -> Iterator[Verdict]:
        chosen = np.asarray(indices, dtype=np.int64)
        passings = take_passings(self.source, self.order[chosen].tolist())
        no_car = self.no_car
        cars = [None if car == no_car else car for car in self.car_id[chosen].tolist()]
        return map(Verdict, passings, cars, map(REASONS.__getitem__, self.reason_code[chosen].tolist()))


def counted_passings(verdicts: Sequence[Verdict]) -> int:
    """How many verdicts count (open timing, a lap, the finish), read from the codes when they are columns."""
    if isinstance(verdicts, VerdictColumns):
        counted = [code for code, reason in enumerate(REASONS) if reason.counted]
        return int(np.isin(verdicts.reason_code, counted).sum())
    return sum(1 for verdict in verdicts if verdict.reason.counted)


def verdicts_with(verdicts: Sequence[Verdict], reason: PassingReason) -> list[Verdict]:
    """The verdicts of this reason, in order; from columns only those verdicts are made."""
    if isinstance(verdicts, VerdictColumns):
        return list(verdicts._make(np.flatnonzero(verdicts.reason_code == REASONS.index(reason)).tolist()))
    return [verdict for verdict in verdicts if verdict.reason is reason]


def laps_flagged(laps: Sequence[Lap], flag: LapFlag) -> list[Lap]:
    """The laps with this flag, in order; from columns only those laps are made."""
    if isinstance(laps, LapColumns):
        bit = 1 if flag is LapFlag.SUSPECT else 2  # the flag code is suspect + 2 x deleted
        return list(laps._make(np.flatnonzero(laps.flag_code & bit).tolist()))
    return [lap for lap in laps if flag in lap.flags]
