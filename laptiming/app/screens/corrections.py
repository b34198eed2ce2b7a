"""Corrections, one modal each: the fields the correction needs and a reason; Enter records it.

Each modal dismisses with the service's typed request and the reason (or None when cancelled);
the app sends it through the live session, so the checks are the same as the command line's.
Every correction can be undone by a further one (status back to running, void an added passing,
assign the transponder back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from laptiming.app.screens.modal import OnceModal
from laptiming.app.screens.typing import FormInput, SaidOnce, next_field_or
from laptiming.engine import CarStatus
from laptiming.errors import InputError
from laptiming.service.corrections import (
    AddPassingRequest,
    AssignRequest,
    CorrectionRequest,
    DeleteLapRequest,
    MinLapRequest,
    PenaltyRequest,
    StatusRequest,
    VoidPassingRequest,
)
from laptiming.timefmt import parse_seconds

Values = dict[str, str]
TimeReader = Callable[[str, str], int]  # (text, field) -> decoder µs: µs as typed, or a time of day on the decoder clock
TimeNote = Callable[[str, str], str]  # (text, field) -> what to say of a time far from the session's passings, or ""


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a correction form."""

    key: str
    label: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of correction: its title, its fields and how the values become a request."""

    title: str
    fields: tuple[Field, ...]
    build: Callable[[Values, TimeReader], CorrectionRequest]


def _int(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError as err:
        raise ValueError(f"{what}: not a whole number: {text!r}") from err


def microseconds_only(text: str, field: str) -> int:
    """The time reader of a form with no session to place a time of day on: decoder µs only."""
    return _int(text, field)


def _status(text: str) -> CarStatus:
    for status in CarStatus:
        if status.value.lower() == text.strip().lower():
            return status
    raise ValueError(f"status: one of DNF, DNS, DSQ, running (not {text!r})")


def _optional(text: str) -> str | None:
    return text.strip() or None


KINDS: dict[str, Kind] = {
    "status": Kind("Status of a car (running takes a DNF/DNS/DSQ back)",
                   (Field("car", "Car number"), Field("status", "DNF, DNS, DSQ or running")),
                   lambda v, t: StatusRequest(v["car"].strip(), _status(v["status"]))),
    "penalty": Kind("Time penalty (races)", (Field("car", "Car number"), Field("seconds", "Seconds")),
                    lambda v, t: PenaltyRequest(v["car"].strip(), parse_seconds(v["seconds"]))),
    "delete_lap": Kind("Delete a lap's time (track limits)", (Field("car", "Car number"), Field("lap", "Lap number")),
                       lambda v, t: DeleteLapRequest(v["car"].strip(), _int(v["lap"], "lap"))),
    "add_passing": Kind("Add a passing the loop missed",
                        (Field("transponder", "Transponder"),
                         Field("time_us", "Time: of day on the decoder clock (09:07:48.791) or decoder µs")),
                        lambda v, t: AddPassingRequest(_int(v["transponder"], "transponder"), t(v["time_us"], "time"))),
    "void_passing": Kind("Void a passing (an added one: decoder -1, number = its correction id)",
                         (Field("decoder", "Decoder id"), Field("number", "Passing number"),
                          Field("time_us", "Decoder time (µs or time of day), if the number repeats", required=False)),
                         lambda v, t: VoidPassingRequest(_int(v["decoder"], "decoder"), _int(v["number"], "number"),
                                                         None if not v["time_us"].strip() else t(v["time_us"], "time"))),
    "assign": Kind("Assign a transponder to a car",
                   (Field("transponder", "Transponder"), Field("car", "Car number"),
                    Field("driver", "Driver (optional)", required=False), Field("class", "Class (optional)", required=False)),
                   lambda v, t: AssignRequest(_int(v["transponder"], "transponder"), v["car"].strip(),
                                           _optional(v["driver"]), _optional(v["class"]))),
    "min_lap": Kind("Minimum lap time of the session", (Field("seconds", "Seconds"),),
                    lambda v, t: MinLapRequest(parse_seconds(v["seconds"]))),
}


@dataclass(frozen=True, slots=True)
class CorrectionTyped:
    """What a correction form sends: the request and its reason, and what was typed (to open the form again)."""

    kind: str
    request: CorrectionRequest
    reason: str
    values: Values


class CorrectionForm(OnceModal[CorrectionTyped | None]):
    """One correction: its fields, then the reason; Enter moves down, Enter on the reason records it, Esc cancels."""

    # Enter is taken before the focused Input sees it, and focus moves at once (Widget.focus() waits for the
    # message queue): what is typed fast after Enter lands in the next field, not this one (as the walk-up form).
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", priority=True),
                Binding("enter", "next_field", "Next field", show=False, priority=True)]

    def __init__(self, kind: str, initial: Values | None = None, read_time: TimeReader = microseconds_only,
                 error: str = "", time_note: TimeNote | None = None) -> None:
        super().__init__(classes="dialog")
        self.kind_name = kind
        self.kind = KINDS[kind]
        self.initial = initial or {}
        self.read_time = read_time  # a time as the official types it -> decoder µs
        self.error = error  # why the same correction was refused last time (the form opened again)
        self.time_note = time_note  # a time far from the session's passings: said first, recorded on a second Enter
        self._far = SaidOnce()  # a far time: said on the first Enter, recorded on the next

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.kind.title, classes="dialog-title")
            for field in (*self.kind.fields, Field("reason", "Reason (required)")):
                yield Label(field.label)
                yield FormInput(self.initial.get(field.key, ""), id=f"field-{field.key}", compact=True)
            yield Label("", id="form-error")
            yield Label("Enter: next field, on the reason: record it    Esc: cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        if self.error:
            self._error(self.error)
        for input_widget in self.query(Input):
            if not input_widget.value:
                input_widget.focus()
                return
        self.query(Input).last().focus()

    def values(self, typed: dict[str, str] | None = None) -> Values:
        """What is typed, by field key: as :func:`when_typed` took it (by Input id), else as it stands now."""
        return {w.id.removeprefix("field-"): (typed or {}).get(w.id, w.value) for w in self.query(Input) if w.id}

    def action_next_field(self) -> None:
        """Enter: down to the next field; on the reason, record the correction."""
        next_field_or(self, list(self.query(Input)), self._record)

    def _record(self, typed: dict[str, str]) -> None:
        """Check what was typed; send the correction, or say what is wrong (the form stays open)."""
        values = self.values(typed)
        missing = [f for f in (*self.kind.fields, Field("reason", "Reason")) if f.required and not values[f.key].strip()]
        if missing:
            self._error(f"needed: {', '.join(f.label for f in missing)}")
            self.set_focus(self.query_one(f"#field-{missing[0].key}", Input))  # where the official types next
            return
        try:
            request = self.kind.build(values, self.read_time)
            note = self._far_time(values)
        except (ValueError, InputError) as err:
            self._error(str(err))
            return
        if self._far.stops(note, values):  # a slip of the hour (04:01 for 09:01) is likelier than a time meant
            self._error(f"{note} -- Enter again to record it as typed")
            return
        self.dismiss(CorrectionTyped(self.kind_name, request, values["reason"].strip(), values))

    def _far_time(self, values: Values) -> str:
        """The note on a time typed far from the session's passings ("" when none is, or no time is typed)."""
        if self.time_note is None:
            return ""
        notes = (self.time_note(values[f.key], "time") for f in self.kind.fields
                 if f.key == "time_us" and values[f.key].strip())
        return next((note for note in notes if note), "")

    def _error(self, message: str) -> None:
        self.query_one("#form-error", Label).update(f"[b red]{message}[/]")
