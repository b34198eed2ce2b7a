"""The Passings screen: the running session's raw passings, newest first, with why each counted or not.

On a narrow terminal (80 columns) the least needed columns give way so that Why stays readable: first
the decoder µs (the time of day beside it is the same instant, to the µs), then the decoder id (one
decoder at most track days). The void form takes the selected passing's identity from the row as
listed, by column key, whichever columns are drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Label

from laptiming.app.adapter import NO_SESSION_TO_CORRECT
from laptiming.app.screens.corrections import CorrectionForm
from laptiming.app.widgets.columns import CELL_PADDING
from laptiming.app.widgets.footer import FittedFooter
from laptiming.app.widgets.rowtable import RowTable
from laptiming.engine.model import Passing, Verdict, crossing_order, passing_id
from laptiming.service.clocktime import DecoderClock

PASSINGS_REFRESH_S = 0.5
PASSINGS_SHOWN = 500  # the newest; the whole log is in `laptiming export passings`
REASONS = {
    "opened": "counted: opens timing", "lap": "counted: lap", "finish": "counted: finish",
    "before_green": "before the green flag", "under_min_lap": "under the minimum lap",
    "after_finish": "after the car finished", "after_checkered": "after checkered flag",
    "unknown_transponder": "unknown transponder",
    "not_entered": "car not entered", "voided": "voided by a correction",
}

# The time of day as the correction forms take it, then the raw decoder µs; the words last.
PASSING_COLUMNS = (("no", "Passing"), ("decoder", "Decoder"), ("time_of_day", "Time of day"),
                   ("transponder", "Transponder"), ("car", "Car"), ("time", "Decoder µs"), ("reason", "Why"))
PASSING_COLUMN_INDEX = {key: index for index, (key, _) in enumerate(PASSING_COLUMNS)}
# Left out in turn until the columns fit: the time that says nothing the other does not ("time", or a blank
# "time_of_day" on a clock with no time of day), then the decoder id. Why, the last column, is cut only after.
GIVES_WAY = ("redundant time", "decoder")


class PassingNumber(str):
    """A passing's number as its cell shows it, knowing the passing's place in the crossing order: the table
    sorts on it, whichever other columns a narrow screen leaves out."""

    order: tuple[int, int, int]

    def __new__(cls, passing: Passing) -> PassingNumber:
        number = super().__new__(cls, str(passing.passing_number))
        number.order = crossing_order(passing)
        return number


def passing_columns(available: int, widths: Mapping[str, int], time_of_day_shown: bool) -> tuple[str, ...]:
    """The keys of the columns to draw in ``available`` cells, each as wide as ``widths`` says (its widest text or
    its header): all when they fit, else without those that give way first (see GIVES_WAY); the narrowest as a last
    resort, Why then cut at the right edge."""
    redundant = "time" if time_of_day_shown else "time_of_day"
    left_out: set[str] = set()
    for step in (None, *GIVES_WAY):
        if step is not None:
            left_out.add(redundant if step == "redundant time" else step)
        keys = tuple(key for key, _ in PASSING_COLUMNS if key not in left_out)
        if sum(widths[key] + 2 * CELL_PADDING for key in keys) - CELL_PADDING <= available:
            break
    return keys


def _passing_cells(verdict: Verdict, numbers: dict[int, str], clock: DecoderClock | None) -> tuple[object, ...]:
    """One passing as the Passings screen lists it: identity, its time of day on the decoder clock (exactly as a
    correction form takes it back; blank on a clock with no time of day), transponder, car, its raw decoder µs,
    and why it counted or not."""
    p = verdict.passing
    why = Text(REASONS.get(verdict.reason.value, verdict.reason.value), style="" if verdict.reason.counted else "dim")
    car = numbers.get(verdict.car_id, "") if verdict.car_id is not None else ""
    time_of_day = (clock.time_of_day_text(p.decoder_time_us) if clock is not None else None) or ""
    return (PassingNumber(p), str(p.decoder_id), time_of_day, str(p.transponder), car, str(p.decoder_time_us), why)


class PassingsScreen(Screen):
    """The raw passings of the running session, newest first, with why each counted or not."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "void", "Void passing"),
                                              Binding("escape", "app.show('live')", "Back")]

    def __init__(self) -> None:
        super().__init__(id="passings")
        self._rows: dict[str, tuple[object, ...]] = {}  # row key -> every cell of the passing, drawn or not
        self._widths = {key: cell_len(label) for key, label in PASSING_COLUMNS}  # the widest text of each column
        self._time_of_day_shown = False
        self._shown: tuple[str, ...] = ()  # the keys of the columns drawn now

    def compose(self) -> ComposeResult:
        yield Label("Passings, newest first  (x: void the selected one, Esc: back)", classes="screen-title")
        yield RowTable(id="passings-table", cursor_type="row", zebra_stripes=True)
        yield FittedFooter()

    def on_mount(self) -> None:
        self.app.model.passings_changed = True  # type: ignore[attr-defined]
        self.set_interval(PASSINGS_REFRESH_S, self.refresh_passings)
        self.refresh_passings()

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)  # once the table has its new width

    def refresh_passings(self) -> None:
        """Bring the keyed rows up to date: new passings added, re-judged ones updated in place, the oldest
        beyond the newest PASSINGS_SHOWN removed; re-sorted only when rows were added."""
        model = self.app.model  # type: ignore[attr-defined]
        if not model.passings_changed:
            return
        model.passings_changed = False
        numbers = {row.car_id: row.number for row in model.rows.values()}
        clock = self._clock()
        newest = sorted(model.verdicts.values(), key=lambda v: crossing_order(v.passing), reverse=True)
        wanted = {"{}:{}:{}".format(*passing_id(v.passing)): v for v in newest[:PASSINGS_SHOWN]}
        table = self.query_one(DataTable)
        for key in [key for key in self._rows if key not in wanted]:
            if self._shown:
                table.remove_row(key)
            del self._rows[key]
        added = False
        for key, verdict in wanted.items():
            cells = _passing_cells(verdict, numbers, clock)
            shown = self._rows.get(key)
            self._rows[key] = cells
            self._measure(cells)
            if not self._shown:
                continue
            if shown is None:
                table.add_row(*self._drawn(cells), key=key)
                added = True
            elif shown != cells:
                for (column, _), old, new in zip(PASSING_COLUMNS, shown, cells, strict=True):
                    if old != new and column in self._shown:
                        table.update_cell(key, column, new)
        if not self._fit() and added:
            self._sort(table)

    def _measure(self, cells: tuple[object, ...]) -> None:
        """Widen a column's known width to this passing's text in it (widths only grow)."""
        for (key, _), cell in zip(PASSING_COLUMNS, cells, strict=True):
            self._widths[key] = max(self._widths[key], cell_len(str(cell)))
        self._time_of_day_shown = self._time_of_day_shown or bool(cells[PASSING_COLUMN_INDEX["time_of_day"]])

    def _drawn(self, cells: tuple[object, ...]) -> list[object]:
        """A passing's cells in the columns drawn now."""
        return [cells[PASSING_COLUMN_INDEX[key]] for key in self._shown]

    def _fit(self) -> bool:
        """Draw the columns that fit the table's width (see passing_columns); True when the table was laid out
        again, every row added afresh in order, the selection kept on its passing."""
        table = self.query_one(DataTable)
        available = table.size.width - table.styles.scrollbar_size_vertical
        keys = passing_columns(available, self._widths, self._time_of_day_shown) if available > 0 else \
            tuple(key for key, _ in PASSING_COLUMNS)
        if keys == self._shown:
            return False
        selected = self._selected_key(table)
        self._shown = keys
        table.clear(columns=True)
        labels = dict(PASSING_COLUMNS)
        for key in keys:
            table.add_column(labels[key], key=key)
        for key, cells in self._rows.items():
            table.add_row(*self._drawn(cells), key=key)
        self._sort(table, selected)
        return True

    def _sort(self, table: DataTable, selected: str | None = None) -> None:
        """Newest first; the selection stays on its passing as newer ones come in above it."""
        selected = selected or self._selected_key(table)
        table.sort("no", key=lambda number: number.order, reverse=True)
        if selected in self._rows:
            table.move_cursor(row=table.get_row_index(selected), animate=False)

    @staticmethod
    def _selected_key(table: DataTable) -> str | None:
        """The row key of the selected passing (None when the table is empty)."""
        if not table.row_count or not table.columns:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def _clock(self) -> DecoderClock | None:
        """The decoder clock the correction forms read times with (the running session's), so a time shown
        types back to its passing; once the session is finished, learned from the passings listed, for
        ``laptiming correct``."""
        clock = self.app.timing.decoder_clock()  # type: ignore[attr-defined]
        verdicts = self.app.model.verdicts  # type: ignore[attr-defined]
        if clock is None and verdicts:
            clock = DecoderClock.learn([verdict.passing for verdict in verdicts.values()])
        return clock

    def action_void(self) -> None:
        """Void the selected passing through the running session (a finished one: laptiming correct)."""
        table = self.query_one(DataTable)
        selected = self._selected_key(table)
        if selected is None:
            return
        if self.app.timing.recording is None:  # type: ignore[attr-defined]
            self.app.notify(NO_SESSION_TO_CORRECT, severity="warning")
            return
        cells = [str(cell) for cell in self._rows[selected]]  # by column key: drawn or left out on a narrow screen
        initial = {"decoder": cells[PASSING_COLUMN_INDEX["decoder"]], "number": cells[PASSING_COLUMN_INDEX["no"]],
                   # as the screen shows it (exact); the decoder µs on a clock with no time of day
                   "time_us": cells[PASSING_COLUMN_INDEX["time_of_day"]] or cells[PASSING_COLUMN_INDEX["time"]]}
        self.app.push_screen(CorrectionForm("void_passing", initial, self.app.timing.read_time,  # type: ignore[attr-defined]
                                            time_note=self.app.timing.time_note),  # type: ignore[attr-defined]
                             self.app.correction_entered)  # type: ignore[attr-defined]
