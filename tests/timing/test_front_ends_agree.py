"""One session, one truth: a corrected race read back from every front end (the ``results`` table, the
exports, the printed sheet and slips, the web API) through the real commands and a real event database."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from laptiming.web.server import WebServer
from tests.printouts.helpers import html_tables, pdftotext
from tests.timing.cli_runner import run_cli


def _ok(*args: object) -> str:
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def race(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An 8-car simulated race with faults, replayed to 5 laps through the real commands."""
    folder = tmp_path_factory.mktemp("race")
    capture, db = folder / "race.p3", folder / "event.db"
    _ok("decoder", "simulate", "--out", capture, "--cars", "8", "--seed", "11", "--minutes", "12", "--faults")
    _ok("replay", capture, "--db", db, "--session-type", "race", "--min-lap", "30", "--laps", "5", "--name", "Race")
    return db


def _copy(source: Path, target: Path) -> None:
    """A copy of an event database a test may change (SQLite's backup: the WAL's pages too)."""
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)
    original.close()
    copy.close()


def _laps(db: Path) -> list[dict[str, object]]:
    return json.loads(_ok("export", "laps", "--db", db, "--session", "1", "--format", "json"))


def _fastest(laps: list[dict[str, object]], but: str | None = None) -> dict[str, object]:
    """The fastest lap by the rules (a tie to whoever set it first), worked out from the laps export alone."""
    timed = [lap for lap in laps if "deleted" not in str(lap["flags"]) and str(lap["number"]) != but]
    return min(timed, key=lambda lap: (lap["lap_time_us"], lap["crossing_us"]))


def _marked(db: Path, mark: str) -> list[str]:
    """Car numbers whose ``results`` line carries ``mark`` (SB, PB) in the mark column."""
    lines = _ok("results", "--db", db, "--session", "1").splitlines()
    header = next(line for line in lines if line.startswith("Pos  No"))
    at = header.index("Status") - 4  # the two-cell mark column before Status
    rows = lines[lines.index(header) + 1:lines.index("Corrections:")]
    rows = [row for row in rows if not row.startswith(("Suspect", "  car", "Passings", "  decoder"))]
    return [row[5:].split()[0] for row in rows if row[at:at + 2] == mark]


def test_a_disqualified_car_holds_no_session_best_on_any_front_end(race: Path, tmp_path: Path) -> None:
    db = tmp_path / "event.db"
    _copy(race, db)
    laps = _laps(db)
    fastest = _fastest(laps)
    _ok("correct", "status", "--db", db, "--session", "1", "--by", "steward", "--reason", "illegal fuel",
        "--car", fastest["number"], "DSQ")
    standing = _fastest(laps, but=str(fastest["number"]))

    assert _marked(db, "SB") == [str(standing["number"])]  # the terminal's table

    sheet = tmp_path / "race.pdf"
    _ok("print", "results", "--db", db, "--session", "1", "--pdf", sheet)
    fastest_line = re.search(r"Fastest lap: (\S+) by #(\S+)", pdftotext(sheet))
    assert fastest_line is not None
    assert fastest_line.groups() == (standing["lap_time"], str(standing["number"]))  # the printed sheet

    server = WebServer(db, "127.0.0.1", 0).start()
    try:
        with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as client:
            rows = client.get("/api/sessions/1/standings").json()["rows"]
    finally:
        server.stop()
    assert [row["number"] for row in rows if row["sb"]] == [str(standing["number"])]  # phones
    assert next(row for row in rows if row["number"] == str(fastest["number"]))["out"] == "DSQ"


def _slip_facts(page: str) -> dict[str, str]:
    """A slip page's key figures, label -> value (``pdftotext -layout`` keeps each on its line)."""
    facts = {}
    for label in ("Position", "In class", "Laps", "Best lap", "Gap to P1"):
        found = re.search(rf"^{label} +(\S.*?)(?: {{3,}}|$)", page, re.MULTILINE)
        if found:
            facts[label] = found.group(1).strip()
    return facts


def test_each_slip_gives_the_place_and_place_in_class_of_the_results_sheet(race: Path, tmp_path: Path) -> None:
    db = tmp_path / "event.db"
    _copy(race, db)
    order = [row["number"] for row in json.loads(_ok("export", "results", "--db", db, "--format", "json"))]
    for transponder, number, car_class in zip(order[:4], ("7", "12", "3", "44"), ("GT3", "GT4", "GT3", "GT4")):
        _ok("correct", "assign", "--db", db, "--session", "1", "--by", "desk", "--reason", "entry",
            "--transponder", transponder, "--car", number, "--driver", f"Driver {number}", "--class", car_class,
            "--new-car")
    sheet = tmp_path / "race.html"
    _ok("print", "results", "--db", db, "--session", "1", "--html", sheet)
    tables = html_tables(sheet.read_text()).tables.values()
    header, *rows = next(table for table in tables if table[0][:2] == ["Pos", "No"])
    on_sheet = {row[header.index("No")]: row for row in rows}
    slips = tmp_path / "slips.pdf"
    _ok("print", "slip", "--db", db, "--session", "1", "--pdf", slips)
    pdftotext(slips)  # skips without poppler, as the sheet's reader does
    text = subprocess.run(["pdftotext", "-layout", slips, "-"], capture_output=True, text=True, check=True).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) == len(on_sheet)
    for page in pages:
        number = re.search(r"#(\S+)", page).group(1)
        row, facts = on_sheet[number], _slip_facts(page)
        assert facts["Position"] == f"P{row[header.index('Pos')]} of {len(on_sheet)}"
        assert facts["Best lap"] == f"{row[header.index('Best lap')]} (lap {row[header.index('Lap')]})"
        car_class, in_class = row[header.index("Class")], row[header.index("In class")]
        if car_class:
            of = sum(other[header.index("Class")] == car_class for other in on_sheet.values())
            assert facts["In class"] == f"P{in_class} of {of} {car_class}"
        else:  # no class, no place in one: the sheet leaves it blank, and so does the slip
            assert in_class == "" and "In class" not in facts, page


