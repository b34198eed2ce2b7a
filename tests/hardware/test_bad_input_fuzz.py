"""Fuzz with bounds: the real P3 frames buried in seeded junk, read back through the real parts.

Junk of every kind a cable or a hostile peer can send (line noise, floods of 0x8E or of short
frames, frames cut short or with a byte changed, frames that never end) lies between the real
frames of ``amb.out``. Read through ``DecoderReader`` over a ``file://`` capture (raw, and hex
text) and through ``laptiming record``, every real frame must come out exactly once, the drop
counts must equal those worked out piece by piece, and memory must stay far below the input size.
"""

from __future__ import annotations

import dataclasses
import random
import sqlite3
import subprocess
import sys
import textwrap
import tracemalloc

import pytest

from hardware import DecoderStatus, LinkState, Passing
from hardware.drops import DropReason
from hardware.p3.constants import MAX_WIRE_FRAME
from hardware.reader import DecoderReader

from .collect import Collector, has_state
from .test_stream_decoder import reference_decode
from .wire import hex_frames

TIME_BOUND_S = 10.0  # each read takes well under a second; the old framer took minutes on floods
MEMORY_BOUND = 2_500_000  # bytes of Python allocations at the peak, for inputs four times as big and more
# What junk may add to `record`'s own peak (about 2.5 MB for these frames alone, the session's
# working set), for junk four times as big and more.
JUNK_MEMORY_BOUND = 1_000_000
HEX_LINE_BYTES = 30_000  # junk written as hex text is cut into lines under the line cap


def flood(rng: random.Random) -> tuple[bytes, dict, dict]:
    """1.5 to 3 MB of a flood whose drops are known by formula: (bytes, drops, dropped bytes)."""
    kind, size = rng.randrange(4), rng.randint(1_500_000, 3_000_000)
    if kind == 3:  # a start byte, then zeros: a frame that never ends
        return (b"\x8e" + b"\x00" * (size - 1), {DropReason.OVERSIZE: 1, DropReason.GARBAGE: 1},
                {DropReason.OVERSIZE: MAX_WIRE_FRAME, DropReason.GARBAGE: size - MAX_WIRE_FRAME})
    unit = (b"\x8e", b"\x8e\x8f", b"\x8e" + rng.randbytes(rng.randint(1, 8)).translate(NO_FRAMING) + b"\x8f")[kind]
    count = size // len(unit)
    reason = DropReason.TRUNCATED if kind == 0 else DropReason.BAD_LENGTH
    return unit * count, {reason: count}, {reason: len(unit) * count}


NO_FRAMING = bytes(b if b not in (0x8D, 0x8E, 0x8F) else 0x00 for b in range(256))


def small_junk(rng: random.Random, frames: list[bytes]) -> bytes:
    """Junk small enough for the byte-at-a-time reference framer to count."""
    kind = rng.randrange(4)
    if kind == 0:
        return rng.randbytes(rng.randint(1, 3000))
    if kind == 1:
        return bytes(rng.choice(b"\x8d\x8e\x8f\x00") for _ in range(rng.randint(1, 300)))
    frame = rng.choice(frames)
    if kind == 2:  # cut short: no end byte, so the next frame's start byte cuts it
        return frame[: rng.randint(1, len(frame) - 1)]
    at = rng.randrange(1, len(frame) - 1)
    return frame[:at] + bytes((frame[at] ^ rng.randint(1, 255),)) + frame[at + 1 :]


def buried_frames(frames: list[bytes], seed: int, floods: int) -> tuple[list[bytes], dict, dict]:
    """The frames with one piece of junk (or none) before each and after the last.

    Each piece lies between the end of a frame and the start byte of the next, so its drops
    can be worked out on its own: floods by formula, small junk by the reference framer.
    Returns the pieces, the drops and the dropped bytes by reason.
    """
    rng = random.Random(seed)
    pieces: list[bytes] = []
    drops: dict = {}
    dropped_bytes: dict = {}
    flooded = set(rng.sample(range(len(frames) + 1), floods))
    for index, frame in enumerate([*frames, b"\x8e"]):  # the capture ends in a start byte that never ends
        junk, piece_drops, piece_bytes = b"", {}, {}
        if index in flooded:
            junk, piece_drops, piece_bytes = flood(rng)
        elif rng.random() < 0.7:
            junk = small_junk(rng, frames)
            _, piece_drops, piece_bytes, waiting = reference_decode(junk + b"\x8e")
            if waiting > 1:  # a frame left open in the junk is cut short by the next start byte
                piece_drops[DropReason.TRUNCATED] = piece_drops.get(DropReason.TRUNCATED, 0) + 1
                piece_bytes[DropReason.TRUNCATED] = piece_bytes.get(DropReason.TRUNCATED, 0) + waiting - 1
        for counts, more in ((drops, piece_drops), (dropped_bytes, piece_bytes)):
            for reason, value in more.items():
                counts[reason] = counts.get(reason, 0) + value
        pieces += [junk, frame]
    drops[DropReason.TRUNCATED] = drops.get(DropReason.TRUNCATED, 0) + 1  # that last start byte, when the source ends
    dropped_bytes[DropReason.TRUNCATED] = dropped_bytes.get(DropReason.TRUNCATED, 0) + 1
    return pieces, drops, dropped_bytes


