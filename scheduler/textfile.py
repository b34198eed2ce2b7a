"""The user's CSV files (entries, roster) read with one clear line for each way they go wrong.

A spreadsheet saved the wrong way is the usual cause, so the message says how to save it right: a
CSV separated by ``;`` or tabs (European Excel) would otherwise read as one unknown column and a
"missing column" for every column we need.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from scheduler.errors import InputProblem, ScheduleInputError

_SEPARATORS = {";": "';'", "\t": "tabs"}


def _fail(path: Path, line: int, message: str) -> ScheduleInputError:
    return ScheduleInputError([InputProblem(str(path), line, "", message)])


def read_csv_lines(path: Path, what: str, other_formats: str = "") -> list[tuple[int, list[str]]]:
    """The non-blank rows of a comma-separated file with their line numbers, cells stripped.

    ``other_formats`` is added to the advice for a file that is not comma-separated CSV (`` (or give the .xlsx)``).
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise _fail(path, 0, f"cannot read the {what}: {err}") from err
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
    if rows and len(rows[0][1]) == 1:
        header_line, (header,) = rows[0]
        for separator, name in _SEPARATORS.items():
            if separator in header:
                raise _fail(path, header_line, f"the file is separated by {name}; save it as comma-separated "
                                               f"CSV{other_formats}")
    return rows
