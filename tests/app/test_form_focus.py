"""The field being typed in stands out in every form, also on a 256-colour terminal (a noisy, bright tent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import ColorSystem
from rich.style import Style
from textual.color import Color
from textual.screen import Screen
from textual.widgets import Input

from laptiming.app import LiveTimingApp, Timing
from laptiming.app.screens.corrections import CorrectionForm
from laptiming.app.screens.walkup import WalkUpForm
from laptiming.service.entries import KnownCar
from tests.app.conftest import app_test, until

SIM = "sim://?cars=3&seed=5&speed=0&minutes=5"
MIN_BACKGROUND_STEP = 0.3  # perceived brightness (0-1) between the focused field and the others: 234 vs 235 is 0.04
MIN_TEXT_STEP = 0.4  # between the typed text and the focused field's background


def _background(field: Input) -> Color:
    """The background the field is drawn with (its tint included)."""
    style: Style = field.rich_style
    assert style.bgcolor is not None
    return Color.from_rich_color(style.bgcolor)


def _eight_bit(colour: Color) -> int | None:
    """The colour's number on a 256-colour terminal."""
    return colour.rich_color.downgrade(ColorSystem.EIGHT_BIT).number


def _assert_only_focused_stands_out(form: Screen) -> None:
    focused = [field for field in form.query(Input) if field.has_focus]
    others = [field for field in form.query(Input) if not field.has_focus]
    assert len(focused) == 1 and others
    shown = _background(focused[0])
    for other in others:
        plain = _background(other)
        assert abs(shown.brightness - plain.brightness) >= MIN_BACKGROUND_STEP, (shown.hex, plain.hex)
        assert _eight_bit(shown) != _eight_bit(plain)
    text = Color.from_rich_color(focused[0].rich_style.color)
    assert abs(text.brightness - shown.brightness) >= MIN_TEXT_STEP, (text.hex, shown.hex)


@pytest.mark.parametrize("which", ["correction", "walk-up"])
@app_test
async def test_the_focused_field_stands_out_and_the_highlight_follows_enter(event_db: Path, which: str) -> None:
    app = LiveTimingApp(Timing(event_db, SIM), official="desk")
    async with app.run_test(size=(100, 30)) as pilot:
        form = CorrectionForm("status", {"car": "206"}) if which == "correction" else \
            WalkUpForm(1, "Practice 1", app.timing.read_time, None)
        app.push_screen(form)
        await until(pilot, lambda: app.screen is form and app.focused is not None, "the form, a field focused")
        first = app.focused
        _assert_only_focused_stands_out(form)
        await pilot.press("x", "enter")  # Enter moves down to the next field
        await until(pilot, lambda: app.focused is not first, "the next field focused")
        _assert_only_focused_stands_out(form)


@pytest.mark.parametrize("which", ["correction", "walk-up"])
@app_test
async def test_enter_with_a_needed_field_blank_moves_to_that_field(event_db: Path, which: str) -> None:
    """The form said 'needed: Status' and left the cursor on the reason, so what came next was typed there."""
    app = LiveTimingApp(Timing(event_db, SIM), official="desk")
    async with app.run_test(size=(100, 30)) as pilot:
        if which == "correction":
            form, blank, last = CorrectionForm("status", {"car": "206"}), "field-status", "field-reason"
        else:
            form = WalkUpForm(1, "Practice 1", app.timing.read_time, 3999907, KnownCar("7"))
            blank, last = "walkup-driver", "walkup-transponder"
        app.push_screen(form)
        await until(pilot, lambda: app.screen is form and app.focused is not None, "the form, a field focused")
        form.set_focus(form.query_one(f"#{last}", Input))
        await pilot.press("x", "enter")
        await until(pilot, lambda: app.focused is not None and app.focused.id == blank, f"{blank} focused")
        assert app.screen is form
