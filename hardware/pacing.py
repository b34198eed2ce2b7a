"""Replaying decoder time on the host clock: how long to wait before the next piece is due.

Used by paced replays (``file://...?speed=N``) and the simulator, never by the lap engine:
laps only ever use decoder time.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Pacer:
    """Maps decoder microseconds onto host monotonic seconds at ``speed`` x real time.

    The first decoder time seen is "now"; ``speed <= 0`` means as fast as possible.
    """

    def __init__(self, speed: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.speed = speed
        self._clock = clock
        self._origin: tuple[int, float] | None = None

    def delay(self, decoder_time_us: int | None) -> float:
        """Seconds from now until a piece stamped ``decoder_time_us`` is due (0 when due)."""
        if self.speed <= 0 or decoder_time_us is None:
            return 0.0
        now = self._clock()
        if self._origin is None:
            self._origin = (decoder_time_us, now)
            return 0.0
        origin_us, origin_host = self._origin
        due = origin_host + (decoder_time_us - origin_us) / 1e6 / self.speed
        return max(0.0, due - now)
