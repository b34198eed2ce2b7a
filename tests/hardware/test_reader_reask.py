"""A gap the decoder was too busy to resend, asked for again on the same connection (over a real TCP link)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from hardware import LinkStatus
from hardware.events import DecoderErrorReport
from hardware.holdback import Reasks
from hardware.p3 import P3Record
from hardware.reader import DecoderReader
from hardware.simulator.field import FieldConfig
from hardware.simulator.serve import TcpDecoderServer
from hardware.simulator.virtual_decoder import VirtualDecoder

from .collect import Collector, has_passings, wait_until
from .gate import Gate, SilentUntilAllowed, reading, serving


def said(words: str):
    """A condition: a LinkStatus detail with these words has come."""
    return lambda events: any(isinstance(e, LinkStatus) and words in e.detail for e in events)


@contextmanager
def gap_given_up(decoder: VirtualDecoder) -> Iterator[tuple[TcpDecoderServer, DecoderReader, Collector]]:
    """Passings 1..10 made before the reader connects, 1..5 journaled: the decoder is silent about 6..10, so the
    reader hands the live passings over without them (after 0.3 s); it asks again after 0.2 s, then 0.4, 0.8, 1."""
    gate = Gate(decoder, stops=[10])
    collector = Collector()
    with serving(decoder, gate) as server:
        gate.start.set()
        assert gate.reached[10].wait(20)
        with reading(server.url, [collector], last_seen={decoder.decoder_id: decoder.first_passing_number + 4},
                     hold_silence_s=0.3, reasks=Reasks(first_s=0.2, cap_s=1.0)) as reader:
            assert server.wait_for_connections(1, 20)
            gate.release[10].set()
            collector.wait_for(said("not resent within 0.3 s"))  # the live passings went out without 6..10
            yield server, reader, collector


def test_a_gap_the_decoder_did_not_resend_in_time_is_asked_for_again_while_the_link_lasts():
    decoder = SilentUntilAllowed(FieldConfig(cars=6, seed=2, minutes=6))
    first = decoder.first_passing_number
    with gap_given_up(decoder) as (server, reader, collector):
        assert server.finished.wait(20)
        decoder.answering.set()  # the decoder catches up: an ask from now on is answered
        collector.wait_for(has_passings(len(decoder.memory) - 5))
        collector.wait_for(said("came when asked for again"))
    collector.drain()
    numbers = [p.passing_number for p in collector.passings]
    assert sorted(numbers) == list(range(first + 5, first + len(decoder.memory)))  # 6..10 came after all
    assert len(numbers) == len(set(numbers))
    assert numbers[-5:] == list(range(first + 5, first + 10))  # late, after every live one
    assert server.connections == 1  # asked again on the same connection, not after a reconnect
    assert reader.resend_requests.count((first + 5, first + 9)) >= 1
    [answered] = [e.detail for e in collector.events if isinstance(e, LinkStatus) and "asked for again;" in e.detail]
    assert answered == (f"decoder {decoder.decoder_id}: passings {first + 5}-{first + 9} came when asked for again; "
                        "their laps are counted")
    assert not reader.reasks.pending


class SilentThenRefusing(VirtualDecoder):
    """A decoder without RESEND, silent about it until the test lets it say so (an ERROR record)."""

    def __init__(self, config: FieldConfig) -> None:
        super().__init__(config, answers_resend=False)
        self.refusing = threading.Event()

    def answer(self, request: P3Record) -> bytes:
        """Nothing until allowed, then the refusal."""
        return super().answer(request) if self.refusing.is_set() else b""


def test_a_decoder_that_refuses_the_ask_again_is_not_asked_any_more():
    decoder = SilentThenRefusing(FieldConfig(cars=6, seed=2, minutes=6))
    first = decoder.first_passing_number
    with gap_given_up(decoder) as (_, reader, collector):
        asked_before = len(reader.resend_requests)
        decoder.refusing.set()  # the next ask gets an ERROR record
        collector.wait_for(lambda events: any(isinstance(e, DecoderErrorReport) for e in events))
        wait_until(lambda: not reader.reasks.pending, "the reader gives up asking")
    assert reader.resend_requests[asked_before:] == [(first + 5, first + 9)]  # asked again once, then no more
