"""The simulator speaks P3 and P98 only: asked for Protime it says so, instead of sending P3 under that name."""

from __future__ import annotations

from tests.timing.cli_runner import run_cli


def test_simulate_out_refuses_protime_and_writes_nothing(tmp_path):
    out = tmp_path / "y.p3"
    result = run_cli("decoder", "simulate", "--out", out, "--protocol", "protime", "--cars", "2", "--minutes", "2")
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "invalid choice: 'protime'" in result.stderr
    assert not out.exists()


def test_a_sim_url_refuses_protime(tmp_path):
    result = run_cli("decoder", "listen", "sim://?protocol=protime&cars=2&minutes=1&speed=1000")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "laptiming: sim://?protocol=protime&cars=2&minutes=1&speed=1000: the simulator speaks p3 or p98, not protime"]


def test_simulate_out_p98_reads_back_as_p98(tmp_path):
    out = tmp_path / "y.p98"
    written = run_cli("decoder", "simulate", "--out", out, "--protocol", "p98", "--cars", "2", "--minutes", "2")
    assert written.returncode == 0, written.stderr
    listened = run_cli("decoder", "listen", f"file://{out}?protocol=p98")
    assert listened.returncode == 0 and "passing" in listened.stdout
