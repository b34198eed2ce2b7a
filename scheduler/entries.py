"""Read the registration sheet (CSV or XLSX) into :class:`Entry` records.

Every problem is collected, not just the first: missing or repeated columns, rows longer than
the header, blank required cells, unknown skills, bad times or run counts, a transponder that is
neither a decoder's number nor a printed code, duplicate driver ids, a ``car_id`` given two
classes, numbers or transponders, and two cars under one number. Each names the file, line
and column. Columns we do not use (email, notes) are ignored, and said so in one note.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scheduler.errors import InputProblem, ScheduleInputError
from scheduler.model import ENTRY_COLUMNS, REQUIRED_ENTRY_VALUES, TIME_FORMAT, Entry, Skill, parse_time
from scheduler.textfile import HEADER_SEARCH, check_file, read_csv_lines

Cell = str | datetime
TRANSPONDER_MAX = 2**32 - 1  # a decoder reports a transponder's number in 32 bits
# A transponder's printed code, as a decoder sends it when it sends no number (PV-38463, FL-94890):
# letters and digits, both, and dashes; 8 characters at most (the decoder's TRAN_CODE field is 8 bytes)
_PRINTED_CODE = re.compile(r"(?=.*[A-Za-z])(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9-]{1,7}")


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One non-blank data row of a sheet: its line number and cells by column name."""

    line: int
    cells: dict[str, Cell]
    values: int = 0  # how many values the row had, when more than the header's columns


def _cell_value(value: object) -> Cell:
    """A spreadsheet cell as text (numbers without a spurious ``.0``) or a datetime."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_KNOWN = frozenset(c.casefold() for c in ENTRY_COLUMNS)


@dataclass(frozen=True, slots=True)
class _Sheet:
    """A sheet's column names, their line, the data rows below, and what is worth a note (a title skipped)."""

    names: list[str]
    header_line: int
    rows: list[tuple[int, list[Cell]]]
    notes: tuple[InputProblem, ...] = ()


