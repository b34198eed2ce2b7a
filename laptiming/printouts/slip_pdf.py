"""Driver slips as PDF (A5, one page per car): the slip for the timing tent's office printer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepInFrame, PageBreak, Spacer, Table, TableStyle

from laptiming.printouts.charts import SLIP, Charts
from laptiming.printouts.pdfkit import (
    FONT,
    FONT_BOLD,
    FOOTER_ROOM,
    FRAME_PADDING,
    Paragraph,
    build_pdf,
    grid_table,
    png_image,
    styles,
)
from laptiming.printouts.slip import BEST_MARK, Slip, SlipLap

PAGE = A5
MARGIN = 9 * mm
LAP_COLUMNS = 3
BEST_FILL = colors.HexColor("#fde2dd")


def _lap_table(lines: Sequence[SlipLap], width: float) -> Table | None:
    """Laps in up to three side-by-side columns of (lap, time, mark), the best lap in bold on a tint."""
    if not lines:
        return None
    per_column = max(min(8, len(lines)), -(-len(lines) // LAP_COLUMNS))
    columns = [lines[i:i + per_column] for i in range(0, len(lines), per_column)]
    header = []
    for _ in columns:
        header += ["Lap", "Time", ""]
    body: list[list[str]] = []
    best_cells: list[tuple[int, int]] = []
    for row_index in range(per_column):
        cells: list[str] = []
        for column_index, column in enumerate(columns):
            if row_index < len(column):
                line = column[row_index]
                cells += [str(line.lap_no), line.time, " ".join(line.marks)]
                if BEST_MARK in line.marks:
                    best_cells.append((column_index, row_index + 1))
            else:
                cells += ["", "", ""]
        body.append(cells)
    group = min(width / len(columns), 46 * mm)
    widths = [group * 0.2, group * 0.38, group * 0.42] * len(columns)
    table = grid_table([header, *body], widths, zebra=False, font_size=8.5)
    commands: list[tuple] = []
    for column_index, row_index in best_cells:
        first = column_index * 3
        commands += [("BACKGROUND", (first, row_index), (first + 2, row_index), BEST_FILL),
                     ("FONT", (first, row_index), (first + 2, row_index), FONT_BOLD, 8.5)]
    for column_index in range(len(columns)):
        commands.append(("ALIGN", (column_index * 3, 0), (column_index * 3 + 1, -1), "RIGHT"))
        if column_index:
            commands.append(("LINEBEFORE", (column_index * 3, 0), (column_index * 3, -1), 0.6, colors.grey))
    table.setStyle(TableStyle(commands))
    return table


def slip_story(slip: Slip, charts: Charts, width: float) -> list[Flowable]:
    """The flowables of one slip."""
    style = styles()
    facts = slip.facts()
    value_style = ParagraphStyle("fact", fontName=FONT_BOLD, fontSize=10, leading=12)  # a long reason wraps
    fact_rows = [[label, Paragraph(escape(value), value_style)] for label, value in facts]
    fact_table = Table(fact_rows, colWidths=[26 * mm, width - 26 * mm - 42 * mm], hAlign="LEFT")
    fact_table.setStyle(TableStyle([
        ("FONT", (0, 0), (0, -1), FONT, 9), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]))
    size = 20 if len(slip.car) <= 4 else 12  # a car entered by its transponder has a long number
    car = Paragraph(f"#{escape(slip.car)}", ParagraphStyle("car", parent=style["big"], alignment=TA_RIGHT,
                                                           fontSize=size, leading=size * 1.2))
    car_class = Paragraph(escape(slip.car_class), ParagraphStyle("class", parent=style["subtitle"], alignment=TA_RIGHT))
    identity = Table([[car], [car_class]], colWidths=[42 * mm])
    identity.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "RIGHT"), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    head = Table([[fact_table, identity]], colWidths=[width - 42 * mm, 42 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story: list[Flowable] = [
        Paragraph(escape(slip.event), style["small"]),
        Paragraph(escape(slip.session), style["heading"]),
        Paragraph(escape(slip.when), style["small"]),
        Spacer(1, 3 * mm),
        Paragraph(escape(slip.driver or f"Car {slip.car}"), style["title"]),
        Spacer(1, 2 * mm),
        head,
        Spacer(1, 2 * mm),
    ]
    if slip.raw_laps:
        story.append(png_image(charts.lap_times(slip.raw_laps, slip.best_lap_no, SLIP), width))
    laps = _lap_table(slip.lap_lines, width)
    if laps is not None:
        story += [Spacer(1, 2 * mm), laps]
    else:
        story.append(Paragraph("No lap completed.", style["body"]))
    notes = []
    if any("suspect" in line.marks for line in slip.lap_lines):
        notes.append("suspect: longer than the rule allows, likely a missed loop read")
    if any("deleted" in line.marks for line in slip.lap_lines):
        notes.append("deleted: time struck off by an official, the lap still counts as distance")
    if notes:
        story.append(Paragraph(escape("; ".join(notes)), style["small"]))
    if slip.stats.spread_us is not None and slip.stats.consistency_pct is not None:
        story.append(Paragraph(
            f"Consistency: average within {100 - slip.stats.consistency_pct:.1f}% of best, "
            f"spread {slip.stats.spread_us / 1e6:.3f} s over {slip.stats.clean_laps} clean laps", style["small"]))
    return story


def slips_pdf(slips: Iterable[Slip], charts: Charts | None = None) -> bytes:
    """One A5 page per slip, in one PDF: a slip taller than the page (forty laps, a long reason) is scaled down
    to fit it; it ran onto a second page that the next driver's slip followed, its last laps on neither."""
    charts = charts or Charts()
    width = PAGE[0] - 2 * MARGIN
    height = PAGE[1] - 2 * MARGIN - FOOTER_ROOM - 2 * FRAME_PADDING
    story: list[Flowable] = []
    footer = ""
    title = "Driver slips"
    for slip in slips:
        if story:
            story.append(PageBreak())
        story.append(KeepInFrame(width, height, slip_story(slip, charts, width), mode="shrink"))
        footer = slip.footer
        title = f"{slip.event} - {slip.session}"
    if not story:
        raise ValueError("no slip to print")
    return build_pdf(story, PAGE, footer, title, margin=MARGIN)
