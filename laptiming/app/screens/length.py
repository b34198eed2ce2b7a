"""The session length form (``t``): give back time lost to a red flag, or set the duration or lap count.

One of three fields (time to add, a new duration, a lap count) and a reason; Enter moves down, Enter on the
reason sets it. The service checks the rest (a length the session has already run past, a finished session)
and a refusal opens the form again as typed, saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from laptiming.app.screens.modal import OnceModal
from laptiming.app.screens.typing import FormInput, next_field_or
from laptiming.errors import InputError
from laptiming.service.length import LengthChange
from laptiming.timefmt import parse_clock

FIELDS = (("add", "Add time (4:00)"), ("duration", "or a new duration from green (20:00)"),
          ("laps", "or a lap count"), ("reason", "Reason (required)"))
LENGTH_FIELDS = {"add": "Add time", "duration": "Duration", "laps": "Lap count"}  # as a message names them


@dataclass(frozen=True, slots=True)
class LengthTyped:
    """What the form sends: the change, its reason, and what was typed (to open the form again)."""

    change: LengthChange
    reason: str
    values: dict[str, str]


def change_from(values: dict[str, str]) -> LengthChange:
    """The change the typed values ask for; a ValueError says what is wrong."""
    given = [key for key in LENGTH_FIELDS if values[key].strip()]
    if len(given) != 1:
        raise ValueError("give one of: time to add, a new duration, a lap count")
    if not values["reason"].strip():
        raise ValueError("needed: Reason")
    key, text = given[0], values[given[0]].strip()
    try:
        if key == "laps":
            return LengthChange(lap_count=int(text))
        time_us = parse_clock(text)
        return LengthChange(add_us=time_us) if key == "add" else LengthChange(duration_us=time_us)
    except InputError as err:  # above zero
        raise ValueError(str(err)) from err
    except ValueError as err:
        what = "a whole number" if key == "laps" else "a time (4:00, 1:05:00 or seconds)"
        raise ValueError(f"{LENGTH_FIELDS[key]}: {text!r} is not {what}") from err


class LengthForm(OnceModal[LengthTyped | None]):
    """Set the running session's length; dismissed with what was typed (None when cancelled)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", priority=True),
                Binding("enter", "next_field", "Next field", show=False, priority=True)]

    def __init__(self, title: str, values: dict[str, str] | None = None, error: str = "") -> None:
        super().__init__(classes="dialog")
        self.title_text = title  # the session and its length now
        self.initial = values or {}
        self.error = error  # why the service refused it last time (the form opened again)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title")
            for key, label in FIELDS:
                yield Label(label)
                yield FormInput(self.initial.get(key, ""), id=f"length-{key}", compact=True)
            yield Label("", id="form-error")
            yield Label("Enter: next field, on the reason: set it    Esc: cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        if self.error:
            self.show_error(self.error)
        self.query(Input).first().focus()

    def action_next_field(self) -> None:
        """Enter: down to the next field; on the reason, set the length."""
        next_field_or(self, list(self.query(Input)), self._set)

    def _set(self, typed: dict[str, str]) -> None:
        values = {w.id.removeprefix("length-"): typed.get(w.id, w.value) for w in self.query(Input) if w.id}
        try:
            change = change_from(values)
        except ValueError as err:
            self.show_error(str(err))
            given = [key for key in LENGTH_FIELDS if values[key].strip()]
            wrong = given[0] if len(given) == 1 and values["reason"].strip() else "reason" if given else "add"
            self.set_focus(self.query_one(f"#length-{wrong}", Input))  # where the official types next
            return
        self.dismiss(LengthTyped(change, values["reason"].strip(), values))

    def show_error(self, message: str) -> None:
        """A message under the fields; the form stays open."""
        self.query_one("#form-error", Label).update(Text(message, style="bold red"))
