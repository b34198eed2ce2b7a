"""The Day screen: the day's sessions, their state and who is expected next, fitted to the terminal's width.

Every column is as wide as its widest text. A laptop at the timing desk may show 80 columns, so when the
whole sheet does not fit, the columns give way in this order: who is timing a running session moves to the
line under the table, then the flag and how final the results are join the state ("running, green",
"finished, official": a planned session has neither, a finished one shows no flag that matters), and so does
the mark on the session expected next ("planned, next"), then the planned end goes, then the type when every
session has the same one (a roster's day is all practice). Pure layout (:func:`day_table`) apart from the
screen itself.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Label

from laptiming.app.widgets.columns import Column, drawn_width
from laptiming.app.widgets.footer import FittedFooter
from laptiming.app.widgets.rowtable import RowTable
from laptiming.errors import TimingError
from laptiming.service.day import DaySession
from laptiming.store import SessionPhase

NAMES_SHOWN = 40  # drivers listed under the table for the session expected next
DAY_REFRESH_S = 2.0  # the Day screen reads the day again this often while open (u: at once)
PHASE_STYLE = {SessionPhase.RUNNING: "bold green", SessionPhase.FINISHED: "dim"}


class DayLayout(enum.Enum):
    """The Day table's forms, widest first: each is tried until one fits."""

    FULL = "every column"
    NO_TIMED_BY = "who times a session under the table"
    STATE_MERGED = "flag and results in the state"
    NO_END = "no planned end"
    NO_TYPE = "no type, every session having the same"


def _timed_by(item: DaySession) -> str:
    if item.untimed:
        return "nobody (n resumes it)"
    return "" if item.timed_by is None else f"pid {item.timed_by.pid} on {item.timed_by.host}"


def _state(item: DaySession) -> str:
    """The state with what matters about it: a running session's flag, a finished one's results, the next one."""
    if item.phase is SessionPhase.RUNNING and item.flag is not None:
        return f"running, {item.flag.value}"
    if item.phase is SessionPhase.FINISHED and item.results is not None:
        return f"finished, {item.results.value}"
    return f"{item.phase.value}, next" if item.expected_next else item.phase.value


Cell = Callable[[DaySession], str]
_CELLS: dict[str, tuple[str, Cell]] = {
    "id": ("Id", lambda item: str(item.session_id)),
    "start": ("Start", lambda item: (item.planned_start or "")[-5:]),
    "end": ("End", lambda item: (item.planned_end or "")[-5:]),
    "name": ("Session", lambda item: item.name + ("  <- next" if item.expected_next else "")),
    "type": ("Type", lambda item: item.session_type.value),
    "phase": ("State", lambda item: item.phase.value),
    "cars": ("Cars", lambda item: item.cars_text),
    "passings": ("Passings", lambda item: str(item.passings)),
    "flag": ("Flag", lambda item: "" if item.flag is None else item.flag.value),
    "results": ("Results", lambda item: "-" if item.results is None else item.results.value),
    "timed_by": ("Timed by", _timed_by),
}
_MERGED: dict[str, tuple[str, Cell]] = {"phase": ("State", _state), "name": ("Session", lambda item: item.name)}
_KEYS = {
    DayLayout.FULL: tuple(_CELLS),
    DayLayout.NO_TIMED_BY: ("id", "start", "end", "name", "type", "phase", "cars", "passings", "flag", "results"),
    DayLayout.STATE_MERGED: ("id", "start", "end", "name", "type", "phase", "cars", "passings"),
    DayLayout.NO_END: ("id", "start", "name", "type", "phase", "cars", "passings"),
    DayLayout.NO_TYPE: ("id", "start", "name", "phase", "cars", "passings"),
}
_NARROW = (DayLayout.STATE_MERGED, DayLayout.NO_END, DayLayout.NO_TYPE)  # flag, results and "next" in the state


