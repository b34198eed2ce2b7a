"""Modals that close exactly once, and keys bounced into a closing modal that never reach the screen beneath.

tmux send-keys, a barcode scanner or a bouncing key sends Enter Enter (or y y) together. The first
closes the modal; without these guards the second dismissed it again, which popped the screen beneath
it (a blank app), or was taken by the screen beneath as one of its own keys (y: a yellow flag).
A modal's closing keys are priority bindings, so the app takes them in the order they came, and every key
already queued to the app when one closes the modal is dropped.
"""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual.await_complete import AwaitComplete
from textual.message import Message
from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class KeysSettled(Message):
    """Posted to the app as a modal closes: the keys the app received before it were typed into the modal."""


class OnceModal(ModalScreen[ResultType]):
    """A modal that is dismissed at most once, and only while it is the screen on top."""

    closed = False  # dismissed already: a second dismiss would pop the screen beneath

    def dismiss(self, result: ResultType | None = None) -> AwaitComplete:
        """Close with ``result`` (its callback called once); later calls, or calls while another screen is on
        top, do nothing."""
        if self.closed or not self.is_active:
            return AwaitComplete()
        self.closed = True
        drop = getattr(self.app, "drop_keys_sent_so_far", None)
        if drop is not None:
            drop()
        return super().dismiss(result)


class DropsBouncedKeys:
    """App mixin: keys that reached the app before a modal closed are dropped, not given to the screen beneath."""

    _modals_closing = 0

    def drop_keys_sent_so_far(self) -> None:
        """Drop every key already queued to the app (it was sent to the modal now closing)."""
        self._modals_closing += 1
        self.post_message(KeysSettled())  # type: ignore[attr-defined]

    def on_keys_settled(self, _message: KeysSettled) -> None:
        self._modals_closing -= 1

    async def on_event(self, event: events.Event) -> None:
        """Every event as usual, but a key queued before a modal closed."""
        if self._modals_closing and isinstance(event, events.Key) and not event.is_forwarded:
            return
        await super().on_event(event)  # type: ignore[misc]

