"""The standings board for a second screen: large clock, few columns, no controls; follows the live session.

It only reads the event database (read-only, polled), so it can run beside the official's app or
on another machine that shares the file.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Digits, Label

from laptiming.app.adapter import Timing
from laptiming.app.widgets.standings import row_cells
from laptiming.engine import SessionResult
from laptiming.store import SessionRecord
from laptiming.timefmt import format_lap_time

POLL_S = 1.0
BOARD_COLUMNS = (("pos", "POS"), ("no", "NO"), ("driver", "DRIVER"), ("laps", "LAPS"), ("last", "LAST"),
                 ("best", "BEST"), ("gap", "GAP"))
_CELL_INDEX = {"pos": 0, "no": 1, "driver": 2, "laps": 4, "last": 5, "best": 6, "gap": 8}


class BoardApp(App[int]):
    """A read-only standings board that follows whichever session is live."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "laptiming board"
    BINDINGS = [Binding("q", "quit", "Quit", show=False)]

    def __init__(self, timing: Timing, poll_s: float = POLL_S) -> None:
        super().__init__()
        self.timing = timing
        self.poll_s = poll_s
        self.session_id: int | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="board-top"):
            yield Label("waiting for a session", id="board-session")
            yield Digits("", id="board-best")
        yield DataTable(id="board-table", zebra_stripes=True, show_cursor=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in BOARD_COLUMNS:
            table.add_column(label, key=key)
        self.poll()
        self.set_interval(self.poll_s, self.poll)

    @work(thread=True, exclusive=True)
    def poll(self) -> None:
        """Read the live session's standings off the UI thread."""
        try:
            found = self.timing.live_session()
        except Exception as err:  # noqa: BLE001 - a board keeps showing what it had and says why
            self.call_from_thread(self._problem, str(err))
            return
        if found is not None:
            self.call_from_thread(self.show, *found)

    def _problem(self, message: str) -> None:
        self.query_one("#board-session", Label).update(f"cannot read the event database: {message}")

    def show(self, record: SessionRecord, result: SessionResult) -> None:
        """Redraw: rows keyed by car, only changed cells written."""
        table = self.query_one(DataTable)
        if record.session_id != self.session_id:
            table.clear()
            self.session_id = record.session_id
        best = min((row for row in result.standings if row.best_lap_us is not None),
                   key=lambda row: row.best_lap_us or 0, default=None)
        holder = "" if best is None else f"\nsession best: {best.number} {best.driver or ''}"
        self.query_one("#board-session", Label).update(
            f"{record.name}  {record.rules.session_type.value.upper()}  {record.phase.value.upper()}{holder}")
        self.query_one(Digits).update(format_lap_time(None if best is None else best.best_lap_us))
        keys = {str(row.car_id) for row in result.standings}
        for key in [k for k in table.rows if k.value not in keys]:
            table.remove_row(key)
        reorder = False
        for row in result.standings:
            cells = row_cells(row)
            wanted = [cells[_CELL_INDEX[key]] for key, _ in BOARD_COLUMNS]
            key = str(row.car_id)
            if key not in table.rows:
                table.add_row(*wanted, key=key, height=2)
                reorder = True
                continue
            for (column, _), cell in zip(BOARD_COLUMNS, wanted, strict=True):
                if table.get_cell(key, column).plain != cell.plain:
                    table.update_cell(key, column, cell)
                    reorder = reorder or column == "pos"
        if reorder:
            table.sort("pos", key=lambda cell: int(cell.plain))
