"""Chronelec/Protime lines: every real line's byte-sum checks, fields decode, bad lines drop."""

from __future__ import annotations

from hardware import Passing
from hardware.capture import read_capture
from hardware.drops import DropReason
from hardware.framing import StreamDecoder
from hardware.protime import channel_id, channel_name, encode_passing


def test_every_real_line_checks_and_decodes(captures):
    path = captures / "text-protocols/chronelec_protime_lines.txt"
    decoder = StreamDecoder("protime")
    events = decoder.feed(path.read_bytes())
    assert len(events) == 6
    assert dict(decoder.dropped) == {}  # the line ends are the protocol's, not garbage
    assert decoder.bytes_decoded == len(path.read_bytes())
    b01 = [e for e in events if e.decoder_id == channel_id("B01")]
    assert [(p.passing_number, p.transponder) for p in b01] == [(1, 93367), (2, 255)]
    assert b01[0].decoder_time_us == ((3 * 60 + 45) * 60 + 8) * 1_000_000 + 388_000
    assert b01[0].strength == 44
    assert len(list(read_capture(path, "protime"))) == 6


def test_encoder_reproduces_a_real_line(captures):
    line = (captures / "text-protocols/chronelec_protime_lines.txt").read_bytes().splitlines()[3]
    passing = Passing(channel_id("B01"), 1, 93367, 13_508_388_000, strength=44)
    assert encode_passing(passing) == line + b"\r\n"
    assert channel_name(channel_id("STA")) == "STA"


def test_line_ends_split_across_reads_are_no_drops():
    good = b"<B01 093367 03:45'08\"388 44 01 0 1522>\r\n"
    decoder = StreamDecoder("protime")
    events = [*decoder.feed(good[:-2]), *decoder.feed(b"\r"), *decoder.feed(b"\n" + good)]
    assert [e.passing_number for e in events] == [1, 2]
    assert dict(decoder.dropped) == {}
    assert decoder.bytes_decoded + decoder.buffered == 2 * len(good)


def test_bad_checksum_and_bad_layout_are_dropped():
    good = b"<B01 093367 03:45'08\"388 44 01 0 1522>\r\n"
    misfit = b"B01 0933x7 03:45'08\"388 44 01 0 "
    decoder = StreamDecoder("protime")
    events = decoder.feed(good.replace(b"1522", b"1523") + b"<" + misfit + b"%04d>\r\n" % sum(misfit) + good)
    assert [e.transponder for e in events] == [93367]
    assert decoder.dropped[DropReason.BAD_CRC] == 1
    assert decoder.dropped[DropReason.BAD_FIELD] == 1
