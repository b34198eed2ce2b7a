"""A source that delivers a whole session at once still gets every unknown car entered and timed."""

from __future__ import annotations

import sqlite3

from hardware.simulator.field import FieldConfig
from hardware.simulator.virtual_decoder import VirtualDecoder

from .cli_runner import run_cli


def test_enter_unknown_with_a_flat_out_source(tmp_path):
    db = tmp_path / "event.db"
    result = run_cli("record", "sim://?cars=6&seed=7&speed=0&minutes=8", "--db", db, "--session", "Flat out",
                     "--enter-unknown")
    assert result.returncode == 0, result.stderr
    reference = VirtualDecoder(FieldConfig(cars=6, seed=7, minutes=8))
    list(reference.timeline())
    passings_per_car: dict[int, int] = {}
    for passing in reference.memory.values():
        passings_per_car[passing.transponder] = passings_per_car.get(passing.transponder, 0) + 1
    with sqlite3.connect(db) as conn:
        laps = dict(conn.execute("SELECT CAST(number AS INTEGER), laps FROM results"))
    assert laps == {transponder: count - 1 for transponder, count in passings_per_car.items()}
