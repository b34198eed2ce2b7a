"""Modals that close exactly once, and keys bounced into a closing modal that never reach the screen beneath.

tmux send-keys, a barcode scanner or a bouncing key sends Enter Enter (or y y) together. The first
closes the modal; without these guards the second dismissed it again, which popped the screen beneath
it (a blank app), or was taken by the screen beneath as one of its own keys (y: a yellow flag).
A modal's closing keys are priority bindings, so the app takes them in the order they came, and every key
already queued to the app when one closes the modal is dropped.

The other way round, keys sent in the same burst as the key that opens a modal (``w 907``: the walk-up
form and its car number) reached the screen beneath or the new modal before any of its fields had focus,
and were lost. Until a modal has mounted and focused its field, the app holds the keys sent to it, then
hands them on in the order they came; also while a key's action prepares its modal off the UI thread (the
session picker reads the day first), so an Enter typed right after ``n`` picks the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual import events
from textual.await_complete import AwaitComplete
from textual.message import Message
from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


def hand_on(app: Any, keys: list[events.Key]) -> None:
    """Post held keys to the app again, as new key events sent by the app itself (call this on the app's turn:
    a key sent by the modal stops bubbling at the modal, so the focused field's Enter binding never ran)."""
    for key in keys:
        app.post_message(events.Key(key.key, key.character))


class KeysSettled(Message):
    """Posted to the app as a modal closes: the keys the app received before it were typed into the modal."""


class OnceModal(ModalScreen[ResultType]):
    """A modal that is dismissed at most once, and only while it is the screen on top; keys typed ahead of it
    (while it opens) are held by the app and handed on once its field has focus."""

    closed = False  # dismissed already: a second dismiss would pop the screen beneath
    opened = False  # mounted, its field focused: keys go to it as usual from now on

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.typed_ahead: list[events.Key] = []  # keys the app held while this modal opened, in order

    def on_mount(self) -> None:
        """After the subclass's own mount (which focuses a field), once that focus has taken effect."""
        self.call_after_refresh(self._open)

    def _open(self) -> None:
        self.opened = True
        held, self.typed_ahead = self.typed_ahead, []
        if held:  # behind nothing: keys that come after these are queued after them
            self.app.call_later(hand_on, self.app, held)

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
    """App mixin: keys that reached the app before a modal closed are dropped, not given to the screen beneath;
    keys that reach it while a modal opens are held for that modal (:class:`OnceModal`)."""

    _modals_closing = 0
    _modal_coming: list[events.Key] | None = None  # keys typed while a key's modal is prepared (None: none is)

    def modal_coming(self) -> None:
        """A key's action prepares a modal off the UI thread first (the picker reads the day): hold the keys
        typed meanwhile for it, or they reach the screen beneath (an Enter for the picker was lost)."""
        self._modal_coming = []

    def push_coming(self, modal: OnceModal[Any], callback: Callable[[Any], None]) -> None:
        """Show the modal prepared since :meth:`modal_coming`, the keys typed meanwhile typed ahead into it."""
        held, self._modal_coming = self._modal_coming or [], None
        modal.typed_ahead[:0] = held
        self.push_screen(modal, callback)  # type: ignore[attr-defined]

    def modal_not_coming(self) -> None:
        """The modal could not be prepared: the keys held for it go on to the screen, in the order they came."""
        held, self._modal_coming = self._modal_coming or [], None
        hand_on(self, held)

    def drop_keys_sent_so_far(self) -> None:
        """Drop every key already queued to the app (it was sent to the modal now closing)."""
        self._modals_closing += 1
        self.post_message(KeysSettled())  # type: ignore[attr-defined]

    def on_keys_settled(self, _message: KeysSettled) -> None:
        self._modals_closing -= 1

    async def on_event(self, event: events.Event) -> None:
        """Every event as usual, but a key queued before a modal closed."""
        if isinstance(event, events.Key):
            if self._modals_closing and not event.is_forwarded:
                return
            if self._modal_coming is not None:
                self._modal_coming.append(event)
                return
            # Held also when it comes back up unhandled from the screen beneath: it was sent there before the
            # key ahead of it (a binding the app acts on as it comes back up) opened this modal.
            opening = self.screen_stack[-1] if self.screen_stack else None  # type: ignore[attr-defined]
            if isinstance(opening, OnceModal) and not opening.opened:
                opening.typed_ahead.append(event)
                return
        await super().on_event(event)  # type: ignore[misc]

