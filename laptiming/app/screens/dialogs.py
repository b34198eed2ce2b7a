"""Small modals: a yes/no confirmation, the session picker, the list of every key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from laptiming.app.screens.modal import OnceModal
from laptiming.app.screens.typing import FormInput, when_typed
from laptiming.store import SessionRecord


class Confirm(OnceModal[bool]):
    """Ask before something that cannot be taken back (finish a session, quit while timing)."""

    # Priority: the answer is taken in the order the keys came, before the next key is handed on, so the second
    # y of a bounced y y is dropped as the dialog closes (not Live's yellow flag; see screens/modal.py).
    BINDINGS = [Binding("y", "answer(True)", "Yes", priority=True),
                Binding("n,escape", "answer(False)", "No", priority=True)]

    def __init__(self, question: str) -> None:
        super().__init__(classes="dialog")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.question, id="question")
            yield Label("y: yes    n / Esc: no", classes="dialog-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def session_line(record: SessionRecord, entries: int | None = None) -> str:
    """A session as one line of a list."""
    when = f"{record.planned_start[-5:]}-{(record.planned_end or '')[-5:]}  " if record.planned_start else ""
    cars = "" if entries is None else f"  {entries} car{'' if entries == 1 else 's'}"
    return f"{record.session_id:>3}  {when}{record.name}  ({record.rules.session_type.value}, {record.phase.value}){cars}"


class SessionPicker(OnceModal[int | str | None]):
    """Choose the session to run next from the day's running and planned sessions, or name a new one."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, sessions: list[tuple[SessionRecord, int]]) -> None:
        super().__init__(classes="dialog")
        self.sessions = sessions

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("Run which session?  (Enter: start it, Esc: cancel)")
            if not self.sessions:
                yield Label("No planned or running session in this event database.")
            yield OptionList(*(Option(session_line(record, entries), id=str(record.session_id))
                               for record, entries in self.sessions), id="sessions")
            yield Label("or a new practice session (Tab, type its name, Enter):", classes="dialog-keys")
            yield FormInput(placeholder="session name", id="new-session", compact=True)
            yield Label("", id="form-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            self.query_one("#form-error", Label).update("[b red]type the new session's name first[/]")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))


KEY_ROWS = 10  # rows of the keys list before it takes a second column: the whole list fits an 80x24 screen
KEY_COLUMNS = 2  # columns of keys side by side at most: a third does not fit 80 columns (it wrapped, out of line)


class KeysHelp(OnceModal[None]):
    """Every key of the screen underneath and of the app, with what it does."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss(None)", "Close", priority=True)]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__(classes="dialog")
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("Keys  (Esc or ? closes)", classes="dialog-title")
            yield Label("\n".join(key_columns(self.keys)), id="keys", markup=False)


def key_columns(keys: list[tuple[str, str]], rows: int = KEY_ROWS) -> list[str]:
    """The keys and what they do as lines, down the first column then the next, so Live's twenty-one keys take two
    columns of eleven and the list fits on an 80x24 screen (one column of twenty was cut off below Passings)."""
    rows = max(rows, -(-len(keys) // KEY_COLUMNS))
    width = max((len(key) for key, _ in keys), default=0)
    cells = [f"{key:>{width}}  {what}" for key, what in keys]
    columns = [cells[start:start + rows] for start in range(0, len(cells), rows)]
    column_width = max((len(cell) for cell in cells), default=0) + 4
    return ["".join(column[row].ljust(column_width) if row < len(column) else "" for column in columns).rstrip()
            for row in range(min(rows, len(cells)))]


class ReasonPrompt(OnceModal[str | None]):
    """Ask why, before something the control log keeps with a reason (reopening official results)."""

    # Priority: taken in the order the keys came, so a bounced Enter Enter closes it once (screens/modal.py).
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", priority=True),
                Binding("enter", "go_ahead", "Go ahead", show=False, priority=True)]

    def __init__(self, question: str) -> None:
        super().__init__(classes="dialog")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.question, classes="dialog-title")
            yield Label("Reason (required)")
            yield FormInput(id="reason", compact=True)
            yield Label("", id="form-error")
            yield Label("Enter: go ahead    Esc: cancel", classes="dialog-keys")

    def action_go_ahead(self) -> None:
        """Enter: close with the reason once every key typed before it is in the field; none, say so."""
        reason = self.query_one("#reason", Input)
        when_typed([reason], lambda typed: self._answer(typed["reason"].strip()))

    def _answer(self, reason: str) -> None:
        if not reason:
            self.query_one("#form-error", Label).update("[b red]a reason is needed[/]")
            return
        self.dismiss(reason)
