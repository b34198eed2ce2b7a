"""The Day screen fits the terminal: at 80 columns every column shown is whole, the flag and results join the
state, who is timing moves under the table; on a wide screen every column is there."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Label

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.screens.day import DayLayout, day_table, timed_elsewhere
from laptiming.engine import SessionType
from laptiming.service.control import Flag, ResultsStatus
from laptiming.service.day import DaySession
from laptiming.service.lock import LockHolder
from laptiming.store import SessionPhase
from tests.app.conftest import app_test, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"


def _session(session_id: int, phase: SessionPhase, **changes: object) -> DaySession:
    values: dict[str, object] = dict(
        session_id=session_id, name=f"Qualifying {session_id}", session_type=SessionType.QUALIFYING, phase=phase,
        planned_start="2026-06-13 09:00", planned_end="2026-06-13 09:20", entries=25, passings=1234, flag=None,
        results=None, timed_by=None, expected_next=False)
    values.update(changes)
    return DaySession(**values)  # type: ignore[arg-type]


DAY = [
    _session(1, SessionPhase.FINISHED, flag=Flag.CHECKERED, results=ResultsStatus.PROVISIONAL),
    _session(2, SessionPhase.RUNNING, flag=Flag.GREEN, results=ResultsStatus.LIVE,
             timed_by=LockHolder(host="desk-laptop", pid=4242, program="laptiming record", since="09:01")),
    _session(3, SessionPhase.PLANNED, expected_next=True),
]


def _drawn(columns: tuple[tuple[str, str, int], ...]) -> int:
    return sum(width + 2 for _, _, width in columns) - 1


def test_each_width_takes_the_widest_layout_that_fits() -> None:
    seen = {}
    for available in range(60, 161):
        layout, columns, rows = day_table(DAY, available)
        seen.setdefault(layout, available)
        if layout is not DayLayout.NO_TYPE:  # the narrowest is drawn anyway, and scrolls
            assert _drawn(columns) <= available, (available, layout)
        for index, (_, header, width) in enumerate(columns):  # no text is cut
            assert width >= len(header) and all(len(row[index]) <= width for row in rows)
    assert list(seen) == [DayLayout.NO_TYPE, DayLayout.NO_END, DayLayout.STATE_MERGED, DayLayout.NO_TIMED_BY,
                          DayLayout.FULL]
    assert seen[DayLayout.FULL] > seen[DayLayout.NO_TIMED_BY] > seen[DayLayout.STATE_MERGED] > seen[DayLayout.NO_END] > 60


def test_a_running_session_nobody_times_says_so_in_the_column_and_under_the_table() -> None:
    """It was a blank, as for a finished session: a session left running looked timed."""
    left = [_session(4, SessionPhase.RUNNING, flag=Flag.GREEN, results=ResultsStatus.LIVE)]
    _, columns, rows = day_table(left, 200)
    assert rows[0][[key for key, _, _ in columns].index("timed_by")] == "nobody (n resumes it)"
    assert timed_elsewhere(left) == "Qualifying 4: timed by nobody (n resumes it)."
    assert timed_elsewhere(DAY) == "Qualifying 2: timed by pid 4242 on desk-laptop."


def test_a_session_past_its_plans_capacity_shows_it_beside_its_cars() -> None:
    """Walk-ups took it past the cars the plan lets on track: the Day screen said only the number."""
    day = [_session(3, SessionPhase.PLANNED, entries=26, capacity=25), _session(4, SessionPhase.PLANNED, capacity=25)]
    _, columns, rows = day_table(day, 78)
    cars = [key for key, _, _ in columns].index("cars")
    assert [row[cars] for row in rows] == ["26 (plan 25)", "25"]


def test_narrow_layouts_keep_what_the_dropped_columns_said() -> None:
    _, columns, rows = day_table(DAY, 78)
    keys = [key for key, _, _ in columns]
    assert keys == ["id", "start", "name", "type", "phase", "cars", "passings"]
    states = [row[keys.index("phase")] for row in rows]
    assert states == ["finished, provisional", "running, green", "planned, next"]  # the next one: the state says it
    _, columns, rows = day_table(DAY, 200)
    assert [key for key, _, _ in columns][-4:] == ["passings", "flag", "results", "timed_by"]
    assert rows[1][-1] == "pid 4242 on desk-laptop" and rows[1][5] == "running"


@app_test
async def test_day_screen_at_80_columns(event_db: Path) -> None:
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True))
    async with app.run_test(size=(80, 30)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: len(app.model.rows) == 3, "cars timed")
        await pilot.press("3")
        await until(pilot, lambda: app.screen.id == "day", "the Day screen")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2, "both sessions listed")
        keys = [column.key.value for column in table.ordered_columns]
        assert "flag" not in keys and "timed_by" not in keys
        state = keys.index("phase")
        assert str(table.get_row_at(0)[state]).startswith("running, ")
        assert str(table.get_row_at(1)[state]) == "planned, next"
        assert sum(column.get_render_width(table) for column in table.ordered_columns) - 1 <= table.size.width
        under = str(app.screen.query_one("#expected", Label).render())
        assert "Practice 1: timed by pid" in under and "Expected next, Practice 2" in under
        await pilot.resize_terminal(160, 30)
        await until(pilot, lambda: [c.key.value for c in table.ordered_columns][-1] == "timed_by", "every column")
        assert "timed by" not in str(app.screen.query_one("#expected", Label).render())


def _roster_day() -> list[DaySession]:
    """A roster's day as `schedule --db` makes it: 26 practice sessions named by slot (Session 1 ... Session 28),
    the first finished, the second past its plan with walk-ups, one running, the next one marked."""
    day = []
    for index in range(1, 27):
        phase = SessionPhase.FINISHED if index <= 2 else SessionPhase.RUNNING if index == 3 else SessionPhase.PLANNED
        day.append(_session(index, phase, name=f"Session {index + (index > 5) + (index > 24)}",
                            session_type=SessionType.PRACTICE, entries=27 if index == 2 else 25, capacity=25,
                            passings=278 if phase is not SessionPhase.PLANNED else 0, expected_next=index == 4,
                            flag=Flag.CHECKERED if index <= 2 else Flag.GREEN if index == 3 else None,
                            results=ResultsStatus.PROVISIONAL if index <= 2 else ResultsStatus.LIVE if index == 3
                            else None))
    return day


def test_a_roster_day_fits_80_columns_next_to_its_scrollbar() -> None:
    """At 80 columns (78 beside the scrollbar of 26 sessions) the roster's day took 87 cells: "Session 10  <- next",
    "finished, provisional" and "27 (plan 25)" pushed Passings off the right edge, to be scrolled to."""
    layout, columns, rows = day_table(_roster_day(), 78)
    assert _drawn(columns) <= 78, (layout, columns)
    keys = [key for key, _, _ in columns]
    assert {"id", "start", "name", "phase", "cars", "passings"} <= set(keys)
    states = [row[keys.index("phase")] for row in rows]
    assert states[:5] == ["finished, provisional", "finished, provisional", "running, green", "planned, next",
                          "planned"]
    assert "27 (plan 25)" in [row[keys.index("cars")] for row in rows]


def test_the_type_gives_way_only_when_every_session_has_the_same() -> None:
    mixed = _roster_day()
    mixed[5] = _session(6, SessionPhase.PLANNED, name="Race 1", session_type=SessionType.RACE)
    _, columns, _ = day_table(mixed, 78)
    assert "type" in [key for key, _, _ in columns]  # a race among practices is said, even if the table scrolls
