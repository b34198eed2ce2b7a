"""Files saved the wrong way (European Excel's ';', Latin-1, a workbook for a CSV, a folder): one line naming the
file and line with what to do, exit 2, nothing written, for entries, plan, roster, check, --keep and print roster."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from schedule_helpers import SMALL_PLAN, entry, run_laptiming, write_entries

ROWS = [entry(f"D{i}") for i in range(4)]
PLAN = SMALL_PLAN.replace('separate_classes = ["Electric"]', "separate_classes = []")


@pytest.fixture
def event(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Entries, plan and the roster made from them (each a good file)."""
    entries = write_entries(tmp_path / "entries.csv", ROWS)
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    roster = tmp_path / "roster.csv"
    result = run_laptiming("schedule", entries, "--plan", plan, "--out", roster)
    assert result.returncode == 0, result.stderr
    return entries, plan, roster


def _resaved(path: Path, name: str, delimiter: str) -> Path:
    """The same table saved by a spreadsheet that separates values by ``delimiter``."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    out = path.with_name(name)
    with out.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return out


def _commands(entries: Path, plan: Path, roster: Path, out: Path) -> list[tuple[str, ...]]:
    """Every command that reads an entries or roster CSV."""
    return [
        ("schedule", str(entries), "--plan", str(plan), "--out", str(out / "new.csv")),
        ("schedule", "check", str(roster), "--entries", str(entries), "--plan", str(plan)),
        ("schedule", str(entries), "--plan", str(plan), "--keep", str(roster), "--out", str(out / "new.csv")),
        ("print", "roster", "--roster", str(roster), "--pdf", str(out / "sheets.pdf")),
    ]


def _one_problem(result, line: str) -> None:
    """Exit 2, the problem in one line (the schedule command adds its count of problems)."""
    assert result.returncode == 2, result.stdout
    lines = result.stderr.splitlines()
    assert lines[0] == f"laptiming: {line}"
    assert lines[1:] in ([], ["laptiming: 1 problem(s) in the input; nothing was written"]), lines


@pytest.mark.parametrize("delimiter, name", [(";", "';'"), ("\t", "tabs")])
def test_a_csv_separated_by_semicolons_is_one_line_saying_how_to_save_it(event, tmp_path, delimiter, name):
    entries, plan, roster = event
    out = tmp_path / "out"
    out.mkdir()
    bad_entries = _resaved(entries, "e.csv", delimiter)
    bad_roster = _resaved(roster, "r.csv", delimiter)
    said = {str(bad_entries): f"{bad_entries}:1: the file is separated by {name}; save it as comma-separated CSV "
                              "(or give the .xlsx)",
            str(bad_roster): f"{bad_roster}:1: the file is separated by {name}; save it as comma-separated CSV"}
    for command in _commands(bad_entries, plan, roster, out)[:1] + _commands(entries, plan, bad_roster, out)[1:]:
        result = run_laptiming(*command)
        bad = str(bad_entries) if str(bad_entries) in command else str(bad_roster)
        _one_problem(result, said[bad])
    assert list(out.iterdir()) == []


def test_a_semicolon_sheet_with_a_title_above_its_column_names_is_said_as_such(event, tmp_path):
    """With 'Spring Sprint registrations' above the ';'-separated column names, the separator went unnoticed (only
    the first row was looked at) and the sheet was said to have no row of column names."""
    entries, plan, _ = event
    bad = _resaved(entries, "e.csv", ";")
    bad.write_text("Spring Sprint registrations\n\n" + bad.read_text(encoding="utf-8"), encoding="utf-8")
    _one_problem(run_laptiming("schedule", bad, "--plan", plan, "--out", tmp_path / "new.csv"),
                 f"{bad}:3: the file is separated by ';'; save it as comma-separated CSV (or give the .xlsx)")
    assert not (tmp_path / "new.csv").exists()


def _latin1(path: Path, name: str, old: str, new: str) -> Path:
    """The file with ``old`` replaced by ``new`` and saved as Windows-1252, as Excel's plain "CSV" does."""
    out = path.with_name(name)
    out.write_bytes(path.read_text(encoding="utf-8").replace(old, new, 1).encode("cp1252"))
    return out


