"""Printing a whole session's slips in one call: what the app and ``laptiming finish`` call for auto-print.

``print_session`` renders every slip of a session (or one car's) and sends them to a receipt
printer (through the kept job queue) or writes them as one PDF. It blocks for at most the
printer's timeout; the app calls it from a worker thread so its screen never waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from laptiming.errors import InputError
from laptiming.printouts.charts import Charts
from laptiming.printouts.data import SessionSheet, load_session_sheet
from laptiming.files import beside_database
from laptiming.printouts.output import write_bytes_atomically
from laptiming.printouts.printers import JobQueue, parse_printer_url, print_kept
from laptiming.printouts.slip import session_slips
from laptiming.printouts.slip_escpos import slips_job
from laptiming.printouts.slip_pdf import slips_pdf


@dataclass(frozen=True, slots=True)
class Printed:
    """What was printed: how many slips of which session, and where to."""

    session_id: int
    session_name: str
    slips: int
    destination: str


def print_session(db_path: str | Path, session_id: int | None = None, *, printer_url: str | None = None,
                  pdf_path: str | Path | None = None, car: str | None = None,
                  queue: JobQueue | None = None, sheet: SessionSheet | None = None) -> Printed:
    """All slips of a session (the latest finished one by default) to a printer URL or a PDF file.

    On a printer that is off, unplugged or out of paper this raises :class:`PrinterError` and the
    job stays in ``queue`` (by default beside the database) to re-send; nothing is lost.
    """
    if (printer_url is None) == (pdf_path is None):
        raise InputError("print to a printer (--printer URL) or a file (--pdf FILE), one of the two")
    sheet = sheet or load_session_sheet(db_path, session_id)
    slips = list(session_slips(sheet, car))
    if not slips:
        raise InputError(f"session {sheet.session_id} ({sheet.name}): no car has crossed the line, no slip to print")
    charts = Charts()
    if pdf_path is not None:
        write_bytes_atomically(pdf_path, slips_pdf(slips, charts))
        return Printed(sheet.session_id, sheet.name, len(slips), str(pdf_path))
    printer = parse_printer_url(printer_url or "")
    job = slips_job(slips, printer.paper, charts)
    queue = queue or JobQueue.beside(db_path)
    what = f"{len(slips)} slip(s) of session {sheet.session_id} ({sheet.name})" + (f", car {car}" if car else "")
    kept = queue.keep(job, what, printer.url)
    print_kept(queue, kept, printer)
    return Printed(sheet.session_id, sheet.name, len(slips), printer.url)


def slip_printer(db_path: str | Path, printer_url: str | None = None) -> Callable[[int], str]:
    """A session's slips printed by id, to ``printer_url`` or else into ``EVENT-slips-session-N.pdf`` beside the
    database; says where.

    What a screen is given to print with (it imports no printouts itself); blocks, so call it from a worker.
    """
    def print_slips(session_id: int) -> str:
        pdf = None if printer_url else beside_database(db_path, "slips", session_id, ".pdf")
        printed = print_session(db_path, session_id, printer_url=printer_url, pdf_path=pdf)
        return f"{printed.slips} slip(s) of session {printed.session_id} ({printed.session_name}) to {printed.destination}"

    return print_slips
