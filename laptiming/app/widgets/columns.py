"""The standings table's columns: how wide each is, and which of them give way when the screen is narrow.

Pos, No and Laps are as wide as the widest value in them (at least their header), so a car entered by
its transponder shows all seven digits of its number, never the first five. Status is as wide as its
longest text (a penalty with a DNF and its reason) when the screen has the room. A laptop at the timing
desk may show 100 columns or fewer, so the columns that matter least give way first: the best lap's
number, then the width of the driver's name, then the class, then the end of a long status; the
interval only when that is not enough. A number, a time, a gap and the start of Status are never cut
off the right edge. Pure: a width and the widest texts in, the columns to draw out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from rich.cells import cell_len, set_cell_size

Column = tuple[str, str, int]  # key, header, width in cells

# The widths are the least each column takes; the content-sized ones grow to the widest value in them.
COLUMNS: tuple[Column, ...] = (
    ("pos", "Pos", 3), ("no", "No", 2), ("driver", "Driver", 20), ("class", "Class", 12), ("laps", "Laps", 4),
    ("last", "Last", 9), ("best", "Best", 9), ("lap", "(lap)", 5), ("gap", "Gap", 9), ("int", "Int", 9),
    ("status", "Status", 10),
)
COLUMN_INDEX = {key: index for index, (key, _, _) in enumerate(COLUMNS)}
CONTENT_SIZED = ("pos", "no", "laps", "status")  # as wide as their widest value; the rest have fixed widths
CELL_PADDING = 1  # blank cells either side of each column, as a DataTable draws them
FLEXIBLE = "driver"  # takes back the width left over after narrowing, once Status has what it needs

# Tried in order until the table fits: the most each column may take by key, 0 drops it. Pos, No, Laps,
# the times and Gap never give way; Status only down to its least width (the start of it always shows);
# Int goes last, only when dropping the others is not enough.
NARROWER: tuple[Mapping[str, int], ...] = (
    {"lap": 0},
    {"lap": 0, "driver": 14},
    {"lap": 0, "driver": 14, "class": 0},
    {"lap": 0, "driver": 14, "class": 0, "status": 10},
    {"lap": 0, "driver": 12, "class": 0, "int": 0, "status": 10},
)


ID_IN_BRACKETS = re.compile(r"^(.*\S)\s*(\([^()]*\))$")  # a roster's driver of a name others have: "Ann Lee (D0017)"


def fit_name(name: str, width: int) -> str:
    """A driver's name in at most ``width`` cells: whole when it fits; else cut in the middle, so that an id in
    brackets at its end stays ("Clara F… (D0060)": two drivers of one name stay apart); else cut at the end."""
    if cell_len(name) <= width:
        return name
    found = ID_IN_BRACKETS.match(name)
    if found is not None:
        base, tag = found.groups()
        room = width - cell_len(tag) - 2  # the ellipsis and a space
        if room >= 1:
            return f"{set_cell_size(base, room).rstrip()}… {tag}"
    return set_cell_size(name, width)


def line_width(columns: tuple[Column, ...]) -> int:
    """Cells a line of these columns takes as built, each padded on both sides."""
    return sum(width + 2 * CELL_PADDING for _, _, width in columns)


def drawn_width(columns: tuple[Column, ...]) -> int:
    """Cells the columns take on screen (the last column's right padding is blank, so it may be cut)."""
    return line_width(columns) - CELL_PADDING


TABLE_WIDTH = line_width(COLUMNS)


def widest(rows: Iterable[Sequence[str]]) -> dict[str, int]:
    """The widest text of each content-sized column over these rows (each row's texts in COLUMNS order)."""
    widths = dict.fromkeys(CONTENT_SIZED, 0)
    for texts in rows:
        for key in CONTENT_SIZED:
            widths[key] = max(widths[key], cell_len(texts[COLUMN_INDEX[key]]))
    return widths


def wanted_columns(content: Mapping[str, int]) -> tuple[Column, ...]:
    """Every column at the width it wants: the content-sized ones as wide as their widest text (``content``,
    by key), at least their header and their least width."""
    return tuple((key, label, max(width, len(label), content.get(key, 0)) if key in CONTENT_SIZED else width)
                 for key, label, width in COLUMNS)


def fit_columns(available: int, content: Mapping[str, int] | None = None) -> tuple[Column, ...]:
    """The columns to draw in ``available`` cells, sized to ``content`` (see :func:`widest`): all of them at the
    width they want when that fits, else the first narrowing that fits (the narrowest as a last resort: the table
    then scrolls sideways); what is left over goes back to Status up to its text, then to the driver's name up to
    its full width, then to Status, the last column, for a longer reason."""
    wanted = wanted_columns(content or {})
    chosen = wanted
    for most in NARROWER:
        if drawn_width(chosen) <= available:
            break
        chosen = tuple((key, label, min(width, most.get(key, width))) for key, label, width in wanted
                       if most.get(key, width) > 0)
    spare = max(0, available - drawn_width(chosen))
    wants = {key: width for key, _, width in wanted}
    widened = dict((key, width) for key, _, width in chosen)
    for key in ("status", FLEXIBLE):
        if key in widened:
            extra = min(spare, wants[key] - widened[key])
            widened[key], spare = widened[key] + extra, spare - extra
    widened["status"] += spare
    return tuple((key, label, widened[key]) for key, label, _ in chosen)
