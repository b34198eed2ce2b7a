"""Roster sheets (PDF) from the scheduler's roster CSV: per session for the grid marshal, per driver an itinerary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer, Table, TableStyle

from laptiming.engine.standings import number_key
from laptiming.errors import InputError
from laptiming.files import PDF, existing_kind
from laptiming.printouts.pdfkit import FONT_BOLD, Paragraph, build_pdf, grid_table, styles
from laptiming.printouts.text import name_order, printed_at
from scheduler.model import name_key
from scheduler.roster import RosterRow, read_roster

MARGIN = 12 * mm
HEADER_ROWS = 3  # a session sheet's table heads each page: the session, its time and cars, the column names


def load_roster(path: str | Path) -> tuple[RosterRow, ...]:
    """The roster CSV as the scheduler reads it (its errors name the file, line and column)."""
    rows = read_roster(Path(path))
    if not rows:
        raise InputError(f"{path}: the roster has no runs")
    return rows


def pick_driver(rows: Sequence[RosterRow], wanted: str, roster_name: str) -> str:
    """The driver_id that ``--driver`` means: the id, or the name as on the roster, either in any case; two
    drivers of that name are listed with their ids to choose from."""
    drivers = {row.driver_id: row.driver for row in rows}
    if wanted in drivers:
        return wanted
    for key in (lambda driver_id: driver_id, lambda driver_id: drivers[driver_id]):
        found = sorted(driver_id for driver_id in drivers if name_key(key(driver_id)) == name_key(wanted))
        if len(found) == 1:
            return found[0]
        if found:
            choices = ", ".join(f"{drivers[driver_id]} (--driver {driver_id})" for driver_id in found)
            raise InputError(f"{len(found)} drivers in {roster_name} are named {wanted.strip()!r}: {choices}; "
                             "say which")
    raise InputError(f"no driver {wanted.strip()!r} in {roster_name} (give a driver_id or a name as on the roster)")


def refuse_non_pdf(path: str | Path) -> None:
    """An existing file that is no PDF is not printed over: ``--pdf roster.csv`` would replace the very roster
    being printed (or the entries sheet) with the sheets."""
    if existing_kind(path) not in (None, PDF):  # checked before the sheets are made (write_bytes_atomically would too)
        raise InputError(f"{path} exists and is not a PDF: give --pdf another name (nothing written)")


def roster_source(path: str | Path) -> str:
    """What names the roster on its sheets: the file's name and when it was saved, never its folder (a
    machine path, typed with ``--roster``, was printed on paper handed out in the paddock)."""
    roster = Path(path)
    saved = datetime.fromtimestamp(roster.stat().st_mtime).astimezone()
    return f"{roster.name} (saved {saved:%Y-%m-%d %H:%M})"


def _clock(row: RosterRow) -> str:
    return f"{row.start:%Y-%m-%d %H:%M}-{row.end:%H:%M}"


def sessions_story(rows: Sequence[RosterRow], width: float) -> list[Flowable]:
    """One page per session: time, then the cars by number with driver, class, skill, transponder, group."""
    style = styles()
    by_session: dict[str, list[RosterRow]] = {}
    for row in sorted(rows, key=lambda r: (r.start, number_key(r.car_number), r.driver_id)):
        by_session.setdefault(row.session, []).append(row)
    story: list[Flowable] = []
    for session, runs in by_session.items():
        if story:
            story.append(PageBreak())
        classes = sorted({run.car_class for run in runs if run.car_class})
        # The session and its time head the table, so they repeat on each page of a long session's sheet (a
        # second page had only the column names: whose cars were these?); they are the page's title, said once
        # (a title above the table said "Session N" again on the first page).
        cars = f"{len(runs)} car{'' if len(runs) == 1 else 's'}"
        about = f"{_clock(runs[0])}  ·  {cars}  ·  {', '.join(classes)}"
        table_rows: list[list[object]] = [[f"Session {session}"], [Paragraph(escape(about), style["subtitle"])],
                                          ["No", "Driver", "Class", "Skill", "Transponder", "Group", "Out"]]
        table_rows += [[run.car_number, run.driver, run.car_class, run.skill, run.transponder, run.group, ""]
                       for run in runs]
        widths = [12, 46, 28, 24, 27, 30, 0]  # mm: "intermediate" and "Transponder" in bold fit
        widths[-1] = width / mm - sum(widths)
        table = grid_table(table_rows, [w * mm for w in widths], header_rows=HEADER_ROWS, font_size=9.5,
                           wrap_columns=(1, 2, 5))
        first_car = HEADER_ROWS
        table.setStyle(TableStyle([("SPAN", (0, 0), (-1, 0)), ("SPAN", (0, 1), (-1, 1)),
                                   ("FONT", (0, 0), (-1, 0), FONT_BOLD, style["title"].fontSize),
                                   ("LEFTPADDING", (0, 0), (-1, 1), 0),
                                   ("BOTTOMPADDING", (0, 0), (-1, 0), 4), ("BOTTOMPADDING", (0, 1), (-1, 1), 5),
                                   ("BOX", (-1, first_car), (-1, -1), 0.5, colors.grey),
                                   ("INNERGRID", (-1, first_car), (-1, -1), 0.5, colors.grey),
                                   ("TOPPADDING", (0, first_car), (-1, -1), 3),
                                   ("BOTTOMPADDING", (0, first_car), (-1, -1), 3)]))
        story.append(table)
    return story


def itineraries_story(rows: Sequence[RosterRow], width: float, driver_id: str | None = None) -> list[Flowable]:
    """A block per driver (their runs in time order), several to a page, each kept whole to cut out."""
    style = styles()
    by_driver: dict[str, list[RosterRow]] = {}
    for row in sorted(rows, key=lambda r: (name_order(r.driver), r.driver_id, r.start)):
        by_driver.setdefault(row.driver_id, []).append(row)
    if driver_id is not None:
        if driver_id not in by_driver:
            raise InputError(f"driver {driver_id} has no run in the roster")
        by_driver = {driver_id: by_driver[driver_id]}
    # The weekday tells the days apart (Sat, Sun) unless two dates share one (a series on two Saturdays printed
    # 'Sat 10:20' then 'Sat 09:00'): then the date too.
    dates = {row.start.date() for row in rows}
    start_format = "%a %d %b %H:%M" if len({f"{d:%a}" for d in dates}) < len(dates) else "%a %H:%M"
    story: list[Flowable] = []
    for runs in by_driver.values():
        first = runs[0]
        table = grid_table([["Run", "Session", "Start", "End", "Car"]] + [
            [f"{index} of {len(runs)}", run.session, f"{run.start:{start_format}}", f"{run.end:%H:%M}",
             f"#{run.car_number}"]
            for index, run in enumerate(runs, start=1)], [18 * mm, 20 * mm, 34 * mm, 16 * mm, 16 * mm], font_size=9)
        block = Table([[Paragraph(escape(f"{first.driver} ({first.driver_id})"), style["heading"])],
                       [Paragraph(escape(f"Car #{first.car_number}  {first.car_class}  {first.skill}"), style["body"])],
                       [table]], colWidths=[width])
        block.setStyle(TableStyle([("LINEBELOW", (0, -1), (-1, -1), 0.5, colors.grey, None, (2, 2)),
                                   ("BOTTOMPADDING", (0, -1), (-1, -1), 6), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(KeepTogether([block, Spacer(1, 2 * mm)]))
    return story


def roster_pdf(rows: Sequence[RosterRow], *, by_driver: bool = False, driver_id: str | None = None,
               source: str = "") -> bytes:
    """Session sheets for the grid marshal, or (``by_driver``) drivers' itineraries; ``source`` names the roster
    in the footer (:func:`roster_source`)."""
    width = A4[0] - 2 * MARGIN
    if by_driver or driver_id is not None:
        story = itineraries_story(rows, width, driver_id)
        title = "Itineraries"
    else:
        story = sessions_story(rows, width)
        title = "Session sheets"
    footer = f"{title} - roster {source} - printed {printed_at()}"
    return build_pdf(story, A4, footer, title, margin=MARGIN)
