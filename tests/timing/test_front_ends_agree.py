"""One session, one truth: a corrected race read back from every front end (the ``results`` table, the
exports, the printed sheet and slips, the web API) through the real commands and a real event database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from laptiming.web.server import WebServer
from tests.printouts.helpers import pdftotext
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
    db.write_bytes(race.read_bytes())
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
