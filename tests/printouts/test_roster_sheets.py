"""Roster sheets from a roster CSV in the scheduler's format: session sheets for the grid marshal, itineraries."""

from __future__ import annotations

import csv
import os
import re
from datetime import datetime
from pathlib import Path

import pytest

from scheduler.roster import ROSTER_COLUMNS
from tests.printouts.helpers import overlapping_words, pdf_pages, run

RUNS = [
    # session, start, end, driver_id, driver, car_id, car_number, transponder, car_class, skill, group
    ("1", "2026-06-13 08:00", "2026-06-13 08:15", "D0002", "Clara Fischer", "C0002", "3", "3100074", "Standard", "novice", ""),
    ("1", "2026-06-13 08:00", "2026-06-13 08:15", "D0010", "Omar Vogel", "C0010", "10", "3100370", "Classic", "novice", "Hot Hatch"),
    ("1", "2026-06-13 08:00", "2026-06-13 08:15", "D0001", "Ivo Zimmer", "C0001", "2", "3100037", "Performance", "novice", "Hot Hatch"),
    ("2", "2026-06-13 08:20", "2026-06-13 08:35", "D0003", "Ana Quist", "C0003", "7", "3100111", "Standard", "advanced", ""),
    ("3", "2026-06-13 09:00", "2026-06-13 09:15", "D0001", "Ivo Zimmer", "C0001", "2", "3100037", "Performance", "novice", "Hot Hatch"),
    ("4", "2026-06-13 10:20", "2026-06-13 10:35", "D0001", "Ivo Zimmer", "C0001", "2", "3100037", "Performance", "novice", "Hot Hatch"),
]


def _roster(path: Path, rows=RUNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROSTER_COLUMNS)
        writer.writerows(rows)
    return path


def test_session_sheets_list_cars_by_number_per_session(capsys, tmp_path: Path) -> None:
    out = tmp_path / "sessions.pdf"
    code, _, err = run(capsys, "print", "roster", "--roster", str(_roster(tmp_path / "roster.csv")), "--pdf", str(out))
    assert code == 0, err
    pages = pdf_pages(out)
    assert len(pages) == 4  # one page per session
    first = pages[0]
    assert "Session 1" in first and "2026-06-13 08:00-08:15" in first and "3 cars" in first
    numbers = [int(m.group(1)) for m in re.finditer(r"^\s*(\d+)\s+[A-Z][a-z]+ [A-Z]", first, re.M)]
    assert numbers == [2, 3, 10]  # by number, not by the file's order
    line = next(line for line in first.splitlines() if "Omar Vogel" in line)
    for value in ("Classic", "novice", "3100370", "Hot Hatch"):
        assert value in line


def test_itinerary_of_one_driver(capsys, tmp_path: Path) -> None:
    out = tmp_path / "ivo.pdf"
    assert run(capsys, "print", "roster", "--roster", str(_roster(tmp_path / "roster.csv")), "--driver", "D0001",
               "--pdf", str(out))[0] == 0
    (page,) = pdf_pages(out)
    assert "Ivo Zimmer (D0001)" in page and "Omar Vogel" not in page
    runs = re.findall(r"(\d) of 3\s+(\d+)\s+Sat (\d\d:\d\d)", page)
    assert runs == [("1", "1", "08:00"), ("2", "3", "09:00"), ("3", "4", "10:20")]


def test_every_itinerary(capsys, tmp_path: Path) -> None:
    out = tmp_path / "all.pdf"
    assert run(capsys, "print", "roster", "--roster", str(_roster(tmp_path / "roster.csv")), "--by", "driver",
               "--pdf", str(out))[0] == 0
    text = "\n".join(pdf_pages(out))
    for driver in ("Clara Fischer (D0002)", "Omar Vogel (D0010)", "Ivo Zimmer (D0001)", "Ana Quist (D0003)"):
        assert driver in text


