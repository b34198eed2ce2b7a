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


def simulated_capture(path: Path, cars: int, seed: int, minutes: float, faults: bool = False) -> bytes:
    """Write a simulated session to ``path`` as a raw capture (the bytes ``decoder simulate --out`` writes)."""
    from hardware.simulator.field import FieldConfig
    from hardware.simulator.serve import write_capture
    from hardware.simulator.virtual_decoder import VirtualDecoder

    write_capture(VirtualDecoder(FieldConfig(cars=cars, seed=seed, minutes=minutes, faults=faults)), path)
    return path.read_bytes()


def wire_frames(data: bytes) -> list[tuple[int, int, bytes]]:
    """Each P3 frame of a clean raw capture: where it starts and ends on the wire, and the frame unescaped."""
    from hardware.p3.frame import step_frame

    frames, pos = [], 0
    while pos < len(data):
        end, frame, reason, _ = step_frame(data, pos)
        assert frame is not None and reason is None, f"not a clean capture at byte {pos}"
        frames.append((pos, end, frame))
        pos = end
    return frames


def cut_in_last_passing(data: bytes, into: int = 20) -> tuple[bytes, int]:
    """The capture cut ``into`` bytes into its last PASSING frame, and the number of whole passings left."""
    from hardware.events import Passing
    from hardware.p3.records import decode_event

    starts = [start for start, _, frame in wire_frames(data) if isinstance(decode_event(frame), Passing)]
    return data[: starts[-1] + into], len(starts) - 1
