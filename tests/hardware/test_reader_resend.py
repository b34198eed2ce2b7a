"""The reader over a real TCP link: RESEND of the tail and of gaps after a drop, passings held behind a gap."""

from __future__ import annotations

import threading

import pytest

from hardware import LinkState, LinkStatus, Passing
from hardware.events import DecoderErrorReport, DecoderStatus
from hardware.framing import BULK_MIN_BYTES
from hardware.sequence import RESEND_TO_NEWEST
from hardware.simulator.field import FieldConfig
from hardware.simulator.serve import TcpDecoderServer
from hardware.simulator.virtual_decoder import ERROR_TOR_UNKNOWN, VirtualDecoder

from .collect import Collector, has_passings, has_state, wait_until
from .gate import Gate, GatedBackoff, LateToResend, SilentUntilAllowed, reading, serving


def _link_dropped_after(count: int, gate: Gate, server: TcpDecoderServer, collector: Collector) -> None:
    """The session starts; once the reader has the decoder's first ``count`` passings the link drops, and the
    reader knows it."""
    assert server.wait_for_connections(1, 20)
    gate.start.set()
    assert gate.reached[count].wait(20)
    collector.wait_for(has_passings(count))
    server.drop_client()
    collector.wait_for(has_state(LinkState.RECONNECTING))


def test_tcp_drop_reconnect_and_resend_lose_and_double_nothing():
    decoder = VirtualDecoder(FieldConfig(cars=12, seed=5, minutes=8))
    gate = Gate(decoder, stops=[10, 25])
    backoff = GatedBackoff()
    collector = Collector()
    with serving(decoder, gate) as server, reading(server.url, [collector], backoff=backoff) as reader:
        _link_dropped_after(10, gate, server, collector)  # the network cable is pulled mid-session
        gate.release[10].set()  # passings 11..25 happen while nobody listens
        assert gate.reached[25].wait(20)
        backoff.allowed.set()
        assert server.wait_for_connections(2, 20)
        gate.release[25].set()  # the session goes on: the decoder speaks and is asked for the tail
        assert server.finished.wait(20)
        collector.wait_for(has_passings(len(decoder.memory)))
    numbers = [p.passing_number for p in collector.passings]
    first = decoder.first_passing_number
    assert sorted(numbers) == list(range(first, first + len(decoder.memory)))
    assert len(numbers) == len(set(numbers))
    # The first thing heard on the new connection asks for everything from 11 on; a later gap
    # request (if the STATUS came before passing 26) may repeat part of it, never more.
    assert reader.resend_requests[0] == (first + 10, RESEND_TO_NEWEST)
    assert all(start == first + 10 for start, _ in reader.resend_requests)
    assert server.connections == 2


def _catch_up(config: FieldConfig, journaled: int, raw_listeners=(), read_listeners=()):
    """A whole session made while no reader was connected, then a reader that has journaled the first
    ``journaled`` passings connects: (decoder, reader, what it delivered), once the tail has arrived."""
    decoder = VirtualDecoder(config)
    collector = Collector()
    with serving(decoder) as server:
        assert server.finished.wait(20)
        first, made = decoder.first_passing_number, len(decoder.memory)
        with reading(server.url, [collector], raw_listeners=list(raw_listeners), read_listeners=list(read_listeners),
                     last_seen={decoder.decoder_id: first + journaled - 1}) as reader:
            collector.wait_for(has_passings(made - journaled))
    collector.drain()
    return decoder, reader, [p._replace(host_time_ns=0, source="") for p in collector.passings]


def test_a_resumed_reader_fetches_the_tail_with_no_later_passing_to_reveal_it():
    journaled = 9  # the journal holds the first nine; everything after them is the tail
    decoder, reader, got = _catch_up(FieldConfig(cars=6, seed=2, minutes=6), journaled)
    assert got == decoder.passings()[journaled:]
    assert reader.resend_requests == [(decoder.first_passing_number + journaled, RESEND_TO_NEWEST)]


def test_a_resend_catch_up_burst_is_decoded_in_bulk_each_passing_once_in_order():
    read_sizes: list[int] = []
    journaled = 5
    decoder, reader, got = _catch_up(FieldConfig(cars=60, seed=3, minutes=60), journaled,
                                     [lambda data: read_sizes.append(len(data))])
    assert got == decoder.passings()[journaled:]  # every passing of the tail, once, in order
    assert reader.resend_requests == [(decoder.first_passing_number + journaled, RESEND_TO_NEWEST)]
    assert len(decoder.memory) - journaled > 2000
    assert reader.decoder.bulk_min_bytes == BULK_MIN_BYTES and max(read_sizes) >= BULK_MIN_BYTES  # reads the bulk path takes


