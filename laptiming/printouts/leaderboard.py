"""The event leaderboard: the day's best lap per class and overall, with a chart (PDF and HTML)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from operator import attrgetter
from html import escape as html_escape
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from laptiming.printouts.charts import BARS, Charts, png_bytes
from laptiming.printouts.data import EventDay
from laptiming.service.control import ResultsStatus
from laptiming.printouts.day_model import day_bests
from laptiming.printouts.pdfkit import Paragraph, build_pdf, grid_table, png_image, styles
from laptiming.printouts.text import PHONE_VIEWPORT, STATE_WORDS, printed_at
from laptiming.timefmt import format_lap_time

OVERALL = "Overall"
NO_CLASS = "No class"  # the board of cars entered without a class (its heading read "Class", or nothing in HTML)
TOP = 10


@dataclass(frozen=True, slots=True)
class BoardLine:
    """A driver's best lap of the day: where and when they set it."""

    place: int
    driver: str
    number: str
    car_class: str
    best_us: int
    lap_no: int | None
    session: str

    def cells(self) -> list[str]:
        """Place, driver, car, class, best lap, lap number, session."""
        return [str(self.place), self.driver, self.number, self.car_class, format_lap_time(self.best_us),
                "" if self.lap_no is None else str(self.lap_no), self.session]


@dataclass(frozen=True, slots=True)
class Leaderboard:
    """Per class (and overall), each driver's best lap of the day, fastest first."""

    event: str
    boards: dict[str, tuple[BoardLine, ...]]
    state: str


def build_leaderboard(day: EventDay) -> Leaderboard:
    """Each driver's best lap over every session of the day, ranked in their class and overall (a disqualified
    run's laps do not count)."""
    ordered = sorted(day_bests(day).values(), key=attrgetter("order"))
    boards: dict[str, tuple[BoardLine, ...]] = {}
    for name in [OVERALL, *sorted({best.row.car_class or "" for best in ordered})]:
        chosen = [best for best in ordered if name == OVERALL or (best.row.car_class or "") == name]
        boards[name] = tuple(BoardLine(place, best.row.driver or f"car {best.row.number}", best.row.number,
                                       best.row.car_class or "", best.row.best_lap_us or 0, best.row.best_lap_no,
                                       best.sheet.name)
                             for place, best in enumerate(chosen, start=1))
    return Leaderboard(day.event_name, boards, STATE_WORDS[_least_final({sheet.state for sheet in day.sessions})])


def _least_final(states: set[ResultsStatus]) -> ResultsStatus:
    """How final a board over these sessions is: live while one runs (it said provisional), official only when
    every session is."""
    for state in (ResultsStatus.LIVE, ResultsStatus.PROVISIONAL):
        if state in states:
            return state
    return ResultsStatus.OFFICIAL


def _class_bests(board: Leaderboard) -> list[tuple[str, int]]:
    """The chart's bars: each class's best lap of the day, labelled with who set it, fastest first."""
    bars = [(f"{name or NO_CLASS}: #{lines[0].number} {lines[0].driver}", lines[0].best_us)
            for name, lines in board.boards.items() if lines and name != OVERALL]
    return sorted(bars, key=lambda bar: bar[1])


def leaderboard_pdf(board: Leaderboard, top: int = TOP, charts: Charts | None = None) -> bytes:
    """The leaderboard on A4: the chart of each class's best, then the top of each board."""
    style = styles()
    width = A4[0] - 24 * mm
    story: list[Flowable] = [Paragraph(escape(board.event), style["small"]),
                             Paragraph("Leaderboard - best laps of the day", style["title"]), Spacer(1, 3 * mm)]
    bars = _class_bests(board)
    if bars:
        story.append(png_image((charts or Charts()).best_by_class(bars, BARS), width))
    header = ["Pos", "Driver", "No", "Class", "Best lap", "Lap", "Session"]
    widths = [10, 50, 12, 28, 20, 10, 0]
    widths[-1] = width / mm - sum(widths)
    for name, lines in board.boards.items():
        story.append(KeepTogether([
            Paragraph(escape(name if name == OVERALL else f"Class {name}" if name else NO_CLASS), style["heading"]),
            grid_table([header, *(line.cells() for line in lines[:top])], [w * mm for w in widths],
                       wrap_columns=(1, 3, 6))]))
    return build_pdf(story, A4, f"{board.event} - {board.state} - printed {printed_at()}",
                     f"{board.event} leaderboard", margin=12 * mm)


def leaderboard_html(board: Leaderboard, top: int = TOP, charts: Charts | None = None) -> str:
    """The leaderboard as a self-contained HTML page (for a screen in the paddock), the chart inlined."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', PHONE_VIEWPORT,
             f"<title>{html_escape(board.event)} leaderboard</title>",
             "<style>body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}"
             "th,td{padding:.15em .6em;border-bottom:1px solid #ccc;text-align:left}img{max-width:100%;height:auto}"
             "@media (max-width:40em){body{margin:.6em}table{display:block;overflow-x:auto}}</style></head><body>",
             f"<h1>{html_escape(board.event)}: best laps of the day</h1>"]
    bars = _class_bests(board)
    if bars:
        chart = base64.b64encode(png_bytes((charts or Charts()).best_by_class(bars, BARS))).decode("ascii")
        parts.append(f'<img id="chart" alt="best lap of each class" src="data:image/png;base64,{chart}">')
    for name, lines in board.boards.items():
        parts.append(f'<h2>{html_escape(name or NO_CLASS)}</h2><table class="board" data-class="{html_escape(name)}">'
                     "<tr><th>Pos</th><th>Driver</th><th>No</th><th>Class</th><th>Best lap</th><th>Lap</th>"
                     "<th>Session</th></tr>")
        parts += ["<tr>" + "".join(f"<td>{html_escape(cell)}</td>" for cell in line.cells()) + "</tr>"
                  for line in lines[:top]]
        parts.append("</table>")
    parts += [f"<p>{html_escape(board.state)} - printed {html_escape(printed_at())}</p>", "</body></html>"]
    return "\n".join(parts) + "\n"
