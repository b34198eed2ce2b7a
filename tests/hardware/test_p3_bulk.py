"""The bulk P3 path (numpy) gives exactly what stepping frame by frame gives: events, drops, bytes."""

from __future__ import annotations

import dataclasses
import random
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware import framing
from hardware.events import DecoderStatus, DecoderVersion, Passing
from hardware.framing import StreamDecoder
from hardware.p3 import encode_passing, encode_status, encode_version
from hardware.p3.bulk import FRAMING_BLOCK, Framing, find_framing, framing_of, scan
from hardware.p3.columns import PassingColumns
from hardware.p3.constants import EOR, ESC, SOR
from hardware.p3.crc_columns import PAIRED_ROWS, frame_crcs
from hardware.p3.frame import frame_crc

SPECIAL = (0x8D, 0x8E, 0x8F)

# values that sometimes need escaping (0x8D..0x8F bytes inside) and sometimes not
u32 = st.one_of(st.integers(0, 2**32 - 1), st.sampled_from([0x8E8F8D00, 0x8D, 0x8F8E, 0x8E]))
u16 = st.one_of(st.integers(0, 2**16 - 1), st.sampled_from([0x8E, 0x8D8F]))
passings = st.tuples(u32, u32, u32, st.integers(0, 2**63 - 1), u16, u16).map(lambda t: Passing(*t))
passings_other_layout = st.tuples(u32, u32, u32, st.integers(0, 2**63), u16, st.integers(0, 2**63)).map(
    lambda t: Passing(*t[:4], strength=None, hits=t[4], utc_time_us=t[5]))
statuses = st.tuples(u32, st.one_of(st.none(), u16), st.integers(-300, 300), st.integers(0, 255), st.booleans()).map(
    lambda t: DecoderStatus(*t))


def _corrupt(wire: bytes, index: int, value: int) -> bytes:
    """One byte of a frame replaced (a CRC or LENGTH error, or a stray special byte)."""
    index = 1 + index % (len(wire) - 2)
    return wire[:index] + bytes((value,)) + wire[index + 1 :]


piece = st.one_of(
    passings.map(encode_passing),
    passings.map(encode_passing),
    statuses.map(encode_status),
    passings_other_layout.map(encode_passing),
    st.just(encode_version(DecoderVersion(7, 3, "AMB RC4", "4.1"))),
    st.tuples(passings.map(encode_passing), st.integers(0, 100), st.integers(0, 255)).map(lambda t: _corrupt(*t)),
    st.tuples(passings.map(encode_passing), st.integers(1, 50)).map(lambda t: t[0][: t[1]]),  # cut short
    st.binary(max_size=30),  # garbage
    st.lists(st.sampled_from([0x8E, 0x8F, 0x8D, 0x00, 0x41]), max_size=12).map(bytes),  # flood-like junk
)


class AlwaysBulk(StreamDecoder):
    """Every read the bulk way, floods too (the product steps through floods), every size in numpy."""

    bulk_min_group = 1

    def _bulk_framing(self, buffer: bytes) -> Framing:
        return framing_of(buffer)


def _decode(stream: bytes, cuts: list[int], bulk_min_bytes: int | None, columns: bool = False) -> tuple:
    """Feed ``stream`` cut at ``cuts`` (``bulk_min_bytes`` None: step; else bulk, as events or as columns
    made events); everything a decoder reports."""
    decoder = StreamDecoder(bulk_min_bytes=None, source="s") if bulk_min_bytes is None else AlwaysBulk(source="s")
    events = []
    previous = 0
    for cut in [*sorted(cuts), len(stream)]:
        if columns:
            events.extend(decoder.feed_columns(stream[previous:cut], host_time_ns=cut).events())
        else:
            events.extend(decoder.feed(stream[previous:cut], host_time_ns=cut))
        previous = cut
    return (events, dict(decoder.dropped), dict(decoder.bytes_dropped), decoder.frames_decoded,
            decoder.bytes_decoded, decoder.skipped_bytes, dict(decoder.other_records), decoder.buffered)


@settings(max_examples=150, deadline=None)
@given(st.lists(piece, max_size=60), st.lists(st.integers(0, 4000), max_size=3))
def test_bulk_decode_equals_streaming(pieces, cuts):
    stream = b"".join(pieces)
    cuts = [c for c in cuts if c <= len(stream)]
    streamed = _decode(stream, cuts, bulk_min_bytes=None)
    assert _decode(stream, cuts, bulk_min_bytes=0) == streamed
    assert _decode(stream, cuts, bulk_min_bytes=0, columns=True) == streamed