def test_each_reads_events_go_to_the_read_listeners_together():
    reads: list[int] = []
    batches: list[list] = []
    decoder, reader, got = _catch_up(FieldConfig(cars=60, seed=3, minutes=60), 5, [lambda data: reads.append(len(data))],
                                     [lambda events: batches.append(list(events))])
    delivered = [event for batch in batches for event in batch]
    assert [e._replace(host_time_ns=0, source="") for e in delivered if isinstance(e, Passing)] == got  # all, in order
    assert len(batches) <= len(reads)  # one call a read at most (a read of half a frame completes nothing)
    assert max(map(len, batches)) > 100  # the catch-up burst came in reads of hundreds, each handed over whole
    assert all(isinstance(e, (Passing, DecoderStatus, DecoderErrorReport)) for e in delivered)  # no link states


def test_a_first_connect_without_history_asks_for_nothing_old():
    decoder = VirtualDecoder(FieldConfig(cars=6, seed=2, minutes=6))
    collector = Collector()
    with serving(decoder) as server:
        assert server.finished.wait(20)
        with reading(server.url, [collector]) as reader:
            collector.wait_for(lambda events: sum(isinstance(e, DecoderStatus) for e in events) >= 3)
    assert reader.resend_requests == []
    assert collector.passings == []


def test_passings_made_while_the_link_was_down_at_the_session_end_arrive_after_the_reconnect():
    decoder = VirtualDecoder(FieldConfig(cars=8, seed=4, minutes=6))
    gate = Gate(decoder, stops=[12])
    backoff = GatedBackoff()
    collector = Collector()
    with serving(decoder, gate) as server, reading(server.url, [collector], backoff=backoff) as reader:
        _link_dropped_after(12, gate, server, collector)
        gate.release[12].set()  # the rest of the session, to its last passing, while nobody listens
        assert server.finished.wait(20)
        backoff.allowed.set()
        assert server.wait_for_connections(2, 20)
        collector.wait_for(has_passings(len(decoder.memory)))
    collector.drain()
    first = decoder.first_passing_number
    assert [p._replace(host_time_ns=0, source="") for p in collector.passings] == decoder.passings()
    assert reader.resend_requests == [(first + 12, RESEND_TO_NEWEST)]


class SilentOnResend(VirtualDecoder):
    """A decoder that ignores RESEND altogether."""

    def answer(self, request):
        return b""


@pytest.mark.parametrize("make", [lambda c: VirtualDecoder(c, answers_resend=False), SilentOnResend],
                         ids=["error", "silent"])
def test_a_decoder_that_cannot_resend_does_not_hold_the_reader_up(make):
    decoder = make(FieldConfig(cars=6, seed=2, minutes=6))
    gate = Gate(decoder, stops=[10])
    collector = Collector()
    with serving(decoder, gate) as server:
        gate.start.set()
        assert gate.reached[10].wait(20)  # ten passings made before anyone listens
        first, made_before = decoder.first_passing_number, 10
        with reading(server.url, [collector], last_seen={decoder.decoder_id: first + 4}) as reader:
            assert server.wait_for_connections(1, 20)
            gate.release[10].set()
            assert server.finished.wait(20)
            collector.wait_for(has_passings(len(decoder.memory) - made_before))
            if not decoder.answers_resend:
                collector.wait_for(lambda events: any(isinstance(e, DecoderErrorReport) for e in events))
    collector.drain()
    assert reader.resend_requests[0] == (first + 5, RESEND_TO_NEWEST)
    got = [p._replace(host_time_ns=0, source="") for p in collector.passings]
    assert got == decoder.passings()[made_before:]  # the live ones all came, in order; the tail could not
    codes = {e.code for e in collector.events if isinstance(e, DecoderErrorReport)}
    assert codes == (set() if decoder.answers_resend else {ERROR_TOR_UNKNOWN})
    # held behind the gap, then handed over without it: the link says which passings never came
    why = "not resent within 1 s" if decoder.answers_resend else "refused by the decoder"
    details = [e.detail for e in collector.events if isinstance(e, LinkStatus) and why in e.detail]
    assert details and details[0].startswith(f"decoder {decoder.decoder_id}: 5 of passings {first + 5}-{first + 9} ")
    assert not reader.held.holds


