"""The stream decoder survives whatever the cable does: table-driven cases and property tests."""

from __future__ import annotations

import random
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware import Passing, p98, protime
from hardware.drops import DropReason
from hardware.errors import FrameError
from hardware.events import DecoderStatus
from hardware.framing import StreamDecoder, framer_for
from hardware.p3 import encode_passing, encode_status
from hardware.p3.constants import EOR, MAX_WIRE_FRAME, MIN_FRAME_SIZE, SOR
from hardware.p3.frame import check_frame, unescape
from hardware.p3.records import decode_event

from .wire import all_p3_frames

A = encode_passing(Passing(268307, 100, 5691251, 1_551_543_840_549_000, 178, 31))
B = encode_passing(Passing(268307, 101, 2906141, 1_551_543_900_000_000, 90, 12))
GOOD = [100, 101]


def bad_crc(wire: bytes) -> bytes:
    return wire[:12] + bytes([wire[12] ^ 0x55]) + wire[13:]


def bad_length(wire: bytes) -> bytes:
    return wire[:2] + bytes([wire[2] - 1]) + wire[3:]


CASES = {
    "garbage in front": (b"ZX1ZPTFVQ" + A + B, GOOD, {DropReason.GARBAGE: 1}),
    "garbage after": (A + B + b"\x00\x01\x02", GOOD, {DropReason.GARBAGE: 1}),
    "garbage between": (A + b"\xff\x8f\x00" + B, GOOD, {DropReason.GARBAGE: 1}),
    "two frames in one read": (A + B, GOOD, {}),
    "bad crc": (A + bad_crc(B) + B, GOOD, {DropReason.BAD_CRC: 1}),
    "bad length": (bad_length(A) + A + B, GOOD, {DropReason.BAD_LENGTH: 1}),
    "truncated by a new start byte": (A[:20] + A + B, GOOD, {DropReason.TRUNCATED: 1}),
    "escape at the end": (A[:-2] + b"\x8d\x8f" + A + B, GOOD, {DropReason.BAD_ESCAPE: 1}),
    "start byte with no end": (b"\x8e" + b"\x00" * 300 + A + B, GOOD, {DropReason.TRUNCATED: 1}),
}


def feed_in(decoder: StreamDecoder, data: bytes, how: str) -> list:
    if how == "whole":
        return decoder.feed(data)
    if how == "halves":
        middle = len(data) // 2
        return decoder.feed(data[:middle]) + decoder.feed(data[middle:])
    return [event for index in range(len(data)) for event in decoder.feed(data[index : index + 1])]


