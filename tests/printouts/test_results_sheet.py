"""The session results sheet as PDF, HTML, CSV and XLSX, each read back and compared with the project's exports."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from pathlib import Path

import openpyxl
from PIL import Image
from pypdf import PdfReader

from laptiming.engine import SessionRules, SessionType
from laptiming.printouts.charts import PAGE, Charts, ChartSize
from laptiming.printouts.data import load_session_sheet
from laptiming.printouts.results_pdf import results_pdf
from laptiming.printouts.results_table import build_results
from laptiming.store import create_session, enter_car, open_event_db, write_transaction
from laptiming.timefmt import US_PER_DAY, format_time_of_day

from tests.printouts.conftest import FIRST_SESSION, RACE_SESSION
from tests.printouts.helpers import export_rows, html_tables, overlapping_words, pdf_pages, race_totals, run


def test_race_sheet_pdf_has_the_classified_table_fastest_lap_corrections_and_rule(capsys, day_db: Path,
                                                                                 tmp_path: Path) -> None:
    out = tmp_path / "race.pdf"
    code, _, err = run(capsys, "print", "results", "--db", str(day_db), "--session", str(RACE_SESSION),
                       "--circuit", "Sample Ring", "--pdf", str(out))
    assert code == 0, err
    text = "\n".join(pdf_pages(out))
    results = export_rows(capsys, day_db, "results", RACE_SESSION)
    totals = race_totals(capsys, day_db, RACE_SESSION)
    lines = {int(m.group(1)): m.group(0) for m in re.finditer(r"^\s*(\d+)\s+\d+\s+\S.*$", text, re.M)}
    for result in results:
        line = lines[int(result["position"])]
        for value in (result["number"], result["driver"], result["class"], result["laps"], result["best_lap"],
                      result["best_lap_no"], totals[result["number"]], result["gap"]):
            assert value in line, (value, line)
    fastest = min(results, key=lambda r: int(r["best_lap_us"]))
    assert f"Fastest lap: {fastest['best_lap']} by #{fastest['number']} {fastest['driver']} on lap " \
           f"{fastest['best_lap_no']}" in text
    for expected in ("Sample Ring", "Group A race", "race", "2026-06-13", "PROVISIONAL results", "jump start, seen by the starter",
                     "track limits at turn 4", "+5.000 s time penalty", "Ordered by laps completed"):
        assert expected in text


def test_non_classified_cars_are_listed_with_status_and_reason(capsys, day_copy: Path, tmp_path: Path) -> None:
    assert run(capsys, "correct", "status", "--db", str(day_copy), "--session", str(FIRST_SESSION), "--by", "clerk",
               "--reason", "gearbox", "--car", "5", "DNF")[0] == 0
    out = tmp_path / "sheet.html"
    assert run(capsys, "print", "results", "--db", str(day_copy), "--session", str(FIRST_SESSION),
               "--html", str(out))[0] == 0
    page = html_tables(out.read_text(encoding="utf-8"))
    assert "5" not in [row[1] for row in page.tables["classified"][1:]]
    assert page.tables["not-classified"][1][0] == "5"
    by_class: dict[str, list[str]] = defaultdict(list)
    for row in page.tables["classified"][1:]:
        by_class[row[3]].append(row[4])
    assert all(places == [str(n) for n in range(1, len(places) + 1)] for places in by_class.values())  # 5 takes none
    assert page.tables["not-classified"][1][-1] == "DNF (gearbox)"
    assert "gearbox" in page.texts["corrections"]


def test_html_sheet_matches_the_results_export(capsys, day_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.html"
    assert run(capsys, "print", "results", "--db", str(day_db), "--session", str(RACE_SESSION), "--html",
               str(out), "--laps")[0] == 0
    page = html_tables(out.read_text(encoding="utf-8"))
    # on a phone the page is the screen's width (it was laid out 980 px wide and shrunk to unreadable)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in out.read_text(encoding="utf-8")
    header, *rows = page.tables["classified"]
    assert header == ["Pos", "No", "Driver", "Class", "In class", "Laps", "Best lap", "Lap", "Total time", "Gap",
                      "Interval"]
    results = export_rows(capsys, day_db, "results", RACE_SESSION)
    assert [(r[0], r[1], r[2], r[6], r[7], r[9]) for r in rows] == [
        (e["position"], e["number"], e["driver"], e["best_lap"], e["best_lap_no"], e["gap"]) for e in results]
    # the position in the class: the sheet had only the class, the slip alone said "P2 of 4 Classic"
    assert [(r[1], r[4]) for r in rows] == [
        (e["number"], str(sum(other["class"] == e["class"] for other in results[:index + 1])))
        for index, e in enumerate(results)]
    laps_header, *lap_rows = page.tables["laps"]
    for lap in export_rows(capsys, day_db, "laps", RACE_SESSION):
        column = laps_header.index(f"#{lap['number']}")
        assert lap_rows[int(lap["lap"]) - 1][column].startswith(lap["lap_time"])
    assert "Ordered by laps completed" in page.texts["order"]
    deleted = next(c for c in export_rows(capsys, day_db, "corrections", RACE_SESSION) if c["kind"] == "delete_lap")
    crossing_us = json.loads(deleted["payload"])["crossing_us"]
    # the deleted lap's crossing as the time of day on the decoder's wall clock, not 16 digits of µs
    exact = format_time_of_day(crossing_us % US_PER_DAY)
    assert f"(crossing at {exact[:-3]})" in page.texts["corrections"]
    assert "µs" not in page.texts["corrections"]


def test_csv_sheet_reads_back_as_the_results(capsys, day_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.csv"
    assert run(capsys, "print", "results", "--db", str(day_db), "--session", str(FIRST_SESSION), "--csv",
               str(out))[0] == 0
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    results = export_rows(capsys, day_db, "results", FIRST_SESSION)
    keys = ("position", "number", "driver", "class", "laps", "best_lap", "best_lap_no", "best_lap_us", "gap", "status",
            "interval", "reason")  # the export had no interval nor reason, the sheet's CSV has
    assert [{k: row[k] for k in keys} for row in rows] == [{k: e[k] for k in keys} for e in results]


def test_xlsx_sheet_reads_back_with_results_session_and_laps(capsys, day_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.xlsx"
    assert run(capsys, "print", "results", "--db", str(day_db), "--session", str(RACE_SESSION), "--xlsx",
               str(out))[0] == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Results", "Session", "Laps"]
    header, *rows = [list(row) for row in book["Results"].iter_rows(values_only=True)]
    results = export_rows(capsys, day_db, "results", RACE_SESSION)
    assert [(row[header.index("position")], row[header.index("driver")], row[header.index("best_lap_us")])
            for row in rows] == [(int(e["position"]), e["driver"], int(e["best_lap_us"])) for e in results]
    facts = dict(book["Session"].iter_rows(min_row=2, values_only=True))
    assert facts["Session"] == "Group A race" and facts["Type"] == "race"
    lap_header, *lap_rows = list(book["Laps"].iter_rows(values_only=True))
    by_car: dict[str, list[str]] = defaultdict(list)
    for lap in export_rows(capsys, day_db, "laps", RACE_SESSION):
        by_car[lap["number"]].append(lap["lap_time"])
    for number, times in by_car.items():
        column = lap_header.index(f"#{number}")
        assert [str(row[column])[:8] for row in lap_rows[:len(times)]] == times


def test_lap_by_lap_pages_list_every_lap(capsys, day_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "laps.pdf"
    assert run(capsys, "print", "results", "--db", str(day_db), "--session", str(RACE_SESSION), "--pdf", str(out),
               "--laps")[0] == 0
    pages = pdf_pages(out)
    lap_text = "\n".join(pages[1:])
    assert "Lap chart" in lap_text
    for lap in export_rows(capsys, day_db, "laps", RACE_SESSION):
        assert lap["lap_time"] in lap_text


LONG_DRIVER = "Maximilian-Aurélien Østergaard-Wittelsbach de la Fuente"
LONG_CLASS = "Historic Touring Cars before 1975"
LONG_SESSION = "Group A race - Historic Touring Cars round 3"


def _long_names(db: Path) -> None:
    """Car 2's driver and class, and the race's name, longer than their columns; car 3 numbered by its
    transponder (seven digits)."""
    handle = open_event_db(db)
    with write_transaction(handle):
        handle.execute("UPDATE drivers SET name = ? WHERE id IN (SELECT e.driver_id FROM session_entries e "
                       "JOIN cars c ON c.id = e.car_id WHERE c.number = '2')", [LONG_DRIVER])
        handle.execute("UPDATE cars SET car_class = ? WHERE number = '2'", [LONG_CLASS])
        handle.execute("UPDATE cars SET number = '3100074' WHERE number = '3'")
        handle.execute("UPDATE sessions SET name = ? WHERE id = ?", [LONG_SESSION, RACE_SESSION])
    handle.close()


def test_long_names_classes_and_numbers_wrap_inside_their_columns(capsys, day_copy: Path, tmp_path: Path) -> None:
    """A name or class longer than its column wraps in its cell and a long car number widens its column;
    they were drawn on one line over the next column's text ('Fuente' over 'Standard')."""
    _long_names(day_copy)
    assert run(capsys, "correct", "status", "--db", str(day_copy), "--session", str(RACE_SESSION), "--by", "clerk",
               "--reason", "gearbox", "--car", "3100074", "DNF")[0] == 0
    printouts = {
        "race.pdf": ("results", "--session", str(RACE_SESSION), "--laps"),
        "practice.pdf": ("results", "--session", str(FIRST_SESSION)),
        "board.pdf": ("leaderboard",),
        "day.pdf": ("day", "--driver", LONG_DRIVER),
    }
    for name, args in printouts.items():
        out = tmp_path / name
        code, _, err = run(capsys, "print", args[0], "--db", str(day_copy), *args[1:], "--pdf", str(out))
        assert code == 0, err
        assert overlapping_words(out) == [], name
        words = " ".join(" ".join(pdf_pages(out)).split())
        assert all(word in words for word in LONG_DRIVER.split()), name
        if name != "day.pdf":
            assert "3100074" in words, name


