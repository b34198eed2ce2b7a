"""Decode speed: a generated P3 capture of 1,000,000 passings with STATUS frames mixed in.

Each decoder on the same bytes in its own process (so each peak RSS is its own): the bulk decode
(numpy, passings as columns: what bulk consumers take), the same made into event objects (what
``feed`` returns), the live reader's streaming decoder fed 64 KiB reads (what a reader that fell
behind, or a RESEND catch-up, reads: such reads go the bulk way), the frame-by-frame path the same
decoder takes for reads under ``BULK_MIN_BYTES`` (a decoder at line rate, a few frames a read), and
a plain pure-Python decoder as the same-run baseline. All must agree exactly (events and drop
counts; the columns are compared as their events view, made after the clock stops). Targets: the
bulk (columnar) decode at least 1,000,000 passings/s and 10x the plain decoder; the streaming
decoder 300,000 passings/s (a serial line carries about 250 a second; the headroom is for a reader
that fell behind). The frame-by-frame path has no target: its reads are a few frames at line rate.
The modules the bulk path imports on first use (numpy with them) are loaded before each clock
starts: a process pays that once (about 0.12 s here), whatever it decodes afterwards.
"""

from __future__ import annotations

import enum
import hashlib
import importlib
import random
import tempfile
import time
from pathlib import Path

from bench.measure import isolated, load, peak_rss_mb, verdict
from bench.plain_p3 import decode_plain
from hardware.events import DecoderStatus, Passing
from hardware.framing import StreamDecoder
from hardware.p3 import encode_passing, encode_status

PASSINGS = 1_000_000
TRANSPONDERS = 150
BULK_TARGET_PER_S = 1_000_000
BULK_TARGET_RATIO = 10.0
STREAM_TARGET_PER_S = 300_000
CHUNK = 64 * 1024
BULK_MODULES = ("hardware.p3.bulk", "hardware.p3.columns")  # what the bulk path imports on first use


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


class Way(enum.StrEnum):
    """How the file is decoded."""

    COLUMNS = "columns"
    EVENTS = "events"
    STREAM = "stream"  # the live reader's decoder as configured, 64 KiB reads
    STEP = "step"  # the same reads, frame by frame (the path of reads under BULK_MIN_BYTES)


def _stream(path: str, way: Way) -> tuple[float, int, int, dict, str, float]:
    """Seconds, passings, other events, drops, a checksum of the events and the peak RSS (MB) when the
    clock stopped, decoding the file."""
    data = Path(path).read_bytes()
    for module in BULK_MODULES:  # a process imports these once (numpy alone ~0.1 s here): not decoding time
        importlib.import_module(module)
    started = time.perf_counter()
    if way is Way.COLUMNS:
        decoder = StreamDecoder()
        decoded = decoder.feed_columns(data)
        elapsed, peak = time.perf_counter() - started, peak_rss_mb()
        events = decoded.events()  # for the checksum only, after the clock and the memory reading
        return elapsed, len(decoded.passings), len(decoded.others), dict(decoder.dropped), _digest(events), peak
    if way is Way.EVENTS:
        decoder = StreamDecoder()
        events = decoder.feed(data)
    else:
        decoder = StreamDecoder() if way is Way.STREAM else StreamDecoder(bulk_min_bytes=None)
        events = []
        for offset in range(0, len(data), CHUNK):
            events.extend(decoder.feed(data[offset : offset + CHUNK]))
    elapsed, peak = time.perf_counter() - started, peak_rss_mb()
    passings = sum(type(event) is Passing for event in events)
    return elapsed, passings, len(events) - passings, dict(decoder.dropped), _digest(events), peak


def _digest(events: list) -> str:
    """A digest of the events, equal across processes (``hash`` is not)."""
    digest = hashlib.blake2b()
    for event in events:
        digest.update(repr(event).encode())
    return digest.hexdigest()


def _plain(path: str) -> tuple[float, int]:
    data = Path(path).read_bytes()
    started = time.perf_counter()
    passings = decode_plain(data)
    return time.perf_counter() - started, len(passings)


def main() -> None:
    """Generate the capture, decode it three ways, print rates beside targets and the plain ratio."""
    started = time.perf_counter()
    capture = generate_capture()
    print(f"generated {len(capture) / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s ({load()})")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "capture.p3"
        path.write_bytes(capture)
        del capture
        columns, events, stream, step = (isolated(_stream, str(path), way).value for way in Way)
        plain = isolated(_plain, str(path))
    s_seconds, s_passings, s_others, s_drops, s_hash, _ = stream
    p_seconds, p_passings = plain.value
    if any(way[1:5] != stream[1:5] for way in (columns, events, step)) or p_passings != s_passings:
        raise SystemExit("the decoders disagree: bulk, streaming and plain must give the same passings")
    plain_rate = p_passings / p_seconds
    for label, seconds, peak, target, ratio_target in (
        ("bulk decode (numpy, passings as columns)", columns[0], columns[5], BULK_TARGET_PER_S, BULK_TARGET_RATIO),
        ("bulk made into event objects (feed)", events[0], events[5], None, None),
        ("streaming (the live reader's decoder, 64 KiB reads)", s_seconds, stream[5], STREAM_TARGET_PER_S, None),
        ("frame by frame (its path for reads under 8 KiB)", step[0], step[5], None, None),
    ):
        rate = s_passings / seconds
        ratio = rate / plain_rate
        line = (f"  {label}: {s_passings:,} passings + {s_others:,} STATUS in {seconds:.2f} s = {rate:,.0f} passings/s, "
                f"{ratio:.1f}x plain, peak RSS {peak:.0f} MB")
        if target is not None:
            ok = rate >= target and (ratio_target is None or ratio >= ratio_target)
            wanted = f"target >= {target:,}/s" + (f" and >= {ratio_target:g}x plain" if ratio_target else "")
            line += f"  ({wanted}: {verdict(ok)})"
        print(line)
    print(f"  plain pure-Python baseline: {plain_rate:,.0f} passings/s, peak RSS {plain.peak_rss_mb:.0f} MB; "
          f"drops {s_drops or 'none'} ({load()})")


if __name__ == "__main__":
    main()
