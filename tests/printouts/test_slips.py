"""Driver slips as PDF and ESC/POS: read back and compared with the project's own exports of the same session."""

from __future__ import annotations

import os
import re
import stat
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from escpos.constants import PAPER_FULL_CUT

from laptiming.printouts.data import load_session_sheet
from laptiming.printouts.slip import session_slips
from laptiming.printouts.slip_escpos import PaperWidth, slips_job
from laptiming.store import SessionPhase, open_event_db, update_session, write_transaction
from tests.printouts.conftest import FIRST_SESSION, RACE_SESSION
from tests.printouts.helpers import export_rows, overlapping_words, pdf_pages, race_totals, run

RASTER = b"\x1dv0"  # GS v 0: a raster bit image


def _laps_by_number(capsys, db: Path, session: int) -> dict[str, list[dict[str, str]]]:
    laps: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in export_rows(capsys, db, "laps", session):
        laps[row["number"]].append(row)
    return laps


def _lap_lines(page: str) -> dict[int, str]:
    """Lap number -> the rest of its line, from a slip's lap table."""
    found = {}
    table = page[page.index("Lap "):] if "Lap " in page else ""
    for match in re.finditer(r"(\d+)\s+(\d+:\d\d\.\d{3})((?:[ ]+(?:BEST|suspect|deleted)\b)*)", table):
        found[int(match.group(1))] = match.group(2) + match.group(3)
    return found


