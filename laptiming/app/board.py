"""The standings board for a second screen: large clock, few columns, no controls; follows the live session.

Two sources: the event database (read-only, polled), beside the official's app on the timing
laptop; or the web feed (``--feed http://host:port/``) on any laptop of the LAN,
with no access to the database at all. With a web address it shows it as a QR code for phones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Digits, Label, Static

from laptiming.app.adapter import FlagShown, Timing
from laptiming.app.paging import Page, even_page_size, rows_that_fit
from laptiming.app.terminal import leave_when_terminal_goes
from laptiming.app.widgets.qr import half_block_lines, qr_matrix
from laptiming.app.widgets.standings import lap_styles, row_cells
from laptiming.engine import SessionResult, leader_laps
from laptiming.report import out_of_the_running, penalty_text
from laptiming.service.decoder_link import DecoderLink
from laptiming.service.web_feed import FeedPicture, Json, follow_feed
from laptiming.store import SessionPhase, SessionRecord
from laptiming.timefmt import format_gap, format_lap_time

POLL_S = 1.0
PAGE_S = 8.0  # how long a page of a field that does not fit stays up: long enough to find your number from afar
ROW_HEIGHT = 2  # lines a row takes: a board is read from across the paddock
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


def _flag_text(flag: str | None, last_lap: bool = False) -> str:
    """The flag the session shows, after its phase in the header (the green flag goes without saying), and LAST LAP
    while a race is on its last lap before the checkered flag."""
    shown = "" if flag in (None, FlagShown.GREEN.value) else f"  {flag.upper()} FLAG"
    return f"{shown}  LAST LAP" if last_lap else shown


def feed_cells(row: Json) -> dict[str, Text]:
    """A web feed row as the board's cells (its times already text; bests coloured as the table colours them)."""
    last_style, best_style = lap_styles(row["sb"], row["pb"])
    position = "" if row["pos"] is None else str(row["pos"])  # none for DNF, DNS, DSQ
    return {"pos": Text(position, justify="right"), "no": Text(row["number"], justify="right"),
            "driver": Text(row["driver"]), "laps": Text(str(row["laps"]), justify="right"),
            "last": Text(row["last"], style=last_style, justify="right"),
            "best": Text(row["best"], style=best_style, justify="right"),
            "gap": gap_cell(row["gap"], row.get("out", ""), row.get("penalty", ""))}


def gap_cell(gap: str, out: str, penalty: str) -> Text:
    """The gap, or DNF/DNS/DSQ in its place for a car out of the running, and a time penalty after it: a board
    has no status column, and a retired car stood there with its laps and no word why."""
    text = Text(out, style="bold red") if out else Text(gap)
    if penalty:
        text.append(f" {penalty}", style="red")
    text.justify = "right"
    return text


Row = tuple[str, dict[str, Text]]  # a car's key and its cells by column


class BoardTable(DataTable[Text]):
    """The board's standings table; says when its size changes, so a page holds as many rows as fit."""

    class Resized(Message):
        """The table's size changed (the terminal, or what sits beside it)."""

    def on_resize(self, event: events.Resize) -> None:
        self.post_message(self.Resized())


def _phase_text(phase: str, timing: bool, decoder: str | None = None, journal_held: bool = False) -> str:
    """The session's phase in the header; a running session nobody times any more (its recorder stopped) says so,
    so does one whose recorder cannot hear its decoder (``decoder``: what the recorder says, as a word), and one
    whose recorder holds passings it cannot write yet (``journal_held``: the standings here lag behind)."""
    if phase != SessionPhase.RUNNING.value:
        return phase.upper()
    if not timing:
        return "TIMING STOPPED"
    if journal_held:
        return "RESULTS DELAYED"
    if decoder in (None, DecoderLink.CONNECTED.value):
        return phase.upper()
    return "DECODER SOURCE ENDED" if decoder == DecoderLink.ENDED.value else f"DECODER {decoder}".upper()