def same_event(event):
    """An event without the fields that say when and where it was read."""
    if isinstance(event, Passing):
        return event._replace(host_time_ns=0, source="")
    return dataclasses.replace(event, host_time_ns=0, source="")


@pytest.fixture(scope="module")
def real_frames(captures) -> list[bytes]:
    return hex_frames(captures / "p3/vmindru-ambp3client/amb.out")


def write_capture(path, pieces: list[bytes], form: str) -> int:
    """Write the stream as a raw capture or as hex text; returns its size in wire bytes."""
    if form == "raw":
        path.write_bytes(b"".join(pieces))
    else:
        with open(path, "w") as file:
            for piece in pieces:
                for at in range(0, len(piece), HEX_LINE_BYTES):
                    file.write(piece[at : at + HEX_LINE_BYTES].hex() + "\n")
    return sum(map(len, pieces))


@pytest.mark.parametrize(("seed", "form", "floods"), [(1, "raw", 6), (2, "raw", 6), (3, "hex", 4)])
def test_reader_over_a_junk_filled_capture(real_frames, tmp_path, seed, form, floods):
    pieces, drops, dropped_bytes = buried_frames(real_frames, seed, floods)
    path = tmp_path / f"junk.{form}"
    size = write_capture(path, pieces, form)
    assert size > 4 * MEMORY_BOUND  # else the memory bound would prove nothing
    collector = Collector()
    reader = DecoderReader(f"file://{path}", [collector])
    tracemalloc.start()
    try:
        reader.start()
        collector.wait_for(has_state(LinkState.ENDED), timeout=TIME_BOUND_S)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        reader.stop()
        reader.join(5)
    decoder = reader.decoder
    expected = [same_event(e) for e in reference_decode(b"".join(real_frames))[0]]
    read = [same_event(e) for e in collector.events if isinstance(e, Passing | DecoderStatus)]
    assert read == expected  # every real frame, once, in order
    assert decoder.frames_decoded == len(real_frames)
    assert dict(decoder.dropped) == drops
    assert dict(decoder.bytes_dropped) == dropped_bytes
    assert decoder.bytes_decoded == sum(map(len, real_frames))
    assert decoder.buffered == 0  # the start byte at the very end is a frame the capture cut short: counted
    assert decoder.bytes_decoded + sum(decoder.bytes_dropped.values()) == size
    assert reader.error is None
    assert peak < MEMORY_BOUND, f"{peak:,} bytes allocated at the peak for a {size:,}-byte capture"


RECORD_WITH_PEAK = textwrap.dedent("""
    import sys, tracemalloc
    from laptiming.cli import main
    tracemalloc.start()
    code = main(sys.argv[1:])
    print(f"peak {tracemalloc.get_traced_memory()[1]}", file=sys.stderr)
    sys.exit(code)
""")


def record_peak(capture, db) -> int:
    """``laptiming record`` of a capture into a new database, in its own process: its peak Python allocations."""
    result = subprocess.run(
        [sys.executable, "-c", RECORD_WITH_PEAK, "record", f"file://{capture}", "--db", str(db),
         "--session", "Fuzz", "--enter-unknown", "--json"],
        capture_output=True, text=True, timeout=TIME_BOUND_S + 10,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stderr.rsplit("peak ", 1)[1])


def test_record_from_a_junk_filled_capture_needs_no_more_memory_than_from_the_clean_one(real_frames, tmp_path):
    pieces, _, _ = buried_frames(real_frames, seed=5, floods=6)
    path = tmp_path / "junk.p3"
    size = write_capture(path, pieces, "raw")
    clean = tmp_path / "clean.p3"
    clean_size = write_capture(clean, real_frames, "raw")
    db = tmp_path / "event.db"
    peak = record_peak(path, db)
    passings = [e for e in reference_decode(b"".join(real_frames))[0] if isinstance(e, Passing)]
    with sqlite3.connect(db) as conn:
        journal = sorted(conn.execute("SELECT decoder_id, passing_number, transponder, decoder_time_us FROM passings"))
    assert journal == sorted((p.decoder_id, p.passing_number, p.transponder, p.decoder_time_us) for p in passings)
    # The program's own working set (the session, its standings, the writer) is the same for both
    # captures: the junk, many times the bound in size, must add less than the bound on top of it.
    clean_peak = record_peak(clean, tmp_path / "clean.db")
    assert size - clean_size > 4 * JUNK_MEMORY_BOUND
    assert peak < clean_peak + JUNK_MEMORY_BOUND, (
        f"{peak:,} bytes allocated at the peak for a {size:,}-byte capture, {clean_peak:,} for its "
        f"{clean_size:,} bytes of frames alone")
