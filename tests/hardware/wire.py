"""Helpers for hardware tests: reading the real captures' frames."""

from __future__ import annotations

from pathlib import Path

P3_RAW_FILES = (
    "good_passing", "bad_passing", "first", "last", "missing_strength", "status",
    "1437857960_0", "emulator_1459169234", "emulator_1459169249", "emulator_1459169259",
)


def hex_frames(path: Path) -> list[bytes]:
    """The wire frames of a hex-text capture, one per non-empty line."""
    return [bytes.fromhex(line) for line in path.read_text().split()]


def all_p3_frames(captures: Path) -> list[bytes]:
    """Every single wire frame in the P3 captures (hex-text files and one-frame raw files)."""
    frames = hex_frames(captures / "p3/vmindru-ambp3client/amb.out")
    frames += hex_frames(captures / "p3/forum-frames/hobbytalk_quoted_frames.hex")
    frames += [(captures / "p3/datagutten-amb-p3-parser" / name).read_bytes() for name in P3_RAW_FILES]
    return frames
