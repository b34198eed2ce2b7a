"""A live source cannot be checked first: an endless line or a flood is dropped garbage, in bounded memory.

A real loopback TCP "decoder" sends a good record, then megabytes of one line with no end (or a
flood of start bytes), then another good record. Both records come out, the junk is counted,
and the reader never holds more than a capped buffer.
"""

from __future__ import annotations

import socket
import threading
import tracemalloc

import pytest

from hardware import Passing, p98, protime
from hardware.drops import DropReason
from hardware.p3 import encode_passing as p3_passing
from hardware.reader import DecoderReader

from .collect import Collector, has_passings

JUNK_BYTES = 8_000_000
MEMORY_BOUND = 2_000_000


def serve_once(data: bytes) -> tuple[str, threading.Thread]:
    """A one-shot loopback server that sends ``data`` to its first client, then closes."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def run() -> None:
        with listener:
            client, _ = listener.accept()
            with client:
                client.sendall(data)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return f"127.0.0.1:{port}", thread


def passing(number: int) -> Passing:
    return Passing(101, number, 93367, 52_083_691_000 + number * 60_000_000, 44, 40)  # fits every protocol


CASES = {
    # protocol: (encode, junk, drops it must count)
    "p98 endless line": (p98.encode_passing, b"\x01@\t" + b"7" * JUNK_BYTES,
                         {DropReason.OVERSIZE: 1, DropReason.GARBAGE: 1}),
    "p98 line of text with no SOH": (p98.encode_passing, b"x" * JUNK_BYTES + b"\r\n", {DropReason.GARBAGE: 1}),
    "protime endless line": (protime.encode_passing, b"<" + b"9" * JUNK_BYTES,  # the CR LF after a record is no drop
                             {DropReason.OVERSIZE: 1, DropReason.GARBAGE: 1}),
    "p3 flood of start bytes": (p3_passing, b"\x8e" * JUNK_BYTES, {DropReason.TRUNCATED: JUNK_BYTES}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_live_source_drops_junk_in_bounded_memory(case):
    encode, junk, drops = CASES[case]
    protocol = case.split()[0]
    first, second = passing(1), passing(2)
    if protocol == "protime":
        first, second = first._replace(decoder_id=protime.channel_id("B01"), passing_number=1), \
            second._replace(decoder_id=protime.channel_id("B01"), passing_number=2)
    sent = encode(first) + junk + encode(second)
    address, server = serve_once(sent)
    collector = Collector()
    reader = DecoderReader(f"tcp://{address}?protocol={protocol}", [collector])
    tracemalloc.start()
    try:
        reader.start()
        collector.wait_for(has_passings(2))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        reader.stop()
        reader.join(5)
        server.join(5)
    got = [(p.transponder, p.decoder_time_us) for p in collector.passings]
    assert got == [(first.transponder, first.decoder_time_us), (second.transponder, second.decoder_time_us)]
    assert dict(reader.decoder.dropped) == drops
    decoder = reader.decoder
    assert decoder.bytes_decoded + sum(decoder.bytes_dropped.values()) + decoder.buffered == len(sent)
    assert sum(decoder.bytes_dropped.values()) >= len(junk)
    assert peak < MEMORY_BOUND, f"{peak:,} bytes at the peak while {len(junk):,} bytes of junk went by"
