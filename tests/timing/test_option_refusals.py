"""Arguments the timing commands refuse in one line naming the option, before anything is written."""

from __future__ import annotations

import sqlite3

import pytest

from tests.timing.cli_runner import run_cli

SIM = "sim://?cars=2&seed=3&speed=0&minutes=1"


@pytest.mark.parametrize("typed", ["0", "0.0", "-0"])
def test_a_session_of_no_length_is_refused_at_the_option(tmp_path, typed):
    """``--duration 0`` was accepted by the argument and then crashed in the session rules (a traceback, exit 1)."""
    db = tmp_path / "event.db"
    capture = tmp_path / "day.p3"
    capture.write_bytes(b"")
    for command in (("record", SIM, "--db", db, "--session", "P"), ("replay", capture, "--db", db)):
        result = run_cli(*command, "--duration", typed)
        assert result.returncode == 2, result.stderr
        assert result.stderr.splitlines() == [
            f"laptiming {command[0]}: argument --duration: must be above zero: {typed} (see laptiming {command[0]} --help)"]
        assert result.stdout == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == ["day.p3"]


def test_a_session_of_no_laps_is_refused_at_the_option(tmp_path):
    result = run_cli("record", SIM, "--db", tmp_path / "event.db", "--session", "P", "--laps", "0")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "laptiming record: argument --laps: must be above zero: 0 (see laptiming record --help)"]
    assert list(tmp_path.iterdir()) == []


def test_a_minimum_lap_of_zero_still_counts_every_passing(tmp_path):
    """0 is a real choice for ``--min-lap`` (no passing is ignored), unlike a duration of 0."""
    result = run_cli("record", SIM, "--db", tmp_path / "event.db", "--session", "P", "--min-lap", "0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("recording session 1 (P) into ")


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_a_blank_session_name_is_refused_and_writes_nothing(tmp_path, blank):
    """``--session ""`` made session 1 with no name ("recording session 1 () into ..."), and one of spaces
    looked the same in every list."""
    db = tmp_path / "event.db"
    result = run_cli("record", SIM, "--db", db, "--session", blank)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"laptiming record: argument --session: must not be blank: {blank!r} (see laptiming record --help)"]
    assert result.stdout == ""
    capture = tmp_path / "day.p3"
    capture.write_bytes(b"")
    result = run_cli("replay", capture, "--db", db, "--name", blank)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"laptiming replay: argument --name: must not be blank: {blank!r} (see laptiming replay --help)"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["day.p3"]


def test_a_recording_asked_for_by_a_blank_name_is_refused_before_the_database_is_made(tmp_path):
    """The service's own check, for front ends that do not go through the command line."""
    from laptiming.errors import InputError
    from laptiming.service import Recording, RecordingRequest

    with pytest.raises(InputError, match=r"^a session needs a name \(' ' is blank\)$"):
        Recording.start(RecordingRequest(tmp_path / "event.db", " ", SIM))
    assert list(tmp_path.iterdir()) == []


def test_a_penalty_of_no_time_is_refused_at_the_option(tmp_path):
    """``correct penalty --seconds 0`` was kept as a correction that changes nothing, listed on every sheet."""
    db = tmp_path / "event.db"
    assert run_cli("record", SIM, "--db", db, "--session", "R", "--session-type", "race",
                   "--enter-unknown").returncode == 0
    with sqlite3.connect(db) as conn:
        (car,) = conn.execute("SELECT number FROM cars ORDER BY id LIMIT 1").fetchone()
    result = run_cli("correct", "penalty", "--db", db, "--session", "1", "--by", "desk", "--reason", "r",
                     "--car", car, "--seconds", "0")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "laptiming correct penalty: argument --seconds: must be above zero: 0 (see laptiming correct penalty --help)"]
    listed = run_cli("results", "--db", db, "--session", "1")
    assert listed.stdout.rstrip().endswith("Corrections:\n  none")


def test_a_duration_is_typed_as_the_length_command_takes_it(tmp_path):
    """``record --duration`` took seconds only (``15:00`` refused) while ``laptiming length --duration`` takes
    minutes:seconds: one session's length typed two ways."""
    from laptiming.store import get_session, open_event_db

    db = tmp_path / "event.db"
    result = run_cli("record", SIM, "--db", db, "--session", "P", "--duration", "0:45")
    assert result.returncode == 0, result.stderr
    stored = open_event_db(db, readonly=True)
    assert get_session(stored, 1).rules.duration_us == 45_000_000
    stored.close()
    refused = run_cli("record", SIM, "--db", tmp_path / "other.db", "--session", "P", "--duration", "1:75")
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "laptiming record: argument --duration: not a time as minutes:seconds or hours:minutes:seconds: '1:75' "
        "(see laptiming record --help)"]