def _sheet_rows(path: Path) -> _Sheet:
    """The header, its line, and the data rows with their line numbers (CSV or XLSX)."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _xlsx_rows(path)
    if suffix == ".xls":
        raise ScheduleInputError([InputProblem(str(path), 0, "", ".xls is not read; save it as .xlsx or CSV UTF-8")])
    rows: list[tuple[int, list[Cell]]] = list(read_csv_lines(path, "entries", " (or give the .xlsx)"))
    return _split_header(path, rows)


def _xlsx_rows(path: Path) -> _Sheet:
    """Rows of the first worksheet that has a row of column names (a 'Read me' sheet may come first)."""
    from openpyxl import load_workbook  # imported here: only XLSX users pay for it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many unrelated types for a bad workbook
        raise ScheduleInputError(
            [InputProblem(str(path), 0, "", f"cannot read the workbook: {err}")]
        ) from err
    try:
        sheets = [(sheet.title, [(number, [_cell_value(v) for v in values])
                                 for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)])
                  for sheet in book.worksheets]
    finally:
        book.close()
    for title, rows in sheets:
        if _header_at(rows) is not None:
            sheet = _split_header(path, rows)
            if title == sheets[0][0]:
                return sheet
            note = InputProblem(str(path), 0, "", f"reading sheet '{title}' (sheet '{sheets[0][0]}', the first, "
                                                  "has no row of column names)")
            return _Sheet(sheet.names, sheet.header_line, sheet.rows, (note, *sheet.notes))
    return _split_header(path, sheets[0][1] if sheets else [])


def _filled(rows: list[tuple[int, list[Cell]]]) -> list[tuple[int, list[Cell]]]:
    return [(n, cells) for n, cells in rows if any(c != "" for c in cells)]


def _header_at(rows: list[tuple[int, list[Cell]]]) -> int | None:
    """Where among the first non-blank rows the column names are (two of ours at least, titled as people do)."""
    for position, (_, cells) in enumerate(_filled(rows)[:HEADER_SEARCH]):
        if len({_column(str(c)) for c in cells} & _KNOWN) >= 2:
            return position
    return None


def _text_of(rows: list[tuple[int, list[Cell]]]) -> str:
    """What some rows say, in a few words, to name them in a message."""
    text = ", ".join(str(c).strip() for _, cells in rows for c in cells if str(c).strip())
    return text if len(text) <= 60 else text[:57] + "..."


def _split_header(path: Path, rows: list[tuple[int, list[Cell]]]) -> _Sheet:
    """The row of column names (rows above it, a title, are skipped and said in a note); blank rows are dropped."""
    filled = _filled(rows)
    if not filled:
        raise ScheduleInputError([InputProblem(str(path), 1, "", "the file has no header row")])
    position = _header_at(rows)
    notes: tuple[InputProblem, ...] = ()
    if position is None:
        if not {_column(str(c)) for c in filled[0][1]} & _KNOWN:
            raise ScheduleInputError([InputProblem(
                str(path), filled[0][0], "", f"no row names the entries' columns ({', '.join(ENTRY_COLUMNS[:5])}, "
                f"...); the first row reads '{_text_of(filled[:1])}'")])
        position = 0  # some of our names: the header, and each missing column is said
    elif position:
        notes = (InputProblem(str(path), filled[0][0], "", f"the column names are on line {filled[position][0]}; "
                              f"ignoring what is above them ('{_text_of(filled[:position])}')"),)
    header_line, header = filled[position]
    names = [str(c).strip() for c in header]
    while names and names[-1] == "":
        names.pop()
    return _Sheet(names, header_line, filled[position + 1:], notes)


def _column(name: str) -> str:
    """Our column a header names, as a person may title it (``Driver ID``, ``car-id``); else the name as written."""
    key = re.sub(r"[\s_-]+", "_", name.strip().casefold())
    return key if key in _KNOWN else name


def _header_problems(source: str, line: int, names: list[str]) -> list[InputProblem]:
    """Missing and repeated columns (unknown ones are ignored, see :func:`_unknown_note`)."""
    problems = []
    seen: set[str] = set()
    for name in names:
        column = _column(name)
        if column in seen:
            also = f" (as {column})" if column != name else ""
            problems.append(InputProblem(source, line, name, f"column appears twice{also}"))
        seen.add(column)
    for name in ENTRY_COLUMNS:
        if name not in seen:
            problems.append(InputProblem(source, line, name, "missing column"))
    return problems


def _unknown_note(source: str, line: int, names: list[str]) -> InputProblem | None:
    """One note naming the columns we do not use (email, notes, T-shirt size, ...)."""
    unknown = [name or "(no name)" for name in dict.fromkeys(names) if _column(name) not in ENTRY_COLUMNS]
    if not unknown:
        return None
    return InputProblem(source, line, "", f"ignoring {len(unknown)} column(s) the scheduler does not "
                        f"use: {', '.join(unknown)}")


def _too_many(source: str, line: int, values: int, columns: int) -> InputProblem:
    """A row longer than the header: usually a comma inside an unquoted value."""
    return InputProblem(source, line, "", f"row has {values} values but the header has {columns} "
                        "columns (is there a comma in a value that is not in quotes?)")


def iter_sheet(path: Path, notes: list[InputProblem] | None = None) -> Iterator[SheetRow | InputProblem]:
    """Header problems, then each data row keyed by column name (or a too-long-row problem)."""
    source = str(path)
    sheet = _sheet_rows(path)
    names, header_line, rows = sheet.names, sheet.header_line, sheet.rows
    yield from _header_problems(source, header_line, names)
    columns = [_column(name) for name in names]  # "Driver ID" is driver_id; a repeat keeps its first cell
    columns = [c if c not in columns[:i] else f"{c} ({i + 1})" for i, c in enumerate(columns)]
    if notes is not None:
        notes.extend(sheet.notes)
        if note := _unknown_note(source, header_line, names):
            notes.append(note)
    for line, cells in rows:
        values = 0
        if len(cells) > len(names):
            if any(c != "" for c in cells[len(names):]):
                yield _too_many(source, line, len(cells), len(names))
                continue
            values = len(cells)  # only empty values past the last column: read, and said so
        yield SheetRow(line, {column: cells[i] if i < len(cells) else "" for i, column in enumerate(columns)},
                       values)


class _RowParser:
    """Turns one sheet row into an Entry, recording problems instead of stopping."""

    def __init__(self, source: str, row: SheetRow, problems: list[InputProblem]) -> None:
        self.source = source
        self.row = row
        self.problems = problems
        self.ok = True

    def fail(self, column: str, message: str) -> None:
        """Record a problem in this row's ``column``."""
        self.problems.append(InputProblem(self.source, self.row.line, column, message))
        self.ok = False

    def text(self, column: str) -> str:
        """A cell as text; required columns must not be blank."""
        value = self.row.cells.get(column, "")
        text = value.strftime(TIME_FORMAT) if isinstance(value, datetime) else value.strip()
        if not text and column in REQUIRED_ENTRY_VALUES and column in self.row.cells:
            self.fail(column, "must not be blank")
        return text

    def moment(self, column: str) -> datetime | None:
        """A ``YYYY-MM-DD HH:MM`` cell, or None when blank."""
        value = self.row.cells.get(column, "")
        if isinstance(value, datetime):
            return value.replace(second=0, microsecond=0)
        if not value:
            return None
        try:
            return parse_time(value)
        except ValueError:
            self.fail(column, f"'{value}' is not a time like 2026-06-13 08:00 (YYYY-MM-DD HH:MM)")
            return None

    def transponder(self) -> str:
        """A transponder number (1 to 4294967295) or its printed code (``PV-38463``): anything else could
        never be timed (a typo, a minus sign, a phone number)."""
        value = self.text("transponder")
        number = value.isascii() and value.isdigit() and 0 < int(value) <= TRANSPONDER_MAX
        if value and not number and not _PRINTED_CODE.fullmatch(value):
            self.fail("transponder", f"'{value}' is neither a transponder number (1 to {TRANSPONDER_MAX}) "
                      "nor a printed code like PV-38463")
        return value

    def skill(self) -> Skill | None:
        """``novice``, ``intermediate`` or ``advanced`` (any case), or None when blank."""
        value = self.text("skill")
        if not value:
            return None
        try:
            return Skill(value.casefold())
        except ValueError:
            self.fail("skill", f"'{value}' is not a skill (use {', '.join(s.value for s in Skill)})")
            return None

    def runs(self) -> int | None:
        """A whole number of runs, at least 1, or None when blank."""
        value = self.text("runs")
        if not value:
            return None
        try:
            runs = int(value)
        except ValueError:
            self.fail("runs", f"'{value}' is not a whole number of runs")
            return None
        if runs < 1:
            self.fail("runs", f"runs must be at least 1, got {runs} (remove the row to withdraw)")
            return None
        return runs

    def entry(self) -> Entry | None:
        """The parsed entry, or None if any cell was bad."""
        fields = {c: self.text(c) for c in ("driver_id", "driver", "car_id", "car_number", "car_class", "group")}
        fields["transponder"] = self.transponder()
        skill = self.skill()
        start, until = self.moment("available_from"), self.moment("available_until")
        if start and until and start >= until:
            self.fail("available_until", f"{until:%Y-%m-%d %H:%M} is not after "
                      f"available_from {start:%Y-%m-%d %H:%M}")
        runs = self.runs()
        if not self.ok:
            return None
        return Entry(source=self.source, line=self.row.line, skill=skill, available_from=start,
                     available_until=until, runs=runs, **fields)


