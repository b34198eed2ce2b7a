"""Visual snapshots of the main screens (SVG, as Textual exports them), compared with the stored ones.

The session is the demo's first, simulated flat out, then finished, so every pixel is the same on
every run. ``LAPTIMING_UPDATE_SNAPSHOTS=1`` rewrites the stored pictures after a deliberate change;
on a mismatch the new picture is written beside the test's temporary files to look at.

(pytest-textual-snapshot 1.1.0 pins syrupy 4.8.0, which needs pytest < 9, and this project pins
pytest 9.2.0, so the comparison is done here with Textual's own SVG export.)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from laptiming.app import LiveTimingApp, Timing, demo
from laptiming.app.screens.corrections import CorrectionForm
from laptiming.app.screens.walkup import WalkUpForm
from tests.app.conftest import app_test, until

SNAPSHOTS = Path(__file__).parent / "snapshots"
SIZE = (120, 36)


def _normalised(svg: str) -> str:
    """The SVG without what differs between identical screens (the export's random-free ids are kept)."""
    return re.sub(r"terminal-\d+", "terminal", svg)


def _check(name: str, svg: str, tmp_path: Path) -> None:
    stored = SNAPSHOTS / f"{name}.svg"
    if os.environ.get("LAPTIMING_UPDATE_SNAPSHOTS") == "1":
        stored.write_text(svg)
        return
    assert stored.exists(), f"no stored snapshot {stored}; run with LAPTIMING_UPDATE_SNAPSHOTS=1 to make it"
    if _normalised(stored.read_text()) != _normalised(svg):
        actual = tmp_path / f"{name}.actual.svg"
        actual.write_text(svg)
        raise AssertionError(f"{name}: the screen changed; compare {actual} with {stored}")


@pytest.fixture
def finished_demo(tmp_path: Path) -> tuple[Path, str]:
    record, url = demo.prepare(tmp_path / "demo.db")
    assert record is not None
    return tmp_path / "demo.db", url.replace("speed=40", "speed=0")


@app_test
async def test_main_screens_look_as_stored(finished_demo: tuple[Path, str], tmp_path: Path) -> None:
    db_path, url = finished_demo
    app = LiveTimingApp(Timing(db_path, url), official="demo")
    async with app.run_test(size=SIZE) as pilot:
        app.start_session(1)
        await until(pilot, lambda: app.model.link is not None and app.model.link.state.value == "ended", "the session")
        await pilot.press("f", "y")
        live = app.screen_named("live")
        await until(pilot, lambda: app.timing.recording is None and not live._flash_until, "finished, no flash")
        await pilot.pause(0.2)
        app.clear_notifications()
        await pilot.pause()
        _check("live_finished", app.export_screenshot(), tmp_path)
        app.push_screen(CorrectionForm("status", {"car": "206"}))
        await pilot.pause()
        _check("correction_status", app.export_screenshot(), tmp_path)
        await pilot.press("escape")
        app.push_screen(WalkUpForm(2, "Session 3", app.timing.read_time, 3100222))
        await pilot.pause()
        _check("walk_up", app.export_screenshot(), tmp_path)
        await pilot.press("escape", "4")
        await until(pilot, lambda: app.screen.id == "results" and app.screen.query_one("#result-table").row_count > 0,
                    "results")
        await pilot.pause()
        _check("results", app.export_screenshot(), tmp_path)
        await pilot.press("3")
        await until(pilot, lambda: app.screen.id == "day" and app.screen.query_one("#day-table").row_count > 0, "day")
        await pilot.pause()
        _check("day", app.export_screenshot(), tmp_path)
