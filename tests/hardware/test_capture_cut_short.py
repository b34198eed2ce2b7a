"""A capture that ends inside a frame: the half frame is dropped and counted (``truncated``), never lost unsaid.

A recording cut off by a full disk or a pulled cable ends part-way through a frame. ``listen``, ``replay`` and
``record`` used to report ``dropped: none`` for such a file, with its last passing silently missing.
"""

from __future__ import annotations

import pytest

from tests.timing.cli_runner import run_cli

from .wire import cut_in_last_passing, simulated_capture, wire_frames

# (cars, minutes): a capture small enough to be stepped through, and one past BULK_MIN_BYTES, decoded in bulk
SIZES = {"stepped": (4, 2), "bulk": (20, 20)}


def cut_capture(folder, size: str, form: str) -> tuple[object, int]:
    """A simulated capture cut 20 bytes into its last passing, raw or as hex text; and the whole passings in it."""
    cars, minutes = SIZES[size]
    data, whole = cut_in_last_passing(simulated_capture(folder / "full.p3", cars=cars, seed=7, minutes=minutes))
    if form == "raw":
        path = folder / "cut.p3"
        path.write_bytes(data)
    else:  # one frame a line; the last line is the half frame
        ends = [end for _, end, _ in wire_frames(data[: data.rindex(b"\x8e")])]
        lines = [data[start:end].hex() for start, end in zip([0, *ends], [*ends, len(data)])]
        path = folder / "cut.hex"
        path.write_text("\n".join(lines) + "\n")
    return path, whole


@pytest.mark.parametrize("form", ["raw", "hex"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_listen_counts_the_half_frame_at_the_end(tmp_path, size, form):
    path, whole = cut_capture(tmp_path, size, form)
    heard = run_cli("decoder", "listen", f"file://{path}")
    assert heard.returncode == 0, heard.stderr
    assert sum(line.startswith("passing  #") for line in heard.stdout.splitlines()) == whole
    assert "frames dropped: truncated 1" in heard.stderr.splitlines()


@pytest.mark.parametrize("form", ["raw", "hex"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_replay_counts_the_half_frame_at_the_end(tmp_path, size, form):
    path, whole = cut_capture(tmp_path, size, form)
    replayed = run_cli("replay", path, "--db", tmp_path / "event.db")
    assert replayed.returncode == 0, replayed.stderr
    summary = replayed.stdout.splitlines()[0]
    assert summary.startswith(f"{path}: ")
    assert summary.endswith(f" frames, {whole} passings, dropped: truncated 1")


def test_a_capture_that_ends_between_frames_drops_nothing(tmp_path):
    path = tmp_path / "whole.p3"
    simulated_capture(path, cars=4, seed=7, minutes=2)
    heard = run_cli("decoder", "listen", f"file://{path}")
    assert "frames dropped: none" in heard.stderr.splitlines()
    replayed = run_cli("replay", path, "--db", tmp_path / "event.db")
    assert replayed.stdout.splitlines()[0] == f"{path}: 19 frames, 4 passings, dropped: none"