def _on_last_lap(record: SessionRecord, result: SessionResult, flag: FlagShown | None) -> bool:
    """Whether a running race is on its last lap, its race time read at its latest passing (the board has no clock of
    its own): its time is up, or its leader has one lap left, and the checkered flag has not fallen."""
    if record.phase is not SessionPhase.RUNNING or flag in (None, FlagShown.CHECKERED) or not result.verdicts:
        return False
    green = result.setup.markers.green_us
    elapsed = None if green is None else result.verdicts[-1].passing.decoder_time_us - green
    return record.rules.last_lap(elapsed, leader_laps(result.standings))


def _holder(number: str, driver: str | None) -> str:
    """The header's second line: who holds the session best (its time is the big digits beside it)."""
    return f"\nsession best: {number} {driver or ''}".rstrip()


class BoardApp(App[int]):
    """A read-only standings board that follows whichever session is live."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "laptiming board"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit", show=False)]

    def __init__(self, timing: Timing | None, poll_s: float = POLL_S, *, web_url: str | None = None,
                 feed_url: str | None = None, page_s: float = PAGE_S) -> None:
        super().__init__()
        if (timing is None) == (feed_url is None):
            raise ValueError("a board follows either an event database (timing) or a web feed (feed_url)")
        self.timing = timing
        self.poll_s = poll_s
        self.web_url = web_url
        self.feed_url = feed_url
        self.page_s = page_s
        self.session_id: int | None = None
        self._title = "waiting for a session"
        self._rows: list[Row] = []  # the whole field in position order; the table holds one page of it
        self._page = Page(0, 1, 0)
        self._page_timer: Timer | None = None  # turns the page every page_s, from mount

    def compose(self) -> ComposeResult:
        with Horizontal(id="board-top"):
            yield Label(self._title, id="board-session")
            yield Digits("", id="board-best")
        if self.web_url is not None:
            yield WebAddress(self.web_url)
        yield BoardTable(id="board-table", zebra_stripes=True, show_cursor=False)

    def on_mount(self) -> None:
        leave_when_terminal_goes(self, lambda: self.exit(0))
        table = self.query_one(DataTable)
        for key, label in BOARD_COLUMNS:
            table.add_column(label, key=key)
        self._page_timer = self.set_interval(self.page_s, self.turn_page)
        if self.feed_url is not None:  # cancelled with the app
            self.run_worker(follow_feed(self.feed_url, self._feed_picture, self._feed_problem), exclusive=True)
            return
        self.poll()
        self.set_interval(self.poll_s, self.poll)

    def _feed_picture(self, picture: FeedPicture) -> None:
        self.show_feed(picture.session, picture.standings())

    def _feed_problem(self, message: str) -> None:
        self._title = message
        self._show_header()

    def show_feed(self, session: Json | None, rows: list[Json]) -> None:
        """Redraw from the web feed: the session header and the rows in order, already as text."""
        if session is None:
            self._paint(None, "waiting for a session", [])
            return
        best = next((row for row in rows if row["sb"]), None)
        holder = "" if best is None else _holder(best["number"], best["driver"])
        self.query_one(Digits).update("" if best is None else best["best"])
        phase = _phase_text(session["phase"], session.get("timing", True), session.get("decoder"),
                            session.get("journal") == "held")
        self._paint(session["id"], f"{session['name']}  {session['type'].upper()}  {phase}"
                    f"{_flag_text(session.get('flag'), bool(session.get('last_lap')))}{holder}",
                    [(str(row["car_id"]), feed_cells(row)) for row in rows])

    @work(thread=True, exclusive=True)
    def poll(self) -> None:
        """Read the live session's standings off the UI thread."""
        try:
            found = self.timing.live_session()
        except Exception as err:  # noqa: BLE001 - a board keeps showing what it had and says why
            self.call_from_thread(self._unless_closing, self._problem, str(err))
            return
        if found is not None:
            self.call_from_thread(self._unless_closing, self.show, *found)

    @staticmethod
    def _unless_closing(draw: Callable[..., None], *args: object) -> None:
        """Draw a poll's result; a poll that lands while the board closes finds its widgets gone, and draws nothing."""
        try:
            draw(*args)
        except NoMatches:
            pass

    def _problem(self, message: str) -> None:
        self._title = f"cannot read the event database: {message}"
        self._show_header()

    def show(self, record: SessionRecord, result: SessionResult, flag: FlagShown | None = None,
             timing: bool = True, decoder: DecoderLink | None = None, journal_held: bool = False) -> None:
        """Redraw: rows keyed by car, only changed cells written (``timing``: a recorder times the session now;
        ``decoder``: what it says it hears from its decoder; ``journal_held``: it holds passings not written yet)."""
        best = min((row for row in result.standings if row.best_lap_us is not None),
                   key=lambda row: row.best_lap_us or 0, default=None)
        holder = "" if best is None else _holder(best.number, best.driver)
        title = (f"{record.name}  {record.rules.session_type.value.upper()}  {_phase_text(record.phase.value, timing, decoder and decoder.value, journal_held)}"
                 f"{_flag_text(None if flag is None else flag.value, _on_last_lap(record, result, flag))}{holder}")
        self.query_one(Digits).update(format_lap_time(None if best is None else best.best_lap_us))
        rows = []
        for row in result.standings:
            cells = row_cells(row)
            shown = {key: cells[_CELL_INDEX[key]] for key, _ in BOARD_COLUMNS}
            shown["gap"] = gap_cell(format_gap(row.gap), out_of_the_running(row), penalty_text(row))
            rows.append((str(row.car_id), shown))
        self._paint(record.session_id, title, rows)

    def _paint(self, session_id: int | None, title: str, rows: list[Row]) -> None:
        """Redraw with this header and field; a new session starts a clean table at its first page."""
        if session_id != self.session_id:
            self.query_one(DataTable).clear()
            self.session_id = session_id
            self._page = Page(0, 1, 0)
            self._restart_page_timer()
        self._title = title
        self._rows = list(rows)  # in the standings' order (a car out of the running has no position to sort by)
        self._show_page()

    def turn_page(self) -> None:
        """The next page of the field, back to the first after the last (the page timer calls this)."""
        if self._page.paged:
            self._page = self._page.next()
            self._show_page()

    def on_board_table_resized(self) -> None:
        """A page holds as many rows as now fit, from the same first position."""
        if self._rows_per_page() != self._page.size:
            self._show_page()
            self._restart_page_timer()

    def _restart_page_timer(self) -> None:
        """A page that changes for another reason (a new session, a resize) stays up its whole time."""
        if self._page_timer is not None:
            self._page_timer.reset()

    def _rows_per_page(self) -> int:
        """Rows a page shows: the field shared evenly over the pages the rows that fit need; the whole field
        until the table has been laid out and has a height."""
        table = self.query_one(DataTable)
        if not table.size.height:
            return max(1, len(self._rows))
        header = table.header_height if table.show_header else 0
        return even_page_size(rows_that_fit(table.scrollable_content_region.height, header, ROW_HEIGHT), len(self._rows))

    def _show_header(self) -> None:
        """The session's title, and which positions are up when the field takes more than one page."""
        label = self._page.label()
        self.query_one("#board-session", Label).update(f"{self._title}\n{label}" if label else self._title)

    def _show_page(self) -> None:
        """The page that holds the current first position, at the rows that fit now; only changed cells written."""
        self._page = Page.holding(self._page.first, self._rows_per_page(), len(self._rows))
        self._show_header()
        self._show_rows(self._rows[self._page.first:self._page.stop])

    def _show_rows(self, rows: list[Row]) -> None:
        """Rows keyed by car, only changed cells written, in position order."""
        table = self.query_one(DataTable)
        keys = {key for key, _ in rows}
        for key in [k for k in table.rows if k.value not in keys]:
            table.remove_row(key)
        for key, cells in rows:
            wanted = [cells[column] for column, _ in BOARD_COLUMNS]
            if key not in table.rows:
                table.add_row(*wanted, key=key, height=ROW_HEIGHT)
                continue
            for (column, _), cell in zip(BOARD_COLUMNS, wanted, strict=True):
                shown = table.get_cell(key, column)
                if shown.plain != cell.plain or shown.style != cell.style:  # a best taken away keeps its text
                    table.update_cell(key, column, cell)
        order = [key for key, _ in rows]
        if [row.key.value for row in table.ordered_rows] != order:
            place = {cells["no"].plain: index for index, (_, cells) in enumerate(rows)}  # numbers are unique
            table.sort("no", key=lambda number: place[number.plain])
