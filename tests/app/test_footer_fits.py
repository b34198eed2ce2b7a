"""The key line at the bottom of each screen: whole entries at every width, never cut mid-word, ? always there."""

from __future__ import annotations

from pathlib import Path

import pytest

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.adapter import FlagShown
from tests.app.conftest import app_test, screen_lines, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"
SIZES = [(80, 24), (100, 30), (120, 40)]


def _entries(app: LiveTimingApp) -> set[str]:
    """Every entry the footer could show on this screen, whole ("KEY Description")."""
    return {f"{app.get_key_display(binding)} {binding.description}"
            for _, binding, _, _ in app.screen.active_bindings.values() if binding.show}


def _footer_entries(app: LiveTimingApp) -> list[str]:
    """The footer's last row as drawn, split into its entries (two spaces between them)."""
    return [chunk.strip() for chunk in screen_lines(app)[-1].strip().split("  ") if chunk.strip()]


def _assert_whole(app: LiveTimingApp) -> None:
    """Each entry on the footer row is a whole key and description, and every key (?) is among them."""
    shown = _footer_entries(app)
    assert set(shown) <= _entries(app), f"an entry cut short: {shown}"
    assert "? Keys" in shown, shown


@pytest.mark.parametrize("size", SIZES)
@app_test
async def test_lives_footer_shows_whole_entries_with_the_keys_and_quit(event_db: Path, size: tuple[int, int]) -> None:
    """Live's footer was cut mid-word at 80 ("s Sta") and 100 ("3 D"), and lost "? Keys" and "q Quit" at 120."""
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=size) as pilot:
        app.start_session(1)
        await until(pilot, lambda: app.timing.flag() is FlagShown.GREEN, "the green flag")
        await pilot.pause()
        _assert_whole(app)
        assert {"n Next session", "f Finish", "q Quit"} <= set(_footer_entries(app))


@app_test
async def test_results_footer_keeps_whole_entries_when_the_terminal_narrows(event_db: Path) -> None:
    """Results has the most keys: at 120 columns they are cut, and narrowed to 80 the footer chooses again."""
    app = LiveTimingApp(Timing(event_db, SIM, enter_unknown=True), official="desk")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await until(pilot, lambda: app.screen.id == "results", "the Results screen")
        await pilot.pause()
        _assert_whole(app)
        assert "e Export CSV" in _footer_entries(app)
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: len(screen_lines(app)[-1].rstrip()) < 80, "the footer chosen again for 80 columns")
        _assert_whole(app)