def _consistency_problems(source: str, rows: list[SheetRow]) -> list[InputProblem]:
    """Duplicate driver ids (in any case); a car with two classes, numbers or transponders; shared transponders;
    a number on two cars (timing, slips and walk-ups know a car by its number).

    Checked on the cells as written, so a row with another bad cell is still compared.
    """
    def text(row: SheetRow, column: str) -> str:
        value = row.cells.get(column, "")
        return value.strftime(TIME_FORMAT) if isinstance(value, datetime) else value.strip()

    problems: list[InputProblem] = []
    drivers: dict[str, SheetRow] = {}
    cars: dict[str, SheetRow] = {}
    transponders: dict[str, SheetRow] = {}
    numbers: dict[str, SheetRow] = {}
    same_name: dict[tuple[str, str], SheetRow] = {}
    for row in rows:
        driver_id, car_id, transponder = text(row, "driver_id"), text(row, "car_id"), text(row, "transponder")
        if driver_id:  # any case: an id typed again as d0001 is the same driver (``--driver`` takes any case)
            first = drivers.setdefault(driver_id.casefold(), row)
            if first is not row:
                spelt = text(first, "driver_id")
                problems.append(InputProblem(source, row.line, "driver_id",
                                             f"driver_id '{driver_id}' is already used on line {first.line}"
                                             + (f" (as '{spelt}')" if spelt != driver_id else "")))
        if not car_id:
            continue
        name = " ".join(text(row, "driver").split())
        twin = same_name.setdefault((car_id, name.casefold()), row)  # one person sent the form twice
        if name and twin is not row and text(twin, "driver_id").casefold() != driver_id.casefold():
            problems.append(InputProblem(
                source, row.line, "driver", f"'{text(row, 'driver')}' ({driver_id}) is also on line {twin.line} "
                f"({text(twin, 'driver_id')}) with the same car {car_id}: entered twice? (remove one row; if they "
                "are two people, tell them apart, e.g. 'Jo Carter Jr')"))
        car = cars.setdefault(car_id, row)
        for column in ("car_class", "transponder", "car_number"):
            mine, theirs = text(row, column), text(car, column)
            if mine.casefold() != theirs.casefold():
                problems.append(InputProblem(
                    source, row.line, column,
                    f"car '{car_id}' has {column} '{theirs}' on line {car.line} but '{mine}' here"))
        number = text(row, "car_number")
        if number and car is row:  # each car's first row: its other rows are checked against it above
            holder = numbers.setdefault(number.casefold(), row)
            if holder is not row:
                problems.append(InputProblem(
                    source, row.line, "car_number",
                    f"car number '{number}' is already car '{text(holder, 'car_id')}' (line {holder.line}); "
                    "each car needs its own"))
        if transponder:
            owner = transponders.setdefault(transponder, row)
            if text(owner, "car_id") != car_id:
                problems.append(InputProblem(
                    source, row.line, "transponder",
                    f"transponder '{transponder}' is already on car '{text(owner, 'car_id')}' "
                    f"(line {owner.line}); each car needs its own"))
    return problems


