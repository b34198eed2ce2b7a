"""A virtual decoder: numbers the field's loop reads and emits the exact bytes a real one sends.

STATUS about every 5 s, monotonically increasing passing numbers, and a memory of every passing
it has made so it can answer RESEND, including the open range FROM..``RESEND_TO_NEWEST`` ("all
you have from FROM on") a reader sends for the tail it missed. With faults on, the cable adds
noise bytes and now and then corrupts a frame (the passing stays in the decoder's memory, as on a
real one, so RESEND gets it back). ``answers_resend=False`` models a decoder without RESEND: it
rejects the request with an ERROR record, as skoky's real sample does for an unknown TOR.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

from hardware import p3, p98
from hardware.errors import FrameError
from hardware.events import DecoderErrorReport, DecoderStatus, Passing
from hardware.framing import Protocol
from hardware.simulator.field import DEFAULT_START_US, US, FieldConfig, crossings
from hardware.transports.base import Piece

STATUS_EVERY_US = 5 * US
NOISE_EVERY_US = (20 * US, 60 * US)
CORRUPT_RATE = 0.01
ERROR_TOR_UNKNOWN = 4  # P3 ERROR code "TOR unknown" (protocols.md §1.9)
P3_DECODER_ID = 0x00041813  # the simulator's decoder id on P3
P98_DECODER_ID = 1  # ... and on P98, whose records carry a small decoder number
FIRST_P3_PASSING = 10_001  # a P3 decoder's first passing number; P98 numbers are its record sequence, from 0
P98_SWITCHED_ON_US = DEFAULT_START_US - 3600 * US  # a P98 clock counts from power-on, an hour before 09:00


SIMULATED_PROTOCOLS = (Protocol.P3, Protocol.P98)  # what the virtual decoder can speak (no Protime)


def simulator_decoder_id(protocol: Protocol | str) -> int:
    """The decoder id the simulator speaks with on this protocol (what its passings are journaled under)."""
    return P98_DECODER_ID if Protocol(protocol) is Protocol.P98 else P3_DECODER_ID


def field_time_us(protocol: Protocol | str, decoder_clock_us: int) -> int:
    """A time on the simulator's decoder clock as field time (they differ on P98, which counts from power-on)."""
    return decoder_clock_us + P98_SWITCHED_ON_US if Protocol(protocol) is Protocol.P98 else decoder_clock_us