def test_live_passings_heard_before_the_resent_ones_are_held_and_delivered_in_number_order():
    decoder = LateToResend(FieldConfig(cars=8, seed=6, minutes=10))
    gate = Gate(decoder, stops=[10, 25, 30])
    decoder.answer_after(gate.reached[30])  # the answer leaves after live passings 26..30
    backoff = GatedBackoff()
    collector = Collector()
    with serving(decoder, gate) as server, reading(server.url, [collector], backoff=backoff) as reader:
        _link_dropped_after(10, gate, server, collector)
        gate.release[10].set()  # 11..25 made while nobody listens
        assert gate.reached[25].wait(20)
        backoff.allowed.set()
        assert server.wait_for_connections(2, 20)
        gate.release[25].set()
        assert gate.reached[30].wait(20)
        gate.release[30].set()
        assert server.finished.wait(20)
        collector.wait_for(has_passings(len(decoder.memory)))
    collector.drain()
    first = decoder.first_passing_number
    assert [p.passing_number for p in collector.passings] == list(range(first, first + len(decoder.memory)))
    assert not reader.held.holds
    assert not [e.detail for e in collector.events if isinstance(e, LinkStatus) and e.detail
                and e.state is LinkState.CONNECTED]  # the gap was filled: nothing to say


def test_passings_held_when_the_reader_stops_are_delivered_before_it_ends():
    decoder = LateToResend(FieldConfig(cars=6, seed=2, minutes=6))
    never = threading.Event()
    decoder.answer_after(never)  # the decoder never gets round to answering
    gate = Gate(decoder, stops=[10])
    collector = Collector()
    first = decoder.first_passing_number
    with serving(decoder, gate) as server:
        try:
            gate.start.set()
            assert gate.reached[10].wait(20)  # made before anyone listens; the journal has 1..5, so 6..10 are the gap
            with reading(server.url, [collector], last_seen={decoder.decoder_id: first + 4},
                         hold_silence_s=60) as reader:  # a wait far longer than the test
                assert server.wait_for_connections(1, 20)
                gate.release[10].set()
                assert server.finished.wait(20)
                live = len(decoder.memory) - 10
                hold = reader.held.holds
                wait_until(lambda: decoder.decoder_id in hold and len(hold[decoder.decoder_id].passings) == live,
                           f"the reader holds the {live} live passings")
                collector.drain()
                assert collector.passings == []  # everything live is held behind the gap
        finally:
            never.set()  # the reader has stopped: let the decoder's answer go, so its server stops at once
    collector.wait_for(has_state(LinkState.ENDED))
    got = [p._replace(host_time_ns=0, source="") for p in collector.passings]
    assert got == decoder.passings()[10:]  # handed over at the stop, in order, none lost
    notes = [e.detail for e in collector.events if isinstance(e, LinkStatus) and e.detail]
    assert notes == [f"decoder {decoder.decoder_id}: 5 of passings {first + 5}-{first + 9} not resent before "
                     f"the reader stopped; {live} held passing(s) shown without them"]


def test_a_gap_unanswered_when_the_link_dropped_is_asked_for_again_on_the_next_connection():
    decoder = SilentUntilAllowed(FieldConfig(cars=6, seed=2, minutes=6))
    gate = Gate(decoder, stops=[10, 20])
    backoff = GatedBackoff()
    collector = Collector()
    first = decoder.first_passing_number
    with serving(decoder, gate) as server:
        gate.start.set()
        assert gate.reached[10].wait(20)  # made before anyone listens; the journal has 1..5, so 6..10 are the gap
        with reading(server.url, [collector], last_seen={decoder.decoder_id: first + 4}, backoff=backoff,
                     hold_silence_s=60) as reader:
            assert server.wait_for_connections(1, 20)
            gate.release[10].set()
            assert gate.reached[20].wait(20)  # 11..20 live, held behind the gap the decoder does not answer
            hold = reader.held.holds
            wait_until(lambda: decoder.decoder_id in hold and len(hold[decoder.decoder_id].passings) == 10,
                       "the reader holds the ten live passings")
            server.drop_client()  # the link drops before any answer: 11..20 go through without 6..10
            collector.wait_for(has_state(LinkState.RECONNECTING))
            asked_before = len(reader.resend_requests)
            decoder.answering.set()
            backoff.allowed.set()
            assert server.wait_for_connections(2, 20)
            gate.release[20].set()
            assert server.finished.wait(20)
            collector.wait_for(has_passings(len(decoder.memory) - 5))
    collector.drain()
    numbers = [p.passing_number for p in collector.passings]
    assert sorted(numbers) == list(range(first + 5, first + len(decoder.memory)))  # 6..10 came after all
    assert len(numbers) == len(set(numbers))
    assert (first + 5, first + 9) in reader.resend_requests[asked_before:]  # asked again on the new connection
