"""Passings the decoder numbered and a session never got: listed with its results, an alert while timing."""

from __future__ import annotations

from pathlib import Path

from hardware.p3 import encode_passing
from laptiming import engine
from laptiming.engine import SessionRules
from laptiming.service.missing import MissingPassings
from laptiming.store import create_session, journal_bulk, load_passings, load_setup, open_event_db, write_transaction
from tests.timing.cli_runner import run_cli
from tests.timing.timing_builders import DECODER, S, T0, passing

HEADING = "Passings missing (the decoder numbered them, none arrived; a lap across them reads too long):"


def _event(path: Path, numbers: list[int], others: list[int] = ()) -> tuple[int, int]:
    """Practice 1 with passings of these numbers (car 7, a lap a minute), Practice 2 with ``others``."""
    db = open_event_db(path, create=True)
    try:
        with write_transaction(db):
            this = create_session(db, "Practice 1", SessionRules())
            other = create_session(db, "Practice 2", SessionRules())
            journal_bulk(db.conn, this, [passing(7, T0 + n * 60 * S, n) for n in numbers])
            journal_bulk(db.conn, other, [passing(8, T0 + n * 60 * S, n) for n in others])
    finally:
        db.close()
    return this, other


def test_results_list_the_numbers_no_session_got(tmp_path: Path) -> None:
    path = tmp_path / "event.db"
    this, other = _event(path, [1, 2, 5, 6, 20], others=[10, 11])  # 10 and 11 are Practice 2's, not missing
    result = run_cli("results", "--db", path, "--session", this)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[lines.index(HEADING) + 1] == f"  decoder {DECODER}: 3-4, 7-9, 12-19 (13)"
    complete = run_cli("results", "--db", path, "--session", other)
    assert complete.returncode == 0 and "Passings missing" not in complete.stdout


def test_record_says_which_passings_a_capture_never_had(tmp_path: Path) -> None:
    capture = tmp_path / "lost.p3"  # passings 3 and 4 lost on the wire
    capture.write_bytes(b"".join(encode_passing(passing(5000001, T0 + n * 95 * S, n)) for n in (1, 2, 5, 6)))
    result = run_cli("record", f"file://{capture}", "--db", tmp_path / "event.db", "--session", "Practice 1",
                     "--enter-unknown")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[lines.index(HEADING) + 1] == f"  decoder {DECODER}: 3-4 (2)"


def test_the_live_alert_stands_until_the_missing_passings_come(tmp_path: Path) -> None:
    path = tmp_path / "event.db"
    this, _ = _event(path, [1, 2, 5, 6], others=[8])
    db = open_event_db(path)
    try:
        setup, journaled = load_setup(db, this), load_passings(db, this)
    finally:
        db.close()
    missing = MissingPassings(path)
    state = engine.start(setup, journaled)
    assert missing.now(state) == {DECODER: [(3, 4)]}
    state, _ = engine.step(state, passing(7, T0 + 3 * 60 * S, 3))  # resent late: one is still missing
    assert missing.now(state) == {DECODER: [(4, 4)]}
    state, _ = engine.step(state, passing(7, T0 + 4 * 60 * S, 4))
    assert missing.now(state) == {}
    state, _ = engine.step(state, passing(7, T0 + 9 * 60 * S, 9))  # 7 is missing; 8 is Practice 2's
    assert missing.now(state) == {DECODER: [(7, 7)]}