def test_itineraries_are_in_alphabetical_order_whatever_the_accents(capsys, tmp_path: Path) -> None:
    """Names were sorted by code point: 'Ana Ångström' came after 'Ana O'Neill' and 'Émile' after 'Zoë'."""
    names = ["Zoë Adler", "Ana O'Neill", "Émile Roux", "Ana Ångström", "ana Berg", "Łukasz Nowak"]
    rows = [("1", "2026-06-13 08:00", "2026-06-13 08:15", f"D{n:04d}", name, f"C{n:04d}", str(n), str(3100000 + n),
             "Standard", "novice", "") for n, name in enumerate(names, start=1)]
    out = tmp_path / "all.pdf"
    assert run(capsys, "print", "roster", "--roster", str(_roster(tmp_path / "roster.csv", rows)), "--by", "driver",
               "--pdf", str(out))[0] == 0
    text = "\n".join(pdf_pages(out))
    assert sorted(names, key=text.index) == ["Ana Ångström", "ana Berg", "Ana O'Neill", "Émile Roux", "Łukasz Nowak",
                                             "Zoë Adler"]


def test_long_names_classes_and_groups_wrap_on_the_session_sheet(capsys, tmp_path: Path) -> None:
    """They were drawn on one line over the next column ('Østergaard-Wittelsbach' over the class)."""
    driver = "Maximilian-Aurélien Østergaard-Wittelsbach de la Fuente"
    long_run = ("1", "2026-06-13 08:00", "2026-06-13 08:15", "D0042", driver, "C0042", "42", "3100999",
                "Historic Touring Cars before 1975", "intermediate", "Porsche Club Historic Challenge")
    out = tmp_path / "sessions.pdf"
    code, _, err = run(capsys, "print", "roster", "--roster", str(_roster(tmp_path / "roster.csv", [*RUNS, long_run])),
                       "--pdf", str(out))
    assert code == 0, err
    assert overlapping_words(out) == []
    words = " ".join(pdf_pages(out)[0].split())
    assert all(word in words for word in (*driver.split(), "1975", "Challenge"))


def test_a_session_sheet_over_two_pages_names_its_session_on_each(capsys, tmp_path: Path) -> None:
    """Its second page had only the column names: the marshal could not tell which session's cars they were."""
    runs = [("5", "2026-06-13 10:00", "2026-06-13 10:15", f"D{n:04d}", f"Driver {n}", f"C{n:04d}", str(n),
             str(3100000 + n), "Standard", "novice", "") for n in range(1, 61)]
    out = tmp_path / "sessions.pdf"
    assert run(capsys, "print", "roster", "--roster", str(_roster(tmp_path / "roster.csv", runs)), "--pdf",
               str(out))[0] == 0
    pages = pdf_pages(out)
    assert len(pages) == 2
    for page in pages:
        assert "Session 5" in page and "2026-06-13 10:00-10:15" in page and "60 cars" in page
    listed = [int(m.group(1)) for page in pages for m in re.finditer(r"^\s*(\d+)\s+Driver \d+", page, re.M)]
    assert listed == list(range(1, 61))  # every car once, none lost at the break


def test_a_bad_roster_names_file_line_and_column_and_writes_nothing(capsys, tmp_path: Path) -> None:
    bad = list(RUNS)
    bad[2] = ("1", "2026-06-13 8am", *RUNS[2][2:])
    roster = _roster(tmp_path / "roster.csv", bad)
    out = tmp_path / "x.pdf"
    code, _, err = run(capsys, "print", "roster", "--roster", str(roster), "--pdf", str(out))
    assert code == 2
    assert "roster.csv" in err and ":4" in err and "start" in err
    assert not out.exists()


