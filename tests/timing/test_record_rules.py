"""Rules given to ``record`` for a session that exists: a planned one takes them, a running one refuses others."""

from __future__ import annotations

from pathlib import Path

from laptiming.engine import SessionRules, SessionType
from laptiming.store import create_session, get_session, open_event_db, write_transaction
from tests.timing.cli_runner import run_cli

SIM = "sim://?cars=3&seed=5&speed=0&minutes=3"


def planned(path: Path) -> Path:
    db = open_event_db(path, create=True)
    with write_transaction(db):
        create_session(db, "Session 5", SessionRules(duration_us=900_000_000))  # a roster's 15-minute slot
    db.close()
    return path


def rules(path: Path) -> SessionRules:
    db = open_event_db(path, readonly=True)
    try:
        return get_session(db, 1).rules
    finally:
        db.close()


def test_rules_given_for_a_planned_session_are_its_rules(tmp_path: Path) -> None:
    """They were dropped without a word: --session-type race --laps 2 timed a practice of 15 minutes."""
    path = planned(tmp_path / "event.db")
    done = run_cli("record", SIM, "--db", path, "--session", "Session 5", "--enter-unknown",
                   "--session-type", "race", "--laps", "2")
    assert done.returncode == 0, done.stderr
    assert rules(path) == SessionRules(session_type=SessionType.RACE, lap_count=2)
    assert "session 1 (Session 5): race, finished" in done.stdout


def test_a_running_session_keeps_its_rules_and_others_given_are_refused(tmp_path: Path) -> None:
    path = planned(tmp_path / "event.db")
    first = run_cli("record", SIM, "--db", path, "--session", "Session 5", "--enter-unknown", "--keep-open")
    assert first.returncode == 0, first.stderr
    again = run_cli("record", SIM, "--db", path, "--session", "Session 5", "--laps", "2")
    assert again.returncode == 2
    assert again.stderr.strip() == ("laptiming: session 1 (Session 5) is running as practice, 15:00, min lap 10 s, "
                                    "not practice, 2 laps, min lap 10 s as given: leave the rules out to resume it "
                                    "(laptiming length changes its length)")
    assert rules(path) == SessionRules(duration_us=900_000_000)
    resumed = run_cli("record", SIM, "--db", path, "--session", "Session 5", "--duration", "900")  # the same: resumed
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming session 1 (Session 5)" in resumed.stdout
