"""The event database as a file among others: a stranger's SQLite file, read-only media, file modes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.resources import need
from tests.timing.cli_runner import run_cli
from tests.timing.timing_builders import numbered

from laptiming.engine import SessionRules
from laptiming.store import create_session, journal_bulk, open_event_db, update_session, write_transaction
from laptiming.store.entries import enter_by_number

T0 = 1_781_341_200_000_000


@pytest.fixture()
def event_db(tmp_path: Path) -> Path:
    """A small finished-looking event: one session, two cars, a few laps each."""
    path = tmp_path / "event.db"
    db = open_event_db(path, create=True)
    with write_transaction(db):
        session_id = create_session(db, "Practice 1", SessionRules(min_lap_us=1_000_000))
        update_session(db, session_id, green_us=T0 - 1)
        enter_by_number(db, session_id, [101, 202])
        journal_bulk(db.conn, session_id, numbered(
            (transponder, T0 + lap * 60_000_000 + offset) for lap in range(5)
            for transponder, offset in ((101, 0), (202, 1_500_000))))
    db.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_stranger_sqlite_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "photos.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, caption TEXT)")
    before = digest(path)
    for command in (("sessions", "--db", path), ("results", "--db", path),
                    ("correct", "min-lap", "--db", path, "--session", "1", "--by", "c", "--reason", "r",
                     "--seconds", "5"),
                    ("record", "sim://?cars=2&seed=1&speed=0&minutes=1", "--db", path, "--session", "P")):
        result = run_cli(*command)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.strip() == f"laptiming: {path}: not a laptiming event database (it has other tables: photos)"
    assert digest(path) == before
    with sqlite3.connect(path) as conn:
        assert [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["photos"]


@pytest.mark.parametrize("command", [
    ("flag", "yellow", "--session", "1"),
    ("finish", "--session", "1", "--by", "desk"),
    ("correct", "min-lap", "--session", "1", "--by", "c", "--reason", "r", "--seconds", "5"),
    ("entry", "add", "--session", "1", "--number", "5", "--driver", "Ada", "--transponder", "1234", "--by", "desk"),
    ("transponder", "move", "1234", "--car", "5", "--by", "desk", "--reason", "loan"),
], ids=["flag", "finish", "correct", "entry", "transponder"])
def test_an_empty_file_given_to_a_command_that_changes_a_session_is_refused_and_left_empty(tmp_path, command):
    """It was made into an event database (the whole schema written into it) and then 'no session 1'."""
    path = tmp_path / "event.db"
    path.touch()  # a file made by mistake (a typo'd copy, `touch`), or one a full disk left empty
    result = run_cli(*command, "--db", path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == f"laptiming: {path}: not a laptiming event database (it is empty)"
    assert path.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["event.db"]


@contextlib.contextmanager
def read_only_folder(folder: Path) -> Iterator[Path]:
    """``folder`` seen through a read-only mount (as root) or with every write bit taken away."""
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in (folder, *folder.iterdir())}
        for path in modes:
            path.chmod(stat.S_IMODE(modes[path]) & ~0o222)
        try:
            yield folder
        finally:
            for path, mode in modes.items():
                path.chmod(stat.S_IMODE(mode))
        return
    view = folder.parent / f"{folder.name}-ro"
    view.mkdir()
    bound = subprocess.run(["mount", "--bind", str(folder), str(view)], capture_output=True, text=True)
    need(bound.returncode == 0, f"read-only media need a bind mount here, and mount failed: {bound.stderr.strip()}")
    try:
        remounted = subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], capture_output=True, text=True)
        assert remounted.returncode == 0, remounted.stderr
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=True)


def test_an_event_database_on_read_only_media_can_be_read(event_db, tmp_path):
    media = tmp_path / "usb-stick"
    media.mkdir()
    shutil.copy(event_db, media / "event.db")  # as copied off the timing laptop: no -wal, no -shm beside it
    with read_only_folder(media) as mounted:
        path = mounted / "event.db"
        listed = run_cli("sessions", "--db", path)
        assert listed.returncode == 0, listed.stderr
        assert "Practice 1" in listed.stdout
        results = run_cli("results", "--db", path, "--session", "1")
        assert results.returncode == 0, results.stderr
        exported = run_cli("export", "results", "--db", path, "--format", "json")
        assert exported.returncode == 0, exported.stderr
        assert '"laps": 4' in exported.stdout
    assert sorted(p.name for p in media.iterdir()) == ["event.db"]


def test_reading_writes_nothing_beside_the_database(event_db):
    before = digest(event_db)
    for suffix in ("-wal", "-shm"):
        Path(f"{event_db}{suffix}").unlink(missing_ok=True)
    for command in (("sessions", "--db", event_db), ("results", "--db", event_db),
                    ("export", "laps", "--db", event_db), ("transponder", "list", "--db", event_db)):
        assert run_cli(*command).returncode == 0, command
    assert digest(event_db) == before


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_exports_get_the_users_umask(event_db, tmp_path, umask):
    out = tmp_path / "laps.csv"
    previous = os.umask(umask)
    try:
        result = run_cli("export", "laps", "--db", event_db, "--out", out)
    finally:
        os.umask(previous)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".laps.csv")]


def test_record_with_bad_source_options_writes_nothing(tmp_path):
    db = tmp_path / "event.db"
    result = run_cli("record", "sim://?cars=abc", "--db", db, "--session", "P")
    assert result.returncode == 2
    assert result.stderr.strip() == "laptiming: sim://?cars=abc: option cars='abc' is not a number"
    assert list(tmp_path.iterdir()) == []


def test_record_refuses_a_damaged_database_before_making_a_session(tmp_path):
    path = tmp_path / "event.db"
    db = open_event_db(path, create=True)
    with write_transaction(db):
        session_id = create_session(db, "Practice 1", SessionRules())
        journal_bulk(db.conn, session_id, numbered((100 + k % 20, T0 + k * 1_000_000) for k in range(3000)))
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 20 * page_size
    start = len(data) - 3 * page_size  # a page of the passings journal, written last
    data[start:start + page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))
    result = run_cli("record", "sim://?cars=2&seed=1&speed=0&minutes=1", "--db", path, "--session", "Practice 2")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "the database is damaged" in lines[0], result.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM sessions").fetchall() == [("Practice 1",)]
