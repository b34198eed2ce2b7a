"""Skipping garbage: floods a broken cable or a hostile peer can send, beside good frames, in MB/s.

A decoder that slows down on junk falls behind the live feed, so the target for every flood is
the rate at which good P3 frames are stepped through (measured here in the same run, same chunking): junk
must be at least as cheap to skip as frames are to decode. Rates are bytes per second of this
process's CPU time, so other work on a shared machine does not skew the comparison. Drop counts
are checked exactly, so a fast path that miscounts fails the run instead of looking good.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from bench.bench_decode import generate_capture
from hardware.drops import DropReason
from hardware.framing import BULK_MIN_BYTES, StreamDecoder

FLOOD_BYTES = 20_000_000
GOOD_PASSINGS = 200_000
CHUNK = 64 * 1024


def decode_rate(data: bytes, bulk_min_bytes: int | None = BULK_MIN_BYTES) -> tuple[float, StreamDecoder]:
    """MB/s for feeding ``data`` in transport-sized chunks, and the decoder that read it."""
    decoder = StreamDecoder(bulk_min_bytes=bulk_min_bytes)
    started = time.process_time()
    for offset in range(0, len(data), CHUNK):
        decoder.feed(data[offset : offset + CHUNK])
    return len(data) / (time.process_time() - started) / 1e6, decoder


def floods(size: int) -> dict[str, tuple[bytes, Callable[[StreamDecoder], bool]]]:
    """Each flood's bytes and a check that its drops were counted exactly."""
    rng = random.Random(3)
    noise = rng.randbytes(size)
    framing_bytes = bytes(rng.choice(b"\x8d\x8e\x8f\x00") for _ in range(size // 10))
    return {
        "0x8E flood": (b"\x8e" * size, lambda d: d.dropped == {DropReason.TRUNCATED: size - 1}),
        "0x8E 0x8F pairs": (b"\x8e\x8f" * (size // 2), lambda d: d.dropped == {DropReason.BAD_LENGTH: size // 2}),
        "random line noise": (noise, lambda d: d.frames_decoded == 0 and sum(d.bytes_dropped.values()) + d.buffered == size),
        "0x8E + 8 bytes + 0x8F": (b"\x8e\x00\x01\x02\x03\x04\x05\x06\x07\x8f" * (size // 10),
                                  lambda d: d.dropped == {DropReason.BAD_LENGTH: size // 10}),
        "0x8E, a byte, 0x8E ...": (b"\x8e\x00" * (size // 2), lambda d: d.dropped[DropReason.TRUNCATED] == size // 2 - 1),
        "random 8D 8E 8F 00 mix": (framing_bytes, lambda d: sum(d.bytes_dropped.values()) + d.buffered == size // 10),
    }


def main() -> None:
    good = generate_capture(GOOD_PASSINGS)
    # The reference is the live reader's framer, stepping frame by frame (floods are stepped too;
    # good frames in large reads go the bulk way, several times faster).
    target, decoder = decode_rate(good, bulk_min_bytes=None)
    print(f"good frames: {len(good) / 1e6:.1f} MB, {decoder.frames_decoded:,} frames at {target:.1f} MB/s "
          f"stepped (the target); {decode_rate(good)[0]:.1f} MB/s in bulk")
    for name, (data, exact) in floods(FLOOD_BYTES).items():
        rate, decoder = decode_rate(data)
        verdict = "meets" if rate >= target else "MISSES"
        counted = "drops exact" if exact(decoder) else f"DROPS WRONG {dict(decoder.dropped)}"
        print(f"{name:>24}: {rate:7.1f} MB/s  target >= {target:.1f} MB/s  ({verdict}; {counted})")


if __name__ == "__main__":
    main()