def test_one_drivers_itinerary_counts_their_runs_and_refuses_session_sheets(capsys, tmp_path: Path) -> None:
    roster = _roster(tmp_path / "roster.csv")
    out = tmp_path / "ivo.pdf"
    code, _, err = run(capsys, "print", "roster", "--roster", str(roster), "--driver", "D0001", "--pdf", str(out))
    assert code == 0 and err == f"itinerary of D0001 Ivo Zimmer (3 runs) -> {out}\n"
    out.unlink()
    code, _, err = run(capsys, "print", "roster", "--roster", str(roster), "--driver", "D0001", "--by", "session",
                       "--pdf", str(out))
    assert code == 2 and err == ("laptiming: --driver D0001 prints one driver's itinerary, not session sheets: "
                                 "leave out --by session\n")
    assert not out.exists()
    assert run(capsys, "print", "roster", "--roster", str(roster), "--driver", "D0001", "--by", "driver",
               "--pdf", str(out))[0] == 0


def test_slip_help_lists_every_printer_option(capsys) -> None:
    with pytest.raises(SystemExit):
        run(capsys, "print", "slip", "--help")
    text = " ".join(capsys.readouterr().out.split())
    for option in ("paper=58|80", "timeout=S", "status=0", "baudrate=N"):
        assert option in text


def test_the_footer_names_the_roster_file_and_when_it_was_saved_never_its_folder(capsys, tmp_path: Path) -> None:
    """``--roster`` given as an absolute path printed that machine path at the foot of every sheet."""
    roster = _roster(tmp_path / "roster.csv")
    saved = datetime(2026, 6, 10, 18, 30).timestamp()
    os.utime(roster, (saved, saved))
    for extra in ((), ("--by", "driver")):
        out = tmp_path / "sheets.pdf"
        assert run(capsys, "print", "roster", "--roster", str(roster.resolve()), *extra, "--pdf", str(out))[0] == 0
        for page in pdf_pages(out):
            assert "roster roster.csv (saved 2026-06-10 18:30)" in " ".join(page.split())
            assert str(tmp_path) not in page and tmp_path.name not in page


def test_each_page_of_a_session_sheet_names_its_session_once(capsys, tmp_path: Path) -> None:
    """The first page said "Session 1" twice: the title and the table's heading row (which repeats on later pages)."""
    runs = [("5", "2026-06-13 10:00", "2026-06-13 10:15", f"D{n:04d}", f"Driver {n}", f"C{n:04d}", str(n),
             str(3100000 + n), "Standard", "novice", "") for n in range(1, 61)]
    out = tmp_path / "sessions.pdf"
    assert run(capsys, "print", "roster", "--roster", str(_roster(tmp_path / "roster.csv", [*RUNS, *runs])), "--pdf",
               str(out))[0] == 0
    pages = pdf_pages(out)
    sessions = [re.findall(r"Session (\d+)", page) for page in pages]
    assert sessions == [["1"], ["2"], ["3"], ["5"], ["5"], ["4"]]  # in time order: session 5 is at 10:00


def test_one_drivers_itinerary_by_name_or_id_in_any_case(capsys, tmp_path: Path) -> None:
    """``--driver "Ivo Zimmer"`` (or ``d0001``) said "driver Ivo Zimmer has no run in the roster": only the id as
    written was taken, where every other ``--driver`` takes the id or the name in any case."""
    runs = [*RUNS, ("2", "2026-06-13 08:20", "2026-06-13 08:35", "D0004", "ana  quist", "C0004", "8", "3100148",
                    "Standard", "advanced", "")]
    roster = _roster(tmp_path / "roster.csv", runs)
    out = tmp_path / "ivo.pdf"
    for wanted in ("Ivo Zimmer", "ivo zimmer", " IVO  ZIMMER ", "d0001"):
        code, _, err = run(capsys, "print", "roster", "--roster", str(roster), "--driver", wanted, "--pdf", str(out))
        assert code == 0 and err == f"itinerary of D0001 Ivo Zimmer (3 runs) -> {out}\n", (wanted, err)
        assert "Ivo Zimmer (D0001)" in pdf_pages(out)[0] and "Clara" not in pdf_pages(out)[0]
        out.unlink()
    code, _, err = run(capsys, "print", "roster", "--roster", str(roster), "--driver", "Ana Quist", "--pdf", str(out))
    assert code == 2 and err == ("laptiming: 2 drivers in roster.csv are named 'Ana Quist': "
                                 "Ana Quist (--driver D0003), ana  quist (--driver D0004); say which\n")
    code, _, err = run(capsys, "print", "roster", "--roster", str(roster), "--driver", "Ida", "--pdf", str(out))
    assert code == 2
    assert err == "laptiming: no driver 'Ida' in roster.csv (give a driver_id or a name as on the roster)\n"
    assert not out.exists()


