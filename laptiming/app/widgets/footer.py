"""The key line at the bottom of each screen, showing only whole entries: as many as fit, the most important first."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not exported by textual.widgets; the entry Footer itself draws

EVERY_KEY = "question_mark"  # the key that lists every key: always shown
FIRST_APP_KEYS = (EVERY_KEY, "q")  # of the app's own keys, every key (?) and quit come before the views


class FittedFooter(Footer):
    """Textual's footer, but an entry that does not fit whole is left out rather than cut mid-word.

    The screen's own keys come first in the order the screen declares them, then every key (?) and quit, then the
    app's other keys (the views); entries are dropped from the end of that order until the rest fit the width, so
    an 80-column terminal shows fewer keys, each whole, and ``?`` (always shown) lists them all."""

    def __init__(self) -> None:
        super().__init__(show_command_palette=False)
        self._width = 0

    def entries(self) -> list[tuple[Binding, bool, str]]:
        """The shown bindings active on this screen, most important first (one per action)."""
        screen_first: list[tuple[Binding, bool, str]] = []
        app_keys: list[tuple[Binding, bool, str]] = []
        actions: set[str] = set()
        for node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            (app_keys if node is self.app else screen_first).append((binding, enabled, tooltip))
        app_keys.sort(key=lambda entry: 0 if entry[0].key in FIRST_APP_KEYS else 1)
        return screen_first + app_keys

    @staticmethod
    def entry_width(key_display: str, description: str) -> int:
        """Columns one entry takes, as FooterKey draws it (not compact): " KEY description "."""
        return len(key_display) + len(description) + 3

    def fitting(self, width: int) -> list[tuple[Binding, bool, str, str]]:
        """The entries that fit ``width`` columns whole, with each one's key as shown; every key (?) always among
        them, as it lists the ones left out."""
        entries = [(binding, enabled, tooltip, self.app.get_key_display(binding))
                   for binding, enabled, tooltip in self.entries()]
        every_key = next((entry for entry in entries if entry[0].key == EVERY_KEY), None)
        room = width - (self.entry_width(every_key[3], every_key[0].description) if every_key else 0)
        shown: list[tuple[Binding, bool, str, str]] = []
        for entry in entries:
            if entry is every_key:
                shown.append(entry)
                continue
            room -= self.entry_width(entry[3], entry[0].description)
            if room < 0:
                break
            shown.append(entry)
        if every_key is not None and every_key not in shown:
            shown.append(every_key)
        return shown

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.size.width or self.app.size.width
        self._width = width
        for binding, enabled, tooltip, key_display in self.fitting(width):
            yield FooterKey(binding.key, key_display, binding.description, binding.action,
                            disabled=not enabled, tooltip=tooltip).data_bind(compact=Footer.compact)

    def on_resize(self, event: events.Resize) -> None:
        """A wider or narrower terminal: choose the entries again for the new width."""
        if event.size.width != self._width:
            self._width = event.size.width
            self.call_after_refresh(self.recompose)
