"""``sim://?cars=20&seed=7&speed=10&minutes=20&faults=1``: the simulator as an in-process decoder.

``transponders=3100222,3100259`` drives those transponders (an event's entries) instead of random ones.
A decoder never repeats a passing: ``after-passing=N&after-time=US`` (what a journal already holds of this
decoder: its highest passing number, its latest decoder time) makes the counter start at N+1 and the field
leave the pits on the next whole minute at least a minute after US, as a real decoder's counter and clock
have moved on. ``resume-after=US`` sends nothing stamped at or before US (a resumed session's stream: the
same bytes as before, from where the journal stands).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from hardware.errors import DecoderOpenError
from hardware.simulator.field import US, FieldConfig
from hardware.simulator.virtual_decoder import RequestReader, VirtualDecoder, field_time_us
from hardware.transports.base import PacedSource, Piece
from hardware.urls import DecoderUrl


def field_config_from_url(url: DecoderUrl) -> FieldConfig:
    """The simulated session a ``sim://`` URL asks for."""
    transponders = _transponders(url)
    after_time = url.integer("after-time", -1, minimum=-1)
    start = {} if after_time < 0 else {"start_us": _start_after(field_time_us(url.protocol, after_time))}
    try:
        return FieldConfig(
            cars=url.integer("cars", len(transponders) or 20, minimum=1),
            transponders=transponders,
            seed=url.integer("seed", 7),
            minutes=url.number("minutes", 20.0),
            faults=url.flag("faults"),
            **start,
        )
    except ValueError as err:
        raise DecoderOpenError(f"{url.text}: {err}") from err


def _start_after(field_us: int) -> int:
    """The first whole minute at least a minute after ``field_us``: a new session's cars leave the pits."""
    minute = 60 * US
    return -(-(field_us + minute) // minute) * minute


def virtual_decoder_from_url(url: DecoderUrl) -> VirtualDecoder:
    """The virtual decoder a ``sim://`` URL asks for: its field, protocol, first passing number and resume point."""
    after_passing = url.integer("after-passing", -1, minimum=-1)
    resume_after = url.integer("resume-after", -1, minimum=-1)
    try:
        return VirtualDecoder(field_config_from_url(url), url.protocol,
                              first_passing_number=None if after_passing < 0 else after_passing + 1,
                              quiet_until_us=None if resume_after < 0 else resume_after)
    except ValueError as err:
        raise DecoderOpenError(f"{url.text}: {err}") from err


def _transponders(url: DecoderUrl) -> tuple[int, ...]:
    """``transponders=1,2,3`` as numbers (empty when not given)."""
    raw = url.params.get("transponders", "").strip()
    if not raw:
        return ()
    try:
        return tuple(int(part) for part in raw.split(","))
    except ValueError as err:
        raise DecoderOpenError(f"{url.text}: option transponders={raw!r} must be whole numbers "
                               "separated by commas") from err


class SimulatedDecoder(PacedSource):
    """The virtual decoder's bytes, paced at ``speed`` x real time (default 1); answers RESEND."""

    options = frozenset({"cars", "transponders", "seed", "minutes", "faults", "speed",
                         "after-passing", "after-time", "resume-after"})

    can_resend = True

    def __init__(self, url: DecoderUrl) -> None:
        super().__init__(url.number("speed", 1.0))
        self.name = url.text
        self.decoder = virtual_decoder_from_url(url)
        self._requests = RequestReader()
        self._answers: list[bytes] = []
        self._lock = threading.Lock()

    def pieces(self) -> Iterator[Piece]:
        for piece in self.decoder.timeline():
            yield from self._take_answers()
            yield piece
        yield from self._take_answers()

    def _take_answers(self) -> Iterator[Piece]:
        with self._lock:
            answers, self._answers = self._answers, []
        for answer in answers:
            yield answer, None

    def read(self, timeout: float) -> bytes | None:
        data = super().read(timeout)
        if data is None:
            # The session is over, but a decoder still answers the RESEND that its last bytes caused.
            late = b"".join(answer for answer, _ in self._take_answers())
            return late or None
        return data

    def write(self, data: bytes) -> None:
        for record in self._requests.feed(data):
            answer = self.decoder.answer(record)
            if answer:
                with self._lock:
                    self._answers.append(answer)