def read_entries_with_problems(path: Path, notes: list[InputProblem] | None = None
                               ) -> tuple[tuple[Entry, ...], list[InputProblem]]:
    """The rows that parsed, and every problem found (so callers can check more before raising).

    ``notes`` receives what was read but is worth saying: ignored columns, padded rows.
    """
    source = str(path)
    problems: list[InputProblem] = []
    entries: list[Entry] = []
    rows: list[SheetRow] = []
    padded: list[int] = []
    try:
        check_file(path, "entries")
        items = list(iter_sheet(path, notes))
    except ScheduleInputError as err:
        return (), list(err.problems)
    for item in items:
        if isinstance(item, InputProblem):
            problems.append(item)
            continue
        found: list[InputProblem] = []
        entry = _RowParser(source, item, found).entry()
        if item.values and found:
            # A padded row that does not parse is most likely shifted by an unquoted comma.
            problems.append(_too_many(source, item.line, item.values, len(item.cells)))
            continue
        problems.extend(found)
        rows.append(item)
        if item.values:
            padded.append(item.line)
        if entry is not None:
            entries.append(entry)
    if padded and notes is not None:
        lines = ", ".join(map(str, padded[:10])) + (", ..." if len(padded) > 10 else "")
        notes.append(InputProblem(source, 0, "", f"{len(padded)} row(s) have empty values after the "
                                  f"last column, ignored (line(s) {lines})"))
    problems.extend(_consistency_problems(source, rows))
    if not rows and not problems:
        problems.append(InputProblem(source, 0, "", "no entries: the sheet has a header but no rows"))
    return tuple(entries), sorted(problems, key=lambda p: (p.line, p.column))


def read_entries(path: Path) -> tuple[Entry, ...]:
    """Read and check the entries file; raise with every problem if anything is wrong."""
    entries, problems = read_entries_with_problems(path)
    if problems:
        raise ScheduleInputError(problems)
    return entries