def test_a_session_not_started_has_no_results_sheet(capsys, day_copy: Path, tmp_path: Path) -> None:
    """Its sheet read 'LIVE results - session still running' over every entered car, placed by number."""
    handle = open_event_db(day_copy)
    with write_transaction(handle):
        planned = create_session(handle, "Group A run 4", SessionRules(SessionType.PRACTICE),
                                 planned_start="2026-06-13 15:00", planned_end="2026-06-13 15:15")
        for (car_id,) in handle.execute("SELECT car_id FROM session_entries WHERE session_id = ?", [FIRST_SESSION]):
            enter_car(handle, planned, car_id)
    handle.close()
    for option in ("--pdf", "--html", "--csv", "--xlsx"):
        out = tmp_path / f"sheet{option.replace('--', '.')}"
        code, _, err = run(capsys, "print", "results", "--db", str(day_copy), "--session", str(planned), option,
                           str(out))
        assert (code, err) == (2, f"laptiming: session {planned} (Group A run 4) has not started: "
                                  "no results to print yet\n")
        assert not out.exists()


class _ChartSpy(Charts):
    """The real charts, keeping what the lap chart was asked to draw."""

    def race_positions(self, positions: dict[str, list[int]], cars: int, size: ChartSize = PAGE) -> Image.Image:
        """Keep the lines asked for, then draw them as the real chart does."""
        self.drawn = positions
        return super().race_positions(positions, cars, size)