def test_a_driver_of_two_classes_is_ranked_in_the_class_of_their_best_on_the_day_page_and_the_board(
        race: Path, tmp_path: Path) -> None:
    """Bob drove the fastest car (GT3) in the first race and a GT4 car in the second: the leaderboard ranked his
    best in GT3, his day page ranked that same lap "P2 of 4 in GT4" (the class of his last run)."""
    db = tmp_path / "event.db"
    _copy(race, db)
    capture = tmp_path / "race.p3"
    _ok("decoder", "simulate", "--out", capture, "--cars", "8", "--seed", "11", "--minutes", "12", "--faults")
    _ok("replay", capture, "--db", db, "--session-type", "race", "--min-lap", "30", "--laps", "5", "--name", "Race 2")
    order = [row["transponder"] for row in json.loads(_ok("export", "results", "--db", db, "--session", "1",
                                                          "--format", "json"))]
    entries = {"1": [(order[0], "7", "Bob Brown", "GT3"), (order[1], "12", "Cy Dale", "GT4")],
               "2": [(order[2], "12", "Bob Brown", "GT4"), (order[3], "44", "Di Eck", "GT4"),
                     (order[4], "8", "Ed Fox", "GT3")]}
    for session, cars in entries.items():
        for transponder, number, driver, car_class in cars:
            _ok("correct", "assign", "--db", db, "--session", session, "--by", "desk", "--reason", "entry",
                "--transponder", transponder, "--car", number, "--driver", driver, "--class", car_class,
                *(["--new-car"] if session == "1" or number != "12" else []))
    board = tmp_path / "board.html"
    _ok("print", "leaderboard", "--db", db, "--html", board)
    tables = html_tables(board.read_text()).tables
    ranked = {car_class: [row[1] for row in rows[1:]] for car_class, rows in tables.items()}
    assert "Bob Brown" in ranked["GT3"] and "Bob Brown" not in ranked["GT4"]
    page = tmp_path / "bob.pdf"
    _ok("print", "day", "--db", db, "--driver", "Bob Brown", "--pdf", page)
    text = " ".join(pdftotext(page).split())
    place = ranked["GT3"].index("Bob Brown") + 1
    assert f"P{place} of {len(ranked['GT3'])} in GT3 for the day" in text, text
    assert "Car #7, #12 GT3" in text  # his cars in number order, and the class his best was set in


def test_the_leaderboard_names_the_board_of_cars_without_a_class(race: Path, tmp_path: Path) -> None:
    """Cars entered by transponder have no class: their board was headed "Class" on paper and by nothing in HTML."""
    db = tmp_path / "event.db"
    _copy(race, db)
    pdf, html = tmp_path / "board.pdf", tmp_path / "board.html"
    _ok("print", "leaderboard", "--db", db, "--pdf", pdf)
    _ok("print", "leaderboard", "--db", db, "--html", html)
    lines = [line.strip() for line in pdftotext(pdf).splitlines()]
    assert [line for line in lines if line in ("Overall", "No class")] == ["Overall", "No class"]
    assert re.findall(r"<h2>([^<]*)</h2>", html.read_text()) == ["Overall", "No class"]


def test_a_p98_session_is_dated_and_timed_at_the_track_not_in_1970(tmp_path: Path) -> None:
    """A P98 decoder counts from its own start: its sheet and slips read "1970-01-01 00:00:03 - 00:04:01", while the
    same sheet's correction lines and the Passings screen read its times on the host clock (when they arrived)."""
    capture, db = tmp_path / "session.p98", tmp_path / "event.db"
    _ok("decoder", "simulate", "--out", capture, "--protocol", "p98", "--cars", "3", "--seed", "2", "--minutes", "4")
    _ok("record", f"file://{capture}?protocol=p98", "--db", db, "--session", "P", "--session-type", "practice",
        "--enter-unknown")
    with sqlite3.connect(db) as conn:
        green_us, = conn.execute("SELECT green_us FROM sessions").fetchone()
        # the decoder time that arrived soonest after it happened places the decoder's clock on the host's
        decoder_us, host_ns = conn.execute("SELECT decoder_time_us, host_time_ns FROM passings "
                                           "ORDER BY decoder_time_us * 1000 - host_time_ns DESC LIMIT 1").fetchone()
    green = datetime.fromtimestamp(host_ns // 10**9) - timedelta(microseconds=decoder_us - green_us)
    sheet = tmp_path / "sheet.html"
    _ok("print", "results", "--db", db, "--session", "1", "--html", sheet)
    slips = tmp_path / "slips.pdf"
    _ok("print", "slip", "--db", db, "--session", "1", "--pdf", slips)
    for text in (sheet.read_text(), pdftotext(slips)):
        assert "1970" not in text
        assert green.date().isoformat() in text
        assert any(f"{(green + timedelta(seconds=s)).strftime('%H:%M:%S')} - " in text for s in (-1, 0, 1)), text[:600]
