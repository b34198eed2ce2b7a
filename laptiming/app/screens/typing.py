"""Forms typed faster than the screen redraws (a fast typist, a barcode scanner, keys sent by tmux).

The app hands each key to the focused Input's own message queue, so when Enter is seen the keys typed
just before it may not be in that Input's value yet. The forms move focus on Enter at once (a priority
binding) and read their fields only through :func:`when_typed`, as they stood when Enter was pressed.
Their fields are :class:`FormInput`: editing keys (Backspace, Ctrl+U, the arrows) act in the order typed.
A warning that a second Enter passes (:class:`SaidOnce`) is kept here too, for every form alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from textual import events
from textual.widgets import Input


class FormInput(Input):
    """An Input whose own editing keys act in turn with the characters typed around them.

    Textual runs an Input's bindings (Backspace, Delete, Ctrl+U, Left, Home, ...) only once the key has
    bubbled up to the app, after the field has already taken the characters queued behind it: in a burst
    (a fast typist on a busy laptop, tmux send-keys) ``12`` Backspace ``3`` read ``13`` only by luck, and
    Ctrl+U then a new number left the field empty. Here the field runs them itself, as each key comes.
    """

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority:  # a priority binding (the form's Enter) was taken by the app already
                    event.stop()
                    event.prevent_default()
                    await self.run_action(binding.action)
                    return
        await super()._on_key(event)


def when_typed(inputs: Iterable[Input], then: Callable[[dict[str, str]], None]) -> None:
    """Call ``then`` with each Input's value (by id) once it has handled every key sent to it before now.

    Each value is taken in that Input's own queue, right after those keys: a key typed after the Enter that
    records the form (a bounce, a scanner's second read) is not part of it, even if it lands before ``then``.
    """
    fields = list(inputs)
    typed: dict[str, str] = {}

    def take(field: Input) -> None:
        typed[field.id or ""] = field.value
        if len(typed) == len(fields):
            then(typed)

    if not fields:
        then(typed)
    for field in fields:
        field.call_later(take, field)  # runs after what is already in that Input's queue


def next_field_or(form: Any, inputs: list[Input], then: Callable[[dict[str, str]], None]) -> None:
    """Enter on a form: focus down to the next field; on the last, ``then`` with what was typed (:func:`when_typed`)."""
    current = form.focused if form.focused in inputs else inputs[-1]
    if current is not inputs[-1]:
        form.set_focus(inputs[inputs.index(current) + 1])
        return
    when_typed(inputs, then)


class SaidOnce:
    """A warning that stops the form's first Enter and lets the next one through when nothing was changed: a likely
    slip (a time of day hours from the session's passings), not a refusal."""

    def __init__(self) -> None:
        self._said_for: dict[str, str] | None = None  # the fields as typed when it was said

    def stops(self, note: str, values: dict[str, str]) -> bool:
        """Whether to stop and say ``note`` now: there is one, not yet said for exactly these fields."""
        if not note or values == self._said_for:
            return False
        self._said_for = dict(values)
        return True
