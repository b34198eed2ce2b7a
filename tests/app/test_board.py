"""The standings board follows whichever session is live, reading the database only."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Label

from hardware.events import LinkState
from laptiming.app import Timing
from laptiming.app.board import BoardApp
from laptiming.service import Recording, RecordingRequest
from tests.app.conftest import app_test, until


def _record(db: Path, name: str, cars: int, seed: int) -> None:
    """Time a whole simulated session and leave it running (as a recorder that was stopped)."""
    recording = Recording.start(RecordingRequest(db, name, f"sim://?cars={cars}&seed={seed}&speed=0&minutes=5",
                                                 enter_unknown=True))
    for _ in recording.notices():  # ends when the simulated source does
        pass
    assert recording.link_state is LinkState.ENDED
    recording.close(finish=False)


@app_test
async def test_board_follows_the_running_session(event_db: Path) -> None:
    _record(event_db, "Practice 1", 3, seed=4)
    board = BoardApp(Timing(event_db, ""), poll_s=0.2)
    async with board.run_test(size=(100, 30)) as pilot:
        table = board.query_one(DataTable)
        title = board.query_one("#board-session", Label)
        await until(pilot, lambda: table.row_count == 3 and "Practice 1" in str(title.render()), "session 1 shown")
        assert "RUNNING" in str(title.render())
        assert [str(table.get_row_at(i)[0]) for i in range(3)] == ["1", "2", "3"]
        assert all(str(table.get_row_at(i)[5]) for i in range(3))  # best laps shown
        _record(event_db, "Practice 2", 5, seed=11)
        await until(pilot, lambda: table.row_count == 5 and "Practice 2" in str(title.render()), "session 2 followed")
        assert not board.query("Input")  # no controls


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
            await until(pilot, lambda: f"{flag.value.upper()} FLAG" in str(title.render()), f"{flag.value} shown")
