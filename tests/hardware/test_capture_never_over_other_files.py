"""A capture is never written over, nor appended to, a database, a PDF or a workbook: ``--raw-out event.db`` or
``decoder simulate --out event.db`` (a slip of the tab key) destroyed the event database with exit 0. Refused in
one line, exit 2, the file untouched; a capture is still resumed by appending to it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hardware import DecoderOpenError
from hardware.capture import CaptureWriter
from laptiming.cli import main


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "event.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE passings (id INTEGER PRIMARY KEY)")
    return path


def test_simulate_out_refuses_a_database(capsys, database: Path) -> None:
    before = database.read_bytes()
    assert main(["decoder", "simulate", "--out", str(database), "--cars", "2", "--minutes", "1"]) == 2
    assert capsys.readouterr().err == (f"laptiming: cannot write capture {database}: it is a database, not a capture; "
                                       "give another name (nothing written)\n")
    assert database.read_bytes() == before


@pytest.mark.parametrize(("head", "kind"), [(b"%PDF-1.4\n", "a PDF"), (b"PK\x03\x04rest", "a workbook or zip file")])
def test_raw_out_never_appends_to_a_pdf_or_a_workbook(tmp_path: Path, head: bytes, kind: str) -> None:
    target = tmp_path / "file"
    target.write_bytes(head)
    with pytest.raises(DecoderOpenError, match=f"it is {kind}, not a capture"):
        CaptureWriter(target)
    assert target.read_bytes() == head


def test_raw_out_still_resumes_a_capture(tmp_path: Path) -> None:
    capture = tmp_path / "saturday.p3"
    capture.write_bytes(b"\x8e\x02")
    writer = CaptureWriter(capture)
    writer(b"\x8f")
    writer.close()
    assert capture.read_bytes() == b"\x8e\x02\x8f"
