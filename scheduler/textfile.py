"""The user's text files (entries and roster CSV, plan TOML) read with one clear line for each way they go wrong.

A spreadsheet saved the wrong way is the usual cause, so each message says how to save it right:
a folder or missing file named as such; bytes that are not UTF-8 (Latin-1, Windows-1252) at their
line; a workbook given where CSV is read; a CSV separated by ``;`` or tabs (European Excel), which
would otherwise read as one unknown column and a "missing column" for every column we need.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from scheduler.errors import InputProblem, ScheduleInputError

UTF8_CSV = "save it as CSV UTF-8"
_XLSX_MAGIC = b"PK\x03\x04"  # a zip archive: an .xlsx workbook
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # an OLE compound file: an old .xls workbook
_SEPARATORS = {";": "';'", "\t": "tabs"}
HEADER_SEARCH = 10  # rows looked at for a sheet's column names (a title, a date or a note may come first)


def _fail(path: Path, line: int, message: str) -> ScheduleInputError:
    return ScheduleInputError([InputProblem(str(path), line, "", message)])


def check_file(path: Path, what: str) -> None:
    """A file to read: not missing, not a folder; an error naming ``what`` (entries, plan, roster) otherwise."""
    if path.is_dir():
        raise _fail(path, 0, f"the {what} file is a folder, not a file")
    if not path.is_file():
        raise _fail(path, 0, f"{what} file not found")


def workbook_kind(data: bytes) -> str | None:
    """``.xlsx`` or ``.xls`` when the bytes are an Excel workbook, else None."""
    if data.startswith(_XLSX_MAGIC):
        return ".xlsx"
    if data.startswith(_XLS_MAGIC):
        return ".xls"
    return None


def read_text(path: Path, what: str, advice: str = UTF8_CSV) -> str:
    """The file as text (UTF-8, with or without the BOM Excel writes); bytes that are not UTF-8 named by line."""
    check_file(path, what)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise _fail(path, 0, f"cannot read the {what} file: {err.strerror or err}") from err
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # picked to keep the accents
        raise _fail(path, 1, f"the file is saved as UTF-16 (Excel's 'Unicode Text', Notepad's 'Unicode'); {advice}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise _fail(path, line, f"byte 0x{data[err.start]:02x} is not UTF-8 (the file is probably saved as "
                                f"Latin-1 or Windows-1252); {advice}") from err


def read_csv_lines(path: Path, what: str, other_formats: str = "") -> list[tuple[int, list[str]]]:
    """The non-blank rows of a comma-separated file with their line numbers, cells stripped.

    ``other_formats`` is added to the advice for a file that is not comma-separated CSV (`` (or give the .xlsx)``).
    """
    check_file(path, what)
    with path.open("rb") as handle:
        kind = workbook_kind(handle.read(8))
    if kind:
        raise _fail(path, 0, f"the {what} must be CSV, this is an Excel {kind} workbook; {UTF8_CSV}{other_formats}")
    text = read_text(path, what)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((start, [cell.strip() for cell in cells]))
            start = reader.line_num + 1
    except csv.Error as err:
        raise _fail(path, reader.line_num, f"not a CSV row: {err}") from err
    # The column names are the first row, or a few rows down under a title: a row read as one value that holds
    # the separator twice there is the header of a file separated by it.
    for position, (line, cells) in enumerate(rows[:HEADER_SEARCH]):
        if len(cells) != 1:
            break
        for separator, name in _SEPARATORS.items():
            if cells[0].count(separator) >= (1 if position == 0 else 2):
                raise _fail(path, line, f"the file is separated by {name}; save it as comma-separated "
                                        f"CSV{other_formats}")
    return rows
