"""Decode speed: a generated P3 capture of 1,000,000 passings with STATUS frames mixed in.

Target: at least 300,000 passings/s on one core. A serial line carries about 250 a second; the
headroom is for RESEND catch-up and for replaying a whole weekend.
"""

from __future__ import annotations

import random
import time

from hardware.events import DecoderStatus, Passing
from hardware.framing import StreamDecoder
from hardware.p3 import encode_passing, encode_status

PASSINGS = 1_000_000
TRANSPONDERS = 150
TARGET_PER_S = 300_000
CHUNK = 64 * 1024


def generate_capture(passings: int = PASSINGS, seed: int = 1) -> bytes:
    """Wire bytes of a busy day: 150 cars, about 90 s laps, a STATUS every 5 s of decoder time."""
    rng = random.Random(seed)
    clock_us = 1_750_000_000_000_000
    next_status = clock_us
    frames: list[bytes] = []
    for number in range(passings):
        clock_us += rng.randint(100_000, 1_100_000)  # 150 cars at ~90 s: one passing per ~0.6 s
        while next_status <= clock_us:
            frames.append(encode_status(DecoderStatus(268307, noise=rng.randint(20, 60), temperature=24,
                                                      input_voltage_dv=121, gps=False)))
            next_status += 5_000_000
        frames.append(encode_passing(Passing(268307, number, 1_000_000 + rng.randrange(TRANSPONDERS),
                                             clock_us, rng.randint(60, 180), rng.randint(5, 90))))
    return b"".join(frames)


def main() -> None:
    started = time.perf_counter()
    capture = generate_capture()
    print(f"generated {len(capture) / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
    decoder = StreamDecoder()
    passings = 0
    started = time.perf_counter()
    for offset in range(0, len(capture), CHUNK):
        for event in decoder.feed(capture[offset : offset + CHUNK]):
            passings += type(event) is Passing
    elapsed = time.perf_counter() - started
    statuses = decoder.frames_decoded - passings
    rate = passings / elapsed
    verdict = "meets" if rate >= TARGET_PER_S else "MISSES"
    print(f"decoded {passings:,} passings + {statuses:,} STATUS in {elapsed:.2f} s, dropped {dict(decoder.dropped)}")
    print(f"passings/s: {rate:,.0f}  target >= {TARGET_PER_S:,}  ({verdict})")


if __name__ == "__main__":
    main()
