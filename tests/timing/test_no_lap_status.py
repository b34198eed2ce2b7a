"""A practice car that crossed the line but completed no lap reads DNS, not "finished", in every result:
the replay's table, ``results``, the CSV and JSON exports, the printed sheets and the web page's rows."""

from __future__ import annotations

import json
import re

import httpx

from hardware.p3 import encode_passing
from laptiming.web.server import WebServer
from tests.printouts.helpers import pdf_pages
from tests.timing.cli_runner import csv_rows, run_cli
from tests.timing.timing_builders import T0, S, passing

FAST, SLOW, NO_LAP = 3530829, 2579240, 7624039


def _capture(path):
    """Two cars lapping for five minutes; a third crosses the line once (out of the pits) and is seen no more."""
    crossings = [(FAST, T0 + t * 60 * S) for t in range(6)] + [(SLOW, T0 + 3 * S + t * 62 * S) for t in range(5)]
    crossings.append((NO_LAP, T0 + 20 * S))
    crossings.sort(key=lambda c: c[1])
    path.write_bytes(b"".join(encode_passing(passing(t, time_us, n + 1)) for n, (t, time_us) in enumerate(crossings)))
    return path


def test_every_result_of_a_practice_lists_a_car_with_no_lap_as_dns_last_with_no_position(tmp_path):
    db = tmp_path / "event.db"
    replayed = run_cli("replay", _capture(tmp_path / "practice.p3"), "--db", db, "--session-type", "practice",
                       "--min-lap", "30", "--name", "Practice 1")
    assert replayed.returncode == 0, replayed.stderr
    for table in (replayed.stdout, run_cli("results", "--db", db, "--session", "1").stdout):
        rows = [(line[:3].strip(), line.split()[1 if line[:3].strip() else 0], line.split()[-1])
                for line in table.splitlines() if re.match(r"[ \d]{3}  \d{7} ", line)]
        assert rows == [("1", str(FAST), "finished"), ("2", str(SLOW), "finished"), ("", str(NO_LAP), "DNS")], table
    _, exported = csv_rows(run_cli("export", "results", "--db", db).stdout)
    assert [(r["number"], r["position"], r["laps"], r["best_lap"], r["status"]) for r in exported][-1] == \
        (str(NO_LAP), "", "0", "", "DNS")
    as_json = json.loads(run_cli("export", "results", "--db", db, "--format", "json").stdout)
    assert (as_json[-1]["number"], as_json[-1]["position"], as_json[-1]["status"]) == (str(NO_LAP), None, "DNS")
    sheet_csv, sheet_pdf = tmp_path / "sheet.csv", tmp_path / "sheet.pdf"
    for option, out in (("--csv", sheet_csv), ("--pdf", sheet_pdf)):
        printed = run_cli("print", "results", "--db", db, "--session", "1", option, out)
        assert printed.returncode == 0, printed.stderr
    _, sheet = csv_rows(sheet_csv.read_text(encoding="utf-8"))
    assert [(r["number"], r["position"], r["status"]) for r in sheet][-1] == (str(NO_LAP), "", "DNS")
    text = "\n".join(pdf_pages(sheet_pdf))
    not_classified = text[text.index("Not classified"):]
    assert re.search(rf"{NO_LAP}\s.*\bDNS\b", not_classified), not_classified
    assert not re.search(rf"{NO_LAP}\s.*finished", text), text
    server = WebServer(db, "127.0.0.1", 0).start()  # the phones' page reads the same rows
    try:
        with httpx.Client(base_url=server.url, trust_env=False, timeout=30.0) as client:
            page_rows = client.get("/api/sessions/1/standings").json()["rows"]
    finally:
        server.stop()
    assert [(r["number"], r["pos"], r["status"], r["out"]) for r in page_rows][-1] == (str(NO_LAP), None, "DNS", "DNS")
