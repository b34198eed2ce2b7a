"""Driver slips on a thermal receipt printer (ESC/POS, 58 mm or 80 mm) through python-escpos.

A slip is rendered into python-escpos' ``Dummy`` printer, so a print job is plain bytes: it can be
kept, re-sent to another printer, written to a file, or checked by a test byte by byte.
"""

from __future__ import annotations

import copy
import enum
import textwrap
from collections.abc import Iterable

from escpos.escpos import Escpos
from escpos.printer import Dummy

from laptiming.printouts.charts import RECEIPT_58, RECEIPT_80, Charts, ChartSize
from laptiming.printouts.slip import Slip
from laptiming.spelling import spell_unprintable


class PaperWidth(enum.Enum):
    """Receipt paper: characters per line in font A, and the chart size that fits the head."""

    MM58 = "58"
    MM80 = "80"

    @property
    def columns(self) -> int:
        """Characters per line in the printer's standard font."""
        return 32 if self is PaperWidth.MM58 else 48

    @property
    def dots(self) -> int:
        """Dots across the print head."""
        return 384 if self is PaperWidth.MM58 else 576

    @property
    def chart(self) -> ChartSize:
        """The lap chart's size for this head (384 or 576 dots)."""
        return RECEIPT_58 if self is PaperWidth.MM58 else RECEIPT_80


def printable(printer: Escpos, text: str) -> str:
    """The text with each letter none of the printer's code pages has (Chinese, Japanese, Korean) spelt in
    Latin letters, as on the PDF printouts (:func:`spell_unprintable`): python-escpos sends a line with a
    Chinese character in GB18030, which a Western receipt printer prints as garbage, accented letters and all,
    and kana as '?'. A Hebrew or Arabic name is spelt too: the printer prints it left to right, unjoined."""
    encoder = printer.magic.encoder
    return spell_unprintable(text, lambda char: bool(encoder.find_suitable_encoding(char)))


def _wrapped(printer: Escpos, text: str, columns: int) -> None:
    """A line that must be read whole (the event, the driver, how final the results are), wrapped to the paper, never cut."""
    for line in textwrap.wrap(printable(printer, text), columns) or [""]:
        printer.textln(line)


def _pair(printer: Escpos, label: str, value: str, columns: int) -> list[str]:
    """A key figure: its label, then its value wrapped under itself (a long class or reason is never cut)."""
    return textwrap.wrap(printable(printer, value), columns, initial_indent=f"{label:<12}",
                         subsequent_indent=" " * 12) or [label]


def print_slip(printer: Escpos, slip: Slip, paper: PaperWidth, charts: Charts) -> None:
    """Send one slip to a python-escpos printer, ending with a cut."""
    columns = paper.columns
    rule = "-" * columns
    printer.set(align="center", bold=True)
    _wrapped(printer, slip.event, columns)
    printer.set(align="center", bold=False)
    _wrapped(printer, slip.session, columns)
    _wrapped(printer, slip.when, columns)
    printer.set(align="left")
    printer.textln(rule)
    printer.set(bold=True, double_height=True, double_width=False)
    _wrapped(printer, slip.driver or f"Car {slip.car}", columns)
    printer.set(bold=True, normal_textsize=True)
    _wrapped(printer, f"#{slip.car}  {slip.car_class}", columns)
    printer.set(bold=False)
    for label, value in slip.facts():
        for line in _pair(printer, label, value, columns):
            printer.textln(line)
    printer.textln(rule)
    printer.textln(f"{'Lap':>4}  {'Time':>9}")
    for line in slip.lap_lines:
        marks = " ".join(line.marks)
        text = f"{line.lap_no:>4}  {line.time:>9}  {marks}"[:columns].rstrip()
        if "BEST" in line.marks:
            printer.set(bold=True)
            printer.textln(text)
            printer.set(bold=False)
        else:
            printer.textln(text)
    if not slip.lap_lines:
        printer.textln("No lap completed.")
    if slip.raw_laps:
        chart = charts.lap_times(slip.raw_laps, slip.best_lap_no, paper.chart, monochrome=True)
        printer.image(chart.convert("L"), center=True)
    printer.textln(rule)
    _wrapped(printer, slip.state, columns)
    _wrapped(printer, f"printed {slip.printed}", columns)
    printer.cut()


def slips_job(slips: Iterable[Slip], paper: PaperWidth = PaperWidth.MM80, charts: Charts | None = None) -> bytes:
    """The ESC/POS bytes of these slips, each cut off: a print job ready to send or keep."""
    charts = charts or Charts()
    printer = Dummy()
    # The generic profile does not know the head's width; tell this printer's copy (centres the chart).
    printer.profile.profile_data = copy.deepcopy(printer.profile.profile_data)
    printer.profile.profile_data["media"]["width"]["pixels"] = paper.dots
    printed = 0
    for slip in slips:
        print_slip(printer, slip, paper, charts)
        printed += 1
    if not printed:
        raise ValueError("no slip to print")
    return printer.output
