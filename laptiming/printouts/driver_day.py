"""A driver's day as PDF (A4, one page per driver): every run, the best lap of each, how much faster
they got from run to run, their rank in class for the day, and a chart of all their laps."""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Spacer

from laptiming.engine.standings import number_key
from laptiming.printouts.charts import PAGE, Charts
from laptiming.printouts.day_model import DriverDay
from laptiming.printouts.pdfkit import Paragraph, build_pdf, grid_table, png_image, styles
from laptiming.printouts.results_table import lap_cell
from laptiming.printouts.text import printed_at
from laptiming.timefmt import format_lap_time, format_seconds

MARGIN = 12 * mm
RUNS_PER_LAP_TABLE = 8


def gain_text(gain_us: int | None) -> str:
    """``2.345 s faster``, ``0.512 s slower`` or blank."""
    if gain_us is None:
        return ""
    if gain_us == 0:
        return "same"
    return f"{format_seconds(abs(gain_us))} s {'faster' if gain_us > 0 else 'slower'}"


def _summary(day: DriverDay) -> str:
    """The line under the name: best of the day, gain on the first run, rank in class (or why there is none)."""
    parts = []
    if day.best_us is not None:
        parts.append(f"Best of the day <b>{format_lap_time(day.best_us)}</b> in {escape(day.best_run)}")
    if day.day_gain_us is not None and len(day.runs) > 1:
        parts.append("your first run was your best" if day.day_gain_us == 0 else
                     f"{escape(gain_text(day.day_gain_us))} than your first run")
    if day.class_rank is not None:
        parts.append(f"<b>P{day.class_rank}</b> of {day.class_size} in {escape(day.car_class or 'your class')} "
                     "for the day")
    if not parts and any(run.best_us is not None for run in day.runs):
        return "No time of yours stands today: every run you set a time in was disqualified (DSQ)."
    return " - ".join(parts) or "No lap timed today."


def day_story(day: DriverDay, event: str, charts: Charts, width: float) -> list[Flowable]:
    """The flowables of one driver's page."""
    style = styles()
    numbers = sorted({run.car for run in day.runs}, key=number_key)  # #7, #12: as the standings order them
    story: list[Flowable] = [
        Paragraph(escape(event), style["small"]),
        Paragraph(escape(f"{day.name} - your day"), style["title"]),
        Paragraph(escape(f"Car {', '.join('#' + n for n in numbers)}   {day.car_class}"), style["subtitle"]),
        Spacer(1, 2 * mm),
        Paragraph(_summary(day), style["body"]),
        Spacer(1, 3 * mm),
    ]
    rows = [["Run", "Session", "Start", "Pos", "Laps", "Best lap", "Lap", "Average", "Spread", "On previous run"]]
    for index, run in enumerate(day.runs, start=1):
        position = run.status if run.position is None else f"{run.position}/{run.cars}"  # DNF, not 12/12
        rows.append([str(index), run.session, run.started, position, str(run.stats.laps),
                     format_lap_time(run.best_us), "" if run.best_lap_no is None else str(run.best_lap_no),
                     format_lap_time(run.stats.average_us),
                     "" if run.stats.spread_us is None else f"{run.stats.spread_us / 1e6:.3f}",
                     gain_text(run.gained_us)])
    widths = [10, 40, 17, 13, 11, 18, 9, 18, 14, 0]
    widths[-1] = width / mm - sum(widths)
    story.append(grid_table(rows, [w * mm for w in widths], font_size=8, wrap_columns=(1,)))
    if any(run.laps for run in day.runs):
        story += [Spacer(1, 3 * mm),
                  png_image(charts.day_laps([(f"Run {i}", run.laps) for i, run in enumerate(day.runs, start=1)],
                                            PAGE), width)]
    story.append(Spacer(1, 2 * mm))
    for start in range(0, len(day.runs), RUNS_PER_LAP_TABLE):
        chunk = list(enumerate(day.runs, start=1))[start:start + RUNS_PER_LAP_TABLE]
        most = max((len(run.laps) for _, run in chunk), default=0)
        if not most:
            continue
        lap_rows = [["Lap", *(f"Run {index}" for index, _ in chunk)]]
        for lap_index in range(most):
            lap_rows.append([str(lap_index + 1)] + [
                lap_cell(run.laps[lap_index]) + (" best" if run.laps[lap_index].lap_no == run.best_lap_no else "")
                if lap_index < len(run.laps) else "" for _, run in chunk])
        story.append(grid_table(lap_rows, [10 * mm] + [26 * mm] * len(chunk), right_from=0, font_size=7.5))
    story.append(Paragraph("Spread: standard deviation of your clean laps (smaller is more consistent). "
                           "* suspect lap (likely a missed loop read), x deleted lap.", style["small"]))
    return story


def days_pdf(days: Iterable[DriverDay], event: str, charts: Charts | None = None) -> bytes:
    """One A4 page per driver, in one PDF."""
    charts = charts or Charts()
    width = A4[0] - 2 * MARGIN
    story: list[Flowable] = []
    states = set()
    for day in days:
        if story:
            story.append(PageBreak())
        story += day_story(day, event, charts, width)
        states.update(run.state for run in day.runs)
    if not story:
        raise ValueError("no driver to print")
    state = next(iter(states)) if len(states) == 1 else "some results not yet OFFICIAL"
    return build_pdf(story, A4, f"{event} - {state} - printed {printed_at()}", f"{event} - drivers' day", margin=MARGIN)
