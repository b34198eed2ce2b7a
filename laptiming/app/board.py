"""The standings board for a second screen: large clock, few columns, no controls; follows the live session.

Two sources: the event database (read-only, polled), beside the official's app on the timing
laptop; or the web feed (``--feed http://host:port/``) on any laptop of the LAN,
with no access to the database at all. With a web address it shows it as a QR code for phones.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from rich.text import Text
from textual.widgets import DataTable, Digits, Label, Static

from laptiming.app.adapter import Flag, Timing
from laptiming.app.widgets.standings import PERSONAL_BEST, SESSION_BEST, row_cells
from laptiming.engine import SessionResult
from laptiming.store import SessionRecord
from laptiming.timefmt import format_lap_time
from laptiming.service.web_feed import FeedPicture, Json, follow_feed
from laptiming.app.widgets.qr import half_block_lines, qr_matrix
from laptiming.app.terminal import leave_when_terminal_goes

POLL_S = 1.0
BOARD_COLUMNS = (("pos", "POS"), ("no", "NO"), ("driver", "DRIVER"), ("laps", "LAPS"), ("last", "LAST"),
                 ("best", "BEST"), ("gap", "GAP"))
_CELL_INDEX = {"pos": 0, "no": 1, "driver": 2, "laps": 4, "last": 5, "best": 6, "gap": 8}


class WebAddress(Static):
    """The live results page's address and its QR code, for an owner to point a phone at."""

    DEFAULT_CSS = """
    WebAddress { dock: right; width: auto; height: auto; padding: 1 2; }
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.qr_lines = half_block_lines(qr_matrix(url))
        content = Text("\n".join(self.qr_lines), style="black on white")
        content.append(f"\nlive results on your phone:\n{url}", style="bold")
        super().__init__(content, id="board-web")


def _flag_text(flag: str | None) -> str:
    """The flag the session shows, after its phase in the header (the green flag goes without saying)."""
    return "" if flag in (None, Flag.GREEN.value) else f"  {flag.upper()} FLAG"


def feed_cells(row: Json) -> dict[str, Text]:
    """A web feed row as the board's cells (its times already text; bests coloured as the table colours them)."""
    last_style = SESSION_BEST if row["sb"] else PERSONAL_BEST if row["pb"] else ""
    return {"pos": Text(str(row["pos"]), justify="right"), "no": Text(row["number"], justify="right"),
            "driver": Text(row["driver"]), "laps": Text(str(row["laps"]), justify="right"),
            "last": Text(row["last"], style=last_style, justify="right"),
            "best": Text(row["best"], style=SESSION_BEST if row["sb"] else "", justify="right"),
            "gap": Text(row["gap"], justify="right")}


class BoardApp(App[int]):
    """A read-only standings board that follows whichever session is live."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "laptiming board"
    BINDINGS = [Binding("q", "quit", "Quit", show=False)]

    def __init__(self, timing: Timing | None, poll_s: float = POLL_S, *, web_url: str | None = None,
                 feed_url: str | None = None) -> None:
        super().__init__()
        if (timing is None) == (feed_url is None):
            raise ValueError("a board follows either an event database (timing) or a web feed (feed_url)")
        self.timing = timing
        self.poll_s = poll_s
        self.web_url = web_url
        self.feed_url = feed_url
        self.session_id: int | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="board-top"):
            yield Label("waiting for a session", id="board-session")
            yield Digits("", id="board-best")
        if self.web_url is not None:
            yield WebAddress(self.web_url)
        yield DataTable(id="board-table", zebra_stripes=True, show_cursor=False)

    def on_mount(self) -> None:
        leave_when_terminal_goes(self, lambda: self.exit(0))
        table = self.query_one(DataTable)
        for key, label in BOARD_COLUMNS:
            table.add_column(label, key=key)
        if self.feed_url is not None:  # cancelled with the app
            self.run_worker(follow_feed(self.feed_url, self._feed_picture, self._feed_problem), exclusive=True)
            return
        self.poll()
        self.set_interval(self.poll_s, self.poll)

    def _feed_picture(self, picture: FeedPicture) -> None:
        self.show_feed(picture.session, picture.standings())

    def _feed_problem(self, message: str) -> None:
        self.query_one("#board-session", Label).update(message)

    def show_feed(self, session: Json | None, rows: list[Json]) -> None:
        """Redraw from the web feed: the session header and the rows in order, already as text."""
        if session is None:
            self.query_one("#board-session", Label).update("waiting for a session")
            self._paint(None, [])
            return
        best = next((row for row in rows if row["sb"]), None)
        holder = "" if best is None else f"\nsession best: {best['number']} {best['driver']}"
        self.query_one("#board-session", Label).update(
            f"{session['name']}  {session['type'].upper()}  {session['phase'].upper()}"
            f"{_flag_text(session.get('flag'))}{holder}")
        self.query_one(Digits).update("" if best is None else best["best"])
        self._paint(session["id"], [(str(row["car_id"]), feed_cells(row)) for row in rows])

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

    def show(self, record: SessionRecord, result: SessionResult, flag: Flag | None = None) -> None:
        """Redraw: rows keyed by car, only changed cells written."""
        best = min((row for row in result.standings if row.best_lap_us is not None),
                   key=lambda row: row.best_lap_us or 0, default=None)
        holder = "" if best is None else f"\nsession best: {best.number} {best.driver or ''}"
        self.query_one("#board-session", Label).update(
            f"{record.name}  {record.rules.session_type.value.upper()}  {record.phase.value.upper()}"
            f"{_flag_text(None if flag is None else flag.value)}{holder}")
        self.query_one(Digits).update(format_lap_time(None if best is None else best.best_lap_us))
        rows = []
        for row in result.standings:
            cells = row_cells(row)
            rows.append((str(row.car_id), {key: cells[_CELL_INDEX[key]] for key, _ in BOARD_COLUMNS}))
        self._paint(record.session_id, rows)

    def _paint(self, session_id: int | None, rows: list[tuple[str, dict[str, Text]]]) -> None:
        """Rows keyed by car, only changed cells written; a new session starts a clean table."""
        table = self.query_one(DataTable)
        if session_id != self.session_id:
            table.clear()
            self.session_id = session_id
        keys = {key for key, _ in rows}
        for key in [k for k in table.rows if k.value not in keys]:
            table.remove_row(key)
        reorder = False
        for key, cells in rows:
            wanted = [cells[column] for column, _ in BOARD_COLUMNS]
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