def test_the_lap_chart_of_a_big_field_draws_the_first_twenty(capsys, tmp_path: Path) -> None:
    """Forty cars drew forty tangled lines and labels; the lap tables still give every car's laps."""
    db = tmp_path / "big.db"
    assert run(capsys, "record", "sim://?cars=40&seed=3&speed=0&minutes=8", "--db", str(db), "--session", "Big race",
               "--session-type", "race", "--laps", "4", "--enter-unknown", "--min-lap", "30")[0] == 0
    sheet = build_results(load_session_sheet(db, 1))
    spy = _ChartSpy()
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(results_pdf(sheet, with_laps=True,
                                                                           charts=spy))).pages]
    finishers = [line.number for line in sheet.classified]
    assert len(finishers) > 20
    assert list(spy.drawn) == finishers[:20]
    assert "Lap chart: the first 20 finishers' positions at the end of each lap" in " ".join(pages)
    tabled = " ".join(pages[1:])
    assert all(f"#{number}" in tabled for number in finishers)  # every car still in the lap tables



def test_a_corrections_time_of_day_is_to_the_thousandth_on_paper_and_exact_in_the_terminal(capsys, day_db: Path,
                                                                                          tmp_path: Path) -> None:
    """The sheets printed a deleted lap's crossing to the microsecond ("12:03:29.765532"); every time on paper is
    shown to the thousandth, truncated. The terminal keeps the µs: an official types the time back from there."""
    deleted = next(c for c in export_rows(capsys, day_db, "corrections", RACE_SESSION) if c["kind"] == "delete_lap")
    exact = format_time_of_day(json.loads(deleted["payload"])["crossing_us"] % US_PER_DAY)
    assert not exact.endswith("000")  # the sample's crossing has µs to lose
    shown = f"(crossing at {exact[:-3]})"  # truncated: 12:03:29.765532 -> 12:03:29.765
    pdf, html = tmp_path / "race.pdf", tmp_path / "race.html"
    for option, out in (("--pdf", pdf), ("--html", html)):
        assert run(capsys, "print", "results", "--db", str(day_db), "--session", str(RACE_SESSION), option,
                   str(out))[0] == 0
    text = " ".join(" ".join(pdf_pages(pdf)).split())
    corrections = html_tables(html.read_text(encoding="utf-8")).texts["corrections"]
    for printed in (text, corrections):
        assert shown in printed and exact not in printed
    code, terminal, _ = run(capsys, "results", "--db", str(day_db), "--session", str(RACE_SESSION))
    assert code == 0 and f"(crossing at {exact})" in terminal