def test_a_session_of_one_car_says_one_car(capsys, tmp_path: Path) -> None:
    """A session with one car (an Electric novice, kept apart from the rest) was headed '1 cars'."""
    out = tmp_path / "sessions.pdf"
    assert run(capsys, "print", "roster", "--roster", str(_roster(tmp_path / "roster.csv")), "--pdf", str(out))[0] == 0
    pages = [" ".join(page.split()) for page in pdf_pages(out)]
    assert "2026-06-13 08:00-08:15 · 3 cars · Classic, Performance, Standard" in pages[0]
    assert "2026-06-13 08:20-08:35 · 1 car · Standard" in pages[1]
    assert not any("1 cars" in page for page in pages)


def test_an_itinerary_over_two_days_of_the_same_weekday_says_the_dates(capsys, tmp_path: Path) -> None:
    """A series on two Saturdays printed 'Sat 10:20' then 'Sat 09:00': run 2 read as before run 1, on one day."""
    runs = [("8", "2026-06-13 10:20", "2026-06-13 10:35", *RUNS[2][3:]),
            ("16", "2026-06-20 09:00", "2026-06-20 09:15", *RUNS[2][3:])]
    out = tmp_path / "ivo.pdf"
    assert run(capsys, "print", "roster", "--roster", str(_roster(tmp_path / "roster.csv", runs)), "--driver", "D0001",
               "--pdf", str(out))[0] == 0
    text = " ".join(pdf_pages(out)[0].split())
    assert "1 of 2 8 Sat 13 Jun 10:20 10:35 #2" in text and "2 of 2 16 Sat 20 Jun 09:00 09:15 #2" in text
    assert not overlapping_words(out)
    weekend = [("8", "2026-06-13 10:20", "2026-06-13 10:35", *RUNS[2][3:]),
               ("16", "2026-06-14 09:00", "2026-06-14 09:15", *RUNS[2][3:])]
    assert run(capsys, "print", "roster", "--roster", str(_roster(tmp_path / "roster.csv", weekend)), "--driver",
               "D0001", "--pdf", str(out))[0] == 0
    text = " ".join(pdf_pages(out)[0].split())
    assert "1 of 2 8 Sat 10:20 10:35 #2" in text and "2 of 2 16 Sun 09:00 09:15 #2" in text


def test_the_sheets_are_never_written_over_the_roster_or_another_file_that_is_no_pdf(capsys, tmp_path: Path) -> None:
    """``print roster --roster roster.csv --pdf roster.csv`` (or ``--pdf entries.csv``) wrote the PDF over the published
    roster, or the entries sheet: exit 0, 'session sheets of 6 runs -> roster.csv', the file gone."""
    roster = _roster(tmp_path / "roster.csv")
    entries = tmp_path / "entries.csv"
    entries.write_text("driver_id,driver\nD0001,Ivo Zimmer\n", encoding="utf-8")
    before = roster.read_bytes()
    for target in (roster, entries):
        code, _, err = run(capsys, "print", "roster", "--roster", str(roster), "--pdf", str(target))
        assert code == 2
        assert err == f"laptiming: {target} exists and is not a PDF: give --pdf another name (nothing written)\n"
    assert roster.read_bytes() == before and entries.read_text(encoding="utf-8").startswith("driver_id,driver")
    out = tmp_path / "sheets.pdf"
    assert run(capsys, "print", "roster", "--roster", str(roster), "--pdf", str(out))[0] == 0
    assert run(capsys, "print", "roster", "--roster", str(roster), "--by", "driver", "--pdf", str(out))[0] == 0
    assert "Ivo Zimmer (D0001)" in pdf_pages(out)[0]  # a PDF is printed over, as every printout does
