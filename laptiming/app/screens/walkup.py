"""The walk-up form: a car and driver who registered at the gate, entered in seconds.

Number, driver, class and transponder; Enter moves down, Enter on the last field enters the car.
What can be checked here is checked at once (a message under the fields); the rest (a transponder
that belongs to another car, a finished session) comes back from the service, and the form stays
open with the message so the official can fix it. A transponder that belongs to another car (a
loaner handed on) opens one more field, From: the time of day it became this car's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from laptiming.app.adapter import WalkUpEntry, WalkUpResult
from laptiming.app.messages import WalkUpRequested
from laptiming.app.screens.modal import OnceModal
from laptiming.app.screens.typing import FormInput, SaidOnce, next_field_or
from laptiming.errors import InputError
from laptiming.service.entries import CarNumberTaken, KnownCar, TransponderCorrected, TransponderTaken

TimeReader = Callable[[str, str], int]
"""Decoder µs from what the official typed (a time of day on the session's decoder clock, or µs)."""


@dataclass(frozen=True, slots=True)
class WalkUpField:
    """One input of the form."""

    key: str
    label: str
    required: bool = True
    on_demand: bool = False  # hidden until the service asks for it


FIELDS = (
    WalkUpField("number", "Car number"),
    WalkUpField("driver", "Driver"),
    WalkUpField("class", "Class (optional)", required=False),
    WalkUpField("transponder", "Transponder"),
    WalkUpField("from", "From (time of day it was handed on to this car)", required=False, on_demand=True),
)


def entry_from(values: dict[str, str], read_time: TimeReader) -> WalkUpEntry:
    """The entry the typed values make; a ValueError names the first field that is wrong."""
    missing = [field.label for field in FIELDS if field.required and not values[field.key].strip()]
    if missing:
        raise ValueError(f"needed: {', '.join(missing)}")
    try:
        transponder = int(values["transponder"].strip())
    except ValueError as err:
        raise ValueError(f"transponder: not a whole number: {values['transponder'].strip()!r}") from err
    if transponder <= 0:
        raise ValueError(f"transponder: {transponder} is not a transponder number (a whole number above 0)")
    from_us = None
    if values["from"].strip():
        try:
            from_us = read_time(values["from"].strip(), "from")
        except InputError as err:
            raise ValueError(str(err)) from err
    return WalkUpEntry(values["number"].strip(), values["driver"].strip(), transponder,
                       values["class"].strip() or None, from_us)


class WalkUpForm(OnceModal[WalkUpResult | None]):
    """Enter a walk-up car in a session; dismissed with what the service did (None when cancelled)."""

    # Enter is taken before the focused Input sees it, and focus moves at once (Widget.focus() waits
    # for the message queue): what is typed fast after Enter lands in the next field, not this one.
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", priority=True),
                Binding("enter", "next_field", "Next field", show=False, priority=True)]

    def __init__(self, session_id: int, session_name: str, read_time: TimeReader,
                 unknown_transponder: int | None = None, known: KnownCar | None = None,
                 time_note: Callable[[str, str], str] | None = None) -> None:
        super().__init__(classes="dialog")
        self.session_id = session_id
        self.session_name = session_name
        self.read_time = read_time
        self.time_note = time_note  # a From time far from the session's passings: said first, taken on a second Enter
        self._far = SaidOnce()  # a far From time: said on the first Enter, taken on the next
        self.unknown_transponder = unknown_transponder
        self.known = known  # the event's car the transponder is, not entered in this session
        self.asking = False  # the service is entering the car: another Enter must not ask again

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(f"Walk-up entry into {self.session_name}", classes="dialog-title")
            if self.unknown_transponder is not None:
                what = f"Unknown transponder {self.unknown_transponder}" if self.known is None else \
                    f"Car {self.known.number} (transponder {self.unknown_transponder}), not entered,"
                yield Label(f"{what} on track: filled in below", id="prefill-note")
            known = self.known or KnownCar("")
            prefill = {"transponder": str(self.unknown_transponder or ""), "number": known.number,
                       "driver": known.driver or "", "class": known.car_class or ""}
            for field in FIELDS:
                initial = prefill.get(field.key, "")
                label = Label(field.label, id=f"walkup-{field.key}-label")
                box = FormInput(initial, id=f"walkup-{field.key}", compact=True)
                label.display = box.display = not field.on_demand
                yield label
                yield box
            yield Label("", id="form-error")
            yield Label("Enter: next field, on the last: enter the car    Esc: cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        # the first field left to type; a known car with its one driver needs only Enter (on the transponder)
        shown = [box for box in self.query(Input) if box.display]
        next((box for box in shown if not box.value and box.id != "walkup-class"), shown[-1]).focus()

    def values(self, typed: dict[str, str] | None = None) -> dict[str, str]:
        """What is typed, by field key: as :func:`when_typed` took it (by Input id), else as it stands now."""
        return {w.id.removeprefix("walkup-"): (typed or {}).get(w.id, w.value) for w in self.query(Input) if w.id}

    def action_next_field(self) -> None:
        """Enter: down to the next field; on the last, enter the car."""
        next_field_or(self, [box for box in self.query(Input) if box.display], self._enter)  # asks the service once

    def _enter(self, typed: dict[str, str]) -> None:
        """Check what was typed; ask the service to enter the car, or say what is wrong (the form stays open)."""
        if self.asking:  # Enter Enter: the second one arrived before the first was answered
            return
        values = self.values(typed)
        try:
            entry = entry_from(values, self.read_time)
        except ValueError as err:
            self.show_error(str(err))
            blank = next((f.key for f in FIELDS if f.required and not values[f.key].strip()), None)
            if blank is not None:  # where the official types next
                self.set_focus(self.query_one(f"#walkup-{blank}", Input))
            return
        note = self.time_note(values["from"].strip(), "from") if self.time_note and values["from"].strip() else ""
        if self._far.stops(note, values):  # a slip of the hour moves the loaner's passings to the wrong car
            self.show_error(f"{note} -- Enter again to move it then")
            return
        self.show_error("")
        self.asking = True
        self.app.post_message(WalkUpRequested(self, self.session_id, entry))

    def show_error(self, message: str) -> None:
        """A message under the fields (the form stays open); the service's command-line option name is dropped."""
        message = re.sub(r"^--[a-z-]+: ", "", message)
        self.query_one("#form-error", Label).update(Text(message, style="bold red"))

    def show_refusal(self, error: Exception) -> None:
        """The service refused the entry: its message, in this form's words where they differ."""
        self.asking = False
        if isinstance(error, CarNumberTaken):
            self.show_error(f"car {error.number} is already {error.owner}: pick a new number for a new car, "
                            f"or use a (assign) to give car {error.number} another transponder")
            self.set_focus(self.query_one("#walkup-number", Input))
            return
        if isinstance(error, TransponderCorrected):  # the From field cannot help: the correction holds all session
            self.show_error(f"transponder {error.transponder} is car {error.owner_number}'s for all of "
                            f"{self.session_name} (correction #{error.correction_id}): give this car another "
                            "transponder, or Esc, then a (assign) gives it to this car")
            self.set_focus(self.query_one("#walkup-transponder", Input))
            return
        if isinstance(error, TransponderTaken):
            self.show_error(f"transponder {error.transponder} belongs to car {error.owner_number}: "
                            "when was it handed on?")
            self.query_one("#walkup-from-label", Label).display = True
            from_box = self.query_one("#walkup-from", Input)
            from_box.display = True
            self.set_focus(from_box)
            return
        self.show_error(str(error))
