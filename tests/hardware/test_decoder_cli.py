"""``laptiming decoder simulate`` and ``listen`` as a user runs them (a real subprocess where one serves the other)."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hardware import DecoderOpenError, LinkState
from hardware.capture import MAX_LINE
from hardware.reader import DecoderReader
from hardware.simulator.field import FieldConfig
from hardware.simulator.serve import write_capture
from hardware.simulator.virtual_decoder import VirtualDecoder
from laptiming.cli import main

from tests.timing.cli_runner import run_cli

from .collect import Collector, has_passings
from .test_bad_input_capture import bad_hex_capture

LAPTIMING = [sys.executable, "-m", "laptiming"]


def run(*args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, timeout=60)


def reference(cars: int, seed: int, minutes: float, faults: bool = False) -> VirtualDecoder:
    decoder = VirtualDecoder(FieldConfig(cars=cars, seed=seed, minutes=minutes, faults=faults))
    list(decoder.timeline())
    return decoder


def test_simulate_to_file_then_listen_json_and_raw_copy(tmp_path):
    capture, copy = tmp_path / "session.p3", tmp_path / "copy.p3"
    made = run("decoder", "simulate", "--out", str(capture), "--cars", "8", "--seed", "4", "--minutes", "12",
               "--faults")
    assert made.returncode == 0, made.stderr
    expected = reference(8, 4, 12, faults=True)
    assert f"{len(expected.memory)} passings from 8 cars" in made.stdout

    heard = run("decoder", "listen", f"file://{capture}", "--json", "--raw-out", str(copy))
    assert heard.returncode == 0, heard.stderr
    records = [json.loads(line) for line in heard.stdout.splitlines()]
    assert {r["type"] for r in records} == {"passing", "status"}
    passings = [r for r in records if r["type"] == "passing"]
    assert set(passings[0]) >= {"decoder_id", "passing_number", "transponder", "decoder_time_us", "strength",
                                "hits", "transponder_code", "host_time_ns", "source"}
    for record in passings:
        truth = expected.memory[record["passing_number"]]
        assert (record["transponder"], record["decoder_time_us"]) == (truth.transponder, truth.decoder_time_us)
    assert copy.read_bytes() == capture.read_bytes()
    assert "frames decoded: " in heard.stderr and "garbage" in heard.stderr


def test_listen_prints_human_lines(captures):
    heard = run("decoder", "listen", f"file://{captures}/p3/vmindru-ambp3client/amb-short.out")
    assert heard.returncode == 0
    lines = heard.stdout.splitlines()
    assert sum(line.startswith("passing  #") for line in lines) == 83
    assert "2019-03-02 " in lines[-1] or "status" in lines[-1]
    assert "frames decoded: 371" in heard.stderr and "frames dropped: none" in heard.stderr


def test_simulate_on_a_pty_read_by_pyserial():
    process = subprocess.Popen([*LAPTIMING, "decoder", "simulate", "--pty", "--cars", "5", "--seed", "6",
                                "--minutes", "5", "--speed", "300", "--linger", "0.5",
                                "--start", "2026-06-13T09:00:00"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        device = process.stdout.readline().strip()
        assert device.startswith("/dev/")
        expected = reference(5, 6, 5)
        collector = Collector()
        reader = DecoderReader(device, [collector]).start()
        collector.wait_for(has_passings(len(expected.memory)))
        reader.stop()
        reader.join(5)
        assert [p._replace(host_time_ns=0, source="") for p in collector.passings] == expected.passings()
        assert process.wait(30) == 0
    finally:
        process.kill()


def test_simulate_on_tcp_read_by_the_reader():
    process = subprocess.Popen([*LAPTIMING, "decoder", "simulate", "--tcp", "0", "--cars", "4", "--seed", "8",
                                "--minutes", "4", "--speed", "100"], stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("tcp://127.0.0.1:")
        collector = Collector()
        reader = DecoderReader(url, [collector]).start()
        collector.wait_for(lambda events: any(getattr(e, "state", None) is LinkState.CONNECTED for e in events))
        collector.wait_for(has_passings(3))
        reader.stop()
        reader.join(5)
        numbers = [p.passing_number for p in collector.passings]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    finally:
        process.kill()
        process.wait()


def test_bad_url_is_one_line_and_exit_2():
    result = run("decoder", "listen", "ftp://example/x")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["laptiming: ftp://example/x: unknown scheme 'ftp' "
                                                  "(use a device path or one of file, loop, rfc2217, serial, "
                                                  "sim, socket, spy, tcp)"]


def test_missing_capture_exits_2_naming_the_file(tmp_path):
    result = run("decoder", "listen", f"file://{tmp_path}/nope.p3")
    assert result.returncode == 2
    assert f"laptiming: capture file not found: {tmp_path}/nope.p3" in result.stderr


def test_bad_simulation_arguments_exit_2(tmp_path):
    result = run("decoder", "simulate", "--out", str(tmp_path / "x.p3"), "--cars", "0")
    assert result.returncode == 2
    assert "at least one car" in result.stderr
    assert not (tmp_path / "x.p3").exists()


def test_listen_refuses_a_hex_capture_with_a_bad_line(captures, tmp_path):
    path = bad_hex_capture(captures, tmp_path)
    copy = tmp_path / "copy.p3"
    result = run("decoder", "listen", f"file://{path}", "--raw-out", str(copy))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"laptiming: {path}:75: not a line of hex bytes ('n' at column 1)"]
    assert result.stdout == ""
    assert not copy.exists()


def test_listen_refuses_an_over_long_line(captures, tmp_path):
    path = bad_hex_capture(captures, tmp_path, bad_line=b"8e" * 100_000 + b"\n", at=51)
    result = run("decoder", "listen", f"file://{path}")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"laptiming: {path}:51: line longer than {MAX_LINE} bytes "
                                          "(a text capture holds one frame a line)"]


@pytest.mark.parametrize(
    ("where", "why"),
    [
        ("folder", "it is a folder"),
        ("missing folder", "folder {parent} does not exist"),
        ("under a file", "Not a directory"),
        ("read-only place", "Permission denied"),  # sysfs refuses new files, even to root
        ("full disk", "No space left on device"),
    ],
)
def test_simulate_out_that_cannot_be_written_is_one_line_exit_2(tmp_path, capsys, where, why):
    (tmp_path / "plain").write_text("")
    target = {
        "folder": tmp_path,
        "missing folder": tmp_path / "nowhere" / "x.p3",
        "under a file": tmp_path / "plain" / "x.p3",
        "read-only place": Path("/sys/laptiming-test.p3"),
        "full disk": Path("/dev/full"),
    }[where]
    assert main(["decoder", "simulate", "--out", str(target), "--cars", "3", "--minutes", "2"]) == 2
    out, err = capsys.readouterr()
    why = why.format(parent=target.parent)
    assert (out, err.splitlines()) == ("", [f"laptiming: cannot write capture {target}: {why}"])


def test_capture_failing_part_way_is_removed(tmp_path):
    class DiskFillsUp:
        def timeline(self):
            yield b"\x8e\x02" * 1000, None
            raise OSError(errno.ENOSPC, "No space left on device")

    path = tmp_path / "day.p3"
    with pytest.raises(DecoderOpenError, match="day.p3: No space left on device"):
        write_capture(DiskFillsUp(), path)
    assert not path.exists()
