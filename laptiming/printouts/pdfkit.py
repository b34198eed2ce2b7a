"""What every PDF printout shares (reportlab): fonts that spell what they cannot draw, styles, images, the footer,
the build."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
from PIL import Image as PILImage
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate, Table, TableStyle
from reportlab.platypus import Paragraph as LaidOutParagraph

from laptiming.spelling import spell_unprintable

FONT = "LTSans"
FONT_BOLD = "LTSans-Bold"
MONO = "LTMono"
RULE_GREY = colors.HexColor("#bbbbbb")
BAND_GREY = colors.HexColor("#eeeeee")
CELL_PADDING = 3  # points left and right of a table cell's text
FOOTER_ROOM = 4 * mm  # below the bottom margin: the footer line of every page
FRAME_PADDING = 6  # points: reportlab's frame padding, inside the margins on every side


class SpellingFont(TTFont):
    """A TrueType font that measures and draws every text in Latin letters where it cannot draw it as typed
    (:func:`~laptiming.printouts.text.spell_unprintable` over this font's own cmap; 张伟 printed as two boxes,
    דוד כהן reversed). Every text of every PDF printout, a name, an event, a class, a reason, passes through here.
    """

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename, shapable=False)  # drawn glyph by glyph, as measured
        glyphs = self.face.charToGlyph
        self.on_paper = functools.lru_cache(maxsize=8192)(
            functools.partial(spell_unprintable, has_glyph=lambda char: ord(char) in glyphs))

    def _spelt(self, text: str | bytes) -> str:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return text if text.isascii() else self.on_paper(text)  # most text is ASCII: no cache lookup

    def stringWidth(self, text: str | bytes, size: float, encoding: str = "utf8") -> float:  # noqa: N802 - reportlab's
        return super().stringWidth(self._spelt(text), size, encoding)

    def splitString(self, text: str | bytes, doc: object, encoding: str = "utf-8") -> list:  # noqa: N802 - reportlab's
        return super().splitString(self._spelt(text), doc, encoding)


@functools.cache
def register_fonts() -> None:
    """DejaVu (shipped with matplotlib): every driver's name prints, not only Latin-1 ones; what DejaVu has no
    letter for, or a right-to-left name, in Latin letters (:class:`SpellingFont`).

    Also: streams are written binary, not ASCII85 (smaller files, and encoding every chart as
    7-bit text was a fifth of the time of a session's slips).
    """
    rl_config.useA85 = 0
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(SpellingFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(SpellingFont(FONT_BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFont(SpellingFont(MONO, str(folder / "DejaVuSansMono.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


class Paragraph(LaidOutParagraph):
    """reportlab's paragraph, its text spelt as the font will print it before it is laid out: a spelt name's
    words (张伟 as Zhang Wei) wrap like any others. Every printout takes its paragraphs from here."""

    def __init__(self, text: str | None, style: ParagraphStyle, *args: object, **kwargs: object) -> None:
        register_fonts()
        font = pdfmetrics.getFont(style.fontName)
        if isinstance(text, str) and isinstance(font, SpellingFont):  # None: the half of a split paragraph
            text = font.on_paper(text)  # the markup's tags and entities are ASCII, which is never spelt
        super().__init__(text, style, *args, **kwargs)


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles by name: title, subtitle, body, small, cell, cell_right, mono."""
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=15, leading=18),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, leading=13),
        "heading": ParagraphStyle("heading", parent=base, fontName=FONT_BOLD, fontSize=11, leading=14,
                                  spaceBefore=6, spaceAfter=3),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "big": ParagraphStyle("big", parent=base, fontName=FONT_BOLD, fontSize=20, leading=24),
    }


class Picture(Flowable):
    """A chart image drawn ``width`` points wide, keeping its aspect (straight from pixels, no file)."""

    def __init__(self, image: PILImage.Image, width: float) -> None:
        super().__init__()
        self.reader = ImageReader(image)
        pixels_w, pixels_h = image.size
        self.width = width
        self.height = width * pixels_h / pixels_w

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self.reader, 0, 0, self.width, self.height)


def png_image(image: PILImage.Image, width: float) -> Picture:
    """A chart scaled to ``width`` points."""
    return Picture(image, width)


def _wrapped_cells(rows: Sequence[Sequence[object]], columns: Sequence[int], header_rows: int,
                   font_size: float) -> list[list[object]]:
    """The rows with the text of ``columns`` (below the header) as paragraphs, which wrap inside their cell:
    a plain string is drawn on one line however long, over the next column's text."""
    cell = ParagraphStyle(f"cell-{font_size}", fontName=FONT, fontSize=font_size, leading=font_size * 1.2)
    return [list(row) if index < header_rows else
            [Paragraph(escape(value), cell) if column in columns and isinstance(value, str) else value
             for column, value in enumerate(row)]
            for index, row in enumerate(rows)]


def widen_to_fit(widths: Sequence[float], rows: Sequence[Sequence[object]], column: int, donor: int,
                 font_size: float) -> list[float]:
    """Column widths with ``column`` as wide as its widest text (bold header included), the room taken from
    ``donor``: for short values that must not wrap, such as a car number (a transponder's seven digits)."""
    needed = max(pdfmetrics.stringWidth(str(row[column]), FONT_BOLD, font_size) for row in rows) + 2 * CELL_PADDING
    fitted = list(widths)
    extra = max(0.0, needed - fitted[column])
    fitted[column] += extra
    fitted[donor] -= extra
    return fitted


def grid_table(rows: Sequence[Sequence[object]], widths: Sequence[float] | None = None, *, header_rows: int = 1,
               right_from: int | None = None, font_size: float = 8, zebra: bool = True,
               bold_rows: Sequence[int] = (), wrap_columns: Sequence[int] = ()) -> Table:
    """A plain sheet table: bold header on grey, light rules, optional zebra rows; repeats its header on new pages.

    Free text that may be longer than its column (a driver's name, a class) goes in ``wrap_columns``: it wraps.
    """
    register_fonts()
    cells = _wrapped_cells(rows, wrap_columns, header_rows, font_size) if wrap_columns else list(rows)
    table = Table(cells, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
    commands: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), FONT, font_size),
        ("FONT", (0, 0), (-1, header_rows - 1), FONT_BOLD, font_size),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, colors.black),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.25, RULE_GREY),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if right_from is not None:
        commands.append(("ALIGN", (right_from, 0), (-1, -1), "RIGHT"))
    if zebra:
        for index in range(header_rows + 1, len(rows), 2):
            commands.append(("BACKGROUND", (0, index), (-1, index), BAND_GREY))
    for index in bold_rows:
        commands.append(("FONT", (0, index), (-1, index), FONT_BOLD, font_size))
    table.setStyle(TableStyle(commands))
    return table


class Footer:
    """Draws one line at the foot of every page: the state and printed-at stamp, and the page number."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self, canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawString(document.leftMargin, 7 * mm, self.text)
        canvas.drawRightString(document.pagesize[0] - document.rightMargin, 7 * mm, f"page {document.page}")
        canvas.restoreState()


def build_pdf(story: list[Flowable], pagesize: tuple[float, float], footer: str, title: str,
              margin: float = 10 * mm) -> bytes:
    """The PDF bytes of a story (nothing is written to disk here)."""
    register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=margin, rightMargin=margin,
                                 topMargin=margin, bottomMargin=margin + FOOTER_ROOM, title=title,
                                 author="laptiming", creator="laptiming")
    on_page = Footer(footer)
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
