"""``laptiming record`` says what its decoder dropped, by reason, at the end: as ``replay`` and ``listen`` do.

It used to say nothing: a capture full of line noise and bad CRCs recorded as quietly as a clean one.
"""

from __future__ import annotations

import json

from tests.hardware.wire import cut_in_last_passing, simulated_capture
from tests.timing.cli_runner import run_cli


def replay_summary(capture, db) -> tuple[str, str]:
    """What ``replay`` says of a capture: its frame count and its drops."""
    first = run_cli("replay", capture, "--db", db).stdout.splitlines()[0]
    frames, dropped = first.split(": ", 1)[1].split(", dropped: ")
    return frames.split(", ")[0], dropped


def test_record_of_a_capture_with_faults_says_its_drops_as_replay_does(tmp_path):
    capture = tmp_path / "session.p3"
    simulated_capture(capture, cars=8, seed=7, minutes=15, faults=True)
    frames, dropped = replay_summary(capture, tmp_path / "replayed.db")
    assert dropped != "none"  # line noise and corrupt frames: the check below means something
    result = run_cli("record", f"file://{capture}", "--db", tmp_path / "event.db", "--session", "Q")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    at = lines.index(f"file://{capture}: {frames}, dropped: {dropped}")
    assert lines[at + 1].startswith("session 1 (Q): practice, finished")  # said once, just before the results


def test_record_of_a_capture_cut_mid_frame_says_the_half_frame(tmp_path):
    data, whole = cut_in_last_passing(simulated_capture(tmp_path / "full.p3", cars=4, seed=7, minutes=2))
    capture = tmp_path / "cut.p3"
    capture.write_bytes(data)
    result = run_cli("record", f"file://{capture}", "--db", tmp_path / "event.db", "--session", "Q")
    assert result.returncode == 0, result.stderr
    assert f"file://{capture}: 18 frames, dropped: truncated 1" in result.stdout.splitlines()
    assert f"session 1 (Q): practice, finished -- {whole} passings" in result.stdout


def test_record_json_says_the_drops_on_stderr(tmp_path):
    data, _ = cut_in_last_passing(simulated_capture(tmp_path / "full.p3", cars=4, seed=7, minutes=2))
    capture = tmp_path / "cut.p3"
    capture.write_bytes(data)
    result = run_cli("record", f"file://{capture}", "--db", tmp_path / "event.db", "--session", "Q", "--json")
    assert result.returncode == 0, result.stderr
    assert f"file://{capture}: 18 frames, dropped: truncated 1" in result.stderr.splitlines()
    assert all(json.loads(line) for line in result.stdout.splitlines())  # stdout carries only JSON lines


def test_record_from_a_live_decoder_says_its_drops_the_same_way(tmp_path):
    url = "sim://?cars=2&seed=5&speed=0&minutes=2"
    result = run_cli("record", url, "--db", tmp_path / "event.db", "--session", "P")
    assert result.returncode == 0, result.stderr
    [summary] = [line for line in result.stdout.splitlines() if line.startswith(f"{url}: ")]
    frames = int(summary.removeprefix(f"{url}: ").split(" frames")[0])
    assert frames > 0
    assert summary == f"{url}: {frames} frames, dropped: none"
