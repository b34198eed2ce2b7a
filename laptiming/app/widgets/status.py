"""The lines above and below the standings: session and flag, clock, decoder health, alerts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text

from textual.widget import Widget

from laptiming.app.adapter import FlagShown, Health
from laptiming.engine import SessionRules
from laptiming.timefmt import format_clock

ALERT_ROWS = 6  # the most rows the alerts take above the standings (an 80x24 screen keeps 13 rows of cars)
FLAG_STYLES = {
    FlagShown.WAITING: "black on grey70",
    FlagShown.GREEN: "bold white on green",
    FlagShown.YELLOW: "bold black on yellow",
    FlagShown.RED: "bold white on red",
    FlagShown.CHECKERED: "bold black on white",
    FlagShown.FINISHED: "bold white on grey35",
}


def clock_text(rules: SessionRules, elapsed_us: int | None, leader_laps: int) -> str:
    """Elapsed, and remaining time or laps to go when the rules set them."""
    if elapsed_us is None:
        return "clock starts at green"
    text = f"elapsed {format_clock(elapsed_us)}"
    if rules.duration_us is not None:
        text += f"  remaining {format_clock(max(0, rules.duration_us - elapsed_us))}"
    laps_to_go = rules.laps_to_go(leader_laps)
    if laps_to_go is not None:
        text += f"  laps to go {laps_to_go}"
    return text


class Line(Widget):
    """A line of text that repaints only itself, and only when its text changes (no layout pass)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._text: Text | str = ""
        self._lines = 1

    def render(self) -> Text | str:
        return self._text

    def show_text(self, text: Text | str) -> None:
        """Show this text unless it is already shown; a new line count lays the screen out again."""
        key = text.markup if isinstance(text, Text) else text
        shown = self._text.markup if isinstance(self._text, Text) else self._text
        if key == shown:
            return
        lines = (text.plain if isinstance(text, Text) else text).count("\n") + 1
        self._text = text
        self.refresh(layout=lines != self._lines)
        self._lines = lines


class SessionBar(Line):
    DEFAULT_CSS = "SessionBar { height: 1; }"

    """Session name and type, the flag, the clock."""

    def show(self, name: str, session_type: str, flag: FlagShown, clock: str) -> None:
        """Redraw with these values."""
        text = Text.assemble((f" {name} ", "bold"), f"({session_type})  " if session_type else " ", (f" {flag.value.upper()} ", FLAG_STYLES[flag]),
                             f"   {clock}")
        self.show_text(text)


class HealthLine(Line):
    DEFAULT_CSS = "HealthLine { height: 1; }"

    """Decoder connection, time since the last packet, loop noise, frames dropped."""

    def show(self, health: Health) -> None:
        """Redraw from the link's health."""
        if health.link is None:
            self.show_text(Text("decoder: not reading", style="dim"))
            return
        state = health.link.state.value
        style = "green" if state == "connected" else "bold red" if state in ("reconnecting", "ended") else "yellow"
        since = "no packet yet" if health.seconds_since_packet is None else f"last packet {health.seconds_since_packet:.1f} s ago"
        noise = "noise -" if health.noise is None else f"noise {health.noise}"
        detail = f" ({health.link.detail})" if health.link.detail else ""
        figures = f"  {since}  {noise}  frames {health.link.frames_decoded}, dropped {health.dropped}"
        room = self.content_size.width or self.app.size.width - 2
        if len(f"decoder {state}{detail}{figures}") > room:  # the figures before the why (the alert above says it)
            detail = ""
        self.show_text(Text.assemble("decoder ", (state, style), detail, figures, f"  {health.link.source}"))


class AlertBar(Line):
    DEFAULT_CSS = "AlertBar { height: auto; }"

    """Alerts that stay until resolved: unknown transponders, a lost decoder, a journal that cannot be written."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._alerts: list[str] = []
        self._rows = 0

    def show(self, alerts: list[str]) -> None:
        """Show these alerts (hidden when there are none), wrapped to the bar's width and never more than
        ALERT_ROWS rows: alerts that do not fit are named on the last row, so none is lost off screen."""
        self._alerts = list(alerts)
        if self.display != bool(alerts):
            self.display = bool(alerts)
        width = self.content_size.width or self.app.size.width - 2  # before the first layout: the screen's
        shown = fit_alerts(alerts, width, lambda text: self._wrapped_rows(text, width))
        self.show_text("\n".join(shown))
        rows = sum(self._wrapped_rows(text, width) for text in shown)
        if rows != self._rows:  # a longer alert wrapped onto another row: lay out again, else its end is cut
            self._rows = rows
            self.refresh(layout=True)

    def on_resize(self) -> None:
        """Another width wraps the alerts onto another number of rows: fit them again."""
        self.show(self._alerts)

    def _wrapped_rows(self, text: str, width: int) -> int:
        """Rows this text takes at this width."""
        return len(Text(text).wrap(self.app.console, max(1, width)))


def fit_alerts(alerts: list[str], width: int, rows_of: Callable[[str], int], max_rows: int = ALERT_ROWS) -> list[str]:
    """The alerts that fit in ``max_rows`` rows, oldest kind first; if some do not, the rows left say which
    (each by its words before the colon: "UNKNOWN TRANSPONDER 7624039"), cut only when even those rows are full."""
    if sum(rows_of(alert) for alert in alerts) <= max_rows:
        return alerts
    shown: list[str] = []
    used = 0
    for alert in alerts:
        if used + rows_of(alert) > max_rows - 1:
            break
        shown.append(alert)
        used += rows_of(alert)
    hidden = alerts[len(shown):]
    return [*shown, _more(f"+{len(hidden)} more: ", alert_names(hidden), max_rows - used, width, rows_of)]


def _more(head: str, names: str, rows: int, width: int, rows_of: Callable[[str], int]) -> str:
    """The "+N more" line in ``rows`` rows at most: the names that fit whole, then "..." for the rest."""
    every = names.split(", ")
    for count in range(len(every), 0, -1):
        text = head + ", ".join(every[:count]) + (", ..." if count < len(every) else "")
        if rows_of(text) <= rows:
            return text
    text = head + names
    return text if len(text) <= width else text[:max(0, width - 3)] + "..."


def alert_names(alerts: list[str]) -> str:
    """Alerts by their heads, a kind's numbers together: "UNKNOWN TRANSPONDER 6433012, 7624039, PROBLEM"."""
    kinds: dict[str, list[str]] = {}
    for alert in alerts:
        head = alert.split(":", 1)[0].split(" (", 1)[0]
        kind, _, ident = head.rpartition(" ")
        if not (kind and ident.isdigit()):
            kind, ident = head, ""
        kinds.setdefault(kind, [])
        if ident:
            kinds[kind].append(ident)
    return ", ".join(f"{kind} {', '.join(idents)}" if idents else kind for kind, idents in kinds.items())