def day_table(sessions: Sequence[DaySession], available: int) -> tuple[DayLayout, tuple[Column, ...], list[list[str]]]:
    """The widest layout whose columns fit ``available`` cells (the narrowest when none does: the table then
    scrolls sideways), its columns sized to their texts, and each session's texts in column order. The type gives
    way only when every session has the same one."""
    layouts = [layout for layout in DayLayout if layout is not DayLayout.NO_TYPE
               or len({item.session_type for item in sessions}) <= 1]
    for layout in layouts:
        cells = {key: (_MERGED[key] if key in _MERGED and layout in _NARROW else _CELLS[key]) for key in _KEYS[layout]}
        rows = [[text(item) for _, text in cells.values()] for item in sessions]
        columns = tuple((key, header, max([cell_len(header), *(cell_len(row[index]) for row in rows)]))
                        for index, (key, (header, _)) in enumerate(cells.items()))
        if drawn_width(columns) <= available:
            break
    return layout, columns, rows


def timed_elsewhere(sessions: Sequence[DaySession]) -> str:
    """Who is timing each running session, for the line under the table when its column gave way."""
    return "  ".join(f"{item.name}: timed by {_timed_by(item)}." for item in sessions
                     if item.timed_by is not None or item.untimed)


class DayScreen(Screen):
    """The day's sessions: state, planned times, entry counts, and who is expected next."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.show('live')", "Back"),
                                              Binding("u", "reload", "Update")]

    def __init__(self) -> None:
        super().__init__(id="day")
        self._sessions: list[DaySession] = []
        self._drivers: tuple[str, ...] = ()
        self._columns: tuple[Column, ...] = ()

    def compose(self) -> ComposeResult:
        yield Label("The day  (n on Live: run the next one; Esc: back)", classes="screen-title")
        yield RowTable(id="day-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="expected")
        yield FittedFooter()

    def on_mount(self) -> None:
        self.action_reload()
        self.set_interval(DAY_REFRESH_S, self.action_reload)  # passings, states and who is timing change meanwhile

    def on_resize(self) -> None:
        self.call_after_refresh(self._draw)  # once the table has its new width

    @work(thread=True, exclusive=True, group="day")
    def action_reload(self) -> None:
        """Read the day off the UI thread (u, and every DAY_REFRESH_S); a database that cannot be read now
        (another program's write lock) keeps what is shown until the next read."""
        try:
            sessions, drivers = self.app.timing.day_sheet()  # type: ignore[attr-defined]
        except (TimingError, sqlite3.Error, OSError):
            return
        self.app.call_from_thread(self._show, sessions, drivers)

    def _show(self, sessions: list[DaySession], drivers: tuple[str, ...]) -> None:
        """Draw the day read, only when it changed (the official's row stays selected)."""
        if (sessions, drivers) == (self._sessions, self._drivers) and self._columns:
            return
        self._sessions, self._drivers = sessions, drivers
        self._draw()

    def _draw(self) -> None:
        """Fill the table with the day in the columns that fit its width."""
        table = self.query_one(DataTable)
        selected = table.cursor_row  # before clearing: the same row stays selected
        available = table.size.width - table.styles.scrollbar_size_vertical
        layout, columns, rows = day_table(self._sessions, available if available > 0 else 10_000)
        if columns != self._columns:
            table.clear(columns=True)
            for key, header, width in columns:
                table.add_column(header, key=key, width=width)
            self._columns = columns
        table.clear()
        state_at = next(index for index, (key, _, _) in enumerate(columns) if key == "phase")
        for item, texts in zip(self._sessions, rows, strict=True):
            cells: list[str | Text] = list(texts)
            cells[state_at] = Text(texts[state_at], style=PHASE_STYLE.get(item.phase, ""))
            table.add_row(*cells, key=str(item.session_id))
        if self._sessions:
            table.move_cursor(row=min(selected, len(self._sessions) - 1))
        self.query_one("#expected", Label).update(self._under_table(layout))

    def _under_table(self, layout: DayLayout) -> str:
        expected = next((item for item in self._sessions if item.expected_next), None)
        if expected is None:
            line = "No planned session left."
        else:
            names = ", ".join(self._drivers[:NAMES_SHOWN]) + (" ..." if len(self._drivers) > NAMES_SHOWN else "")
            line = f"Expected next, {expected.name}: {names}"
        timed = timed_elsewhere(self._sessions) if layout is not DayLayout.FULL else ""
        return f"{timed}\n{line}" if timed else line
