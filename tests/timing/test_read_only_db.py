"""Commands that write, given an event database they cannot write: one line saying what is read-only, exit 2.

Root writes through any file mode, so the read-only places are real read-only bind mounts: the folder
(a USB stick mounted read-only), the folder with the database file itself writable (SQLite must still
make its -wal and -shm beside it), and the file alone. Mounting needs root: elsewhere the tests skip
with the reason, and in CI (run as root) a skip is a failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from laptiming.engine import SessionRules
from laptiming.store import create_session, open_event_db, write_transaction
from laptiming.store.writer import journal_blocked_why
from tests.resources import need
from tests.timing.cli_runner import refused_before_the_app, run_cli

SIM = "sim://?cars=2&seed=3&speed=0&minutes=1"
WRITES = {
    "flag": ("flag", "yellow", "--session", "1"),
    "entry": ("entry", "add", "--session", "1", "--number", "5", "--driver", "Ada", "--transponder", "1234",
              "--by", "desk"),
    "correct": ("correct", "min-lap", "--session", "1", "--by", "c", "--reason", "r", "--seconds", "5"),
    "transponder": ("transponder", "move", "1234", "--car", "5", "--by", "desk", "--reason", "loan"),
    "finish": ("finish", "--session", "1", "--by", "desk"),
    "record": ("record", SIM, "--session", "Practice 2"),
}


@contextlib.contextmanager
def bound(source: Path, target: Path, *, read_only: bool) -> Iterator[None]:
    """``source`` bind-mounted on ``target`` (a folder or a file), read-only if asked; unmounted afterwards."""
    need(os.geteuid() == 0, "a read-only place that root cannot write needs a bind mount, and only root may mount")
    done = subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True, text=True)
    need(done.returncode == 0, f"a read-only place needs a bind mount, and mount failed: {done.stderr.strip()}")
    try:
        if read_only:
            done = subprocess.run(["mount", "-o", "remount,ro,bind", str(target)], capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
        yield
    finally:
        # lazily: a failed test's command may still hold a file open there, and no mount may outlive the test
        subprocess.run(["umount", "--lazy", str(target)], check=True)


@pytest.fixture()
def media(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``media/event.db`` with one running session, the test in ``tmp_path`` so paths are typed relative."""
    folder = tmp_path / "media"
    folder.mkdir()
    db = open_event_db(folder / "event.db", create=True)
    with write_transaction(db):
        create_session(db, "Practice 1", SessionRules())
    db.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{folder / 'event.db'}{suffix}").unlink(missing_ok=True)
    monkeypatch.chdir(tmp_path)
    return folder


def state(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` with a digest of its bytes: a refused command must change none and add none."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def refused(command: tuple[str, ...], typed: str) -> str:
    result = run_cli(*command, "--db", typed)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", WRITES.values(), ids=WRITES.keys())
def test_a_database_on_a_read_only_mount_is_named_read_only_and_nothing_is_written(media, command):
    """It said 'cannot open the database (unable to open database file)'."""
    before = state(media)
    view = Path("stick")
    view.mkdir()
    with bound(media, view, read_only=True):
        line = refused(command, "stick/event.db")
    assert line == "laptiming: stick/event.db: the database is on a read-only file system; nothing was written"
    assert state(media) == before


def test_a_read_only_folder_is_named_when_only_the_wal_files_cannot_be_made(media):
    """The file is writable, its folder is not: SQLite cannot make event.db-wal and -shm, and said only
    'unable to open database file'. The app refuses it before it opens, as the commands do."""
    before = state(media)
    view = Path("stick")
    view.mkdir()
    with bound(media, view, read_only=True), bound(media / "event.db", view / "event.db", read_only=False):
        line = refused(WRITES["flag"], "stick/event.db")
        app_line = refused_before_the_app("run", "--db", "stick/event.db", "--decoder", SIM)
    why = ("its folder stick is read-only, and SQLite must create event.db-wal and event.db-shm there to write "
           "to the database; nothing was written")
    assert line == app_line == f"laptiming: stick/event.db: {why}"
    assert state(media) == before


def test_a_read_only_database_file_in_a_writable_folder_is_refused_before_anything(media):
    """SQLite opened the file for reading without a word; the command then failed at its first write with
    'attempt to write a readonly database'."""
    before = state(media)
    with bound(media / "event.db", media / "event.db", read_only=True):
        line = refused(WRITES["entry"], "media/event.db")
    assert line == "laptiming: media/event.db: the database is on a read-only file system; nothing was written"
    assert state(media) == before


def test_a_disk_that_goes_read_only_under_a_running_session_is_named_so(media):
    """A file system remounted read-only after an I/O error (ext4's errors=remount-ro, a USB stick): the held
    passings' alert said SQLite's 'attempt to write a readonly database'. (A bind mount with the database open
    for writing cannot be remounted read-only, so the journal's refusal is made by a read-only connection.)"""
    view = Path("stick")
    view.mkdir()
    with bound(media, view, read_only=True):
        conn = sqlite3.connect(f"{(view / 'event.db').resolve().as_uri()}?mode=ro", uri=True)
        try:
            with pytest.raises(sqlite3.OperationalError) as refused_write:
                conn.execute("INSERT INTO event (name, created_at) VALUES ('x', 'y')")
        finally:
            conn.close()
        why = journal_blocked_why(view / "event.db", refused_write.value)
    assert str(refused_write.value) in ("attempt to write a readonly database", "unable to open database file")
    assert why == "the database is on a read-only file system"
