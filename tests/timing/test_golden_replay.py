"""Golden tests: real and simulated captures replayed through the CLI, laps checked by plain arithmetic.

The expected laps are computed here from the decoded passings with the rule written out by hand
(first passing opens, later ones at least min-lap after the previous counted one complete a
lap, suspect when longer than 1.8 x the car's median), never with the engine.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict

from hardware.capture import read_capture
from hardware.events import Passing
from tests.timing.cli_runner import csv_rows, run_cli

MIN_LAP_US = 10_000_000


def expected_laps(passings, min_lap_us):
    """{transponder: [(lap_no, lap_time_us, crossing_us, suspect)]} by hand."""
    by_transponder = defaultdict(list)
    for p in passings:
        by_transponder[p.transponder].append(p.decoder_time_us)
    laps = {}
    for transponder, times in by_transponder.items():
        times.sort()
        previous = times[0]
        car_laps = []
        for t in times[1:]:
            if t - previous >= min_lap_us:
                car_laps.append((len(car_laps) + 1, t - previous, t))
                previous = t
        median = statistics.median([lap[1] for lap in car_laps]) if car_laps else 0
        laps[transponder] = [(n, time, crossing, time > 1.8 * median) for n, time, crossing in car_laps]
    return laps


def exported_laps(db, session="1"):
    result = run_cli("export", "laps", "--db", db, "--session", session)
    assert result.returncode == 0, result.stderr
    header, rows = csv_rows(result.stdout)
    assert header == ["session", "transponder", "number", "driver", "lap", "lap_time_us", "lap_time", "crossing_us", "flags"]
    laps = defaultdict(list)
    for row in rows:
        laps[int(row["transponder"])].append(
            (int(row["lap"]), int(row["lap_time_us"]), int(row["crossing_us"]), "suspect" in row["flags"])
        )
    return laps, rows


def test_real_amb_capture_replays_to_the_laps_computed_by_hand(captures, tmp_path):
    capture = captures / "p3" / "vmindru-ambp3client" / "amb.out"
    passings = [e for e in read_capture(capture) if isinstance(e, Passing)]
    assert len(passings) == 84
    db = tmp_path / "event.db"
    result = run_cli("replay", capture, "--db", db, "--min-lap", "10")
    assert result.returncode == 0, result.stderr
    assert "84 passings" in result.stdout

    laps, rows = exported_laps(db)
    assert dict(laps) == expected_laps(passings, MIN_LAP_US)
    # Spot checks against the raw numbers: the 2.767 s double read is ignored, the 17-minute gap is suspect.
    assert (12, 1_028_001_000 + 2_767_000, 1_551_547_369_039_000, True) in laps[3438895]
    lap_times_shown = {row["lap_time"] for row in rows if row["transponder"] == "3438895"}
    assert "0:38.775" in lap_times_shown  # 38.775000 s, shown truncated

    export = run_cli("export", "results", "--db", db)
    header, results = csv_rows(export.stdout)
    assert header == ["position", "number", "driver", "class", "transponder", "laps",
                      "best_lap_us", "best_lap", "best_lap_no", "gap", "status",
                      "interval", "last_lap_us", "last_lap", "penalty_us", "reason"]
    best = {t: min(lap[1] for lap in car) for t, car in expected_laps(passings, MIN_LAP_US).items()}
    order = sorted(best, key=best.get)
    assert [int(r["transponder"]) for r in results] == order
    assert [int(r["best_lap_us"]) for r in results] == [best[t] for t in order]
    assert results[1]["gap"] == f"+{(best[order[1]] - best[order[0]]) // 1000 / 1000:.3f}"

    export = run_cli("export", "passings", "--db", db)
    header, verdicts = csv_rows(export.stdout)
    assert header == ["decoder_id", "passing_number", "transponder", "decoder_time_us", "strength", "hits", "counted", "reason"]
    assert len(verdicts) == 84
    assert [(r["passing_number"], r["reason"]) for r in verdicts if r["counted"] == "false"] == [("157842", "under_min_lap")]


def test_simulated_capture_with_faults_replays_to_the_laps_computed_by_hand(tmp_path):
    capture = tmp_path / "faults.p3"
    made = run_cli("decoder", "simulate", "--out", capture, "--cars", "8", "--seed", "11", "--minutes", "25", "--faults")
    assert made.returncode == 0, made.stderr
    decoded = list(read_capture(capture))
    passings = [e for e in decoded if isinstance(e, Passing)]
    min_lap_us = 30_000_000  # the simulator's second reads come under a second after the line
    db = tmp_path / "event.db"
    result = run_cli("replay", capture, "--db", db, "--min-lap", "30", "--name", "Practice 2")
    assert result.returncode == 0, result.stderr
    laps, _ = exported_laps(db)
    expected = expected_laps(passings, min_lap_us)
    assert dict(laps) == expected
    # The faults really are in this capture: double reads ignored, missed reads flagged, a corrupt frame dropped.
    assert any(suspect for car in expected.values() for *_, suspect in car)
    export = run_cli("export", "passings", "--db", db, "--format", "json")
    verdicts = json.loads(export.stdout)
    assert any(v["reason"] == "under_min_lap" for v in verdicts)
    assert "113 passings" in made.stdout and len(passings) == 112  # one passing's frame was corrupted on the line
    assert "bad_crc 1" in result.stdout


def test_replaying_the_same_capture_twice_counts_each_passing_once_per_session(captures, tmp_path):
    capture = captures / "p3" / "vmindru-ambp3client" / "amb-short.out"
    db = tmp_path / "event.db"
    assert run_cli("replay", capture, "--db", db).returncode == 0
    assert run_cli("replay", capture, "--db", db).returncode == 0
    first, _ = exported_laps(db, "1")
    second, _ = exported_laps(db, "2")
    assert first == second and first


def test_p98_simulator_capture_replays_to_the_laps_computed_by_hand(tmp_path):
    capture = tmp_path / "p98.txt"
    made = run_cli("decoder", "simulate", "--out", capture, "--cars", "5", "--seed", "3", "--minutes", "12",
                   "--protocol", "p98")
    assert made.returncode == 0, made.stderr
    passings = [e for e in read_capture(capture, "p98") if isinstance(e, Passing)]
    db = tmp_path / "event.db"
    result = run_cli("replay", capture, "--db", db, "--protocol", "p98", "--min-lap", "30")
    assert result.returncode == 0, result.stderr
    laps, _ = exported_laps(db)
    assert dict(laps) == expected_laps(passings, 30_000_000) and laps
