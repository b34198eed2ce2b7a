"""The standings board follows whichever session is live, reading the database only; a long field takes pages."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import DataTable, Label

from hardware.events import LinkState
from laptiming.app import Timing
from laptiming.app.board import BoardApp
from laptiming.engine import SessionResult
from laptiming.service import Recording, RecordingRequest
from laptiming.store import SessionRecord
from tests.app.conftest import app_test, until

FIELD = 25  # cars: more than the board shows at once on a 30-line terminal
BOARD_SIZE = (100, 30)  # 5 lines of header, then the table: its own header and room for 12 rows of 2 lines,
# so three pages, shared out evenly: 9 a page (1-9, 10-18, 19-25; not 12, 12 and one car alone)
NEVER_S = 3600.0  # a poll or page interval that does not come round during a test: the test turns the pages
Shown = list[tuple[int, str]]  # (position, car number) of each row, top to bottom


def _record(db: Path, name: str, cars: int, seed: int) -> None:
    """Time a whole simulated session and leave it running (as a recorder that was stopped)."""
    recording = Recording.start(RecordingRequest(db, name, f"sim://?cars={cars}&seed={seed}&speed=0&minutes=5",
                                                 enter_unknown=True))
    for _ in recording.notices():  # ends when the simulated source does
        pass
    assert recording.link_state is LinkState.ENDED
    recording.close(finish=False)


def _live(db: Path) -> tuple[SessionRecord, SessionResult]:
    """The session the board follows and its standings, read as the board reads them."""
    found = Timing(db, "").live_session()
    assert found is not None
    return found[0], found[1]


def _order(result: SessionResult) -> Shown:
    return [(row.position, row.number) for row in result.standings]


def _held(board: BoardApp) -> Shown:
    """The rows the table holds, top to bottom."""
    table = board.query_one(DataTable)
    return [(int(str(table.get_row_at(i)[0])), str(table.get_row_at(i)[1])) for i in range(table.row_count)]


def _visible(board: BoardApp) -> Shown:
    """The rows on screen, read off the lines the table draws (its header and the rows' blank second lines skipped).

    Only once the app has settled (``await pilot.pause()``): the table measures new rows when idle, and a line
    drawn before that is kept with the old column widths.
    """
    table = board.query_one(DataTable)
    lines = (table.render_line(y).text.split() for y in range(table.size.height))
    return [(int(words[0]), words[1]) for words in lines if words and words[0].isdigit()]


def _header(board: BoardApp) -> str:
    return str(board.query_one("#board-session", Label).render())


class CountingBoard(BoardApp):
    """The board, counting its redraws from the database (one a poll)."""

    redraws = 0

    def show(self, *args: object) -> None:
        self.redraws += 1
        super().show(*args)


@app_test
async def test_board_follows_the_running_session(event_db: Path) -> None:
    _record(event_db, "Practice 1", 3, seed=4)
    board = BoardApp(Timing(event_db, ""), poll_s=0.2)
    async with board.run_test(size=(100, 30)) as pilot:
        table = board.query_one(DataTable)
        title = board.query_one("#board-session", Label)
        await until(pilot, lambda: table.row_count == 3 and "Practice 1" in str(title.render()), "session 1 shown")
        assert "TIMING STOPPED" in str(title.render())  # left running by a recorder that stopped
        assert [str(table.get_row_at(i)[0]) for i in range(3)] == ["1", "2", "3"]
        assert all(str(table.get_row_at(i)[5]) for i in range(3))  # best laps shown
        _record(event_db, "Practice 2", 5, seed=11)
        await until(pilot, lambda: table.row_count == 5 and "Practice 2" in str(title.render()), "session 2 followed")
        assert not board.query("Input")  # no controls


@app_test
async def test_board_says_running_only_while_a_recorder_times_the_session(event_db: Path) -> None:
    """A recorder stopped (Ctrl-C, a crash) leaves its session running: the board went on saying RUNNING over
    standings that no longer changed."""
    from laptiming.service.lock import RecorderLock

    _record(event_db, "Practice 1", 3, seed=4)
    board = BoardApp(Timing(event_db, ""), poll_s=0.2)
    async with board.run_test(size=BOARD_SIZE) as pilot:
        title = board.query_one("#board-session", Label)
        await until(pilot, lambda: "PRACTICE  TIMING STOPPED" in str(title.render()), "timing stopped said")
        lock = RecorderLock.acquire(event_db, 1, "Practice 1", program="laptiming record")  # the same command again
        try:
            await until(pilot, lambda: "PRACTICE  RUNNING" in str(title.render()), "running said again")
        finally:
            lock.release()
        await until(pilot, lambda: "PRACTICE  TIMING STOPPED" in str(title.render()), "timing stopped again")


@app_test
async def test_board_says_when_the_recorder_cannot_hear_its_decoder(tmp_path: Path) -> None:
    """A decoder unplugged while ``laptiming record`` runs (it reconnects, holding its lock): the board said
    RUNNING over standings that could not change. Real processes: the recorder and a simulated TCP decoder."""
    from tests.web.decoder_rig import recorded

    db = tmp_path / "event.db"
    with recorded(db) as rig:
        board = BoardApp(Timing(db, ""), poll_s=0.2)
        async with board.run_test(size=BOARD_SIZE) as pilot:
            title = board.query_one("#board-session", Label)
            await until(pilot, lambda: "PRACTICE  RUNNING" in str(title.render()), "running said", 60)
            rig.unplug()
            await until(pilot, lambda: "PRACTICE  DECODER DISCONNECTED" in str(title.render()), "unplugged said", 60)
            rig.plug_in()
            await until(pilot, lambda: "PRACTICE  RUNNING" in str(title.render()), "running said again", 60)


@app_test
async def test_board_shows_the_flag_the_session_shows(event_db: Path) -> None:
    from laptiming.service.control import Flag, show_flag
    from laptiming.store import open_event_db

    _record(event_db, "Practice 1", 3, seed=4)
    board = BoardApp(Timing(event_db, ""), poll_s=0.2)
    async with board.run_test(size=(100, 30)) as pilot:
        title = board.query_one("#board-session", Label)
        await until(pilot, lambda: "Practice 1" in str(title.render()), "session 1 shown")
        assert "FLAG" not in str(title.render())  # green: nothing to say
        for flag in (Flag.YELLOW, Flag.CHECKERED):
            db = open_event_db(event_db)
            try:
                show_flag(db, 1, flag, made_by="marshal", reason="test")
            finally:
                db.close()
            shown = f"{flag.value.upper()} FLAG"
            await until(pilot, lambda shown=shown: shown in str(title.render()), f"{flag.value} shown")


@app_test
async def test_a_field_longer_than_the_screen_takes_turns_a_page_at_a_time(event_db: Path) -> None:
    _record(event_db, "Practice 1", FIELD, seed=4)
    order = _order(_live(event_db)[1])
    board = CountingBoard(Timing(event_db, ""), poll_s=0.2, page_s=NEVER_S)
    async with board.run_test(size=BOARD_SIZE) as pilot:
        await until(pilot, lambda: "(page 1/3)" in _header(board), "the first page")
        await pilot.pause()
        assert "positions 1-9 of 25 (page 1/3)" in _header(board)
        assert _visible(board) == order[:9]
        for first, stop, says in ((9, 18, "positions 10-18 of 25 (page 2/3)"), (18, 25, "positions 19-25 of 25 (page 3/3)"),
                                  (0, 9, "positions 1-9 of 25 (page 1/3)")):  # and back to the top
            board.turn_page()  # what the page timer calls
            await pilot.pause()
            assert says in _header(board)
            assert _visible(board) == order[first:stop]
            polled = board.redraws
            await until(pilot, lambda polled=polled: board.redraws >= polled + 2, "two more polls")
            await pilot.pause()
            assert says in _header(board)  # the poll's redraw keeps the page
            assert _visible(board) == order[first:stop]


@app_test
async def test_the_board_turns_its_pages_by_itself(event_db: Path) -> None:
    _record(event_db, "Practice 1", FIELD, seed=4)
    order = _order(_live(event_db)[1])
    board = BoardApp(Timing(event_db, ""), poll_s=0.2, page_s=0.5)
    async with board.run_test(size=(100, 40)) as pilot:  # room for 17 rows: two pages of 13
        await until(pilot, lambda: "(page 2/2)" in _header(board), "the page turning by itself")
        assert "positions 14-25 of 25 (page 2/2)" in _header(board)
        assert _held(board) == order[13:]
        await until(pilot, lambda: "(page 1/2)" in _header(board), "back to the first page")
        assert "positions 1-13 of 25 (page 1/2)" in _header(board)
        assert _held(board) == order[:13]


@app_test
async def test_a_page_keeps_its_positions_when_the_order_or_the_screen_changes(event_db: Path) -> None:
    _record(event_db, "Practice 1", FIELD, seed=4)
    record, result = _live(event_db)
    board = BoardApp(Timing(event_db, ""), poll_s=NEVER_S, page_s=NEVER_S)  # the test redraws and turns
    async with board.run_test(size=BOARD_SIZE) as pilot:
        await until(pilot, lambda: "(page 1/3)" in _header(board), "the first page")
        board.turn_page()
        await pilot.pause()
        assert _visible(board) == _order(result)[9:18]
        reversed_order = replace(result, standings=tuple(
            replace(row, position=position) for position, row in enumerate(reversed(result.standings), start=1)))
        board.show(record, reversed_order)  # the field re-sorts: other cars hold positions 10-18 now
        await pilot.pause()
        assert "positions 10-18 of 25 (page 2/3)" in _header(board)
        assert _visible(board) == _order(reversed_order)[9:18] != _order(result)[9:18]
        await pilot.resize_terminal(100, 20)  # 7 rows a page: the page that holds position 10
        await until(pilot, lambda: "(page 2/4)" in _header(board), "7 rows a page")
        await pilot.pause()
        assert "positions 8-14 of 25 (page 2/4)" in _header(board)
        assert _visible(board) == _order(reversed_order)[7:14]
        await pilot.resize_terminal(*BOARD_SIZE)
        await until(pilot, lambda: "(page 1/3)" in _header(board), "9 rows a page again")
        await pilot.pause()
        assert "positions 1-9 of 25 (page 1/3)" in _header(board)
        assert _visible(board) == _order(reversed_order)[:9]
        board.show(record, replace(reversed_order, standings=reversed_order.standings[:10]))  # now the field fits
        await pilot.pause()
        assert _visible(board) == _order(reversed_order)[:10]
        assert "position" not in _header(board) and "page" not in _header(board)


@app_test
async def test_a_best_taken_away_changes_the_colour_of_a_lap_whose_time_stays(event_db: Path) -> None:
    """The leader's last lap was the session best (purple); another car beats it: the same text, now green.
    Cells were rewritten only when their text changed, so the purple stayed."""
    _record(event_db, "Practice 1", 3, seed=4)
    record, result = _live(event_db)
    first = result.standings[0]
    holding = replace(result, standings=tuple(
        replace(row, session_best=row is first, personal_best=row is first or row.personal_best)
        for row in result.standings))
    beaten = replace(holding, standings=tuple(replace(row, session_best=row is result.standings[1])
                                             for row in holding.standings))
    board = BoardApp(Timing(event_db, ""), poll_s=NEVER_S, page_s=NEVER_S)  # the test redraws
    async with board.run_test(size=BOARD_SIZE) as pilot:
        table = board.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3, "the board's one poll drawn")  # then only the test draws
        board.show(record, holding)
        await pilot.pause()
        assert str(table.get_cell(str(first.car_id), "last").style) == "bold magenta"
        board.show(record, beaten)
        await pilot.pause()
        assert str(table.get_cell(str(first.car_id), "last").style) == "bold green"


@app_test
async def test_a_car_out_of_the_running_or_penalised_says_so_in_its_gap(event_db: Path) -> None:
    """The board has no status column: a DNF car stood there with its laps and no word why, a penalty unseen."""
    from laptiming.engine import CarStatus

    _record(event_db, "Practice 1", 3, seed=4)
    record, result = _live(event_db)
    out, penalised, _ = result.standings
    changed = replace(result, standings=(replace(out, status=CarStatus.DNF, status_reason="oil leak"),
                                         replace(penalised, penalty_us=5_000_000), result.standings[2]))
    board = BoardApp(Timing(event_db, ""), poll_s=NEVER_S, page_s=NEVER_S)  # the test redraws
    async with board.run_test(size=BOARD_SIZE) as pilot:
        table = board.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3, "the board's first read")
        board.show(record, changed)
        await pilot.pause()
        assert str(table.get_cell(str(out.car_id), "gap")) == "DNF"
        assert str(table.get_cell(str(penalised.car_id), "gap")).endswith(" +5.000 pen")
        assert str(table.get_cell(str(out.car_id), "pos")) == ""  # no position, as on every result
        assert [row.key.value for row in table.ordered_rows] == [str(row.car_id) for row in changed.standings]


@app_test
async def test_board_says_results_are_delayed_while_the_recorder_cannot_write_its_passings(tmp_path: Path,
                                                                                          monkeypatch) -> None:
    """Another program held the database's write lock: the board said RUNNING over standings that had stopped
    moving while the recorder held the passings in memory. Real processes: the recorder and a TCP decoder."""
    import sqlite3

    from tests.web.decoder_rig import recorded

    monkeypatch.setenv("LAPTIMING_WAIT_S", "0.3")  # the recorder's writes give up waiting soon, then hold passings
    db = tmp_path / "event.db"
    with recorded(db):
        board = BoardApp(Timing(db, ""), poll_s=0.2)
        async with board.run_test(size=BOARD_SIZE) as pilot:
            title = board.query_one("#board-session", Label)
            await until(pilot, lambda: "PRACTICE  RUNNING" in str(title.render()), "running said", 60)
            holder = sqlite3.connect(db, isolation_level=None, timeout=30)
            holder.execute("BEGIN IMMEDIATE")
            try:
                await until(pilot, lambda: "PRACTICE  RESULTS DELAYED" in str(title.render()), "delayed said", 60)
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            await until(pilot, lambda: "PRACTICE  RUNNING" in str(title.render()), "running said again", 60)


@app_test
async def test_the_board_says_last_lap_from_a_races_time_up_until_its_leader_takes_the_flag(tmp_path: Path) -> None:
    """A race run to time goes on after its time is up until its leader crosses the line: the board's header said
    RUNNING as before, with nothing to say the last lap was under way. Read at its latest passing (the board has no
    clock of its own): before the time is up, no LAST LAP; after it, LAST LAP; once the leader crosses, the flag."""
    from laptiming.engine import SessionRules, SessionType
    from tests.web.event_db import crossing, journal, running_session

    db = tmp_path / "event.db"
    running_session(db, "Race 1", rules=SessionRules(SessionType.RACE, min_lap_us=5_000_000, duration_us=60_000_000))
    journal(db, 1, [crossing(1, 101, 1.0), crossing(2, 102, 2.0), crossing(3, 101, 24.0), crossing(4, 102, 27.0),
                    crossing(5, 101, 46.0)])  # car 101 leads, two laps to one, 46 s of 60 run
    board = BoardApp(Timing(db, ""), poll_s=0.2)
    async with board.run_test(size=BOARD_SIZE) as pilot:
        await until(pilot, lambda: "Race 1  RACE" in _header(board), "the race shown")
        assert "LAST LAP" not in _header(board)
        journal(db, 1, [crossing(6, 102, 61.0)])  # car 102 crosses after the time: the leader has not yet
        await until(pilot, lambda: "LAST LAP" in _header(board), "the last lap said")
        journal(db, 1, [crossing(7, 101, 68.0)])  # the leader crosses: the checkered flag falls
        await until(pilot, lambda: "CHECKERED FLAG" in _header(board), "the checkered flag shown")
        assert "LAST LAP" not in _header(board)


@app_test
async def test_the_board_on_a_web_feed_says_last_lap_as_the_feed_does(tmp_path: Path) -> None:
    from laptiming.engine import SessionRules, SessionType
    from laptiming.web.server import WebServer
    from tests.web.event_db import arriving, journal, recorder, running_session

    db = tmp_path / "event.db"
    running_session(db, "Race 1", rules=SessionRules(SessionType.RACE, min_lap_us=5_000_000, duration_us=60_000_000))
    journal(db, 1, [arriving(1, 101, 1.0, 70), arriving(2, 102, 2.0, 70), arriving(3, 101, 24.0, 70),
                    arriving(4, 102, 61.0, 70)])  # 70 s run on the decoder's clock, the leader not across since 60
    server = WebServer(db, "127.0.0.1", 0).start()
    try:
        with recorder(db):
            board = BoardApp(None, feed_url=server.url)
            async with board.run_test(size=BOARD_SIZE) as pilot:
                await until(pilot, lambda: "LAST LAP" in _header(board), "the last lap said")
                journal(db, 1, [arriving(5, 101, 71.0, 71)])  # the leader crosses
                await until(pilot, lambda: "CHECKERED FLAG" in _header(board), "the checkered flag shown")
                assert "LAST LAP" not in _header(board)
    finally:
        server.stop()
