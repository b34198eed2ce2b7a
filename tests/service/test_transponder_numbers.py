"""A transponder number a decoder can never report (a digit too many) is refused wherever an official types one;
one already in an event database stops a simulated session from starting with a message, not a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware.p3.records import code_to_transponder, is_transponder_number
from laptiming.app import LiveTimingApp, Timing
from laptiming.engine import SessionRules
from laptiming.store import create_session, ensure_car, open_event_db, write_transaction
from laptiming.store.sessions import assign_transponder, enter_car, load_assignments
from tests.app.conftest import app_test, until
from tests.timing.cli_runner import run_cli

TOO_BIG = 99_999_999_999  # 11 digits: above the 32 bits a decoder reports


@pytest.mark.parametrize(("number", "reported"), [
    (1, True), (4_294_967_295, True), (code_to_transponder(b"PV-38463"), True),
    (0, False), (-5, False), (4_294_967_296, False), (TOO_BIG, False), (1 << 63, False),
])
def test_what_a_decoder_can_report(number: int, reported: bool) -> None:
    assert is_transponder_number(number) is reported


def _event(path: Path) -> Path:
    db = open_event_db(path, create=True)
    with write_transaction(db):
        create_session(db, "Practice 1", SessionRules())
        ensure_car(db, "7", "GT4")
    db.close()
    return path


@pytest.mark.parametrize("command", [
    ("entry", "add", "--session", "1", "--number", "909", "--driver", "Big Num", "--transponder", str(TOO_BIG)),
    ("correct", "assign", "--session", "1", "--reason", "desk", "--transponder", str(TOO_BIG), "--car", "909",
     "--new-car"),
    ("transponder", "move", str(TOO_BIG), "--car", "7", "--reason", "loan"),
])
def test_a_transponder_number_too_big_is_refused_and_nothing_written(tmp_path: Path, command: tuple[str, ...]) -> None:
    db = _event(tmp_path / "event.db")
    done = run_cli(*command[:2], "--db", db, "--by", "gate", *command[2:])
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"laptiming: --transponder: {TOO_BIG} is not a transponder number (decoders report 1 to 4294967295)"]
    store = open_event_db(db, readonly=True)
    try:
        assert load_assignments(store) == () and store.execute("SELECT COUNT(*) FROM cars").fetchone()[0] == 1
    finally:
        store.close()


@app_test
async def test_a_session_whose_simulator_cannot_start_says_why_and_the_app_stays(tmp_path: Path) -> None:
    """An event made before the check (or by hand) with such a transponder: the simulator of its entries refuses
    it, and the app closed with a traceback and exit 0 when the session was started."""
    path = _event(tmp_path / "event.db")
    db = open_event_db(path)
    with write_transaction(db):
        car = ensure_car(db, "909", "GT4")
        assign_transponder(db, TOO_BIG, car, made_by="old version", reason="typo")
        enter_car(db, 1, car)
    db.close()
    app = LiveTimingApp(Timing(path, "sim://?from-db=1&speed=0&minutes=1"), official="desk")
    async with app.run_test(size=(120, 36)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: any("start session 1" in str(n.message) for n in app._notifications),
                    "the refusal said")
        assert app.is_running and app.timing.recording is None
