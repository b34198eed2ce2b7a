"""Forms typed faster than the screen redraws (a fast typist, a barcode scanner, keys sent by tmux).

The app hands each key to the focused Input's own message queue, so when Enter is seen the keys typed
just before it may not be in that Input's value yet. The forms move focus on Enter at once (a priority
binding) and read their fields only through :func:`when_typed`, as they stood when Enter was pressed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from textual.widgets import Input


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
