"""Helpers for driving the live timing app headless: an event database, bounded waits on app state."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine
from typing import Any
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from laptiming.engine import SessionRules
from laptiming.store import create_session, open_event_db, write_transaction

WAIT_S = 30.0


def app_test(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an ``async`` test (``app.run_test()`` needs an event loop) in its own loop; fixtures as usual."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


async def until(pilot, condition: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Let the app run until ``condition`` holds (bounded: a failure names what never happened)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)
        await asyncio.sleep(0)


def press_together(app: Any, *keys: str) -> None:
    """Queue these keys to the app at once, as tmux send-keys or a bouncing key sends them: none waits
    for the one before to be handled."""
    for key in keys:
        app.post_message(events.Key("space" if key == " " else key, key if len(key) == 1 else None))


async def timed_to_the_end(app: Any, pilot, cars: int = 3) -> None:
    """Start session 1 on the app's simulator and let it run until the decoder link has ended with ``cars`` cars."""
    app.start_session(1)
    await until(pilot, lambda: len(app.model.rows) == cars and app.model.link is not None
                and app.model.link.state.value == "ended", f"{cars} cars timed")


async def finished_with_keys(app: Any, pilot) -> None:
    """Finish the running session as an official does (f, then y on the question) and wait until it is."""
    await pilot.press("f", "y")
    await until(pilot, lambda: app.timing.recording is None and app.timing.flag().value == "finished", "finished")


def make_event(path: Path, *names: str, rules: SessionRules = SessionRules()) -> Path:
    """An event database with these planned sessions."""
    db = open_event_db(path, create=True)
    try:
        with write_transaction(db):
            for name in names:
                create_session(db, name, rules)
    finally:
        db.close()
    return path


@pytest.fixture
def event_db(tmp_path: Path) -> Path:
    """An event with two planned practice sessions."""
    return make_event(tmp_path / "event.db", "Practice 1", "Practice 2")


def screen_lines(app: Any) -> list[str]:
    """The text of each row of the terminal as the app draws it now (what the official sees, modals included)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def walk_up_to_the_first_unknown(app: Any, pilot) -> int:
    """Time session 1 until the simulator has shown its three unknown transponders, then open the
    walk-up form; the lowest unknown transponder (the one the form offers)."""
    app.start_session(1)
    await until(pilot, lambda: len(app.model.unknown) == 3 and app.model.link is not None
                and app.model.link.state.value == "ended", "three unknown transponders")
    await pilot.press("w")
    await until(pilot, lambda: app.screen.query("#walkup-number"), "the walk-up form")
    return min(app.model.unknown)


async def loaner_walked_up_by_a_second_car(app: Any, pilot):
    """Car 7 (Ada) entered with the first unknown transponder, a loaner; then the form again, car 8 (Bob) typed with
    the same transponder, Enter on the last field: the form, as it answers that, and the loaner."""
    loaner = await walk_up_to_the_first_unknown(app, pilot)
    first = app.screen
    assert not first.query_one("#walkup-from", Input).display  # not asked for a transponder nobody has
    await pilot.press(*"7", "enter", *"Ada", "enter", "enter", "enter")
    await until(pilot, lambda: app.screen is not first, "car 7 entered with the loaner")
    await pilot.press("w")
    await until(pilot, lambda: app.screen.query("#walkup-number"), "the form again")
    form = app.screen
    form.query_one("#walkup-transponder", Input).value = str(loaner)
    await pilot.click("#walkup-number")
    await pilot.press(*"8", "enter", *"Bob", "enter", "enter", "enter")
    return form, loaner
