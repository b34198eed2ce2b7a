"""Paging for a board nobody touches: which positions a page shows when the field does not fit the screen.

Pure arithmetic, no widgets: the board asks how many rows fit its table, shares the field out evenly
over as many pages as that takes, keeps one :class:`Page`, turns it on a timer and re-fits it when the
field or the screen changes size.
"""

from __future__ import annotations

from dataclasses import dataclass


def rows_that_fit(height: int, header_height: int, row_height: int) -> int:
    """How many whole rows a table of this height shows below its header (at least one, so a page is never empty)."""
    if row_height < 1:
        raise ValueError(f"a row is at least one line high, not {row_height}")
    return max(1, (height - header_height) // row_height)


def even_page_size(fits: int, total: int) -> int:
    """Rows a page shows: as many pages as the rows that fit need, shared out evenly (25 cars with 12 fitting
    take pages of 9, 9 and 7, not 12, 12 and 1: a page with one car on it, left up for seconds, looks broken)."""
    fits = max(1, fits)
    return -(-total // _page_count(total, fits)) if total > fits else fits


def _page_count(total: int, size: int) -> int:
    """Pages of ``size`` rows that ``total`` rows take (one, empty, when there are none)."""
    return max(1, -(-total // size))


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the standings: rows ``first`` to ``stop`` (0-based, stop excluded) of ``total``, ``size`` a page."""

    number: int  # 0-based
    size: int  # rows a page holds
    total: int  # rows in the whole field

    def __post_init__(self) -> None:
        if self.size < 1 or self.total < 0 or not 0 <= self.number < self.count:
            raise ValueError(f"no page {self.number} of {self.total} rows at {self.size} a page")

    @classmethod
    def holding(cls, row: int, size: int, total: int) -> Page:
        """The page that holds this row (0-based): a new size or field keeps the same positions on the screen."""
        size = max(1, size)
        return cls(min(max(0, row) // size, _page_count(total, size) - 1), size, total)

    @property
    def count(self) -> int:
        """How many pages the field takes (one, empty, when there are no rows)."""
        return _page_count(self.total, self.size)

    @property
    def paged(self) -> bool:
        """Whether the field takes more than one page (else the board shows it all and says nothing)."""
        return self.count > 1

    @property
    def first(self) -> int:
        """The first row on this page (0-based)."""
        return self.number * self.size

    @property
    def stop(self) -> int:
        """One past the last row on this page (the last page may be short)."""
        return min(self.total, self.first + self.size)

    def next(self) -> Page:
        """The page after this one, back to the first after the last (the board goes round the field)."""
        return Page((self.number + 1) % self.count, self.size, self.total)

    def label(self) -> str:
        """Which positions are shown, for the board's header; empty when everything fits."""
        if not self.paged:
            return ""
        shown = f"position {self.stop}" if self.stop - self.first == 1 else f"positions {self.first + 1}-{self.stop}"
        return f"{shown} of {self.total} (page {self.number + 1}/{self.count})"
