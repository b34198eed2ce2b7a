"""A write that waited its turn for another program's write lock, and gave up: what the user is told."""

from __future__ import annotations

import sqlite3

import pytest

from tests.timing.cli_runner import run_cli
from tests.timing.test_record_bad_input import table_counts

SIM = "sim://?cars=2&seed=3&speed=0&minutes=1"


@pytest.fixture()
def running(tmp_path):
    """An event database with session 1 (P) left running."""
    db = tmp_path / "event.db"
    assert run_cli("record", SIM, "--db", db, "--session", "P", "--keep-open").returncode == 0
    return db


@pytest.mark.parametrize("command", [
    ("flag", "yellow", "--session", "1"),
    ("finish", "--session", "1", "--by", "desk"),
    ("record", SIM, "--session", "Q"),
    ("record", SIM, "--session", "P"),
], ids=["flag", "finish", "record-new", "record-resume"])
def test_a_write_lock_held_too_long_says_who_what_and_how_to_wait_longer(running, monkeypatch, command):
    """It said only ``laptiming: event.db: database is locked``."""
    monkeypatch.setenv("LAPTIMING_WAIT_S", "0.5")
    before = table_counts(running)
    holder = sqlite3.connect(running, timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # another program writing, and not done within the wait
    try:
        result = run_cli(*command[:1], *command[1:], "--db", running, timeout=60)
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"laptiming: {running}: another program holds the event database's write lock; nothing was written after "
        "waiting 0.5 s (to wait longer, set LAPTIMING_WAIT_S to the seconds, e.g. LAPTIMING_WAIT_S=60)"]
    assert table_counts(running) == before
