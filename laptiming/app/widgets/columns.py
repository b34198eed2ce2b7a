"""The standings table's columns, and which of them give way when the screen is narrow.

A laptop at the timing desk may show 100 columns or fewer; the full table needs 118. Status
(DNF, DSQ, a penalty) must never be cut off the right edge, nor may a time or gap, so the
columns that matter least give way first: the best lap's number, then the class, then the
width of the driver's name. Pure: a width in, the columns to draw out.
"""

from __future__ import annotations

from collections.abc import Mapping

Column = tuple[str, str, int]  # key, header, width in cells

COLUMNS: tuple[Column, ...] = (
    ("pos", "Pos", 4), ("no", "No", 5), ("driver", "Driver", 20), ("class", "Class", 12), ("laps", "Laps", 5),
    ("last", "Last", 9), ("best", "Best", 9), ("lap", "(lap)", 5), ("gap", "Gap", 9), ("int", "Int", 9),
    ("status", "Status", 10),
)
COLUMN_INDEX = {key: index for index, (key, _, _) in enumerate(COLUMNS)}
CELL_PADDING = 1  # blank cells either side of each column, as a DataTable draws them
FLEXIBLE = "driver"  # the column that takes back the width left over after narrowing (Status the rest)

# Tried in order until the table fits: new widths by key, 0 drops the column. Pos, No, Laps, the
# times, Gap and Status never give way; Int goes last, only when dropping the others is not enough.
NARROWER: tuple[Mapping[str, int], ...] = (
    {"lap": 0},
    {"lap": 0, "driver": 14},
    {"lap": 0, "driver": 14, "class": 0},
    {"lap": 0, "driver": 12, "class": 0, "int": 0},
)


def line_width(columns: tuple[Column, ...]) -> int:
    """Cells a line of these columns takes as built, each padded on both sides."""
    return sum(width + 2 * CELL_PADDING for _, _, width in columns)


def drawn_width(columns: tuple[Column, ...]) -> int:
    """Cells the columns take on screen (the last column's right padding is blank, so it may be cut)."""
    return line_width(columns) - CELL_PADDING


TABLE_WIDTH = line_width(COLUMNS)


def fit_columns(available: int) -> tuple[Column, ...]:
    """The columns to draw in ``available`` cells: all of them when they fit, else the first narrowing that
    fits (the narrowest as a last resort: the table then scrolls sideways); what is left over goes back to
    the driver's name (up to its full width), then to Status, the last column, for a longer reason."""
    chosen = COLUMNS
    for widths in NARROWER:
        if drawn_width(chosen) <= available:
            break
        chosen = tuple((key, label, widths.get(key, width)) for key, label, width in COLUMNS
                       if widths.get(key, width) > 0)
    spare = max(0, available - drawn_width(chosen))
    widened = []
    for key, label, width in chosen:
        if key == FLEXIBLE:
            extra = min(spare, COLUMNS[COLUMN_INDEX[FLEXIBLE]][2] - width)
            width, spare = width + extra, spare - extra
        widened.append((key, label, width))
    key, label, width = widened[-1]
    widened[-1] = (key, label, width + spare)
    return tuple(widened)
