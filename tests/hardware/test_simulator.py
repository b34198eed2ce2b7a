"""The simulator: deterministic, realistic laps, real protocol bytes, faults that a reader survives."""

from __future__ import annotations

from collections import defaultdict

from hardware import LinkState, Passing
from hardware.events import DecoderErrorReport, DecoderStatus
from hardware.framing import StreamDecoder
from hardware.p3 import decode_wire_record, encode_resend
from hardware.reader import DecoderReader
from hardware.sequence import RESEND_TO_NEWEST
from hardware.simulator.field import FieldConfig, crossings
from hardware.simulator.serve import TcpDecoderServer
from hardware.simulator.virtual_decoder import ERROR_TOR_UNKNOWN, VirtualDecoder

from .collect import Collector, has_state


def stream(config: FieldConfig, protocol: str = "p3") -> bytes:
    return b"".join(data for data, _ in VirtualDecoder(config, protocol).timeline())


def test_same_seed_same_bytes_other_seed_other_bytes():
    config = FieldConfig(cars=8, seed=11, minutes=6, faults=True)
    assert stream(config) == stream(config)
    assert stream(config) != stream(FieldConfig(cars=8, seed=12, minutes=6, faults=True))


def test_laps_are_realistic_and_numbers_increase():
    decoder = VirtualDecoder(FieldConfig(cars=15, seed=2, minutes=30))
    events = StreamDecoder().feed(b"".join(data for data, _ in decoder.timeline()))
    passings = [e for e in events if isinstance(e, Passing)]
    numbers = [p.passing_number for p in passings]
    assert numbers == list(range(10_001, 10_001 + len(passings)))
    by_car: dict[int, list[int]] = defaultdict(list)
    for passing in passings:
        by_car[passing.transponder].append(passing.decoder_time_us)
    assert len(by_car) == 15
    laps = [b - a for times in by_car.values() for a, b in zip(times, times[1:])]
    assert all(75_000_000 < lap < 175_000_000 for lap in laps)
    assert len(laps) > 15 * 12


def test_status_about_every_five_seconds():
    pieces = list(VirtualDecoder(FieldConfig(cars=2, seed=1, minutes=3)).timeline())
    status_times = [t for data, t in pieces if decode_wire_record(data).tor == 2]
    gaps = {b - a for a, b in zip(status_times, status_times[1:])}
    assert gaps == {5_000_000}


def test_faults_make_missed_and_double_reads():
    config = FieldConfig(cars=20, seed=4, minutes=40, faults=True, missed_read_rate=0.05, double_read_rate=0.05)
    reads = list(crossings(config))
    clean = list(crossings(FieldConfig(cars=20, seed=4, minutes=40)))
    assert sum(r.second_read for r in reads) > 5
    by_car: dict[int, list[int]] = defaultdict(list)
    for read in reads:
        if not read.second_read:
            by_car[read.transponder].append(read.decoder_time_us)
    long_laps = [b - a for times in by_car.values() for a, b in zip(times, times[1:]) if b - a > 160_000_000]
    assert long_laps, "a missed read shows as a lap about twice as long"
    assert reads != clean


def test_line_faults_are_dropped_and_resend_recovers_corrupt_frames():
    decoder = VirtualDecoder(FieldConfig(cars=30, seed=9, minutes=60, faults=True))
    stream_decoder = StreamDecoder()
    received = {e.passing_number for e in stream_decoder.feed(b"".join(d for d, _ in decoder.timeline()))
                if isinstance(e, Passing)}
    lost = sorted(set(decoder.memory) - received)
    assert lost, "with faults some frames are corrupted on the line"
    assert stream_decoder.dropped["garbage"] > 0
    assert stream_decoder.dropped["bad_crc"] + stream_decoder.dropped["truncated"] + \
        stream_decoder.dropped["bad_length"] >= len(lost)
    answer = decoder.answer(decode_wire_record(encode_resend(lost[0], lost[0])))
    assert [p.passing_number for p in StreamDecoder().feed(answer)] == [lost[0]]
    assert StreamDecoder().feed(answer)[0] == decoder.memory[lost[0]]


def test_sim_url_with_faults_delivers_every_passing_via_resend():
    url = "sim://?cars=30&seed=9&minutes=60&faults=1&speed=0"
    collector = Collector()
    reader = DecoderReader(url, [collector]).start()
    collector.wait_for(has_state(LinkState.ENDED))
    reference = VirtualDecoder(FieldConfig(cars=30, seed=9, minutes=60, faults=True))
    list(reference.timeline())
    numbers = [p.passing_number for p in collector.passings]
    assert len(numbers) == len(set(numbers))
    assert sorted(numbers) == sorted(reference.memory)
    assert reader.resend_requests


def test_p98_simulator_speaks_checked_text():
    data = stream(FieldConfig(cars=4, seed=1, minutes=5), "p98")
    assert data.startswith(b"\x01#\t")
    events = StreamDecoder("p98").feed(data)
    passings = [e for e in events if isinstance(e, Passing)]
    assert passings and all(p.decoder_time_us % 1000 == 0 for p in passings)
    sequence = [getattr(e, "passing_number", None) or e.sequence for e in events]
    assert sequence == list(range(len(events)))


def test_an_open_resend_gets_everything_held_from_its_first_number_on():
    decoder = VirtualDecoder(FieldConfig(cars=5, seed=6, minutes=5))
    timeline = decoder.timeline()
    while len(decoder.memory) < 12:  # the decoder is part-way through its session
        next(timeline)
    first = decoder.first_passing_number
    answer = decoder.answer(decode_wire_record(encode_resend(first + 7, RESEND_TO_NEWEST)))
    assert StreamDecoder().feed(answer) == decoder.passings()[7:12]
    beyond = decoder.answer(decode_wire_record(encode_resend(first + 12, RESEND_TO_NEWEST)))
    assert beyond == b""


def test_a_decoder_without_resend_answers_with_an_error_record():
    decoder = VirtualDecoder(FieldConfig(cars=2, seed=6, minutes=2), answers_resend=False)
    list(decoder.timeline())
    events = StreamDecoder().feed(decoder.answer(decode_wire_record(encode_resend(decoder.first_passing_number,
                                                                                   RESEND_TO_NEWEST))))
    assert events == [DecoderErrorReport(decoder.decoder_id, ERROR_TOR_UNKNOWN, "TOR Unknown")]


def test_the_tcp_decoder_keeps_its_heartbeat_after_the_session():
    decoder = VirtualDecoder(FieldConfig(cars=2, seed=6, minutes=2))
    server = TcpDecoderServer(decoder, speed=0).start()
    collector = Collector()
    reader = None
    try:
        assert server.finished.wait(20)  # the session is over before anyone connects
        reader = DecoderReader(server.url, [collector]).start()
        collector.wait_for(lambda events: sum(isinstance(e, DecoderStatus) for e in events) >= 2)
    finally:
        if reader is not None:
            reader.stop()
            reader.join(5)
        server.stop()
    assert {e.decoder_id for e in collector.events if isinstance(e, DecoderStatus)} == {decoder.decoder_id}