class VirtualDecoder:
    """Turns a simulated field into wire bytes, in decoder-time order, and answers RESEND."""

    def __init__(
        self,
        config: FieldConfig,
        protocol: Protocol | str = Protocol.P3,
        decoder_id: int = P3_DECODER_ID,
        first_passing_number: int | None = None,
        *,
        answers_resend: bool = True,
        quiet_until_us: int | None = None,
    ) -> None:
        self.config = config
        self.protocol = Protocol(protocol)
        if self.protocol not in SIMULATED_PROTOCOLS:  # it would send P3 bytes under another name
            names = " or ".join(p.value for p in SIMULATED_PROTOCOLS)
            raise ValueError(f"the simulator speaks {names}, not {self.protocol.value}")
        self.decoder_id = decoder_id if self.protocol is Protocol.P3 else P98_DECODER_ID
        default_first = FIRST_P3_PASSING if self.protocol is Protocol.P3 else 0
        self.first_passing_number = default_first if first_passing_number is None else first_passing_number
        # A resumed session's stream: nothing stamped up to this decoder time is sent again (it is journaled).
        self.quiet_until_us = quiet_until_us
        self.answers_resend = answers_resend
        self.memory: dict[int, Passing] = {}  # written by the timeline, read by answer(): under _lock
        self._lock = threading.Lock()
        self._last_status = DecoderStatus(self.decoder_id, noise=35, temperature=24, input_voltage_dv=120, gps=False,
                                          sequence=0)
        self._next_sequence = 0

    def _encode(self, event: Passing | DecoderStatus) -> bytes:
        if self.protocol is Protocol.P98:
            return p98.encode_passing(event) if isinstance(event, Passing) else p98.encode_status(event)
        return p3.encode_passing(event) if isinstance(event, Passing) else p3.encode_status(event)

    def _clock(self, decoder_time_us: int) -> int:
        # P98 decoders count seconds since they were switched on, not wall time.
        if self.protocol is Protocol.P98:
            return decoder_time_us - P98_SWITCHED_ON_US
        return decoder_time_us

    def timeline(self) -> Iterator[Piece]:
        """Every piece of the byte stream with the decoder time it is sent at (after ``quiet_until_us``)."""
        quiet_until = self.quiet_until_us
        for piece in self._full_timeline():
            if quiet_until is None or piece[1] is None or self._clock(piece[1]) > quiet_until:
                yield piece

    def _full_timeline(self) -> Iterator[Piece]:
        """The whole stream from the start of the session (the memory fills as it goes)."""
        rng = random.Random(self.config.seed * 7919 + 1)
        number = self.first_passing_number
        sequence = 0 if self.protocol is Protocol.P3 else self.first_passing_number
        next_status = self.config.start_us
        next_noise = self.config.start_us + rng.randint(*NOISE_EVERY_US)
        noise = 35
        for crossing in crossings(self.config):
            while next_status <= crossing.decoder_time_us:
                noise = min(62, max(22, noise + rng.randint(-3, 3)))
                status = DecoderStatus(self.decoder_id, noise=noise, temperature=24 + sequence % 3,
                                       input_voltage_dv=rng.randint(118, 122), gps=False, sequence=sequence)
                sequence += self.protocol is Protocol.P98
                self._last_status, self._next_sequence = status, sequence
                yield self._encode(status), next_status
                next_status += STATUS_EVERY_US
            if self.config.faults and next_noise <= crossing.decoder_time_us:
                yield rng.randbytes(rng.randint(3, 30)), next_noise
                next_noise += rng.randint(*NOISE_EVERY_US)
            number = sequence if self.protocol is Protocol.P98 else number
            passing = Passing(self.decoder_id, number, crossing.transponder, self._clock(crossing.decoder_time_us),
                              crossing.strength, crossing.hits)
            with self._lock:
                self.memory[number] = passing
            sequence += 1
            self._next_sequence = sequence
            number += 1
            wire = self._encode(passing)
            if self.config.faults and self.protocol is Protocol.P3 and rng.random() < CORRUPT_RATE:
                where = rng.randrange(12, len(wire) - 1)
                wire = wire[:where] + bytes([wire[where] ^ 0x10]) + wire[where + 1 :]
            yield wire, crossing.decoder_time_us

    def passings(self) -> list[Passing]:
        """Every passing the decoder has produced so far (all of them, once the timeline ran)."""
        with self._lock:
            return [self.memory[number] for number in sorted(self.memory)]

    def heartbeat(self) -> bytes:
        """One more STATUS record, as a decoder keeps sending after the cars have gone in."""
        status = self._last_status
        if self.protocol is Protocol.P98:
            status = DecoderStatus(status.decoder_id, status.noise, status.temperature, status.input_voltage_dv,
                                   status.gps, self._next_sequence)
            self._next_sequence += 1
        return self._encode(status)

    def answer(self, request: p3.P3Record) -> bytes:
        """The bytes to send back for a client's request: the stored passings in a RESEND's range.

        The range is inclusive and may be open (UNTIL = ``RESEND_TO_NEWEST``): only the numbers
        the decoder holds are sent, in order, so an open range costs no more than a closed one.
        """
        if request.tor != p3.Tor.RESEND:
            return b""
        if not self.answers_resend:
            return p3.encode_error(DecoderErrorReport(self.decoder_id, ERROR_TOR_UNKNOWN, "TOR Unknown"))
        try:
            first, last = p3.resend_range(request)
        except FrameError:
            return b""
        with self._lock:
            held = sorted(n for n in self.memory if first <= n <= last)
            stored = [self.memory[n] for n in held]
        return b"".join(p3.encode_passing(passing) for passing in stored)


class RequestReader:
    """Splits the bytes a client sends to a decoder into P3 records (RESEND, GET_TIME, ...)."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[p3.P3Record]:
        """Records completed by ``data``; broken ones are ignored, as a decoder would."""
        buffer = self._pending + data
        records = []
        pos = 0
        while True:
            end, frame, _ = p3.next_frame(buffer, pos)
            if frame is not None:
                try:
                    records.append(p3.decode_record(frame))
                except FrameError:
                    pass
            elif end == pos:
                break
            pos = end
        self._pending = buffer[pos:][-4096:]
        return records