@settings(max_examples=100, deadline=None)
@given(st.lists(piece, max_size=60), st.integers(16, 400))
def test_a_large_buffer_decoded_in_pieces_equals_streaming(pieces, piece_bytes):
    """A buffer over ``BULK_PIECE_BYTES`` is decoded piece by piece: frames across a cut, garbage, counts all the same."""
    stream = b"".join(pieces)
    streamed = _decode(stream, [], bulk_min_bytes=None)
    with mock.patch.object(framing, "BULK_PIECE_BYTES", piece_bytes):
        assert _decode(stream, [], bulk_min_bytes=0) == streamed
        assert _decode(stream, [], bulk_min_bytes=0, columns=True) == streamed


def test_bulk_decode_handles_a_large_mixed_stream_like_the_stream():
    rng = random.Random(5)
    pieces = []
    for number in range(3000):
        wire = encode_passing(Passing(268307, number, rng.randrange(2**32), rng.randrange(2**60), 100, 20))
        roll = rng.random()
        if roll < 0.02:
            wire = _corrupt(wire, rng.randrange(60), rng.randrange(256))
        elif roll < 0.03:
            wire = bytes(rng.randrange(256) for _ in range(rng.randrange(40))) + wire
        pieces.append(wire)
        if number % 8 == 0:
            pieces.append(encode_status(DecoderStatus(268307, rng.randrange(90), 24, 121, False)))
    stream = b"".join(pieces)
    bulk = _decode(stream, [70_000], bulk_min_bytes=0)
    assert bulk == _decode(stream, [70_000], bulk_min_bytes=None)
    assert len(bulk[0]) > 3000 and bulk[1]  # most frames decoded, some dropped: both paths exercised
    assert _decode(stream, [70_000], bulk_min_bytes=0, columns=True) == bulk


def test_the_passings_of_a_capture_come_as_columns_not_objects():
    sent = [Passing(268307, number, 1_000 + number % 7, 5_000_000 * number, 90 + number % 50, 20) for number in range(500)]
    status = DecoderStatus(268307, 40, 24, 121, False)
    stream = b"".join(encode_passing(p) + (encode_status(status) if p.passing_number % 100 == 0 else b"") for p in sent)
    decoded = StreamDecoder(source="cap").feed_columns(stream, host_time_ns=9)
    assert len(decoded.passings) == 500 and decoded.others == [dataclasses.replace(status, host_time_ns=9, source="cap")] * 5  # only the statuses are objects
    assert decoded.passings.transponder.tolist() == [p.transponder for p in sent]
    assert decoded.passings.passings() == [p._replace(host_time_ns=9, source="cap") for p in sent]
    assert decoded.events() == StreamDecoder(bulk_min_bytes=None, source="cap").feed(stream, host_time_ns=9)


def test_the_real_captures_decode_in_bulk_as_streamed(captures):
    streams = [path.read_bytes() for path in sorted((captures / "p3").rglob("*")) if path.is_file()]
    streams += [bytes.fromhex("".join(path.read_text().split())) for path in sorted((captures / "p3").rglob("*.hex"))]
    stream = b"".join(streams)
    assert _decode(stream, [], bulk_min_bytes=0) == _decode(stream, [], bulk_min_bytes=None)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(11, 300))
def test_vectorised_crc_equals_the_crc_of_each_frame(count, size):
    rng = random.Random(size)
    frames = np.array([[rng.randrange(256) for _ in range(size)] for _ in range(count)], dtype=np.uint8)
    assert frame_crcs(frames).tolist() == [frame_crc(bytes(frame)) for frame in frames]


@pytest.mark.parametrize("size", [11, 12, 31, 51, 300])
def test_many_rows_are_summed_two_bytes_at_a_time_with_the_same_crc(size: int) -> None:
    frames = np.random.default_rng(size).integers(0, 256, (PAIRED_ROWS + 3, size), dtype=np.uint8)
    assert frame_crcs(frames).tolist() == [frame_crc(bytes(frame)) for frame in frames]
    assert frame_crcs(frames[:, ::-1]).tolist() == [frame_crc(bytes(frame)) for frame in frames[:, ::-1]]  # a view


def test_a_clean_run_is_one_bulk_step_and_garbage_between_frames_a_stream_step():
    good = encode_passing(Passing(1, 2, 3, 4, 5, 6))
    clean = scan(good * 5)
    assert len(clean.starts) == 5 and clean.steps == [] and clean.end == 5 * len(good)
    messy = scan(good + b"junk" + good + good[:20])
    assert len(messy.starts) == 2 and [pos for pos, _ in messy.steps] == [len(good)]
    assert messy.end == 2 * len(good) + 4  # the cut frame waits for more bytes


