"""Reading back what the printouts made: PDF text (pypdf), CSV from the real exports, HTML tables."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

from pypdf import PdfReader

from laptiming.cli import main
from laptiming.store import open_event_db
from laptiming.timefmt import format_lap_time
from tests.resources import need

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def pdf_pages(path: Path) -> list[str]:
    """The text of every page of a PDF."""
    return [page.extract_text(extraction_mode="layout") or "" for page in PdfReader(str(path)).pages]


def overlapping_words(path: Path) -> list[tuple[int, str, str]]:
    """Words drawn over one another on a page of a PDF (text run into the next column): (page, word, word).

    Word boxes come from poppler's ``pdftotext -bbox``; the test skips without it (fails in CI)."""
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for page, text in enumerate(html.split("<page ")[1:], start=1):
        words = [(float(x0), float(y0), float(x1), float(y1), word) for x0, y0, x1, y1, word in _WORD.findall(text)]
        for index, (x0, y0, x1, y1, word) in enumerate(words):
            for ox0, oy0, ox1, oy1, other in words[index + 1:]:
                # a hair of overlap is kerning, not a collision
                if min(x1, ox1) - max(x0, ox0) > 0.5 and min(y1, oy1) - max(y0, oy0) > 0.5:
                    found.append((page, word, other))
    return found


def pdftotext(path: Path) -> str:
    """The text of a PDF as poppler's ``pdftotext`` reads it (what a copy from a viewer gives); the test skips
    without it (fails in CI)."""
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def export_rows(capsys, db: Path, kind: str, session: int) -> list[dict[str, str]]:
    """``laptiming export KIND`` of a session as rows: the project's own, independent view of a result."""
    capsys.readouterr()
    assert main(["export", kind, "--db", str(db), "--session", str(session)]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def run(capsys, *args: str) -> tuple[int, str, str]:
    """The ``laptiming`` command in process: exit code, stdout, stderr."""
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


class Tables(HTMLParser):
    """Every table of an HTML page by id: rows of cell texts (header row included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.texts: dict[str, str] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._text_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self._table = attributes.get("id") or attributes.get("data-class") or str(len(self.tables))
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif attributes.get("id"):
            self._text_id = attributes["id"]
            self.texts[self._text_id] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell))
            self._cell = None
        elif tag in ("p", "ul"):
            self._text_id = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._text_id is not None:
            self.texts[self._text_id] += data


def html_tables(text: str) -> Tables:
    """Parse an HTML page's tables and id'd paragraphs."""
    parser = Tables()
    parser.feed(text)
    return parser


def race_totals(capsys, db: Path, session: int) -> dict[str, str]:
    """Race time per car from the laps export: green flag to last lap, plus the penalty (read from the database)."""
    handle = open_event_db(db, readonly=True)
    green = handle.execute("SELECT green_us FROM sessions WHERE id = ?", [session]).fetchone()[0]
    numbers = {car_id: number for car_id, number in handle.execute("SELECT id, number FROM cars")}
    handle.close()
    penalties: dict[str, int] = defaultdict(int)
    for correction in export_rows(capsys, db, "corrections", session):
        if correction["kind"] == "time_penalty":
            payload = json.loads(correction["payload"])
            penalties[numbers[payload["car_id"]]] += payload["penalty_us"]
    last: dict[str, int] = {}
    for lap in export_rows(capsys, db, "laps", session):
        last[lap["number"]] = int(lap["crossing_us"])
    return {number: format_lap_time(crossing - green + (penalties.get(number) or 0)) for number, crossing in last.items()}
