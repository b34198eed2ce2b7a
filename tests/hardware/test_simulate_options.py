"""``decoder simulate``: a pace or a linger that makes no sense is one line naming the option, exit 2."""

from __future__ import annotations

from tests.timing.cli_runner import run_cli

SMALL = ("--cars", "1", "--minutes", "1")


def refusal(*options: str) -> str:
    """The one line ``decoder simulate --tcp 0`` refuses these options with (nothing served, nothing printed)."""
    result = run_cli("decoder", "simulate", "--tcp", "0", *SMALL, *options)
    assert result.returncode == 2 and result.stdout == "", result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_negative_or_zero_speed_is_refused():
    assert refusal("--speed", "-5", "--linger", "0") == (
        "laptiming decoder simulate: argument --speed: must be above zero: -5 (see laptiming decoder simulate --help)")
    assert refusal("--speed", "0", "--linger", "0") == (
        "laptiming decoder simulate: argument --speed: must be above zero: 0 (see laptiming decoder simulate --help)")


def test_a_negative_linger_is_refused_and_zero_is_taken():
    assert refusal("--speed", "1000", "--linger", "-1") == (
        "laptiming decoder simulate: argument --linger: must not be negative: -1 "
        "(see laptiming decoder simulate --help)")
    served = run_cli("decoder", "simulate", "--tcp", "0", *SMALL, "--speed", "1000", "--linger", "0")
    assert served.returncode == 0, served.stderr
    assert served.stdout.startswith("tcp://127.0.0.1:")


def test_a_clock_start_the_decoder_cannot_read_is_refused(tmp_path):
    capture = tmp_path / "early.p98"
    result = run_cli("decoder", "simulate", "--out", capture, *SMALL, "--protocol", "p98",
                     "--start", "2026-06-13T07:59:59")
    assert result.returncode == 2 and not capture.exists()
    assert result.stderr.strip().splitlines() == [
        "laptiming: --start: the simulated p98 decoder's clock starts at 2026-06-13T08:00:00; give a later time"]
    assert refusal("--start", "2026-06-13T09:00:00+02:00") == (
        "laptiming decoder simulate: argument --start: give the decoder's own local time, without a UTC offset: "
        "'2026-06-13T09:00:00+02:00' (see laptiming decoder simulate --help)")
