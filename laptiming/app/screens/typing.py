"""Forms typed faster than the screen redraws (a fast typist, a barcode scanner, keys sent by tmux).

The app hands each key to the focused Input's own message queue, so when Enter is seen the keys typed
just before it may not be in that Input's value yet. The forms move focus on Enter at once (a priority
binding) and read their fields only through :func:`when_typed`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.widgets import Input


def when_typed(inputs: Iterable[Input], then: Callable[[], None]) -> None:
    """Call ``then`` once each of these Inputs has handled every key already sent to it."""
    pending = list(inputs)

    def next_input() -> None:
        if pending:
            pending.pop().call_later(next_input)  # runs after what is already in that Input's queue
        else:
            then()

    next_input()
