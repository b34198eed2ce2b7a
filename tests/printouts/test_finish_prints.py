"""Auto-print: `laptiming finish` prints every driver's slip of the session it finishes."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

from pypdf import PdfReader

from laptiming.printouts.printers import JobQueue
from tests.printouts.helpers import run


def running_session(capsys, tmp_path: Path) -> Path:
    db = tmp_path / "event.db"
    code, _, err = run(capsys, "record", "sim://?cars=4&seed=2&speed=0&minutes=4", "--db", str(db),
                       "--session", "Practice", "--enter-unknown", "--keep-open")
    assert code == 0, err
    return db


def test_finish_writes_every_slip_to_one_pdf(capsys, tmp_path):
    db = running_session(capsys, tmp_path)
    pdf = tmp_path / "slips.pdf"
    code, out, err = run(capsys, "finish", "--db", str(db), "--session", "1", "--by", "clerk", "--slips-pdf", str(pdf))
    assert code == 0, err
    with sqlite3.connect(db) as conn:  # a slip for every car that set a lap, in finishing order
        numbers = [n for (n,) in conn.execute("SELECT number FROM results WHERE laps > 0 ORDER BY position IS NULL, position, rowid")]
        assert conn.execute("SELECT phase FROM sessions").fetchone() == ("finished",)
    assert numbers and f"{len(numbers)} slip(s) of session 1 (Practice) to {pdf}" in out
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    assert len(pages) == len(numbers)
    assert all(number in text for number, text in zip(numbers, pages))


def test_a_printer_that_is_off_keeps_the_slips_and_the_session_stays_finished(capsys, tmp_path):
    db = running_session(capsys, tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: a printer that is off
    code, _, err = run(capsys, "finish", "--db", str(db), "--session", "1", "--by", "clerk",
                       "--print-slips", f"tcp://127.0.0.1:{port}?timeout=2")
    assert code == 2
    assert "re-send it with: laptiming print resend" in err and err.count("\n") == 1
    (kept,) = JobQueue.beside(db).pending()
    assert "slip(s) of session 1 (Practice)" in kept.description
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT phase FROM sessions").fetchone() == ("finished",)
