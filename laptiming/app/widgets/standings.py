"""The standings table on Textual's line API: one cached line per car, redrawn only when that car changes.

A passing changes one car's row (and, when places swap, the rows between): only those lines are
built again and only their screen lines refreshed. Nothing is rebuilt per passing, and there is
no per-cell layout as in a DataTable, so a burst of passings costs a few lines each. The number
columns are as wide as the widest value in them and Status as its longest text when the screen has
the room; on a narrow terminal the least needed columns give way (``columns.fit_columns``), so a car
number is never cut and Status is always on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from laptiming.app.widgets.columns import (
    CELL_PADDING,
    COLUMN_INDEX,
    COLUMNS,
    TABLE_WIDTH,
    Column,
    drawn_width,
    fit_columns,
    fit_name,
    line_width,
    widest,
)
from laptiming.engine import StandingRow
from laptiming.report import table_status
from laptiming.timefmt import format_gap, format_lap_time

HEADER_LINES = 1
SESSION_BEST = "bold magenta"
PERSONAL_BEST = "bold green"
CROSSED = "reverse"
OUT = "dim"


def lap_styles(session_best: bool, personal_best: bool) -> tuple[str, str]:
    """The last and the best lap's styles: the last in the session-best colour only when it is that lap (its car's
    best, and its car holds the session best), else green when it is the car's own best; the best lap coloured
    when it is the session's."""
    last = SESSION_BEST if session_best and personal_best else PERSONAL_BEST if personal_best else ""
    return last, SESSION_BEST if session_best else ""


