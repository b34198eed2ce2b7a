"""The standings table: keyed rows, only changed cells updated, re-sorted when positions move."""

from __future__ import annotations

from collections.abc import Iterable

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.widgets import DataTable

from laptiming.engine import CarStatus, StandingRow
from laptiming.report import status_text
from laptiming.timefmt import format_gap, format_lap_time

COLUMNS = (
    ("pos", "Pos", 4), ("no", "No", 5), ("driver", "Driver", 20), ("class", "Class", 12), ("laps", "Laps", 5),
    ("last", "Last", 9), ("best", "Best", 9), ("lap", "(lap)", 5), ("gap", "Gap", 9), ("int", "Int", 9),
    ("status", "Status", 10),
)
SESSION_BEST = "bold magenta"
PERSONAL_BEST = "bold green"
CROSSED = "reverse"
OUT = "dim"
CELL_CACHE = 4_000  # rendered cells kept: a whole 100-car table three times over


def row_cells(row: StandingRow, crossed: bool = False) -> tuple[Text, ...]:
    """The cells of one row: bests in colour, the car that just crossed highlighted."""
    last_style = SESSION_BEST if row.session_best else PERSONAL_BEST if row.personal_best else ""
    best_style = SESSION_BEST if row.session_best else ""
    name_style = CROSSED if crossed else (OUT if row.status in (CarStatus.DNF, CarStatus.DNS, CarStatus.DSQ) else "")
    return (
        Text(str(row.position), justify="right"),
        Text(row.number, style=name_style, justify="right"),
        Text(row.driver or "", style=name_style),
        Text(row.car_class or ""),
        Text(str(row.laps), justify="right"),
        Text(format_lap_time(row.last_lap_us), style=last_style, justify="right"),
        Text(format_lap_time(row.best_lap_us), style=best_style, justify="right"),
        Text("" if row.best_lap_no is None else f"({row.best_lap_no})", justify="right"),
        Text(format_gap(row.gap), justify="right"),
        Text(format_gap(row.interval), justify="right"),
        Text(status_text(row), style=OUT if name_style == OUT else ""),
    )


def _same(old: Text, new: Text) -> bool:
    return old.plain == new.plain and old.style == new.style


class StandingsTable(DataTable):
    """Live standings keyed by car id; :meth:`show` updates only what changed."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._shown: dict[int, tuple[Text, ...]] = {}
        self._positions: dict[int, int] = {}
        self._cells: LRUCache[tuple[object, ...], object] = LRUCache(CELL_CACHE)
        self._lines: LRUCache[tuple[object, ...], Any] = LRUCache(CELL_CACHE // 10)
        self._versions: dict[str, int] = {}  # row key -> bumped whenever the row's cells change

    def _render_line_in_row(self, row_key: Any, line_no: int, base_style: Style, cursor_location: Any,
                            hover_location: Any) -> Any:
        """Likewise for whole lines: a row's line is kept until that row, its place or the cursor on it changes."""
        version = self._versions.get(row_key.value) if row_key.value is not None else None
        if version is None:
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
        row_index = self._row_locations.get(row_key)
        key = (row_key, version, line_no, row_index, base_style, self.size.width, self.scroll_x,
               cursor_location.row == row_index, hover_location.row == row_index, self.cursor_type,
               self.show_cursor, self._show_hover_cursor, self._pseudo_class_state)
        lines = self._lines.get(key)
        if lines is None:
            lines = super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
            self._lines[key] = lines
        return lines

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> Any:
        """DataTable forgets every rendered cell on any ``update_cell``; keep each cell until its own text,
        style, place or look changes, so a passing costs the cells it changed, not the whole table."""
        if row_index < 0 or column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        value = self._data[row_key][column_key]
        key = (row_key, column_key, row_index, width, value.plain, value.style, base_style, cursor, hover,
               self._show_hover_cursor, self._pseudo_class_state)
        lines = self._cells.get(key)
        if lines is None:
            lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
            self._cells[key] = lines
        return lines

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def reset(self) -> None:
        """No rows (a new session)."""
        self.clear()
        self._versions.clear()
        self._shown.clear()
        self._positions.clear()

    def show(self, rows: dict[int, StandingRow], changed: Iterable[int], flashing: set[int]) -> int:
        """Bring the changed cars' rows up to date (added, updated cell by cell, or removed); the cells written."""
        written = 0
        reorder = False
        for car_id in changed:
            row = rows.get(car_id)
            key = str(car_id)
            if row is None:
                if car_id in self._shown:
                    self.remove_row(key)
                    del self._shown[car_id]
                    self._versions.pop(key, None)
                    self._positions.pop(car_id, None)
                continue
            cells = row_cells(row, car_id in flashing)
            before = self._shown.get(car_id)
            self._versions[key] = self._versions.get(key, 0) + 1
            if before is None:
                self.add_row(*cells, key=key)
                written += len(cells)
                reorder = True
            else:
                for (column, _, _), old, new in zip(COLUMNS, before, cells, strict=True):
                    if not _same(old, new):
                        self.update_cell(key, column, new)
                        written += 1
            self._shown[car_id] = cells
            if self._positions.get(car_id) != row.position:
                self._positions[car_id] = row.position
                reorder = True
        if reorder:
            selected = self.selected_car()
            self.sort("pos", key=lambda cell: int(cell.plain))
            if selected is not None and str(selected) in self.rows:  # the official's car stays selected
                self.move_cursor(row=self.get_row_index(str(selected)), scroll=False)
        return written

    def selected_car(self) -> int | None:
        """The car id of the row under the cursor."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return None if key.value is None else int(key.value)

    def cell_text(self, car_id: int, column: str) -> str:
        """A cell's text as shown (tests read the table back with this)."""
        return self.get_cell(str(car_id), column).plain
