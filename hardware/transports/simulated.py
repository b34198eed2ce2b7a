"""``sim://?cars=20&seed=7&speed=10&minutes=20&faults=1``: the simulator as an in-process decoder.

``transponders=3100222,3100259`` drives those transponders (an event's entries) instead of random ones.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from hardware.errors import DecoderOpenError
from hardware.simulator.field import FieldConfig
from hardware.simulator.virtual_decoder import RequestReader, VirtualDecoder
from hardware.transports.base import PacedSource, Piece
from hardware.urls import DecoderUrl


def field_config_from_url(url: DecoderUrl) -> FieldConfig:
    """The simulated session a ``sim://`` URL asks for."""
    transponders = _transponders(url)
    try:
        return FieldConfig(
            cars=url.integer("cars", len(transponders) or 20, minimum=1),
            transponders=transponders,
            seed=url.integer("seed", 7),
            minutes=url.number("minutes", 20.0),
            faults=url.flag("faults"),
        )
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

    can_resend = True

    def __init__(self, url: DecoderUrl) -> None:
        super().__init__(url.number("speed", 1.0))
        self.name = url.text
        self.decoder = VirtualDecoder(field_config_from_url(url), url.protocol)
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
