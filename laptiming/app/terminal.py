"""Noticing that the app's terminal has gone when no hangup signal said so.

Closing a terminal window or losing an SSH connection normally sends SIGHUP, which ends the
app. Started under a launcher that keeps the signal to itself (``make demo``; a supervisor),
the app got no signal: Textual's input thread then read end-of-file forever (a whole core), and
the app went on recording unseen, holding the session so that a new terminal could not resume
it. A hung-up terminal answers every size query with an I/O error, so the apps ask once a second.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

from textual.app import App

log = logging.getLogger(__name__)

CHECK_EVERY_S = 1.0


def terminal_present() -> bool:
    """Whether the terminal the app draws on still answers (False once it has hung up)."""
    stream = sys.__stdout__
    try:
        os.get_terminal_size(stream.fileno())  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        return False
    return True


def leave_when_terminal_goes(app: App[int], leave: Callable[[], None]) -> None:
    """Call ``leave`` once (on the app's thread), the first time the app's terminal is found gone."""
    if app.is_headless or not terminal_present():  # a test's app, or no terminal to lose
        return
    left = False

    def check() -> None:
        nonlocal left
        if left or terminal_present():
            return
        left = True
        log.warning("%s: the terminal has gone; leaving as if the official had quit", app.title)
        leave()

    app.set_interval(CHECK_EVERY_S, check)
