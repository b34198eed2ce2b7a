"""Messages the background workers post to the UI thread (workers never touch widgets)."""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message

from laptiming.service import Notice


class NoticesArrived(Message):
    """A batch of service notices (session events, link changes, problems), oldest first."""

    def __init__(self, notices: list[Notice]) -> None:
        super().__init__()
        self.notices = notices


class SessionEnded(Message):
    """The running session was finished (or left running) and its reader stopped."""

    def __init__(self, summary: str, finished: bool) -> None:
        super().__init__()
        self.summary = summary
        self.finished = finished


class UiCall(Message):
    """A call to make on the UI thread, posted by a thread that must not wait for it: the journal writer
    resolving a future while the UI thread waits for that writer (the app quitting) would deadlock."""

    def __init__(self, call: Callable[[], object]) -> None:
        super().__init__()
        self.call = call


class WorkFailed(Message):
    """Background work for the official failed: show it and keep it until resolved."""

    def __init__(self, what: str, error: str) -> None:
        super().__init__()
        self.what = what
        self.error = error


class WalkUpRequested(Message):
    """The walk-up form's fields passed their checks: enter the car (the form waits for the answer)."""

    def __init__(self, form: object, session_id: int, entry: object) -> None:
        super().__init__()
        self.form = form  # the WalkUpForm to dismiss, or to show the service's message on
        self.session_id = session_id
        self.entry = entry  # a WalkUpEntry
