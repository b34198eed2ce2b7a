"""Mapping the host clock to decoder time, learned from arriving passings, for flags set by hand.

Each passing carries its decoder time and the host time it arrived. The host always receives
a passing a little after the decoder stamped it, so ``decoder - host`` is at most the true
offset; the largest value seen is the best estimate (the least-delayed packet). Pure: it is
fed samples and asked questions, it never reads a clock itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hardware.events import Passing

NS_PER_US = 1_000


@dataclass(frozen=True, slots=True)
class ClockMap:
    """Best estimate so far of ``decoder time - host time`` in microseconds (None until a sample)."""

    offset_us: int | None = None

    def learn(self, passing: Passing) -> ClockMap:
        """This map improved by one arriving passing (passings without a host time are ignored)."""
        if not passing.host_time_ns:
            return self
        sample = passing.decoder_time_us - passing.host_time_ns // NS_PER_US
        if self.offset_us is None or sample > self.offset_us:
            return ClockMap(sample)
        return self

    def learn_all(self, passings: Iterable[Passing]) -> ClockMap:
        """This map improved by many passings."""
        clock = self
        for passing in passings:
            clock = clock.learn(passing)
        return clock

    def decoder_time_us(self, host_time_ns: int) -> int | None:
        """The decoder time at this host moment, or None when no passing has taught the offset yet."""
        if self.offset_us is None:
            return None
        return host_time_ns // NS_PER_US + self.offset_us
