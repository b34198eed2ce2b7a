"""The cyclic garbage collector's thresholds for a timing process, set once by the program's entry point.

Live timing keeps what it builds (each car's laps, the standings), so nearly every young object
survives, and CPython's default (a young collection every 700 net allocations) ran one about
every 140 passings on the live bench: 68 young collections (0.4 ms each, up to 1.2 ms) and 6
older ones (1-2 ms) over 9,300 passings, each inside one passing's path from the decoder to the
screen. At 10,000 there were 4, of about 2 ms each. Cyclic garbage waits a little longer to be
freed (10,000 objects at most, a few MB); reference counting frees everything else at once.

A library never sets this: it is the whole process's policy, so only ``laptiming``'s entry point
(and the live bench, which measures the path as that command runs it) calls :func:`use_live_thresholds`.
"""

from __future__ import annotations

import gc

LIVE_THRESHOLDS = (10_000, 10, 10)  # young, then how many young/middle collections before an older one


def use_live_thresholds() -> None:
    """Collect the young generation every 10,000 net allocations instead of 700 (see the module docstring)."""
    gc.set_threshold(*LIVE_THRESHOLDS)
