"""The session results sheet as PDF (A4): for the notice board, with optional lap-by-lap pages."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer, Table, TableStyle

from laptiming.printouts.charts import PAGE, Charts
from laptiming.printouts.pdfkit import (
    FONT,
    FONT_BOLD,
    Paragraph,
    build_pdf,
    grid_table,
    png_image,
    styles,
    widen_to_fit,
)
from laptiming.printouts.results_table import ResultsSheet, lap_cell, race_positions, status_line
from laptiming.printouts.text import printed_at

MARGIN = 12 * mm
CARS_PER_LAP_TABLE = 10
LAP_CHART_CARS = 20  # the lap chart draws the first 20 finishers (20 colours tell their lines apart)
WIDTHS_MM = {"Pos": 9, "No": 11, "Driver": 36, "Class": 24, "In class": 12, "Laps": 10, "Best lap": 18, "Lap": 9,
             "Total time": 20, "Gap": 18, "Interval": 18}


def _header(sheet: ResultsSheet, width: float) -> list[Flowable]:
    """The title and the header facts in two columns (event, circuit, session, type; date, times, state)."""
    style = styles()
    facts = sheet.header_facts()
    half = -(-len(facts) // 2)
    left, right = facts[:half], facts[half:]
    value = ParagraphStyle("fact", fontName=FONT_BOLD, fontSize=8.5, leading=10.5)  # a long name wraps in its cell
    rows = []
    for index in range(half):
        row = [left[index][0], Paragraph(escape(left[index][1]), value)]
        row += [right[index][0], Paragraph(escape(right[index][1]), value)] if index < len(right) else ["", ""]
        rows.append(row)
    table = Table(rows, colWidths=[22 * mm, width / 2 - 22 * mm, 22 * mm, width / 2 - 22 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8.5), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("TOPPADDING", (0, 0), (-1, -1), 0.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5)]))
    return [Paragraph(escape(f"{sheet.session} - results"), style["title"]), Spacer(1, 2 * mm), table,
            Spacer(1, 3 * mm)]


def _classified(sheet: ResultsSheet) -> Table:
    """The classified table: names and classes wrap in their cells, the number column fits the longest number."""
    rows = [list(sheet.columns)] + [line.cells(sheet.race) for line in sheet.classified]
    widths = [WIDTHS_MM[name] * mm for name in sheet.columns]
    if not sheet.race:
        widths[2] += 20 * mm  # no total time: the room goes to the driver
    table = grid_table(rows, widen_to_fit(widths, rows, 1, 2, 8), font_size=8, wrap_columns=(2, 3))
    table.setStyle(TableStyle([("ALIGN", (0, 0), (1, -1), "RIGHT"), ("ALIGN", (4, 0), (-1, -1), "RIGHT")]))
    return table


def lap_pages(sheet: ResultsSheet, charts: Charts, width: float) -> list[Flowable]:
    """Lap-by-lap tables (ten cars a table, laps down the side) and, for races, the lap chart."""
    style = styles()
    story: list[Flowable] = [PageBreak(), Paragraph(escape(f"{sheet.session} - lap by lap"), style["title"]),
                             Spacer(1, 2 * mm)]
    if sheet.race:
        positions = race_positions(sheet)
        if len(positions) > LAP_CHART_CARS:  # a line per car of a 100-car field is a tangle no one can follow
            positions = dict(list(positions.items())[:LAP_CHART_CARS])
            heading = f"Lap chart: the first {LAP_CHART_CARS} finishers' positions at the end of each lap"
        else:
            heading = "Lap chart: position at the end of each lap"
        if positions:
            lowest = max(max(by_lap) for by_lap in positions.values())
            story += [Paragraph(heading, style["heading"]),
                      png_image(charts.race_positions(positions, lowest, PAGE), width), Spacer(1, 3 * mm)]
    numbers = [number for number, laps in sheet.laps_by_car.items() if laps]
    for start in range(0, len(numbers), CARS_PER_LAP_TABLE):
        chunk = numbers[start:start + CARS_PER_LAP_TABLE]
        most = max(len(sheet.laps_by_car[number]) for number in chunk)
        rows: list[list[str]] = [["Lap", *(f"#{number}" for number in chunk)]]
        for lap_index in range(most):
            row = [str(lap_index + 1)]
            for number in chunk:
                laps = sheet.laps_by_car[number]
                row.append(lap_cell(laps[lap_index]) if lap_index < len(laps) else "")
            rows.append(row)
        lap_width = (width - 10 * mm) / len(chunk)
        story += [KeepTogether(grid_table(rows, [10 * mm] + [min(lap_width, 18 * mm)] * len(chunk), right_from=0,
                                          font_size=7.5)), Spacer(1, 4 * mm)]
    story.append(Paragraph("* suspect lap (likely a missed loop read)   x deleted lap (time struck off)", style["small"]))
    return story


def results_pdf(sheet: ResultsSheet, *, with_laps: bool = False, charts: Charts | None = None) -> bytes:
    """The results sheet as PDF bytes."""
    style = styles()
    width = A4[0] - 2 * MARGIN
    story = _header(sheet, width)
    story.append(Paragraph("Classified", style["heading"]))
    story.append(_classified(sheet) if sheet.classified else Paragraph("No car classified.", style["body"]))
    if sheet.not_classified:
        rows = [["No", "Driver", "Class", "Laps", "Status"]] + [
            [line.number, line.driver, line.car_class, str(line.laps), status_line(line)]
            for line in sheet.not_classified]
        widths = widen_to_fit([11 * mm, 50 * mm, 30 * mm, 12 * mm, width - 103 * mm], rows, 0, 1, 8)
        story += [Paragraph("Not classified", style["heading"]), grid_table(rows, widths, wrap_columns=(1, 2, 4))]
    story += [Spacer(1, 3 * mm), Paragraph(f"<b>Fastest lap:</b> {escape(sheet.fastest_lap or 'none')}", style["body"])]
    penalties = [f"#{line.number} {line.driver}: {line.penalty} s time penalty" for line in sheet.classified
                 + sheet.not_classified if line.penalty]
    story.append(Paragraph("Penalties and corrections applied", style["heading"]))
    for text in penalties + list(sheet.corrections) or ["none"]:
        story.append(Paragraph(escape(text), style["small"]))
    story += [Spacer(1, 2 * mm), Paragraph(f"<b>Order:</b> {escape(sheet.rule)}", style["small"])]
    if with_laps:
        story += lap_pages(sheet, charts or Charts(), width)
    footer = f"{sheet.event} - {sheet.session} - {sheet.state} - printed {printed_at()}"
    return build_pdf(story, A4, footer, f"{sheet.event} - {sheet.session} results", margin=MARGIN)