@pytest.mark.parametrize("how", ["whole", "halves", "bytes"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_framing_table(case, how):
    data, numbers, drops = CASES[case]
    decoder = StreamDecoder()
    events = feed_in(decoder, data, how)
    assert [e.passing_number for e in events] == numbers
    assert dict(decoder.dropped) == drops  # a run of garbage split over reads is still one drop


def test_oversize_frame_is_dropped_and_stream_goes_on():
    decoder = StreamDecoder()
    events = decoder.feed(b"\x8e" + b"\x00" * (MAX_WIRE_FRAME + 10) + A)
    assert [e.passing_number for e in events] == [100]
    assert decoder.dropped[DropReason.OVERSIZE] == 1
    assert decoder.buffered == 0


def test_buffer_is_capped():
    decoder = StreamDecoder(max_buffer=64)
    decoder.feed(A[:40])
    decoder.feed(b"\x00" * 10)  # still inside the frame: waits for its end
    assert decoder.buffered == 50
    decoder.feed(b"\x00" * 30)  # past the cap: the oldest bytes go
    assert decoder.buffered == 64
    assert decoder.dropped[DropReason.OVERFLOW] == 1


def test_all_real_frames_in_one_stream_one_byte_at_a_time(captures):
    frames = all_p3_frames(captures)
    decoder = StreamDecoder()
    events = feed_in(decoder, b"".join(frames), "bytes")
    assert len(events) == len(frames) == decoder.frames_decoded
    assert not decoder.dropped


def test_reset_forgets_a_half_frame():
    decoder = StreamDecoder()
    decoder.feed(A[:30])
    decoder.reset()
    assert decoder.feed(A[30:] + B)[0].passing_number == 101
    assert decoder.dropped[DropReason.TRUNCATED] == 1


@given(st.binary(max_size=4096))
def test_random_bytes_never_raise(data):
    decoder = StreamDecoder()
    decoder.feed(data)
    for index in range(0, len(data), 7):
        decoder.feed(data[index : index + 7])


@given(st.binary(max_size=2048))
def test_random_bytes_never_raise_p98(data):
    decoder = StreamDecoder("p98")
    decoder.feed(data)
    decoder.feed(b"\x01" + data)


passings = st.builds(
    Passing,
    decoder_id=st.integers(0, 2**32 - 1),
    passing_number=st.integers(0, 2**32 - 1),
    transponder=st.integers(0, 2**32 - 1),
    decoder_time_us=st.integers(0, 2**64 - 1),
    strength=st.integers(0, 2**16 - 1),
    hits=st.integers(0, 2**16 - 1),
    transponder_code=st.none(),
    utc_time_us=st.none(),
    host_time_ns=st.just(0),
    source=st.just(""),
)
statuses = st.builds(
    DecoderStatus,
    decoder_id=st.integers(0, 2**32 - 1),
    noise=st.integers(0, 2**16 - 1),
    temperature=st.integers(-(2**15), 2**15 - 1),
    input_voltage_dv=st.integers(0, 255),
    gps=st.booleans(),
    sequence=st.none(),
    host_time_ns=st.just(0),
    source=st.just(""),
)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(
    st.lists(st.tuples(st.binary(max_size=60), st.one_of(passings, statuses)), min_size=1, max_size=12),
    st.binary(max_size=60),
    st.sampled_from(["whole", "halves", "bytes"]),
)
def test_valid_frames_among_garbage_are_all_recovered(pieces, tail, how):
    expected = [event for _, event in pieces]
    stream = b"".join(
        garbage + (encode_passing(e) if isinstance(e, Passing) else encode_status(e)) for garbage, e in pieces
    ) + tail
    decoder = StreamDecoder()
    assert feed_in(decoder, stream, how) == expected


# --- floods: skipped in a handful of steps, every drop still counted -------------------------

FLOODS = {
    "0x8E bytes": (b"\x8e" * 5000 + A + B, {DropReason.TRUNCATED: 5000}),
    "0x8E 0x8F pairs": (b"\x8e\x8f" * 5000 + A + B, {DropReason.BAD_LENGTH: 5000}),
    "short frames, bytes inside": (b"\x8e\x02\x8d\x00\x8f" * 3000 + A + B, {DropReason.BAD_LENGTH: 3000}),
    "0x8E and one byte": (b"\x8e\x00" * 4000 + A + B, {DropReason.TRUNCATED: 4000}),
    "0x8E then 2046 bytes, again": ((b"\x8e" + b"\x00" * 2046) * 20 + A + B, {DropReason.TRUNCATED: 20}),
    "garbage between, in front, after": (b"ZX1Z\x8f" + A + b"\x8f\x8fPTF" + B + b"VQ\x00",
                                          {DropReason.GARBAGE: 3}),
}


@pytest.mark.parametrize("how", ["whole", "halves", "bytes"])
@pytest.mark.parametrize("flood", sorted(FLOODS))
def test_floods_are_counted_exactly_however_they_arrive(flood, how):
    data, drops = FLOODS[flood]
    decoder = StreamDecoder()
    assert [e.passing_number for e in feed_in(decoder, data, how)] == GOOD
    assert dict(decoder.dropped) == drops
    assert decoder.bytes_decoded == len(A + B)
    assert sum(decoder.bytes_dropped.values()) == len(data) - len(A + B)


def steps_to_consume(step, buffer: bytes) -> int:
    """How many framer steps it takes to get through ``buffer`` (each is a Python-level call)."""
    pos, steps = 0, 0
    while steps <= len(buffer):
        end, _, reason, _ = step(buffer, pos)
        steps += 1
        if end == pos and reason is None:
            return steps
        pos = end
    raise AssertionError("the framer made no progress")


@pytest.mark.parametrize(
    ("protocol", "flood"),
    [
        ("p3", b"\x8e" * 100_000),
        ("p3", b"\x8e\x8f" * 50_000),
        ("p3", b"\x8e\x01\x02\x8f" * 25_000),
        ("p3", b"\x8e\x00" * 50_000),
        ("p3", b"\x8e\x8e\x8f\x00\x8f\x8e\x00\x8e\x8d\x8f" * 10_000),  # cut short, short, garbage, mixed
        ("p3", bytes(random.Random(5).choice(b"\x8d\x8e\x8f\x00") for _ in range(100_000))),
        ("p98", b"\x01" * 100_000),
        ("p98", b"\x01\n" * 50_000),
        ("protime", b"<" * 100_000),
        ("protime", b"<>" * 50_000),
    ],
)
def test_a_flood_is_skipped_in_a_few_steps_not_one_per_byte(protocol, flood):
    step, _ = framer_for(protocol)
    assert steps_to_consume(step, flood) <= 3 + len(flood) // 1000


# A reference framer written straight from the spec sheet's prose (§1.2), one byte at a time,
# with our limits: a candidate shorter than a header is bad_length, one with no end within
# MAX_WIRE_FRAME bytes is oversize. The fast framer must agree with it exactly.
def reference_decode(stream: bytes) -> tuple[list, dict, dict, int]:
    """(events, drops by reason, bytes dropped by reason, bytes left waiting)."""
    events, drops, dropped_bytes, i, size = [], {}, {}, 0, len(stream)

    def drop(reason, first, stop):
        drops[reason] = drops.get(reason, 0) + 1
        dropped_bytes[reason] = dropped_bytes.get(reason, 0) + stop - first

    while i < size:
        if stream[i] != SOR:
            j = i
            while j < size and stream[j] != SOR:
                j += 1
            drop(DropReason.GARBAGE, i, j)
            i = j
            continue
        j = i + 1
        while j < size and j - i < MAX_WIRE_FRAME and stream[j] not in (SOR, EOR):
            j += 1
        if j - i == MAX_WIRE_FRAME:
            drop(DropReason.OVERSIZE, i, j)
            i = j
            continue
        if j == size:
            break  # waits for more bytes
        if stream[j] == SOR:
            drop(DropReason.TRUNCATED, i, j)
            i = j
            continue
        first, wire, i = i, stream[i : j + 1], j + 1
        if len(wire) < MIN_FRAME_SIZE:
            drop(DropReason.BAD_LENGTH, first, i)
            continue
        inner = unescape(wire[1:-1])
        if inner is None:
            drop(DropReason.BAD_ESCAPE, first, i)
            continue
        frame = bytes((SOR,)) + inner + bytes((EOR,))
        reason = check_frame(frame)
        if reason is not None:
            drop(reason, first, i)
            continue
        try:
            events.append(decode_event(frame))
        except FrameError as err:
            drop(err.reason, first, i)
    return events, drops, dropped_bytes, size - i


framing_bytes = st.binary(max_size=40).map(lambda b: bytes(b"\x8d\x8e\x8f\x00\xae"[x % 5] for x in b))
wire_frames = st.one_of(passings, statuses).map(lambda e: encode_passing(e) if isinstance(e, Passing) else encode_status(e))
broken_frames = st.tuples(wire_frames, st.integers(1, 60), st.integers(0, 255)).map(
    lambda t: t[0][: t[1]] + bytes((t[2],)) + t[0][t[1] + 1 :]
)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(
    st.lists(st.one_of(framing_bytes, st.binary(max_size=30), wire_frames, broken_frames), max_size=25),
    st.lists(st.integers(0, 1500), max_size=8),
)
def test_fast_framer_agrees_with_the_reference_exactly_however_the_stream_is_cut(pieces, cuts):
    stream = b"".join(pieces)
    events, drops, dropped_bytes, buffered = reference_decode(stream)
    decoder = StreamDecoder()
    bounds = [0, *sorted(min(cut, len(stream)) for cut in cuts), len(stream)]
    decoded = [e for a, b in zip(bounds, bounds[1:]) for e in decoder.feed(stream[a:b])]
    assert decoded == events
    assert dict(decoder.dropped) == drops
    assert dict(decoder.bytes_dropped) == dropped_bytes
    assert decoder.buffered == buffered
    assert decoder.bytes_decoded + sum(decoder.bytes_dropped.values()) + decoder.buffered == len(stream)


@pytest.mark.parametrize(
    ("unit", "drops_per_unit"),
    [(b"\x8e", 1), (b"\x8e\x8f", 1), (b"\x8e\x00", 1), (b"\x8e\x01\x02\x03\x8f", 1),
     (b"\x8e\x8e\x8f\x00\x8f", 3)],  # the last: cut short, short, garbage
)
def test_a_flood_in_one_big_read_takes_no_memory_per_byte(unit, drops_per_unit):
    flood = unit * (2_000_000 // len(unit))
    data = flood + A
    decoder = StreamDecoder()
    tracemalloc.start()
    try:
        assert [e.passing_number for e in decoder.feed(data)] == [100]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(decoder.dropped.values()) == len(flood) // len(unit) * drops_per_unit
    assert peak < 300_000  # no copy of the 2 MB read, no state per dropped frame (a few KiB window at most)


def text_records(protocol: str):
    """Valid wire records of a text protocol, for mixing with junk."""
    if protocol == "p98":
        return passings.map(lambda p: p98.encode_passing(p._replace(decoder_time_us=p.decoder_time_us % 10**12)))
    return st.builds(
        lambda n, t, ms: protime.encode_passing(Passing(protime.channel_id("B01"), n, t, ms * 1000, 44)),
        st.integers(1, 10**6), st.integers(0, 999_999), st.integers(0, 86_399_999),
    )


@pytest.mark.parametrize(("protocol", "junk_bytes"), [("p98", b"\x01\n\r\t@x0"), ("protime", b"<> 0123")])
@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(data=st.data())
def test_text_framers_count_the_same_in_one_read_or_byte_by_byte(protocol, junk_bytes, data):
    junk = st.binary(max_size=60).map(lambda b: bytes(junk_bytes[x % len(junk_bytes)] for x in b))
    stream = b"".join(data.draw(st.lists(st.one_of(junk, text_records(protocol)), max_size=20)))
    whole, by_byte = StreamDecoder(protocol), StreamDecoder(protocol)
    events = whole.feed(stream)
    assert [e for i in range(len(stream)) for e in by_byte.feed(stream[i : i + 1])] == events
    assert whole.dropped == by_byte.dropped and whole.bytes_dropped == by_byte.bytes_dropped
    assert whole.bytes_decoded + sum(whole.bytes_dropped.values()) + whole.buffered == len(stream)


def test_end_counts_a_half_frame_still_held_as_truncated():
    decoder = StreamDecoder()
    assert [e.passing_number for e in decoder.feed(A + B[:20])] == [100]
    decoder.end()
    assert dict(decoder.dropped) == {DropReason.TRUNCATED: 1}
    assert dict(decoder.bytes_dropped) == {DropReason.TRUNCATED: 20}
    assert decoder.buffered == 0
    assert decoder.bytes_decoded + sum(decoder.bytes_dropped.values()) == len(A) + 20  # every byte accounted for


def test_end_after_whole_frames_or_garbage_drops_nothing_more():
    decoder = StreamDecoder()
    decoder.feed(A + b"\x00\x01\x02")
    decoder.end()
    assert dict(decoder.dropped) == {DropReason.GARBAGE: 1}
