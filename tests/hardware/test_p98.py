"""P98 text protocol against every real record with a checksum, and its stream framing."""

from __future__ import annotations

import pytest

from hardware import DecoderStatus, FrameError, Passing
from hardware.drops import DropReason
from hardware.framing import StreamDecoder
from hardware.p98 import P98Record, decode_line, encode_fields, encode_passing, encode_status, seconds_to_us

P98_LINE_FILES = ("p98_vostok_lines.txt", "p98_rc4_decoder20_quoted.txt")


def real_lines(captures):
    folder = captures / "text-protocols"
    return [line for name in P98_LINE_FILES for line in (folder / name).read_text().splitlines() if line]


def test_every_real_record_checks_and_decodes(captures):
    events = [decode_line(line) for line in real_lines(captures)]
    assert len(events) == 29
    assert sum(isinstance(e, Passing) for e in events) == 16
    assert sum(isinstance(e, DecoderStatus) for e in events) == 13


def test_vostok_passing_fields(captures):
    line = (captures / "text-protocols/p98_vostok_lines.txt").read_text().splitlines()[1]
    assert decode_line(line) == Passing(
        decoder_id=101, passing_number=1379, transponder=8110984, decoder_time_us=2_434_835_000,
        hits=190, strength=40,
    )


def test_trailing_zero_dropped_time_is_exact(captures):
    line = (captures / "text-protocols/p98_rc4_decoder20_quoted.txt").read_text().splitlines()[-1]
    passing = decode_line(line)
    assert (passing.transponder, passing.decoder_time_us) == (3885036, 688_410_000)


@pytest.mark.parametrize(
    ("text", "micros"),
    [("52083.691", 52_083_691_000), ("688.41", 688_410_000), ("7", 7_000_000), ("0.000001", 1), ("0.1", 100_000)],
)
def test_seconds_convert_exactly(text, micros):
    assert seconds_to_us(text) == micros


def test_wire_bytes_stream(captures):
    data = (captures / "text-protocols/p98_vostok_wire_bytes.bin").read_bytes()
    decoder = StreamDecoder("p98")
    events = [e for i in range(len(data)) for e in decoder.feed(data[i : i + 1])]
    assert events == [
        Passing(101, 9788, 8110984, 52_083_691_000, strength=40, hits=127),
        DecoderStatus(101, noise=0, sequence=9789),
    ]
    assert not decoder.dropped


def test_encoders_produce_checkable_records(captures):
    data = (captures / "text-protocols/p98_vostok_wire_bytes.bin").read_bytes()
    passing = Passing(101, 9788, 8110984, 52_083_691_000, strength=40, hits=127)
    status = DecoderStatus(101, noise=0, sequence=9789)
    assert encode_passing(passing) + encode_status(status) == data


def test_dollar_record_from_spec_checks():
    record = decode_line("$\t40\t3\t5\t28800\txF9EB")
    assert record == P98Record("$", ("40", "3", "5", "28800"))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\x01@\t101\t9788\t8110984\t52083.691\t127\t40\t2\tx3DAE\r\n", DropReason.BAD_CRC),
        (b"\x01@\t101\t9788\t8110984\t52083.691\t127\t40\t2\r\n", DropReason.BAD_FIELD),
        (b"\x01@\t101\t9788\t\x01#\t101\t9789\t0\tx840E\r\n", DropReason.TRUNCATED),
    ],
)
def test_bad_records_are_dropped_and_counted(raw, reason):
    decoder = StreamDecoder("p98")
    events = decoder.feed(b"noise" + raw + b"\x01#\t101\t9789\t0\tx840E\r\n")
    assert events[-1] == DecoderStatus(101, noise=0, sequence=9789)
    assert decoder.dropped[reason] == 1


def test_strict_decode_raises_frame_error():
    with pytest.raises(FrameError) as caught:
        decode_line("@\t101\t9788\t8110984\t52083.691\t127\t40\t2\tx0000")
    assert caught.value.reason == DropReason.BAD_CRC


def test_bad_time_is_a_bad_field():
    decoder = StreamDecoder("p98")
    assert decoder.feed(encode_fields("@", [1, 2, 3, "12.3x", 4, 5, 2])) == []
    assert decoder.dropped[DropReason.BAD_FIELD] == 1