def row_cells(row: StandingRow, crossed: bool = False) -> tuple[Text, ...]:
    """The cells of one row: bests in colour, the car that just crossed highlighted."""
    last_style, best_style = lap_styles(row.session_best, row.personal_best)
    name_style = CROSSED if crossed else (OUT if row.status.classification_group else "")  # DNF, DNS, DSQ
    return (
        Text("" if row.classified_position is None else str(row.classified_position), justify="right"),  # none: out
        Text(row.number, style=name_style, justify="right"),
        Text(row.driver or "", style=name_style),
        Text(row.car_class or ""),
        Text(str(row.laps), justify="right"),
        Text(format_lap_time(row.last_lap_us), style=last_style, justify="right"),
        Text(format_lap_time(row.best_lap_us), style=best_style, justify="right"),
        Text("" if row.best_lap_no is None else f"({row.best_lap_no})", justify="right"),
        Text(format_gap(row.gap), justify="right"),
        Text(format_gap(row.interval), justify="right"),
        Text(table_status(row), style=OUT if name_style == OUT else ""),
    )


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell as drawn: its text, its style and which side it hugs."""

    text: str
    style: str
    right: bool


def _cells(row: StandingRow, crossed: bool) -> tuple[Cell, ...]:
    return tuple(Cell(text.plain, str(text.style), text.justify == "right") for text in row_cells(row, crossed))


def _fit(text: str, width: int, right: bool) -> str:
    """The text cut or padded to exactly ``width`` cells."""
    if cell_len(text) > width:
        return set_cell_size(text, width)
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad


class StandingsTable(ScrollView, can_focus=True):
    """Live standings keyed by car id; :meth:`show` redraws only the lines of the cars that changed."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"standings--header", "standings--even-row", "standings--cursor"}
    DEFAULT_CSS = """
    StandingsTable {
        background: $surface;
        color: $foreground;
        & > .standings--header { text-style: bold; background: $panel; color: $foreground; }
        & > .standings--even-row { background: $surface-lighten-1 50%; }
        & > .standings--cursor { background: $block-cursor-blurred-background; color: $block-cursor-blurred-foreground; }
        &:focus > .standings--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor(-100000)", "First", show=False),
        Binding("end", "cursor(100000)", "Last", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._cells: dict[int, tuple[Cell, ...]] = {}
        self._positions: dict[int, int] = {}
        self._order: list[int] = []  # car ids, top to bottom
        self._index: dict[int, int] = {}  # car id -> its line below the header
        self._versions: dict[int, int] = {}  # bumped whenever a car's cells change
        self._strips: dict[int, tuple[tuple[object, ...], Strip]] = {}  # car id -> (what it was built from, line)
        self._styles: dict[str, Style] = {}
        self._drawn: dict[int, int] = {}  # car id -> the version last drawn on screen
        self._selected: int | None = None
        self._chosen = False  # the official moved the cursor: it stays on that car from then on
        self.on_drawn: Callable[[set[int]], None] | None = None  # told which cars' new lines reached the screen
        self._columns: tuple[Column, ...] = COLUMNS  # what fits the widget's width (see columns.fit_columns)
        self._shown = tuple(range(len(COLUMNS)))  # which of a row's cells those columns draw
        self._width = TABLE_WIDTH
        self._available = TABLE_WIDTH  # cells the table may take (the widget's width less its scrollbar)
        self._content: dict[str, int] = {}  # the widest text of each content-sized column (columns.widest)
        self.virtual_size = Size(drawn_width(COLUMNS), HEADER_LINES)

    # -- what the screens call --------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        """How many cars are listed."""
        return len(self._order)

    def reset(self) -> None:
        """No rows (a new session)."""
        for store in (self._cells, self._positions, self._index, self._versions, self._strips, self._drawn):
            store.clear()
        self._order = []
        self._selected = None
        self._chosen = False
        self._content = {}
        self._fit_columns(self._available)
        self._resize()
        self.refresh()

    def show(self, rows: dict[int, StandingRow], changed: Iterable[int], flashing: set[int]) -> int:
        """Bring the changed cars' rows up to date (added, redrawn or removed); the number of rows redrawn."""
        redrawn = 0
        reorder = False
        for car_id in changed:
            row = rows.get(car_id)
            if row is None:
                if car_id in self._cells:
                    for store in (self._cells, self._positions, self._versions, self._strips, self._drawn):
                        store.pop(car_id, None)
                    reorder = True
                continue
            cells = _cells(row, car_id in flashing)
            if self._cells.get(car_id) != cells:
                if car_id not in self._cells:
                    reorder = True
                self._cells[car_id] = cells
                self._versions[car_id] = self._versions.get(car_id, 0) + 1
                redrawn += 1
                if car_id in self._index:
                    self.refresh_line(HEADER_LINES + self._index[car_id])
            if self._positions.get(car_id) != row.position:
                self._positions[car_id] = row.position
                reorder = True
        if redrawn or reorder:
            self._fit_content()
        if reorder:
            self._reorder()
        return redrawn

    def _fit_content(self) -> None:
        """Columns as wide as the widest number and status now listed (a car numbered by its transponder, a DNF
        with its reason): only when that changed is the layout redone."""
        content = widest([cell.text for cell in cells] for cells in self._cells.values())
        if content != self._content:
            self._content = content
            self._fit_columns(self._available)

    def _reorder(self) -> None:
        """Sort by position; the selection stays on its car; only the lines whose car moved are drawn again."""
        before = self._order
        self._order = sorted(self._cells, key=lambda car_id: (self._positions[car_id], car_id))
        self._index = {car_id: index for index, car_id in enumerate(self._order)}
        if not self._chosen or self._selected not in self._index:  # until the official picks a car: the leader
            self._selected = self._order[0] if self._order else None
        if len(before) != len(self._order):
            self._resize()
            self.refresh()
            return
        moved = [index for index, (old, new) in enumerate(zip(before, self._order)) if old != new]
        if moved:
            self.refresh_lines(HEADER_LINES + moved[0], moved[-1] - moved[0] + 1)

    def _resize(self) -> None:
        """One line per car below the header: the scrollbars follow."""
        self.virtual_size = Size(drawn_width(self._columns), HEADER_LINES + len(self._order))  # no scrollbar for padding

    def on_resize(self, event: events.Resize) -> None:
        """A narrower or wider terminal: the columns that fit it (Status always among them)."""
        self._fit_columns(event.size.width - self.styles.scrollbar_size_vertical)

    def _fit_columns(self, available: int) -> None:
        """Draw the columns that fit ``available`` cells (room kept for the scrollbar, there or not)."""
        self._available = available
        columns = fit_columns(available, self._content)
        if columns == self._columns:
            return
        self._columns = columns
        self._shown = tuple(COLUMN_INDEX[key] for key, _, _ in columns)
        self._width = line_width(columns)  # a line as built
        self._strips.clear()
        self._resize()
        self.refresh()

    @property
    def column_keys(self) -> tuple[str, ...]:
        """The columns drawn now, left to right."""
        return tuple(key for key, _, _ in self._columns)

    def selected_car(self) -> int | None:
        """The car id of the row under the cursor."""
        return self._selected

    def has_car(self, car_id: int) -> bool:
        """Whether the car has a row."""
        return car_id in self._index

    def get_row_index(self, key: str) -> int:
        """The line (0 = top row) of the car with this id."""
        return self._index[int(key)]

    def cell_text(self, car_id: int, column: str) -> str:
        """A cell's text as drawn (tests read the table back with this)."""
        return self._cells[car_id][COLUMN_INDEX[column]].text

    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        """Put the cursor on this row (clamped), scrolling it into view."""
        if not self._order:
            return
        row = max(0, min(row, len(self._order) - 1))
        before = self._selected
        self._selected = self._order[row]
        self._chosen = True
        for car_id in (before, self._selected):
            if car_id in self._index:
                self.refresh_line(HEADER_LINES + self._index[car_id])
        if scroll:
            top = int(self.scroll_y)
            visible = max(1, self.scrollable_content_region.height - HEADER_LINES)
            if row < top:
                self.scroll_to(y=row, animate=False)
            elif row >= top + visible:
                self.scroll_to(y=row - visible + 1, animate=False)

    @property
    def cursor_row(self) -> int:
        """The line of the selected car."""
        return self._index.get(self._selected, 0) if self._selected is not None else 0

    def action_cursor(self, step: int) -> None:
        """Up or down this many rows (clamped at the ends)."""
        self.move_cursor(row=self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        """A screenful up or down."""
        self.move_cursor(row=self.cursor_row + direction * max(1, self.scrollable_content_region.height - 1))

    def on_click(self, event: events.Click) -> None:
        """A click selects the row under it."""
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= HEADER_LINES:
            self.move_cursor(row=int(self.scroll_y) + offset.y - HEADER_LINES, scroll=False)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_looks()

    def on_focus(self) -> None:
        self._forget_looks()

    def on_blur(self) -> None:
        self._forget_looks()

    def _forget_looks(self) -> None:
        """A new theme or focus: every line again in its new colours."""
        self._styles.clear()
        self._strips.clear()
        self.refresh()

    # -- drawing ------------------------------------------------------------------------------------
    def _style(self, name: str) -> Style:
        """The row background styles, looked up once per theme and focus change."""
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style if name == "plain" else self.get_component_rich_style(name)
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the widget: the header, else the row scrolled to it, from its cached line."""
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y < HEADER_LINES:
            style = self._style("standings--header")
            strip = self._line([Cell(label, "", False) for _, label, _ in self._columns], style)
            return strip.crop_extend(scroll_x, scroll_x + width, style)
        index = y - HEADER_LINES + scroll_y
        if index >= len(self._order):
            return Strip.blank(width, self._style("plain"))
        car_id = self._order[index]
        cursor = car_id == self._selected
        key = (self._versions[car_id], index % 2, cursor, scroll_x, width)
        cached = self._strips.get(car_id)
        if cached is None or cached[0] != key:
            style = self._style("standings--cursor" if cursor else "standings--even-row" if index % 2 else "plain")
            cells = self._cells[car_id]
            line = self._line([cells[column] for column in self._shown], style)
            line = line.crop_extend(scroll_x, scroll_x + width, style)
            cached = (key, line)
            self._strips[car_id] = cached
        if self._drawn.get(car_id) != key[0]:
            self._drawn[car_id] = key[0]
            if self.on_drawn is not None:
                self.on_drawn({car_id})
        return cached[1]

    def _line(self, cells: Iterable[Cell], base: Style) -> Strip:
        """One row as few segments: the drawn columns' cells padded to their widths; a styled cell over the
        row's style."""
        pad = " " * CELL_PADDING
        segments: list[Segment] = []
        plain: list[str] = []
        for cell, (key, _, width) in zip(cells, self._columns, strict=True):
            text = _fit(fit_name(cell.text, width) if key == "driver" else cell.text, width, cell.right)
            if not cell.style:
                plain.append(f"{pad}{text}{pad}")
                continue
            plain.append(pad)
            segments.append(Segment("".join(plain), base))
            segments.append(Segment(text, base + Style.parse(cell.style)))
            plain = [pad]
        segments.append(Segment("".join(plain), base))
        return Strip(segments, self._width)
