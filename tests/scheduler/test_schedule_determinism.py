"""The same files and seed give the same roster byte for byte, however busy the machine is."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.samples import EventSize, write_event

BURNERS = 2  # busy processes: on a two-core machine the solver gets half of it or less


def schedule(entries: Path, plan: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "laptiming", "schedule", str(entries), "--plan", str(plan),
                           "--out", str(out), "--time-limit", "1", "--seed", "3", *extra],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def tight_event(tmp_path_factory) -> tuple[Path, Path]:
    # 60 drivers at 8 cars a session: every stage works to its budget instead of proving early.
    return write_event(EventSize(drivers=60, capacity=8, seed=3), tmp_path_factory.mktemp("tight"))


@pytest.fixture(scope="module")
def crowded_event(tmp_path_factory) -> tuple[Path, Path]:
    # The README's over-subscribed example: the sample event at 20 cars a session.
    sample = Path(__file__).resolve().parents[2] / "sample_data" / "trackday"
    plan = tmp_path_factory.mktemp("crowded") / "plan-20.toml"
    plan.write_text((sample / "plan.toml").read_text().replace("capacity = 25", "capacity = 20"))
    return sample / "entries.csv", plan


@pytest.mark.parametrize("event, code", [("tight_event", 0), ("crowded_event", 1)])
def test_a_loaded_machine_gives_the_same_roster_as_an_idle_one(event, code, request, tmp_path):
    entries, plan = request.getfixturevalue(event)
    idle = schedule(entries, plan, tmp_path / "idle.csv")
    assert idle.returncode == code, idle.stderr
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(BURNERS)]
    try:
        loaded = schedule(entries, plan, tmp_path / "loaded.csv")
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert loaded.returncode == code, loaded.stderr
    assert "(deterministic, seed 3)" in loaded.stdout
    assert (tmp_path / "loaded.csv").read_bytes() == (tmp_path / "idle.csv").read_bytes()


def test_the_wall_clock_safety_net_says_so_and_writes_nothing(tight_event, tmp_path):
    entries, plan = tight_event
    out = tmp_path / "roster.csv"
    result = schedule(entries, plan, out, "--wall-limit", "0.001")
    assert result.returncode == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith("laptiming: the wall-clock safety limit (0.001 s) stopped the ")
    assert line.endswith("nothing was written (run it on a less busy machine, or raise --wall-limit)")
    # one stage named as cut, the ones after it listed as left, each quoted (not "the a, b, c stage")
    stage = r"'[a-z ()]+'"
    assert re.fullmatch(rf"laptiming: the wall-clock safety limit \(0\.001 s\) stopped the {stage} stage before "
                        rf"its work was done( \(stages left: {stage}(, {stage})*\))?, so the roster could differ "
                        r"run to run; nothing was written \(.*\)", line), line
    assert not out.exists() and list(tmp_path.iterdir()) == []
