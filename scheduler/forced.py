"""Runs each driver must place inside a stretch of slots, whatever the roster: rest-aware.

Outside a stretch ``[a, b)`` of slots, a driver's window holds at most ``room`` of their runs
with the plan's rest between them: earliest-first before the stretch and latest-first after
it (each is the most runs that fit there), one fewer when the last run before and the first
after are too close. The driver's other runs are *forced* into the stretch. A driver whose
window lies inside the stretch has all runs forced there, so this generalises windows; and
it sees rest: three runs with two slots of rest in a seven-slot window are pinned to its
first, fourth and seventh slots, and drivers pinned to the same slots compete for seats.
"""

from __future__ import annotations

import numpy as np

from scheduler.problem import Problem


def _minutes(problem: Problem) -> tuple[list[int], list[int]]:
    """Start and end of every slot, in minutes from the first slot's start."""
    base = problem.slots[0].start
    starts = [int((s.start - base).total_seconds() // 60) for s in problem.slots]
    ends = [int((s.end - base).total_seconds() // 60) for s in problem.slots]
    return starts, ends


def forced_runs(problem: Problem) -> np.ndarray:
    """``forced[d, a, b]``: runs driver ``d`` must place in slots ``a .. b-1`` (0 unless ``a < b``)."""
    slot_count = len(problem.slots)
    driver_count = len(problem.drivers)
    starts, ends = _minutes(problem)
    rest = problem.plan.min_rest_minutes
    shape = (driver_count, slot_count + 1)
    before_count = np.zeros(shape, dtype=np.int32)  # most runs in the window before slot a
    before_end = np.zeros(shape, dtype=np.int64)  # end of the earliest possible last of them
    after_count = np.zeros(shape, dtype=np.int32)  # most runs in the window from slot b on
    after_start = np.zeros(shape, dtype=np.int64)  # start of the latest possible first of them
    for driver in problem.drivers:
        allowed = set(driver.allowed)
        count, last_end = 0, None
        for slot in range(slot_count):
            if slot in allowed and (last_end is None or starts[slot] >= last_end + rest):
                count, last_end = count + 1, ends[slot]
            before_count[driver.index, slot + 1] = count
            before_end[driver.index, slot + 1] = last_end or 0
        count, first_start = 0, None
        for slot in range(slot_count - 1, -1, -1):
            if slot in allowed and (first_start is None or first_start >= ends[slot] + rest):
                count, first_start = count + 1, starts[slot]
            after_count[driver.index, slot] = count
            after_start[driver.index, slot] = first_start or 0
    clash = ((before_count[:, :, None] > 0) & (after_count[:, None, :] > 0)
             & (after_start[:, None, :] < before_end[:, :, None] + rest))
    room = before_count[:, :, None] + after_count[:, None, :] - clash
    runs = np.array([d.runs for d in problem.drivers], dtype=np.int32)
    forced = np.maximum(0, runs[:, None, None] - room)
    forced[:, ~np.triu(np.ones((slot_count + 1, slot_count + 1), dtype=bool), 1)] = 0
    return forced.astype(np.int32)
