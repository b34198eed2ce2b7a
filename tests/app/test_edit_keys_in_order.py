"""Editing keys typed in the same burst as digits act where they were typed, in every form.

Textual runs an Input's own editing keys (Backspace, Ctrl+U, Left, Home, ...) only once the key has bubbled up
to the app, after the field has taken the printable keys queued behind it. A fast typist on a busy laptop (or
tmux send-keys) fixing a number with Backspace got another number (``12`` Backspace ``3`` read ``12``: the 3
typed, then the Backspace), and Ctrl+U followed by the new number left the field empty.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.screen import Screen
from textual.widgets import Input

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.screens.corrections import CorrectionForm, microseconds_only
from laptiming.app.screens.dialogs import ReasonPrompt, SessionPicker
from laptiming.app.screens.length import LengthForm
from laptiming.app.screens.walkup import WalkUpForm
from tests.app.conftest import app_test, press_together, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"

FORMS: dict[str, Callable[[], Screen]] = {
    "walk-up": lambda: WalkUpForm(1, "Practice 1", microseconds_only),
    "correction": lambda: CorrectionForm("add_passing"),
    "length": lambda: LengthForm("Length of Practice 1"),
    "reason": lambda: ReasonPrompt("Reopen Practice 1?"),
    "new session": lambda: SessionPicker([]),
}


@pytest.mark.parametrize("form", FORMS)
@app_test
async def test_backspace_ctrl_u_and_cursor_keys_act_in_the_order_typed(event_db: Path, form: str) -> None:
    app = LiveTimingApp(Timing(event_db, SIM), official="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(FORMS[form]())
        if form == "new session":
            await until(pilot, lambda: app.screen.query("#new-session"), "the session picker")
            await pilot.press("tab")
        await until(pilot, lambda: isinstance(app.focused, Input), "a field of the form focused")
        field = app.focused
        # all in one burst, none waiting for the one before: 12, fix the 2 to 3; start again; then insert at the front
        press_together(app, *"12", "backspace", "3", "ctrl+u", *"4123476", "home", "9", "end", "left", "delete", "8")
        await until(pilot, lambda: field.value == "94123478",
                    f"the field to read 94123478 (it reads {field.value!r})", timeout=5)