def test_a_file_not_saved_as_utf8_is_one_line_at_its_line(event, tmp_path):
    entries, plan, roster = event
    out = tmp_path / "out"
    out.mkdir()
    bad_entries = _latin1(entries, "e.csv", "Driver D2", "Jürgen Müller")  # line 4
    bad_plan = _latin1(plan, "p.toml", "Test day", "Zürich day")  # line 2
    bad_roster = _latin1(roster, "r.csv", "Driver D3", "Zoë")
    roster_line = next(n for n, text in enumerate(roster.read_text().splitlines(), start=1) if "Driver D3" in text)
    advice = "is not UTF-8 (the file is probably saved as Latin-1 or Windows-1252); save it as"
    _one_problem(run_laptiming(*_commands(bad_entries, plan, roster, out)[0]),
                 f"{bad_entries}:4: byte 0xfc {advice} CSV UTF-8")
    _one_problem(run_laptiming(*_commands(entries, bad_plan, roster, out)[0]),
                 f"{bad_plan}:2: byte 0xfc {advice} UTF-8 text")
    for command in _commands(entries, plan, bad_roster, out)[1:]:
        _one_problem(run_laptiming(*command), f"{bad_roster}:{roster_line}: byte 0xeb {advice} CSV UTF-8")
    assert list(out.iterdir()) == []


def test_a_file_saved_as_utf16_is_said_as_such(event, tmp_path):
    """Excel's 'Unicode Text' (picked to keep accents) is UTF-16: it was said to be 'probably saved as Latin-1 or
    Windows-1252', at a byte 0xff that is its byte order mark."""
    entries, plan, roster = event
    out = tmp_path / "out"
    out.mkdir()
    for source, name in ((entries, "e.csv"), (roster, "r.csv")):
        bad = tmp_path / name
        bad.write_bytes(source.read_text(encoding="utf-8").replace(",", "\t").encode("utf-16"))
        command = _commands(bad, plan, roster, out)[0] if name == "e.csv" else _commands(entries, plan, bad, out)[1]
        _one_problem(run_laptiming(*command), f"{bad}:1: the file is saved as UTF-16 (Excel's 'Unicode Text', "
                                              "Notepad's 'Unicode'); save it as CSV UTF-8")
    assert list(out.iterdir()) == []


def test_a_workbook_a_folder_or_an_xls_where_a_file_is_read_is_said_so(event, tmp_path):
    from openpyxl import Workbook

    entries, plan, roster = event
    out = tmp_path / "out"
    out.mkdir()
    book = Workbook()
    for row in csv.reader(roster.read_text().splitlines()):
        book.active.append(row)
    workbook = tmp_path / "roster.xlsx"
    book.save(workbook)
    for command in _commands(entries, plan, workbook, out)[1:]:
        _one_problem(run_laptiming(*command),
                     f"{workbook}: the roster must be CSV, this is an Excel .xlsx workbook; save it as CSV UTF-8")
    old_excel = tmp_path / "entries.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # an OLE2 file's signature
    _one_problem(run_laptiming(*_commands(old_excel, plan, roster, out)[0]),
                 f"{old_excel}: .xls is not read; save it as .xlsx or CSV UTF-8")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    _one_problem(run_laptiming(*_commands(folder, plan, roster, out)[0]),
                 f"{folder}: the entries file is a folder, not a file")
    _one_problem(run_laptiming(*_commands(entries, folder, roster, out)[0]),
                 f"{folder}: the plan file is a folder, not a file")
    _one_problem(run_laptiming(*_commands(entries, plan, folder, out)[1]),
                 f"{folder}: the roster file is a folder, not a file")
    _one_problem(run_laptiming("schedule", entries, "--plan", plan, "--out", out / "new.csv", "--db", folder),
                 f"database is a folder, not a file: {folder}")
    _one_problem(run_laptiming("print", "slip", "--db", folder, "--pdf", out / "slips.pdf"),
                 f"database is a folder, not a file: {folder}")
    assert list(out.iterdir()) == [] and list(folder.iterdir()) == []
