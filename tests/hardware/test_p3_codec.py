"""P3 codec against every real captured frame: decode, typed fields, byte-exact re-encoding."""

from __future__ import annotations

import pytest

from hardware import DecoderStatus, FrameError, Passing
from hardware.drops import DropReason
from hardware.p3 import (
    P3Record,
    Tor,
    decode_wire_frame,
    decode_wire_record,
    encode_get_time,
    encode_passing,
    encode_record,
    encode_resend,
    encode_status,
    resend_range,
)
from hardware.p3.frame import frame_crc
from hardware.p3.records import CODE_ONLY_BASE, code_to_transponder, encode_error, encode_version
from hardware.events import DecoderErrorReport, DecoderVersion

from .wire import all_p3_frames, hex_frames

WORKED_EXAMPLE = bytes.fromhex(
    "8e0233008dae4000000100 01047c680200 030473d75600 0408882878f31e830500"
    " 0502b200 06021f00 08020000 810413180400 8f".replace(" ", "")
)


def test_worked_example_decodes_to_the_spec_values():
    passing = decode_wire_frame(WORKED_EXAMPLE)
    assert passing == Passing(
        decoder_id=268307, passing_number=157820, transponder=5691251,
        decoder_time_us=1_551_543_840_549_000, strength=178, hits=31,
    )


def test_status_example_decodes_to_the_spec_values():
    wire = bytes.fromhex("8e021f004d7c0000020001022700070216000c01760601008104131804008f")
    assert decode_wire_frame(wire) == DecoderStatus(
        decoder_id=268307, noise=39, temperature=22, input_voltage_dv=118, gps=False
    )


def test_every_captured_frame_decodes_and_reencodes_byte_for_byte(captures):
    frames = all_p3_frames(captures)
    assert len(frames) == 1388 + 4 + 10
    for wire in frames:
        event = decode_wire_frame(wire)
        assert isinstance(event, Passing | DecoderStatus)
        assert encode_record(decode_wire_record(wire)) == wire


def test_vmindru_capture_content(captures):
    events = [decode_wire_frame(w) for w in hex_frames(captures / "p3/vmindru-ambp3client/amb.out")]
    passings = [e for e in events if isinstance(e, Passing)]
    assert len(passings) == 84
    assert [p.passing_number for p in passings] == list(range(157777, 157861))
    assert {p.decoder_id for p in events} == {268307}
    assert len({p.transponder for p in passings}) == 3
    assert all(p.decoder_time_us % 1000 == 0 for p in passings)  # RC decoders report whole ms


def test_typed_passings_reencode_exactly(captures):
    """Typed encoding reproduces AMB RC decoder frames (field order 01 03 04 05 06 08 81)."""
    for wire in hex_frames(captures / "p3/vmindru-ambp3client/amb.out"):
        event = decode_wire_frame(wire)
        encoder = encode_passing if isinstance(event, Passing) else encode_status
        assert encoder(event) == wire


def test_forum_frame_with_printed_code_and_unknown_fields(captures):
    wire = hex_frames(captures / "p3/forum-frames/hobbytalk_quoted_frames.hex")[0]
    passing = decode_wire_frame(wire)
    assert passing.transponder_code == "PV-38463"
    assert passing.transponder >= CODE_ONLY_BASE  # no 0x03 field: numbered from the code
    assert passing.passing_number == 290114
    assert (passing.strength, passing.hits, passing.decoder_id) == (122, 40, 0x00020F08)
    record = decode_wire_record(wire)
    assert record.uint(0x11) == 3 and record.uint(0x14) == 3


def test_printed_code_numbers_are_distinct_and_round_trip():
    a = Passing(1, 1, 0, 5, transponder_code="PV-38463")
    numbers = {code_to_transponder(code) for code in (b"PV-38463", b"PV-38464", b"FL-94890")}
    assert len(numbers) == 3 and min(numbers) >= CODE_ONLY_BASE and max(numbers) < 2**63
    coded = a._replace(transponder=code_to_transponder(b"PV-38463"))
    assert decode_wire_frame(encode_passing(coded)) == coded


def test_escapes_inside_crc_are_handled(captures):
    raw = (captures / "p3/datagutten-amb-p3-parser/bad_passing").read_bytes()
    assert b"\x8d\xaf" in raw
    passing = decode_wire_frame(raw)
    assert (passing.passing_number, passing.transponder) == (113735, 2906141)
    assert passing.decoder_time_us == 1437769350327000


def test_encoder_escapes_exactly_8d_8e_8f():
    passing = Passing(0x8A8B8C8D, 0x8E8F0001, 5, 6, strength=0x8C, hits=0x8A)
    wire = encode_passing(passing)
    inner = wire[1:-1]
    assert 0x8E not in inner and 0x8F not in inner
    assert b"\x8a" in inner and b"\x8b" in inner and b"\x8c" in inner  # sent raw, as decoders do
    assert decode_wire_frame(wire) == passing


def test_get_time_request_matches_spec_bytes():
    assert encode_get_time() == bytes.fromhex("8e0211004e4e0000240001000400050 08f".replace(" ", ""))
    assert encode_get_time(version=0)[4:6] != b"\x00\x00"


def test_resend_request_round_trip():
    wire = encode_resend(0x312D, 0x312E)
    record = decode_wire_record(wire)
    assert record.tor == Tor.RESEND
    assert resend_range(record) == (0x312D, 0x312E)
    with pytest.raises(ValueError):
        encode_resend(10, 9)


def test_version_and_error_records_round_trip():
    version = DecoderVersion(decoder_id=268307, decoder_type=0x10, description="AMBrc", version="3.4",
                             release=7, registration=99, build_number=17, options=9)
    assert decode_wire_frame(encode_version(version)) == version
    error = DecoderErrorReport(decoder_id=268307, code=4, description="TOR Unknown")
    assert decode_wire_frame(encode_error(error)) == error


def test_unknown_record_types_stay_generic():
    wire = encode_record(P3Record(Tor.PING, ((0x81, b"\x01\x00\x00\x00"),)))
    assert decode_wire_frame(wire) == P3Record(Tor.PING, ((0x81, b"\x01\x00\x00\x00"),))


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda w: w[:5] + bytes([w[5] ^ 1]) + w[6:], DropReason.BAD_CRC),
        (lambda w: w[:2] + bytes([w[2] + 1]) + w[3:], DropReason.BAD_LENGTH),
        (lambda w: w[:-2] + b"\x8d" + w[-1:], DropReason.BAD_ESCAPE),
        (lambda w: w[:20] + b"\x8e" + w[20:], DropReason.TRUNCATED),
    ],
)
def test_strict_decode_names_what_is_wrong(mangle, reason):
    wire = encode_passing(Passing(1, 2, 3, 4, 5, 6))
    with pytest.raises(FrameError) as caught:
        decode_wire_frame(mangle(wire))
    assert caught.value.reason == reason


def test_field_running_past_the_end_is_a_bad_field():
    record = P3Record(Tor.PASSING, ((0x01, b"\x01\x00\x00\x00"),))
    frame = bytearray(encode_record(record))
    frame[11] = 40  # field claims 40 bytes
    frame[4:6] = frame_crc(bytes(frame)).to_bytes(2, "little")
    with pytest.raises(FrameError) as caught:
        decode_wire_frame(bytes(frame))
    assert caught.value.reason == DropReason.BAD_FIELD