def test_pdf_slip_of_every_car_shows_position_best_lap_and_every_lap(capsys, day_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "slips.pdf"
    code, _, err = run(capsys, "print", "slip", "--db", str(day_db), "--session", str(FIRST_SESSION), "--pdf", str(out))
    assert code == 0, err
    results = export_rows(capsys, day_db, "results", FIRST_SESSION)
    laps = _laps_by_number(capsys, day_db, FIRST_SESSION)
    pages = pdf_pages(out)
    assert len(pages) == len(results)  # one page per car
    for page, result in zip(pages, results):
        assert result["driver"] in page
        assert f"#{result['number']}" in page
        assert f"P{result['position']} of {len(results)}" in page
        assert f"{result['best_lap']} (lap {result['best_lap_no']})" in page
        listed = _lap_lines(page)
        car_laps = laps[result["number"]]
        assert sorted(listed) == [int(lap["lap"]) for lap in car_laps]  # every lap, nothing else
        for lap in car_laps:
            assert listed[int(lap["lap"])].startswith(lap["lap_time"])
            assert ("BEST" in listed[int(lap["lap"])]) == (lap["lap"] == result["best_lap_no"])
            assert ("suspect" in listed[int(lap["lap"])]) == ("suspect" in lap["flags"])
        assert "Group A run 1" in page and "Club track day 2026-06-13" in page
        assert "PROVISIONAL results" in page and "printed" in page  # finished, not confirmed by an official


def test_slip_position_in_class_counts_only_the_class(capsys, day_db: Path) -> None:
    results = export_rows(capsys, day_db, "results", FIRST_SESSION)
    sheet = load_session_sheet(day_db, FIRST_SESSION)
    for slip, result in zip(session_slips(sheet), results):
        same_class = [r for r in results if r["class"] == result["class"]]
        place = [r["number"] for r in same_class].index(result["number"]) + 1
        assert slip.class_position == f"P{place} of {len(same_class)} {result['class']}"


def test_short_and_voided_passings_are_not_laps_and_deleted_laps_are_marked(capsys, day_db: Path, tmp_path: Path) -> None:
    passings = export_rows(capsys, day_db, "passings", RACE_SESSION)
    assert any(p["reason"] == "under_min_lap" for p in passings)  # the session has short passings to leave out
    laps = _laps_by_number(capsys, day_db, RACE_SESSION)
    deleted = [lap for car in laps.values() for lap in car if "deleted" in lap["flags"]]
    assert deleted
    out = tmp_path / "race.pdf"
    assert run(capsys, "print", "slip", "--db", str(day_db), "--session", str(RACE_SESSION), "--car",
               deleted[0]["number"], "--pdf", str(out))[0] == 0
    (page,) = pdf_pages(out)
    listed = _lap_lines(page)
    assert len(listed) == len(laps[deleted[0]["number"]])
    assert "deleted" in listed[int(deleted[0]["lap"])]
    assert "Gap to P1" in page


def test_race_slip_shows_race_time_with_the_penalty(capsys, day_db: Path, tmp_path: Path) -> None:
    corrections = export_rows(capsys, day_db, "corrections", RACE_SESSION)
    penalised = next(c for c in corrections if c["kind"] == "time_penalty")
    number = re.search(r"car (\S+)", penalised["details"]).group(1)
    totals = race_totals(capsys, day_db, RACE_SESSION)
    out = tmp_path / "penalty.pdf"
    assert run(capsys, "print", "slip", "--db", str(day_db), "--session", str(RACE_SESSION), "--car", number,
               "--pdf", str(out))[0] == 0
    (page,) = pdf_pages(out)
    assert re.search(rf"Race time\s+{re.escape(totals[number])}", page)
    # said beside the race time, which already counts it (a reader could not tell, and added it again)
    assert re.search(r"Penalty\s+\+5\.000 s \(in the race time\)", page)


def test_slips_of_a_recorded_simulated_session(capsys, sim_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "sim.pdf"
    assert run(capsys, "print", "slip", "--db", str(sim_db), "--pdf", str(out))[0] == 0  # latest finished session
    results = export_rows(capsys, sim_db, "results", 1)
    pages = pdf_pages(out)
    timed = [r for r in results if r["best_lap"]]
    assert len(pages) == len(timed)
    for page, result in zip(pages, timed):
        assert f"#{result['number']}" in page and f"{result['best_lap']} (lap {result['best_lap_no']})" in page


def test_a_slip_says_how_final_its_results_are_as_the_timing_service_does(capsys, day_copy: Path,
                                                                         tmp_path: Path) -> None:
    """Live while running, provisional once finished, official only once an official confirmed them (a
    finished session once printed FINAL on every slip while the results were still provisional)."""
    def footer() -> str:
        out = tmp_path / "slip.pdf"
        assert run(capsys, "print", "slip", "--db", str(day_copy), "--session", str(FIRST_SESSION), "--car", "2",
                   "--pdf", str(out))[0] == 0
        (page,) = pdf_pages(out)
        return page

    page = footer()
    assert "PROVISIONAL results - may still change" in page and "OFFICIAL" not in page
    code, _, err = run(capsys, "finish", "--db", str(day_copy), "--session", str(FIRST_SESSION), "--confirm",
                       "--by", "Clerk of the course")
    assert code == 0, err
    page = footer()
    assert "OFFICIAL results" in page and "PROVISIONAL" not in page
    db = open_event_db(day_copy)
    update_session(db, FIRST_SESSION, phase=SessionPhase.RUNNING)
    db.close()
    page = footer()
    assert "LIVE results - session still running" in page and "OFFICIAL" not in page


def _text_runs(job: bytes) -> list[str]:
    """Printable text lines of an ESC/POS stream (control sequences and images dropped)."""
    lines = []
    for chunk in job.split(b"\n"):
        text = re.sub(rb"\x1b[!Eat\-MG].|\x1dV.|\x1d!.", b"", chunk)
        if RASTER in text:
            continue
        decoded = text.decode("cp437", "replace")
        if decoded.strip() and decoded.isprintable():
            lines.append(decoded)
    return lines


def test_escpos_slips_carry_the_text_the_chart_and_a_cut_per_slip(capsys, day_db: Path) -> None:
    sheet = load_session_sheet(day_db, RACE_SESSION)
    results = export_rows(capsys, day_db, "results", RACE_SESSION)
    laps = _laps_by_number(capsys, day_db, RACE_SESSION)
    for paper in PaperWidth:
        job = slips_job(session_slips(sheet), paper)
        assert job.count(PAPER_FULL_CUT) == len(results)
        assert job.rstrip(b"\n").endswith(PAPER_FULL_CUT)
        slips = job.split(PAPER_FULL_CUT)[:-1]
        for slip, result in zip(slips, results):
            # python-escpos switches code pages (ESC t n) for letters such as Á: check the plain runs
            assert all(part.encode() in slip for part in re.findall(r"[A-Za-z]+", result["driver"]))
            assert f"Best lap    {result['best_lap']} (lap {result['best_lap_no']})".encode() in slip
            for lap in laps[result["number"]]:
                assert f"{int(lap['lap']):>4}  {lap['lap_time']:>9}".encode() in slip
            # one raster image as wide as the head: GS v 0 m xL xH with xL + 256 xH bytes per row
            start = slip.index(RASTER) + len(RASTER) + 1
            assert slip[start] + 256 * slip[start + 1] == (384 if paper is PaperWidth.MM58 else 576) // 8
        assert all(len(line) <= paper.columns for line in _text_runs(job))
        # how final the results are is read whole, on 58 mm paper too (it was cut to "may still ")
        assert " ".join(_text_runs(slips[0])).count("PROVISIONAL results - may still change") == 1


def test_escpos_slip_prints_a_long_driver_name_and_class_whole(day_db: Path) -> None:
    """A name wider than the paper wraps onto the next line (it was cut at 32 or 48 characters)."""
    (slip,) = session_slips(load_session_sheet(day_db, RACE_SESSION), car_number="2")
    driver = "Maximilian-Alexander Ostergaard-Wittelsbach de la Fuente y Montoya"
    car_class = "Historic Touring Cars before 1975 (Group 2)"
    long_slip = replace(slip, driver=driver, car_class=car_class)
    for paper in PaperWidth:
        lines = _text_runs(slips_job([long_slip], paper))
        assert all(len(line) <= paper.columns for line in lines)
        printed = " ".join(lines)
        assert driver in printed.replace("- ", "-")  # textwrap breaks after a hyphen
        assert f"#2  {car_class}" in printed


def test_escpos_slip_spells_a_name_no_code_page_has_in_latin_letters(day_db: Path) -> None:
    """A Chinese name made python-escpos send its whole line in GB18030 (a Western printer prints that as
    garbage, and the line's accented letters with it); Japanese kana went out as '?'. Such letters are now
    spelt in Latin letters, and the rest of the line keeps its code page."""
    (slip,) = session_slips(load_session_sheet(day_db, RACE_SESSION), car_number="2")
    job = slips_job([replace(slip, driver="Chloé 张伟", car_class="ヤマダ")], PaperWidth.MM80)
    assert "Chloé".encode("gb18030") not in job
    lines = _text_runs(job)
    assert "Chloé Zhang Wei" in lines  # é from the printer's code page 437, as before; spelt as on the PDF slip
    assert "#2  Yamada" in lines


def test_escpos_slip_spells_a_hebrew_name_in_latin_letters(day_db: Path) -> None:
    """A Hebrew name went out in code page 862 in the order it was typed, which the printer prints left to right:
    reversed for anyone who reads Hebrew. It is spelt in Latin letters, as on the PDF slip."""
    (slip,) = session_slips(load_session_sheet(day_db, RACE_SESSION), car_number="2")
    job = slips_job([replace(slip, driver="דוד כהן")], PaperWidth.MM80)
    assert "כהן".encode("cp862") not in job
    assert "Dvd Khhn" in _text_runs(job)


def test_a_slip_says_why_its_car_is_not_classified(capsys, day_copy: Path, tmp_path: Path) -> None:
    """A disqualified driver's slip said only 'DSQ (12 cars)'; the reason was on the results sheet alone. The
    reason and a long class wrap on a receipt (a key figure was cut at the paper's width)."""
    reason = "black flag not obeyed at turn 4 after an oil leak, seen by the clerk of the course"
    car_class = "Historic Touring Cars before 1975"
    handle = open_event_db(day_copy)
    with write_transaction(handle):
        handle.execute("UPDATE cars SET car_class = ? WHERE number = '2'", [car_class])
    handle.close()
    assert run(capsys, "correct", "status", "--db", str(day_copy), "--session", str(FIRST_SESSION), "--by", "clerk",
               "--reason", reason, "--car", "2", "DSQ")[0] == 0
    out = tmp_path / "slip.pdf"
    assert run(capsys, "print", "slip", "--db", str(day_copy), "--session", str(FIRST_SESSION), "--car", "2",
               "--pdf", str(out))[0] == 0
    (page,) = pdf_pages(out)
    words = page.split()
    assert "DSQ (11 classified)" in page and "Reason" in words and all(word in words for word in reason.split())
    assert overlapping_words(out) == []
    (slip,) = session_slips(load_session_sheet(day_copy, FIRST_SESSION), car_number="2")
    for paper in PaperWidth:
        lines = _text_runs(slips_job([slip], paper))
        assert all(len(line) <= paper.columns for line in lines)
        printed = " ".join(" ".join(lines).split())
        assert f"Reason {reason}" in printed and f"In class DSQ (none classified) {car_class}" in printed


def test_a_slip_of_forty_laps_is_one_page_with_every_lap(capsys, tmp_path: Path) -> None:
    """An hour's practice: the slip ran onto a second A5 page (its last laps there), the next slip after it."""
    db = tmp_path / "long.db"
    assert run(capsys, "record", "sim://?cars=3&seed=5&speed=0&minutes=60", "--db", str(db), "--session",
               "Endurance practice", "--enter-unknown", "--min-lap", "30")[0] == 0
    out = tmp_path / "slips.pdf"
    assert run(capsys, "print", "slip", "--db", str(db), "--pdf", str(out))[0] == 0
    results = export_rows(capsys, db, "results", 1)
    laps = _laps_by_number(capsys, db, 1)
    pages = pdf_pages(out)
    assert max(len(car_laps) for car_laps in laps.values()) >= 40
    assert len(pages) == len(results)  # one page per slip
    for page, result in zip(pages, results):
        assert f"#{result['number']}" in page
        assert sorted(_lap_lines(page)) == [int(lap["lap"]) for lap in laps[result["number"]]]


def test_escpos_slip_to_a_file_printer_url(capsys, day_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "slip.bin"
    code, _, err = run(capsys, "print", "slip", "--db", str(day_db), "--session", str(FIRST_SESSION), "--car", "2",
                       "--printer", f"file://{out}?paper=58")
    assert code == 0, err
    data = out.read_bytes()
    assert data.count(PAPER_FULL_CUT) == 1
    assert b"PROVISIONAL results" in data
    assert not list(tmp_path.glob(".slip.bin*"))  # no temporary file left behind
    code, _, err = run(capsys, "print", "slip", "--db", str(day_db), "--session", str(FIRST_SESSION), "--car", "2",
                       "--printer", f"file://{out}?paper=58")
    assert code == 0, err
    assert out.read_bytes() == data + data  # a file printer prints job after job, as a printer does
    assert not (day_db.parent / (day_db.name + ".print-jobs")).exists() or not list(
        (day_db.parent / (day_db.name + ".print-jobs")).glob("*.escpos"))  # printed jobs are not kept


def test_bad_input_is_one_line_exit_2_and_nothing_written(capsys, day_db: Path, tmp_path: Path) -> None:
    cases = [
        (["--car", "999", "--pdf", str(tmp_path / "a.pdf")], "car 999 is not entered"),
        (["--printer", "lpt://x"], "scheme 'lpt'"),
        (["--printer", "usb://epson"], "usb://VENDOR:PRODUCT"),
        (["--printer", f"file://{tmp_path}/x.bin?paper=57"], "paper must be 58 or 80"),
        (["--printer", f"file://{tmp_path}/x.bin?timeout=abc"], "timeout must be a number above 0, not 'abc'"),
        (["--printer", "serial:///dev/ttyUSB0?baudrate=0"], "baudrate must be a number above 0, not '0'"),
        (["--pdf", str(tmp_path / "missing" / "a.pdf")], "folder"),
    ]
    for extra, message in cases:
        code, _, err = run(capsys, "print", "slip", "--db", str(day_db), "--session", "1", *extra)
        assert code == 2
        assert message in err and err.count("\n") == 1
    code, _, err = run(capsys, "print", "slip", "--db", str(tmp_path / "none.db"), "--pdf", str(tmp_path / "b.pdf"))
    assert code == 2 and "database not found" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_files_get_the_users_umask(capsys, day_db: Path, tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        out = tmp_path / "slip.pdf"
        assert run(capsys, "print", "slip", "--db", str(day_db), "--session", "1", "--car", "2", "--pdf", str(out))[0] == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_the_slips_date_and_time_line_has_single_spaces(day_db: Path) -> None:
    """It read '2026-06-13  09:00:00 - 09:15:00', two spaces after the date, on the receipt and the PDF alike."""
    (slip,) = session_slips(load_session_sheet(day_db, FIRST_SESSION), car_number="2")
    (line,) = [line for line in _text_runs(slips_job([slip], PaperWidth.MM80)) if line.startswith("2026-06-13")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - \d\d:\d\d:\d\d", line.strip()), line
