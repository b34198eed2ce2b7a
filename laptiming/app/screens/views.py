"""The Results screen (and Day and Passings, from their own modules): what the official looks up beside the live
standings."""

from __future__ import annotations

import sqlite3
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Label, OptionList
from textual.widgets.option_list import Option

from hardware.sequence import numbers_in, ranges_text
from laptiming.app.adapter import ResultsStatus
from laptiming.app.screens.day import DayScreen
from laptiming.app.screens.dialogs import Confirm, ReasonPrompt, session_line
from laptiming.app.screens.passings import PassingsScreen
from laptiming.app.widgets.columns import COLUMN_INDEX, Column, fit_columns, fit_name, wanted_columns, widest
from laptiming.app.widgets.footer import FittedFooter
from laptiming.app.widgets.standings import row_cells
from laptiming.engine import SessionResult
from laptiming.errors import TimingError
from laptiming.store import SessionPhase, error_text


class ResultsScreen(Screen):
    """Finished sessions, browsable; e exports the selected one as CSV (printing will hang off the same key set)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "export", "Export CSV"), Binding("p", "print_slips", "Print slips"),
        Binding("o", "official", "Make official"), Binding("r", "reopen", "Reopen"),
        Binding("u", "resume", "Time again"), Binding("escape", "app.show('live')", "Back")]

    def __init__(self) -> None:
        super().__init__(id="results")
        self._session_id: int | None = None
        self._names: dict[int, str] = {}  # finished session id -> its name, as the list above shows it
        self._status: ResultsStatus | None = None  # the shown session's results status, as read with them
        self._result: SessionResult | None = None
        self._missing = ""  # the shown session's passings never received, as a line ("" when none)
        self._columns: tuple[Column, ...] = ()

    def compose(self) -> ComposeResult:
        # short enough for 80 columns (it was cut in the middle of "u: time again"); the bottom line names them too
        yield Label("Results  (e: CSV, p: slips, o: official, r: reopen, u: time again, Esc: back)",
                    classes="screen-title")
        yield OptionList(id="finished")
        yield Label("", id="result-status")
        yield DataTable(id="result-table", zebra_stripes=True)
        yield FittedFooter()

    def on_mount(self) -> None:
        self.load_sessions()

    def on_resize(self) -> None:
        self.call_after_refresh(self._draw)  # once the table has its new width

    @work(thread=True, exclusive=True)
    def load_sessions(self) -> None:
        finished = [r for r in self.app.timing.sessions() if r.phase is SessionPhase.FINISHED]  # type: ignore[attr-defined]
        self.app.call_from_thread(self._list, finished)

    def _list(self, finished: list) -> None:
        """List the finished sessions afresh, newest first, and show the newest; none: say so."""
        self._names.update({record.session_id: record.name for record in finished})
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(session_line(r), id=str(r.session_id)) for r in reversed(finished)])
        if finished:
            options.highlighted = 0
            self.load_result(finished[-1].session_id)
            return
        self._session_id, self._result, self._status = None, None, None
        self.query_one("#result-status", Label).update("no finished session yet")
        self._draw()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self.load_result(int(event.option.id))

    @work(thread=True, exclusive=True, group="result")
    def load_result(self, session_id: int) -> None:
        result, _ = self.app.timing.result(session_id)  # type: ignore[attr-defined]
        status = self.app.timing.results_status(session_id)  # type: ignore[attr-defined]
        missing = self.app.timing.missing_passings_of(session_id)  # type: ignore[attr-defined]
        self.app.call_from_thread(self._show, session_id, result, status, missing)

    def _show(self, session_id: int, result: SessionResult, status: ResultsStatus,
              missing: dict[int, list[tuple[int, int]]]) -> None:
        self._session_id, self._status = session_id, status
        count = sum(numbers_in(ranges) for ranges in missing.values())
        self._missing = "" if not count else (
            f"{count} passing(s) never received ("
            + "; ".join(f"decoder {decoder_id}: {ranges_text(ranges)}" for decoder_id, ranges in missing.items())
            + "): a lap across them reads too long")
        line = f"{self._called(session_id)}: results {status.value}" + (f" -- {self._missing}" if self._missing else "")
        self.query_one("#result-status", Label).update(line)
        self._result = result
        self._draw()

    def _called(self, session_id: int) -> str:
        """The session as the official knows it: its id and its name (the sample day's session 1 is "Session 2",
        so the id alone named another session than the one highlighted in the list)."""
        name = self._names.get(session_id)
        return f"session {session_id} ({name})" if name else f"session {session_id}"

    def _draw(self) -> None:
        """The results in the columns that fit the table's width and its texts (as Live's standings:
        columns.fit_columns): no car number is cut, and Gap and Status (DNF, a penalty, a DSQ's reason) are never
        cut off."""
        table = self.query_one("#result-table", DataTable)
        available = table.size.width - table.styles.scrollbar_size_vertical
        standings = self._result.standings if self._result is not None else ()
        rows = [row_cells(row) for row in standings]
        content = widest([text.plain for text in cells] for cells in rows)
        columns = fit_columns(available, content) if available > 0 else wanted_columns(content)
        if columns != self._columns:
            table.clear(columns=True)
            for key, label, width in columns:
                table.add_column(label, key=key, width=width)
            self._columns = columns
        table.clear()
        driver_width = next(width for key, _, width in columns if key == "driver")
        for row, cells in zip(standings, rows, strict=True):
            driver = cells[COLUMN_INDEX["driver"]]
            driver.plain = fit_name(driver.plain, driver_width)  # cut in the middle: an id in brackets stays
            table.add_row(*(cells[COLUMN_INDEX[key]] for key, _, _ in columns), key=str(row.car_id))

    def action_official(self) -> None:
        """Make the shown session's results official, after a confirmation."""
        if self._session_id is None:
            return
        session_id = self._session_id
        if self._status is ResultsStatus.OFFICIAL:  # said now, not after a question answered for nothing
            self.app.notify(f"{self._called(session_id)}: results already official (r reopens them)")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.confirm(session_id)

        missing = f"{self._missing[0].upper()}{self._missing[1:]}. " if self._missing else ""
        self.app.push_screen(Confirm(f"{missing}Make the results of {self._called(session_id)} official? "
                                     "Corrections then need the results reopened."), answered)

    @work(thread=True, exclusive=True, group="confirm")
    def confirm(self, session_id: int) -> None:
        try:
            self.app.timing.confirm(session_id, self.app.official)  # type: ignore[attr-defined]
        except (TimingError, sqlite3.Error) as err:
            self.app.call_from_thread(self.app.notify, f"not made official: {error_text(self.app.timing.db_path, err)}", severity="error")
            return
        self.app.call_from_thread(self.app.notify, f"{self._called(session_id)}: results official")
        self.app.call_from_thread(self.load_result, session_id)

    def action_reopen(self) -> None:
        """Official results back to provisional, after asking why (kept in the control log)."""
        if self._session_id is None:
            return
        session_id = self._session_id
        if self._status is ResultsStatus.PROVISIONAL:  # said now, not after a reason typed for nothing
            self.app.notify(f"{self._called(session_id)}: results provisional, nothing to reopen (o makes them official)")
            return

        def answered(reason: str | None) -> None:
            if reason:
                self.reopen(session_id, reason)

        self.app.push_screen(ReasonPrompt(f"Reopen the official results of {self._called(session_id)}?"), answered)

    @work(thread=True, exclusive=True, group="confirm")
    def reopen(self, session_id: int, reason: str) -> None:
        try:
            self.app.timing.reopen(session_id, self.app.official, reason)  # type: ignore[attr-defined]
        except (TimingError, sqlite3.Error) as err:
            self.app.call_from_thread(self.app.notify, f"not reopened: {error_text(self.app.timing.db_path, err)}", severity="error")
            return
        self.app.call_from_thread(self.app.notify, f"{self._called(session_id)}: results reopened (provisional)")
        self.app.call_from_thread(self.load_result, session_id)

    def action_resume(self) -> None:
        """A session finished too soon: after asking why, running again and timed from the decoder at once."""
        if self._session_id is None:
            return
        session_id = self._session_id

        def answered(reason: str | None) -> None:
            if reason:
                self.resume(session_id, reason)

        self.app.push_screen(ReasonPrompt(f"Time {self._called(session_id)} again (it was finished too soon)?"), answered)

    @work(thread=True, exclusive=True, group="confirm")
    def resume(self, session_id: int, reason: str) -> None:
        app = self.app
        try:
            app.timing.resume(session_id, app.official, reason)  # type: ignore[attr-defined]
        except (TimingError, sqlite3.Error) as err:
            app.call_from_thread(app.notify, f"not resumed: {error_text(app.timing.db_path, err)}", severity="error")
            return
        if app.timing.recording is None:  # type: ignore[attr-defined]
            app.call_from_thread(app.notify, f"{self._called(session_id)} running again: timing it")
            app.call_from_thread(app.start_session, session_id)  # type: ignore[attr-defined]
            app.call_from_thread(app.action_show, "live")  # type: ignore[attr-defined]
        else:
            app.call_from_thread(app.notify, f"{self._called(session_id)} running again; finish the session being timed, "
                                             "then n starts it", severity="warning")
            app.call_from_thread(self.load_sessions)  # it is no longer finished, its results are gone

    @work(thread=True, exclusive=True, group="print")
    def action_print_slips(self) -> None:
        """Every driver's slip of the shown session, off the UI thread: a printer that is off never freezes it."""
        if self._session_id is None:
            return
        try:
            done = self.app.timing.print_slips(self._session_id)  # type: ignore[attr-defined]
        except TimingError as err:  # PrinterError: the job is kept, and the message says how to re-send it
            self.app.call_from_thread(self.app.notify, f"not printed: {err}", severity="error", timeout=30)
            return
        self.app.call_from_thread(self.app.notify, done)

    @work(thread=True, exclusive=True, group="export")
    def action_export(self) -> None:
        if self._session_id is None:
            return
        try:
            written = self.app.timing.export_results(self._session_id)  # type: ignore[attr-defined]
        except (OSError, TimingError) as err:
            self.app.call_from_thread(self.app.notify, f"export failed: {err}", severity="error")
            return
        self.app.call_from_thread(self.app.notify, f"results written to {written}")


VIEWS = {"passings": PassingsScreen, "day": DayScreen, "results": ResultsScreen}

__all__ = ["VIEWS", "DayScreen", "PassingsScreen", "ResultsScreen"]
