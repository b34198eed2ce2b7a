"""A car out of the running (DNF, DNS, DSQ) has no position in any result: files, exports, stored results,
the terminal table and the driver's day all leave it empty and say why, as the PDF and HTML sheets do."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from laptiming.cli import main
from laptiming.printouts.data import load_session_sheet
from laptiming.printouts.slip import session_slips
from tests.printouts.conftest import FIRST_SESSION
from tests.printouts.helpers import html_tables, pdf_pages, run

OUT_CAR = "5"


@pytest.fixture()
def dnf_db(capsys, day_copy: Path) -> Path:
    """The club day with car 5 retired (DNF, gearbox) from the first session."""
    code, _, err = run(capsys, "correct", "status", "--db", str(day_copy), "--session", str(FIRST_SESSION),
                       "--by", "clerk", "--reason", "gearbox", "--car", OUT_CAR, "DNF")
    assert code == 0, err
    return day_copy


def _assert_positions(rows: list[dict], position=lambda value: value) -> None:
    """The classified cars are 1..N in order; the DNF car has an empty position and says DNF."""
    out = [row for row in rows if str(row["number"]) == OUT_CAR]
    assert len(out) == 1
    assert position(out[0]["position"]) is None and out[0]["status"] == "DNF"
    classified = [position(row["position"]) for row in rows if str(row["number"]) != OUT_CAR]
    assert classified == list(range(1, len(rows)))


def _cell(value: str) -> int | None:
    return int(value) if value else None


def test_the_csv_and_xlsx_sheets_leave_a_dnf_cars_position_empty(capsys, dnf_db: Path, tmp_path: Path) -> None:
    sheet_csv, sheet_xlsx = tmp_path / "sheet.csv", tmp_path / "sheet.xlsx"
    for option, out in (("--csv", sheet_csv), ("--xlsx", sheet_xlsx)):
        code, _, err = run(capsys, "print", "results", "--db", str(dnf_db), "--session", str(FIRST_SESSION),
                           option, str(out))
        assert code == 0, err
    with sheet_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    _assert_positions(rows, _cell)
    assert next(row for row in rows if row["number"] == OUT_CAR)["reason"] == "gearbox"
    header, *cells = [list(row) for row in openpyxl.load_workbook(sheet_xlsx)["Results"].iter_rows(values_only=True)]
    book_rows = [dict(zip(header, row)) for row in cells]
    _assert_positions(book_rows)
    assert all(isinstance(row["position"], int) for row in book_rows if row["number"] != OUT_CAR)  # not 1.0


def test_the_results_export_and_the_stored_results_leave_a_dnf_cars_position_empty(capsys, dnf_db: Path) -> None:
    code, out, err = run(capsys, "export", "results", "--db", str(dnf_db), "--session", str(FIRST_SESSION))
    assert code == 0, err
    _assert_positions(list(csv.DictReader(io.StringIO(out))), _cell)
    code, out, err = run(capsys, "export", "results", "--db", str(dnf_db), "--session", str(FIRST_SESSION),
                         "--format", "json")
    assert code == 0, err
    _assert_positions(json.loads(out))
    with sqlite3.connect(dnf_db) as conn:
        stored = conn.execute("SELECT position, number, status FROM results WHERE session_id = ? ORDER BY rowid",
                              (FIRST_SESSION,)).fetchall()
    _assert_positions([{"position": p, "number": n, "status": s} for p, n, s in stored])


def test_the_results_table_leaves_a_dnf_cars_position_blank(capsys, dnf_db: Path) -> None:
    code, out, err = run(capsys, "results", "--db", str(dnf_db), "--session", str(FIRST_SESSION))
    assert code == 0, err
    header = next(index for index, line in enumerate(out.splitlines()) if line.startswith("Pos  No"))
    lines = out.splitlines()[header + 1:]
    lines = lines[:next(index for index, line in enumerate(lines) if not line.startswith(" "))]
    (out_line,) = [line for line in lines if line.rstrip().endswith("DNF (gearbox)")]
    assert out_line[:3] == "   " and out_line.split()[0] == OUT_CAR, out_line
    assert [int(line[:3]) for line in lines if line is not out_line] == list(range(1, len(lines)))


def test_the_drivers_day_shows_dnf_for_the_run_not_a_position(capsys, dnf_db: Path, tmp_path: Path) -> None:
    with sqlite3.connect(dnf_db) as conn:
        (session_name,) = conn.execute("SELECT name FROM sessions WHERE id = ?", (FIRST_SESSION,)).fetchone()
        (driver_id,) = conn.execute("SELECT d.id FROM drivers d JOIN results r ON r.driver = d.name "
                                    "WHERE r.session_id = ? AND r.number = ?", (FIRST_SESSION, OUT_CAR)).fetchone()
    out = tmp_path / "day.pdf"
    assert main(["print", "day", "--db", str(dnf_db), "--driver", str(driver_id), "--pdf", str(out)]) == 0
    (page,) = pdf_pages(out)
    line = next(line for line in page.splitlines() if re.match(rf"\s*\d+\s+{session_name}\s", line))
    assert re.search(r"\s\d+/\d+\s", line) is None, line
    assert " DNF " in line, line


def test_a_slips_place_is_out_of_the_classified_cars_as_on_the_results_sheet(capsys, dnf_db: Path,
                                                                             tmp_path: Path) -> None:
    """Slips counted the DNF car in "P7 of N" while the results sheet classified one car fewer: the last
    classified car read "P11 of 12", as if a car had finished behind it."""
    sheet = tmp_path / "sheet.html"
    assert run(capsys, "print", "results", "--db", str(dnf_db), "--session", str(FIRST_SESSION), "--html",
               str(sheet))[0] == 0
    header, *rows = html_tables(sheet.read_text(encoding="utf-8")).tables["classified"]
    by_class: dict[str, int] = {}
    for row in rows:
        by_class[row[header.index("Class")]] = by_class.get(row[header.index("Class")], 0) + 1
    slips = {slip.car: slip for slip in session_slips(load_session_sheet(dnf_db, FIRST_SESSION))}
    assert len(slips) == len(rows) + 1  # the DNF car has its slip too
    for row in rows:
        slip = slips[row[header.index("No")]]
        assert slip.position == f"P{row[header.index('Pos')]} of {len(rows)}"
        car_class = row[header.index("Class")]
        assert slip.class_position == f"P{row[header.index('In class')]} of {by_class[car_class]} {car_class}"
    assert rows[-1][header.index("Pos")] == str(len(rows)) and slips[rows[-1][1]].position.endswith(f"of {len(rows)}")
    assert slips[OUT_CAR].position == f"DNF ({len(rows)} classified)"


def test_the_drivers_day_counts_a_runs_place_out_of_the_classified_cars(capsys, dnf_db: Path, tmp_path: Path) -> None:
    """Its "Pos" column said 1/12 for a session whose results sheet classified 11 cars, as slips did."""
    out = tmp_path / "day.pdf"
    assert main(["print", "day", "--db", str(dnf_db), "--driver", "1", "--pdf", str(out)]) == 0
    (page,) = pdf_pages(out)
    first_run = next(line for line in page.splitlines() if re.match(r"\s*1\s+Group A run 1\s", line))
    assert re.search(r"\s\d+/11\s", first_run), first_run  # the sample day's first session: 12 cars, car 5 DNF
    second_run = next(line for line in page.splitlines() if re.match(r"\s*2\s+Group A run 2\s", line))
    assert re.search(r"\s\d+/12\s", second_run), second_run  # every car classified there