@pytest.mark.parametrize("special", SPECIAL)
def test_escaped_bytes_are_undone_in_bulk(special: int) -> None:
    passing = Passing(1, special, special << 8, 4, 5, 6)
    wire = encode_passing(passing)
    assert bytes((0x8D,)) in wire
    stream = wire * 300
    scanned = scan(stream)
    assert not scanned.steps and len(scanned.starts) == 300 and len(scanned.escapes) == 600
    assert _decode(stream, [], 0)[0] == [passing._replace(host_time_ns=len(stream), source="s")] * 300


@pytest.mark.parametrize("after", [b"\x8d\xad", b"\x10", b""])
def test_a_frame_with_an_odd_escape_is_left_to_the_stream_step(after: bytes) -> None:
    good = encode_passing(Passing(1, 2, 3, 4, 5, 6))
    odd = good[:20] + b"\x8d" + after + good[20:]  # escape before an escape, a low byte, or the end byte
    stream = good + odd + good
    scanned = scan(stream)
    assert [pos for pos, _ in scanned.steps] == [len(good)] and len(scanned.starts) == 2
    assert _decode(stream, [], 0) == _decode(stream, [], None)


def test_a_flood_goes_the_stream_way_and_frames_the_bulk_way():
    good = encode_passing(Passing(1, 2, 3, 4, 5, 6)) * 400
    framing = StreamDecoder()._bulk_framing(good)
    assert framing is not None and len(framing.sors) == len(framing.eors) == 400 and len(framing.escs) == 0
    assert StreamDecoder()._bulk_framing(b"\x8e\x8f" * 10_000) is None  # start and end bytes only
    assert StreamDecoder()._bulk_framing(good[:1000]) is None  # a live read of a few frames
    assert StreamDecoder(bulk_min_bytes=None)._bulk_framing(good) is None


def test_a_block_with_more_than_a_quarter_framing_bytes_is_a_flood():
    frame = encode_passing(Passing(1, 2, 3, 4, 5, 6))
    assert find_framing(frame * 2000) is not None
    quarter = (bytes((SOR,)) + bytes(3)) * 1000
    assert find_framing(quarter) is not None and len(find_framing(quarter).sors) == 1000
    assert find_framing(bytes(FRAMING_BLOCK) + quarter) is not None
    for special in (SOR, EOR, ESC):  # counted together, in whichever block
        assert find_framing(bytes(FRAMING_BLOCK) + quarter[:-1] + bytes((special,))) is None


def test_columns_of_a_decode_and_of_objects_join_without_losing_precision():
    late = Passing(268307, 1, 1000, 2**62 + 1, 90, 20)  # a time a float64 could not hold exactly
    decoded = StreamDecoder().feed_columns(encode_passing(late) * 200).passings
    joined = PassingColumns.concatenate([PassingColumns.empty(), decoded, PassingColumns.from_passings([late])])
    assert joined.rtc_time_us.tolist() == [2**62 + 1] * 201


def _fits_columns(passing: Passing) -> bool:
    return (passing.strength is not None and passing.hits is not None and passing.transponder_code is None
            and passing.utc_time_us is None)


@settings(max_examples=100, deadline=None)
@given(st.lists(piece, max_size=60), st.lists(st.integers(0, 4000), max_size=3))
def test_every_passing_of_a_decode_comes_as_columns_in_stream_order(pieces, cuts):
    """Short reads are stepped through, so their passings are objects: ``passing_columns`` takes them in too,
    in stream order, or says None when one of them cannot be a column."""
    stream = b"".join(pieces)
    decoder, parts, previous = StreamDecoder(source="s"), [], 0
    for cut in [*sorted(c for c in cuts if c <= len(stream)), len(stream)]:
        parts.append(decoder.feed_columns(stream[previous:cut]))
        previous = cut
    passings = [event for part in parts for event in part.events() if isinstance(event, Passing)]
    columns = [part.passing_columns() for part in parts]
    if all(_fits_columns(p) for p in passings):
        assert PassingColumns.concatenate(columns, source="s").passings() == passings
    else:
        assert None in columns


def test_a_capture_whose_last_read_is_short_keeps_all_its_passings_in_columns():
    sent = [Passing(268307, number, 1_000 + number % 7, 5_000_000 * number, 90 + number % 50, 20) for number in range(600)]
    status = DecoderStatus(268307, 40, 24, 121, False)
    stream = b"".join(encode_passing(p) + (encode_status(status) if p.passing_number % 100 == 0 else b"") for p in sent)
    decoder = StreamDecoder(source="cap")
    parts = [decoder.feed_columns(stream[:-700]), decoder.feed_columns(stream[-700:])]  # the tail is stepped
    assert len(parts[0].passings) > 500 and not len(parts[1].passings) and parts[1].others  # both ways taken
    columns = PassingColumns.concatenate([part.passing_columns() for part in parts], source="cap")
    assert columns.passings() == [p._replace(source="cap") for p in sent]
